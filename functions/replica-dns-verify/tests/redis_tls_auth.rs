//! The ROLE probe against real `redis-server` processes (Debian's, built with TLS) on
//! 127.0.0.1: TLS with a certificate made here by a CA made here, `requirepass`, a
//! replica over TLS, an RBAC user, and a plaintext node. Each test starts its own
//! servers and stops them by PID when it ends (a Drop guard), pass or fail.
//!
//! Issue 8, item 3: on TLS + AUTH groups the probe spoke plaintext without credentials,
//! so every verification reported drift.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::path::Path;

use replica_dns_verify::probe::role::{ask_role, RoleError, RoleTarget};
use replica_dns_verify::probe::tls::{TlsFailure, TlsTrust};
use support::*;

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
