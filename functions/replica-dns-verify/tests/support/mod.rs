//! What the probe's tests against real `redis-server` share: a temporary directory, a
//! CA and a node certificate made with rcgen, `redis-server` processes stopped by PID on
//! drop, and a tiny DNS responder for the probe's resolver. Test support only.

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses part of it; a failed unwrap is a failed test

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use replica_dns_core::security::{parse_secret_string, Credentials, SecretText};
use replica_dns_verify::probe::role::RoleTarget;
use replica_dns_verify::probe::tls::TlsTrust;

pub const TOKEN: &str = "Probe-Test-Token-0123456789";
pub const NODE_NAME: &str = "orders-002.probe.test";

pub fn redis_server() -> PathBuf {
    PathBuf::from(std::env::var("REDIS_SERVER").unwrap_or_else(|_| "/usr/bin/redis-server".into()))
}

/// A directory removed when the test ends.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "replica-dns-probe-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
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
pub struct Pki {
    pub ca_pem: String,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

pub fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

pub fn pki(dir: &TempDir) -> Pki {
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
pub struct RedisServer {
    child: Child,
    pub addr: SocketAddr,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // `Child::kill` signals exactly this PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `redis-server` on 127.0.0.1 with `args` after the common ones (no
/// persistence, logs in `dir`) and waits until it accepts connections on its port.
///
/// The port is free when chosen but may be taken before redis binds it (tests and
/// other processes run in parallel); redis then exits, and whatever took the port would
/// answer the readiness check. So a start only counts when our child is still running
/// after the check; otherwise it is retried on another port.
pub fn start(dir: &TempDir, tls: Option<&Pki>, args: &[&str]) -> RedisServer {
    for _ in 0..5 {
        if let Some(server) = start_once(dir, tls, args) {
            return server;
        }
    }
    panic!("redis-server could not bind a free port in 5 attempts");
}

fn start_once(dir: &TempDir, tls: Option<&Pki>, args: &[&str]) -> Option<RedisServer> {
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
    let mut server = RedisServer {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&server.addr, Duration::from_millis(100)).is_err() {
        if server.child.try_wait().ok().flatten().is_some() {
            return None; // exited: most likely the port was taken meanwhile
        }
        assert!(
            Instant::now() < deadline,
            "redis-server on port {port} did not start; log: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Something accepts on the port; make sure it is our redis, not a process that took
    // the port first (redis would have exited on the failed bind by now).
    std::thread::sleep(Duration::from_millis(50));
    if server.child.try_wait().ok().flatten().is_some() {
        return None;
    }
    Some(server)
}

/// A TLS + AUTH node as ElastiCache runs one with TransitEncryptionEnabled and an
/// AuthToken.
pub fn tls_auth_primary(dir: &TempDir, pki: &Pki) -> RedisServer {
    start(dir, Some(pki), &["--requirepass", TOKEN])
}

pub fn trusting(pki: &Pki) -> TlsTrust {
    TlsTrust::with_ca_pem(pki.ca_pem.as_bytes(), Path::new("test CA")).unwrap()
}

pub fn target(server: &RedisServer) -> RoleTarget<'static> {
    RoleTarget {
        addr: server.addr,
        server_name: NODE_NAME,
    }
}

pub fn token(text: &str) -> Credentials {
    parse_secret_string(&SecretText::new(text)).unwrap()
}

/// A DNS responder on 127.0.0.1 (UDP) for a private zone: `cnames` maps slot names to
/// node endpoint names, and every endpoint name has an A record 127.0.0.1, as the VPC
/// resolver answers for a private hosted zone. Enough for hickory's CNAME and A/AAAA
/// lookups; not a DNS server. Runs until the test's runtime ends.
pub async fn dns_responder(cnames: HashMap<String, String>) -> SocketAddr {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let norm = |n: &str| n.trim_end_matches('.').to_ascii_lowercase();
    let cnames: HashMap<String, String> = cnames.iter().map(|(k, v)| (norm(k), norm(v))).collect();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
                return;
            };
            if let Some(reply) = answer(&buf[..len], &cnames) {
                let _ = socket.send_to(&reply, peer).await;
            }
        }
    });
    addr
}

fn encode_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn record(owner: &[u8], rtype: u16, rdata: &[u8]) -> Vec<u8> {
    let mut out = owner.to_vec();
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // IN
    out.extend_from_slice(&5u32.to_be_bytes()); // TTL
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
    out
}

fn answer(query: &[u8], cnames: &HashMap<String, String>) -> Option<Vec<u8>> {
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let question_end = at + 4;
    let name = labels.join(".");
    const CNAME: u16 = 5;
    const A: u16 = 1;
    let pointer = [0xC0, 0x0C];
    let mut answers = Vec::new();
    match (cnames.get(&name), qtype) {
        (Some(target), CNAME) => answers.push(record(&pointer, CNAME, &encode_name(target))),
        (Some(target), A) => {
            answers.push(record(&pointer, CNAME, &encode_name(target)));
            answers.push(record(&encode_name(target), A, &[127, 0, 0, 1]));
        }
        (Some(target), _) => answers.push(record(&pointer, CNAME, &encode_name(target))),
        (None, A) if cnames.values().any(|t| *t == name) => {
            answers.push(record(&pointer, A, &[127, 0, 0, 1]))
        }
        _ => {}
    }
    let mut out = query.get(..2)?.to_vec(); // id
    out.extend_from_slice(&[0x85, 0x80]); // response, authoritative, RD, RA, NOERROR
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(query.get(12..question_end)?);
    for a in answers {
        out.extend_from_slice(&a);
    }
    Some(out)
}
