//! Test data the functions' unit tests share, so each test says only what differs:
//! a configuration of groups in hosted zone `Z1` (`cache.internal.`), members and
//! topologies shaped as the ElastiCache adapter reports them, and a fresh run.
//! For unit tests only (feature `fakes`), next to [`crate::fakes`]; not realistic
//! AWS data (no availability zones, no primary/reader endpoints).

use replica_dns_core::config::Config;
use replica_dns_core::topology::{Endpoint, Member, Role, Topology};
use serde_json::json;

use crate::run::{GroupRun, Tunables};

/// The configuration most tests use: the one group `orders` ([`config_of`]).
pub fn config() -> Config {
    config_of(&["orders"])
}

/// A valid configuration (owner `test`) with one group per id, each in hosted zone
/// `Z1` (`cache.internal.`) with names `replica{n}.<id>.cache.internal.`.
///
/// Panics if the ids make the configuration invalid: that is a broken test, not input.
pub fn config_of(group_ids: &[&str]) -> Config {
    let groups: Vec<_> = group_ids
        .iter()
        .map(|id| {
            json!({
                "replicationGroupId": id,
                "hostedZoneId": "Z1",
                "zoneName": "cache.internal.",
                "nameTemplate": format!("replica{{n}}.{id}.cache.internal."),
            })
        })
        .collect();
    let text = json!({"ownerId": "test", "groups": groups}).to_string();
    match Config::from_json(&text) {
        Ok(config) => config,
        Err(e) => panic!("test configuration for {group_ids:?} is invalid: {e}"),
    }
}

/// The event topic the fixtures' members notify (active).
pub const TOPIC_ARN: &str = "arn:aws:sns:us-east-1:123456789012:replica-dns-events";

/// A member whose read endpoint is `<id>.example:6379`, with its cluster status; it
/// notifies [`TOPIC_ARN`], which is active.
pub fn member(id: &str, role: Role, status: &str) -> Member {
    Member {
        cache_cluster_id: id.into(),
        role,
        read_endpoint: Some(Endpoint {
            address: format!("{id}.example"),
            port: 6379,
        }),
        availability_zone: None,
        cluster_status: status.into(),
        node_status: None,
        notification: Some(replica_dns_core::topology::NotificationTopic {
            topic_arn: TOPIC_ARN.into(),
            topic_status: "active".into(),
        }),
    }
}

/// An `available` replication group of these members, without group endpoints.
pub fn topology(group_id: &str, members: Vec<Member>) -> Topology {
    Topology {
        replication_group_id: group_id.into(),
        status: "available".into(),
        primary_endpoint: None,
        reader_endpoint: None,
        members,
        transit_encryption_enabled: false,
        auth_token_enabled: false,
    }
}

/// A fresh run of execution `exec` for the group (reason `test`, not dry-run,
/// default tunables), as the filter step would hand it on.
pub fn group_run(group_id: &str) -> GroupRun {
    GroupRun::new("exec", group_id, "test", false, Tunables::default())
}
