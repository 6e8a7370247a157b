//! `replica-dns managed-names`: the names each configured group may write, as the CDK
//! needs them for the record-level IAM condition, and the constants the CDK would
//! otherwise mirror. Every name comes from the core's one definition
//! (`GroupConfig::managed_names`); this module only arranges it as JSON.

use anyhow::{bail, Context, Result};
use replica_dns_core::config::{
    Config, GroupConfig, AZ_PLACEHOLDER, CONFIG_ENV_VAR, DEFAULT_OWNERSHIP_PREFIX,
    MAX_ENV_VALUE_BYTES, MAX_REPLICAS, SLOT_PLACEHOLDER,
};
use replica_dns_core::ownership::{iam_normalized_name, is_az_label};
use replica_dns_core::records::RecordType;
use serde_json::{json, Value};

/// The whole output: the constants, then one entry per group in configuration order.
///
/// Per group, `normalizedRecordNames` are the values for
/// `route53:ChangeResourceRecordSetsNormalizedRecordNames` (IAM's form: lower case, no
/// trailing dot, `\ooo` escapes; see `replica_dns_core::ownership::iam_normalized_name`),
/// each CNAME name followed by its ownership TXT name, and for a group with AZ names the
/// name of every AZ in `availability_zones` (the region's) with its TXT name: exact
/// names only, so no IAM wildcard can span a label. `slots` lists the names as the
/// planner writes them (trailing dot). A group with AZ names and no AZ given is an error:
/// a pattern would let `*` match any label.
pub fn managed_names(config: &Config, availability_zones: &[String]) -> Result<Value> {
    if let Some(bad) = availability_zones.iter().find(|az| !is_az_label(az)) {
        bail!("--availability-zone {bad:?} is not an Availability Zone name (lower-case letters, digits and hyphens, e.g. us-east-1a)");
    }
    let groups = config
        .groups
        .iter()
        .map(|group| group_names(group, availability_zones))
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

fn group_names(group: &GroupConfig, availability_zones: &[String]) -> Result<Value> {
    let id = &group.replication_group_id;
    let names = group
        .managed_names()
        .with_context(|| format!("group {id}"))?;
    if names.az.is_some() && availability_zones.is_empty() {
        bail!("group {id} configures azNames: give the region's Availability Zones (--availability-zone, repeatable) so that its AZ names can be listed exactly");
    }
    let az_names: Vec<String> = names
        .az
        .iter()
        .flat_map(|az| {
            availability_zones
                .iter()
                .flat_map(move |zone| [az.name.render(zone), az.ownership_name.render(zone)])
        })
        .collect();
    let normalized = names
        .exact()
        .map(str::to_owned)
        .chain(az_names)
        .map(|name| iam_normalized_name(&name))
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
        "slots": slots,
        "pooled": names.pooled,
    }))
}
