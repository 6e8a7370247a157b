//! `DnsRoleProbe::check` end to end on one machine: the planner's slots for a TLS + AUTH
//! group, a DNS responder answering the slot name with a CNAME to the node's endpoint
//! name, and a real TLS `redis-server` replica with `requirepass`; credentials from an
//! in-memory secret store. Checks what verify sees: findings, refusals and their wording,
//! rotation, and the configuration error. Servers are stopped by PID when a test ends.
//!
//! Issue 8, item 3.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::collections::HashMap;
use std::path::Path;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisConnectionInfo, Value};
use replica_dns_core::config::GroupConfig;
use replica_dns_core::plan::plan_group;
use replica_dns_core::security::AccessError;
use replica_dns_core::topology::{Endpoint, Member, Role, Topology};
use replica_dns_lambda::fakes::FakeSecrets;
use replica_dns_verify::probe::tls::TlsTrust;
use replica_dns_verify::probe::{DnsRoleProbe, NameCheck, Probe, ProbeError};
use rustls::pki_types::ServerName;
use support::*;

const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3";
const PRIMARY_NAME: &str = "orders-001.probe.test";

/// A TLS + AUTH replica (of an unreachable primary: `ROLE` says `slave` all the same).
fn tls_auth_replica(dir: &TempDir, pki: &Pki) -> RedisServer {
    start(
        dir,
        Some(pki),
        &["--requirepass", TOKEN, "--replicaof", "127.0.0.1", "1"],
    )
}

fn member(id: &str, role: Role, address: &str, port: u16) -> Member {
    Member {
        cache_cluster_id: id.into(),
        role,
        read_endpoint: Some(Endpoint {
            address: address.into(),
            port,
        }),
        availability_zone: None,
        cluster_status: "available".into(),
        node_status: Some("available".into()),
        notification: None,
    }
}

/// orders-001 (primary) and orders-002 (the replica at `replica`, endpoint
/// [`NODE_NAME`]), with TLS and an AUTH token as ElastiCache reports them.
fn topology(replica: &RedisServer) -> Topology {
    Topology {
        replication_group_id: "orders".into(),
        status: "available".into(),
        primary_endpoint: None,
        reader_endpoint: None,
        members: vec![
            member("orders-001", Role::Primary, PRIMARY_NAME, 1),
            member("orders-002", Role::Replica, NODE_NAME, replica.addr.port()),
        ],
        transit_encryption_enabled: true,
        auth_token_enabled: true,
    }
}

fn group(arn: Option<&str>) -> GroupConfig {
    let mut group: GroupConfig = serde_json::from_value(serde_json::json!({
        "replicationGroupId": "orders", "hostedZoneId": "Z1", "zoneName": "cache.internal.",
        "nameTemplate": "replica{n}.orders.cache.internal.",
    }))
    .unwrap();
    group.auth_secret_arn = arn.map(str::to_owned);
    group
}

/// The names the planner makes for `topology` (one slot), and a DNS responder serving
/// them.
async fn slots_and_dns(
    topology: &Topology,
    group: &GroupConfig,
) -> (Vec<NameCheck>, std::net::SocketAddr) {
    let plan = plan_group("test", group, topology, &[]).unwrap();
    let cnames: HashMap<String, String> = plan
        .slots
        .iter()
        .filter_map(|s| Some((s.name.clone(), s.target_address.clone()?)))
        .collect();
    assert_eq!(cnames.len(), 1, "{cnames:?}");
    (NameCheck::of_plan(&plan), dns_responder(cnames).await)
}

fn probe(dns: std::net::SocketAddr, pki: &Pki, secrets: FakeSecrets) -> DnsRoleProbe<FakeSecrets> {
    let trust = TlsTrust::with_ca_pem(pki.ca_pem.as_bytes(), Path::new("test CA")).unwrap();
    DnsRoleProbe::new(Some(dns), true, trust, secrets)
}

fn secret(value: &str) -> FakeSecrets {
    FakeSecrets::with([(ARN.to_owned(), value.to_owned())])
}

/// Runs a command on `server` as an administrator would (TLS, AUTH with `password`).
async fn admin(server: &RedisServer, pki: &Pki, password: &str, args: &[&str]) {
    let trust = TlsTrust::with_ca_pem(pki.ca_pem.as_bytes(), Path::new("test CA")).unwrap();
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let tls = trust
        .connector()
        .unwrap()
        .connect(ServerName::try_from(NODE_NAME).unwrap(), tcp)
        .await
        .unwrap();
    let (mut connection, driver) = MultiplexedConnection::new_with_config(
        &RedisConnectionInfo::default().set_skip_set_lib_name(),
        tls,
        AsyncConnectionConfig::new(),
    )
    .await
    .unwrap();
    let driver = tokio::spawn(driver);
    redis::cmd("AUTH")
        .arg(password)
        .query_async::<Value>(&mut connection)
        .await
        .unwrap();
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query_async::<Value>(&mut connection).await.unwrap();
    driver.abort();
}

#[tokio::test]
async fn a_tls_auth_replica_is_found_through_its_name_with_the_configured_secret() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let replica = tls_auth_replica(&dir, &pki);
    let topology = topology(&replica);
    let group = group(Some(ARN));
    let (slots, dns) = slots_and_dns(&topology, &group).await;
    let probe = probe(dns, &pki, secret(&format!("{TOKEN}\n")));

    let findings = probe.check(&slots, &topology, &group).await.unwrap();

    assert!(findings.checked);
    assert_eq!(
        (
            findings.not_propagated,
            findings.wrong_role,
            findings.refused
        ),
        (vec![], vec![], vec![])
    );
}

#[tokio::test]
async fn a_wrong_token_is_a_refusal_naming_the_slot_node_secret_and_reply() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let replica = tls_auth_replica(&dir, &pki);
    let topology = topology(&replica);
    let group = group(Some(ARN));
    let (slots, dns) = slots_and_dns(&topology, &group).await;
    let probe = probe(dns, &pki, secret("Not-The-Token-0123456789"));

    let findings = probe.check(&slots, &topology, &group).await.unwrap();

    assert!(findings.wrong_role.is_empty(), "{:?}", findings.wrong_role);
    let [refusal] = &findings.refused[..] else {
        panic!("expected one refusal: {findings:?}")
    };
    for part in [
        "replica1.orders.cache.internal.",
        "node orders-002",
        NODE_NAME,
        "WRONGPASS",
        ARN,
    ] {
        assert!(refusal.contains(part), "{part}: {refusal}");
    }
    assert!(!refusal.contains("Not-The-Token"), "{refusal}");
}

#[tokio::test]
async fn a_rotated_token_is_read_again_after_the_first_refusal() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let replica = tls_auth_replica(&dir, &pki);
    let topology = topology(&replica);
    let group = group(Some(ARN));
    let (slots, dns) = slots_and_dns(&topology, &group).await;
    let probe = probe(dns, &pki, secret(TOKEN));
    assert!(probe
        .check(&slots, &topology, &group)
        .await
        .unwrap()
        .refused
        .is_empty());

    // Rotation: the node and the secret move to a new token; the probe still holds the
    // old one in its cache.
    let rotated = "Rotated-Token-9876543210";
    admin(
        &replica,
        &pki,
        TOKEN,
        &["CONFIG", "SET", "requirepass", rotated],
    )
    .await;
    let secrets = probe_secrets(&probe);
    secrets.set(ARN, rotated);

    let findings = probe.check(&slots, &topology, &group).await.unwrap();

    assert_eq!(
        (findings.wrong_role, findings.refused),
        (vec![], vec![]),
        "the rotated token was not picked up"
    );
    assert_eq!(secrets.read_count(), 2);
}

#[tokio::test]
async fn an_auth_group_without_a_configured_secret_is_a_configuration_error() {
    let dir = TempDir::new();
    let pki = pki(&dir);
    let replica = tls_auth_replica(&dir, &pki);
    let topology = topology(&replica);
    let group = group(None);
    let (slots, dns) = slots_and_dns(&topology, &group).await;
    let probe = probe(dns, &pki, FakeSecrets::default());

    let err = probe.check(&slots, &topology, &group).await.unwrap_err();

    assert!(
        matches!(
            err,
            ProbeError::Access(AccessError::MissingAuthSecret { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("authSecretArn"), "{err}");
}

fn probe_secrets(probe: &DnsRoleProbe<FakeSecrets>) -> &FakeSecrets {
    probe.secrets()
}

/// A plain (no TLS, no AUTH) member at `server`, in `az`.
fn plain(id: &str, role: Role, server: &RedisServer, az: &str) -> Member {
    Member {
        availability_zone: Some(az.into()),
        ..member(id, role, &format!("{id}.probe.test"), server.addr.port())
    }
}

// Issue 12 item 2: the AZ-local names and every record of the pooled name are
// checked, not only the slots.
#[tokio::test]
async fn an_az_name_and_a_pool_record_on_a_node_answering_master_are_wrong_roles() {
    let dir = TempDir::new();
    let replica = start(&dir, None, &["--replicaof", "127.0.0.1", "1"]);
    // The snapshot still calls it a replica; the node itself is a primary already.
    let promoted = start(&dir, None, &[]);
    let primary = start(&dir, None, &[]);
    let topology = Topology {
        members: vec![
            plain("orders-001", Role::Primary, &primary, "us-east-1a"),
            plain("orders-002", Role::Replica, &replica, "us-east-1b"),
            plain("orders-003", Role::Replica, &promoted, "us-east-1c"),
        ],
        transit_encryption_enabled: false,
        auth_token_enabled: false,
        ..topology(&replica)
    };
    let mut group = group(None);
    group.az_names = Some(replica_dns_core::config::AzNamesConfig {
        template: "replica-{az}.orders.cache.internal.".into(),
    });
    group.pooled_name = Some(replica_dns_core::config::PooledNameConfig {
        name: "pool.orders.cache.internal.".into(),
    });
    let plan = plan_group("test", &group, &topology, &[]).unwrap();
    let checks = NameCheck::of_plan(&plan);
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "replica1.orders.cache.internal.",
            "replica2.orders.cache.internal.",
            "replica-us-east-1b.orders.cache.internal.",
            "replica-us-east-1c.orders.cache.internal.",
            "replica-us-east-1a.orders.cache.internal.",
            "pool.orders.cache.internal.",
        ]
    );
    let targets: Vec<(&str, Vec<&str>)> = checks
        .iter()
        .map(|c| {
            let ids = c
                .targets
                .iter()
                .map(|t| t.cluster_id.as_deref().unwrap())
                .collect();
            (c.name.as_str(), ids)
        })
        .collect();
    assert_eq!(
        targets,
        [
            ("replica1.orders.cache.internal.", vec!["orders-002"]),
            ("replica2.orders.cache.internal.", vec!["orders-003"]),
            (
                "replica-us-east-1b.orders.cache.internal.",
                vec!["orders-002"]
            ),
            (
                "replica-us-east-1c.orders.cache.internal.",
                vec!["orders-003"]
            ),
            // No replica in us-east-1a: interim elsewhere.
            (
                "replica-us-east-1a.orders.cache.internal.",
                vec!["orders-002"]
            ),
            (
                "pool.orders.cache.internal.",
                vec!["orders-002", "orders-003"]
            ),
        ]
    );
    // DNS as the plan says, except that replica2 has not reached the resolver, and the
    // pooled name answers orders-002's record (one record per query): a probe of the
    // slots alone, or of the pool's answer alone, would never ask orders-003.
    let address = |id: &str| format!("{id}.probe.test");
    let cnames: HashMap<String, String> = [
        ("replica1.orders.cache.internal.", "orders-002"),
        ("replica-us-east-1b.orders.cache.internal.", "orders-002"),
        ("replica-us-east-1c.orders.cache.internal.", "orders-003"),
        ("replica-us-east-1a.orders.cache.internal.", "orders-002"),
        ("pool.orders.cache.internal.", "orders-002"),
    ]
    .into_iter()
    .map(|(name, id)| (name.to_owned(), address(id)))
    .collect();
    let dns = dns_responder(cnames).await;
    let probe = DnsRoleProbe::new(
        Some(dns),
        true,
        TlsTrust::from_env_value(None).unwrap(),
        FakeSecrets::default(),
    );

    let findings = probe.check(&checks, &topology, &group).await.unwrap();

    assert!(findings.refused.is_empty(), "{:?}", findings.refused);
    let [unresolved] = &findings.not_propagated[..] else {
        panic!("expected replica2 only: {findings:?}")
    };
    assert!(
        unresolved.starts_with("replica2.orders.cache.internal. does not resolve"),
        "{unresolved}"
    );
    // orders-003 asked once, for both names that lead to it.
    let [wrong] = &findings.wrong_role[..] else {
        panic!("expected orders-003 once: {findings:?}")
    };
    assert!(
        wrong.starts_with(
            "replica-us-east-1c.orders.cache.internal., pool.orders.cache.internal. -> node orders-003 (orders-003.probe.test:"
        ),
        "{wrong}"
    );
    assert!(wrong.ends_with("answers ROLE master"), "{wrong}");
}
