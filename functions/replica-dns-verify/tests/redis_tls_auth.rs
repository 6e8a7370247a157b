//! The ROLE probe against real `redis-server` processes (Debian's, built with TLS) on
//! 127.0.0.1: TLS with a certificate made here by a CA made here, `requirepass`, a
//! replica over TLS, an RBAC user, and a plaintext node. Each test starts its own
//! servers and stops them by PID when it ends (a Drop guard), pass or fail.
//!
//! Issue 8, item 3: on TLS + AUTH groups the probe spoke plaintext without credentials,
//! so every verification reported drift.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use replica_dns_core::security::{parse_secret_string, Credentials, SecretText};
use replica_dns_verify::probe::role::{ask_role, RoleError, RoleTarget};
use replica_dns_verify::probe::tls::{TlsFailure, TlsTrust};

const TOKEN: &str = "Probe-Test-Token-0123456789";
const NODE_NAME: &str = "orders-002.probe.test";

fn redis_server() -> PathBuf {
    PathBuf::from(std::env::var("REDIS_SERVER").unwrap_or_else(|_| "/usr/bin/redis-server".into()))
}

/// A directory removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "replica-dns-probe-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA and a node certificate for [`NODE_NAME`] it signed, as PEM files.
struct Pki {
    ca_pem: String,
    cert: PathBuf,
    key: PathBuf,
    ca: PathBuf,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn pki(dir: &TempDir) -> Pki {
    let ca = ca("replica-dns probe test CA");
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![NODE_NAME.to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, NODE_NAME);
    let cert = params.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert: dir.write("node.pem", &cert.pem()),
        key: dir.write("node.key", &key.serialize_pem()),
        ca: dir.write("ca.pem", &ca.pem()),
    }
}

/// A running `redis-server`, killed by its PID on drop.
struct RedisServer {
    child: Child,
    addr: SocketAddr,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // `Child::kill` signals exactly this PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `redis-server` on 127.0.0.1 with `args` after the common ones (no
/// persistence, logs in `dir`) and waits until it accepts connections on its port.
fn start(dir: &TempDir, tls: Option<&Pki>, args: &[&str]) -> RedisServer {
    let port = free_port();
    let port_text = port.to_string();
    let log = dir.0.join(format!("redis-{port}.log"));
    let mut command = Command::new(redis_server());
    command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    command.arg("--dir").arg(&dir.0).arg("--logfile").arg(&log);
    match tls {
        Some(pki) => {
            command.args(["--port", "0", "--tls-port", &port_text]);
            command.arg("--tls-cert-file").arg(&pki.cert);
            command.arg("--tls-key-file").arg(&pki.key);
            command.arg("--tls-ca-cert-file").arg(&pki.ca);
            command.args(["--tls-auth-clients", "no"]);
        }
        None => {
            command.args(["--port", &port_text]);
        }
    }
    command.args(args);
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", redis_server().display()));
    let server = RedisServer {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&server.addr, Duration::from_millis(100)).is_err() {
        assert!(
            Instant::now() < deadline,
            "redis-server on port {port} did not start; log: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

/// A TLS + AUTH node as ElastiCache runs one with TransitEncryptionEnabled and an
/// AuthToken.
fn tls_auth_primary(dir: &TempDir, pki: &Pki) -> RedisServer {
    start(dir, Some(pki), &["--requirepass", TOKEN])
}

fn trusting(pki: &Pki) -> TlsTrust {
    TlsTrust::with_ca_pem(pki.ca_pem.as_bytes(), Path::new("test CA")).unwrap()
}

fn target(server: &RedisServer) -> RoleTarget<'static> {
    RoleTarget {
        addr: server.addr,
        server_name: NODE_NAME,
    }
}

fn token(text: &str) -> Credentials {
    parse_secret_string(&SecretText::new(text)).unwrap()
}

#[tokio::test]
async fn tls_with_the_right_token_finds_the_primary_and_the_replica() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let primary = tls_auth_primary(&dir, &pki);
    let primary_port = primary.addr.port().to_string();
    let replica = start(
        &dir,
        Some(&pki),
        &[
            "--requirepass",
            TOKEN,
            "--masterauth",
            TOKEN,
            "--tls-replication",
            "yes",
            "--replicaof",
            "127.0.0.1",
            &primary_port,
        ],
    );
    let trust = trusting(&pki);
    let credentials = token(&format!("{TOKEN}\n"));

    let role = ask_role(target(&primary), Some(&trust), Some(&credentials)).await;
    assert_eq!(role.unwrap(), "master");
    let role = ask_role(target(&replica), Some(&trust), Some(&credentials)).await;
    assert_eq!(role.unwrap(), "slave");
}

#[tokio::test]
async fn an_rbac_user_authenticates_with_username_and_password() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let acl = dir.write(
        "users.acl",
        "user default off\nuser probe on >Probe-User-Password-0123 -@all +role\n",
    );
    let acl = acl.to_string_lossy().into_owned();
    let node = start(&dir, Some(&pki), &["--aclfile", &acl]);
    let trust = trusting(&pki);

    let user = token(r#"{"username": "probe", "password": "Probe-User-Password-0123"}"#);
    let role = ask_role(target(&node), Some(&trust), Some(&user)).await;
    assert_eq!(role.unwrap(), "master");

    // The disabled default user cannot run ROLE: the probe says so, it does not call it
    // a wrong role.
    let err = ask_role(target(&node), Some(&trust), None)
        .await
        .unwrap_err();
    assert!(err.is_access_refusal(), "{err:?}");
    assert!(
        err.to_string().contains("NOAUTH") || err.to_string().contains("NOPERM"),
        "{err}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_an_auth_refusal_quoting_the_server() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let node = tls_auth_primary(&dir, &pki);
    let trust = trusting(&pki);
    let wrong = token("Not-The-Token-0123456789");

    let err = ask_role(target(&node), Some(&trust), Some(&wrong))
        .await
        .unwrap_err();

    assert!(matches!(err, RoleError::AuthRefused { .. }), "{err:?}");
    assert!(err.is_access_refusal() && err.is_auth_failure());
    let message = err.to_string();
    assert!(
        message.starts_with("AUTH was refused: the server replied \"WRONGPASS "),
        "{message}"
    );
    assert!(!message.contains("Not-The-Token"), "{message}");
}

#[tokio::test]
async fn no_token_for_a_node_that_requires_one_is_a_noauth_refusal() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let node = tls_auth_primary(&dir, &pki);

    let err = ask_role(target(&node), Some(&trusting(&pki)), None)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, RoleError::NotAllowed { code, .. } if code == "NOAUTH"),
        "{err:?}"
    );
    assert!(err.is_access_refusal());
}

#[tokio::test]
async fn a_plaintext_server_where_tls_is_expected_is_a_tls_refusal() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let plaintext = start(&dir, None, &[]);

    let err = ask_role(target(&plaintext), Some(&trusting(&pki)), None)
        .await
        .unwrap_err();

    assert!(
        matches!(err, RoleError::Tls(TlsFailure::NotTls { .. })),
        "{err:?}"
    );
    assert!(err.is_access_refusal());
    assert!(err.to_string().contains("did not answer with TLS"), "{err}");
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_a_certificate_refusal() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let node = tls_auth_primary(&dir, &pki);
    let credentials = token(TOKEN);
    let other_ca = ca("some other CA").pem();

    for trust in [
        TlsTrust::public_roots(),
        TlsTrust::with_ca_pem(other_ca.as_bytes(), Path::new("/etc/other-ca.pem")).unwrap(),
    ] {
        let err = ask_role(target(&node), Some(&trust), Some(&credentials))
            .await
            .unwrap_err();
        assert!(
            matches!(err, RoleError::Tls(TlsFailure::Untrusted { .. })),
            "{err:?}"
        );
        assert!(err.is_access_refusal());
        assert!(
            err.to_string().contains("REPLICA_DNS_PROBE_CA_FILE"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_name_mismatch_refusal() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let node = tls_auth_primary(&dir, &pki);
    let elsewhere = RoleTarget {
        addr: node.addr,
        server_name: "orders-003.probe.test",
    };

    let err = ask_role(elsewhere, Some(&trusting(&pki)), Some(&token(TOKEN)))
        .await
        .unwrap_err();

    assert!(
        matches!(&err, RoleError::Tls(TlsFailure::NameMismatch { name, .. }) if name == "orders-003.probe.test"),
        "{err:?}"
    );
    assert!(err.is_access_refusal());
}
