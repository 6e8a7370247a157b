//! The operator's configuration: which replication groups are managed, in which hosted
//! zone, under which names. The same JSON schema is read by every Lambda (from the
//! `REPLICA_DNS_CONFIG` environment variable) and by the CDK app at synth time.
//!
//! Example:
//! ```json
//! {
//!   "ownerId": "replica-dns-prod",
//!   "groups": [{
//!     "replicationGroupId": "orders",
//!     "hostedZoneId": "Z0123456789ABCDEFGHIJ",
//!     "zoneName": "cache.internal.",
//!     "nameTemplate": "replica{n}.orders.cache.internal.",
//!     "ttl": 10,
//!     "noReplicaPolicy": "primary"
//!   }]
//! }
//! ```

use serde::{Deserialize, Serialize};

/// The whole deployment's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Written into every ownership TXT record: records carrying another owner id are
    /// foreign and never touched. Two deployments on one zone must use different ids.
    pub owner_id: String,
    pub groups: Vec<GroupConfig>,
}

/// What to do with a group's names when no replica is available at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NoReplicaPolicy {
    /// Point every slot at the primary endpoint: reads keep working, on the primary.
    #[default]
    Primary,
    /// Leave the records as they are.
    Keep,
    /// Delete the group's managed records.
    Delete,
}

/// One managed replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupConfig {
    pub replication_group_id: String,
    /// Route 53 private hosted zone id (`Z…`, without `/hostedzone/`).
    pub hosted_zone_id: String,
    /// The zone's domain, e.g. `cache.internal.`: every managed name must lie inside it.
    pub zone_name: String,
    /// Slot name template; `{n}` is replaced by the slot number 1..=R.
    pub name_template: String,
    /// TTL of the CNAME and ownership TXT records, seconds.
    #[serde(default = "default_ttl")]
    pub ttl: u32,
    #[serde(default)]
    pub no_replica_policy: NoReplicaPolicy,
    /// Take over records at slot names that have no ownership TXT (e.g. left by the
    /// blog post's Lambda). Off by default: foreign records are never touched silently.
    #[serde(default)]
    pub adopt_existing: bool,
    /// Label prepended to a slot name to form its ownership TXT name
    /// (`_rdns.replica1.cache.internal.`): a CNAME owns its name, so the TXT cannot
    /// live there.
    #[serde(default = "default_ownership_prefix")]
    pub ownership_prefix: String,
    /// Optional AZ-local names, e.g. `replica-{az}.cache.internal.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub az_names: Option<AzNamesConfig>,
    /// Optional pooled name: one weighted CNAME per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooled_name: Option<PooledNameConfig>,
}

/// AZ-local names: one name per availability zone the group has members in, pointing at
/// a replica in that AZ and falling back to any replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AzNamesConfig {
    /// Template with `{az}`, e.g. `replica-{az}.cache.internal.`.
    pub template: String,
}

/// A single name answering with one weighted CNAME per available replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PooledNameConfig {
    pub name: String,
}

/// Default TTL: short, so clients follow a failover quickly.
pub const DEFAULT_TTL: u32 = 10;

fn default_ttl() -> u32 {
    DEFAULT_TTL
}

/// Default ownership label.
pub const DEFAULT_OWNERSHIP_PREFIX: &str = "_rdns";

fn default_ownership_prefix() -> String {
    DEFAULT_OWNERSHIP_PREFIX.to_string()
}
