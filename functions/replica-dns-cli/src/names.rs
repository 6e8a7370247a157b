//! `replica-dns managed-names`: the names each configured group may write, as the CDK
//! needs them for the record-level IAM condition, and the constants the CDK would
//! otherwise mirror. Every name comes from the core's one definition
//! (`GroupConfig::managed_names`); this module only arranges it as JSON.

use anyhow::{Context, Result};
use replica_dns_core::config::{
    Config, GroupConfig, AZ_PLACEHOLDER, CONFIG_ENV_VAR, DEFAULT_OWNERSHIP_PREFIX,
    MAX_ENV_VALUE_BYTES, MAX_REPLICAS, SLOT_PLACEHOLDER,
};
use replica_dns_core::ownership::iam_normalized_name;
use replica_dns_core::records::RecordType;
use serde_json::{json, Value};

/// The whole output: the constants, then one entry per group in configuration order.
///
/// Per group, `normalizedRecordNames` are the values for
/// `route53:ChangeResourceRecordSetsNormalizedRecordNames` (IAM's form: lower case, no
/// trailing dot, `\ooo` escapes; see `replica_dns_core::ownership::iam_normalized_name`),
/// each CNAME name followed by its ownership TXT name; `azNamePatterns` are the AZ-name
/// patterns in the same form with `{az}` left for the caller to replace by its wildcard
/// (`StringLike`); `slots` lists the names as the planner writes them (trailing dot).
pub fn managed_names(config: &Config) -> Result<Value> {
    let groups = config
        .groups
        .iter()
        .map(group_names)
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({
        "maxReplicas": MAX_REPLICAS,
        "defaultOwnershipPrefix": DEFAULT_OWNERSHIP_PREFIX,
        "configEnvVar": CONFIG_ENV_VAR,
        "configEnvBudgetBytes": MAX_ENV_VALUE_BYTES,
        "slotPlaceholder": SLOT_PLACEHOLDER,
        "azPlaceholder": AZ_PLACEHOLDER,
        "recordTypes": [RecordType::Cname.as_str(), RecordType::Txt.as_str()],
        "groups": groups,
    }))
}

fn group_names(group: &GroupConfig) -> Result<Value> {
    let id = &group.replication_group_id;
    let names = group
        .managed_names()
        .with_context(|| format!("group {id}"))?;
    let normalized = names
        .exact()
        .map(iam_normalized_name)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("group {id}"))?;
    let patterns = names
        .az
        .iter()
        .flat_map(|az| [&az.name, &az.ownership_name])
        .map(|pattern| pattern.iam_template())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("group {id}"))?;
    let slots: Vec<Value> = names
        .slots
        .iter()
        .zip(1..)
        .map(|(slot, n): (_, u32)| {
            json!({"slot": n, "name": slot.name, "ownershipName": slot.ownership_name})
        })
        .collect();
    Ok(json!({
        "replicationGroupId": id,
        "hostedZoneId": group.hosted_zone_id,
        "recordsSubtree": group.records_subtree(),
        "normalizedRecordNames": normalized,
        "azNamePatterns": patterns,
        "slots": slots,
        "pooled": names.pooled,
    }))
}
