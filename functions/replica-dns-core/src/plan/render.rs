//! How a plan reads to a person: the dry-run table, and the `Display` wording of slot
//! reasons, warnings and changes that the execution report and the logs use too (one
//! renderer, so a reason reads the same in the table, the report and the log).
//! Presentation only; the JSON form of [`Plan`] is the machine contract.
//!
//! ```text
//! GROUP   NAME                              ACTION   TARGET                HOME        WHY
//! orders  replica1.orders.cache.internal.   replace  orders-003 (interim)  orders-001  rehomed from orders-002: home became primary
//! orders  replica2.orders.cache.internal.   -        orders-003            orders-003  unchanged
//! orders: interim, waiting for orders-001
//! ```

use crate::config::MAX_REPLICAS;
use std::fmt::{self, Write as _};

use super::{
    AzDeleteCause, AzNameReason, Change, DeleteCause, ForeignReason, Plan, PlanStatus, PoolBlock,
    PoolLeaveCause, PoolReason, RehomeCause, Routing, SlotAction, SlotPlan, SlotReason, Warning,
};

pub(super) fn table(plan: &Plan) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "GROUP".into(),
        "NAME".into(),
        "ACTION".into(),
        "TARGET".into(),
        "HOME".into(),
        "WHY".into(),
    ]];
    for group in &plan.groups {
        let id = &group.replication_group_id;
        for slot in &group.slots {
            rows.push([
                id.clone(),
                slot.name.clone(),
                action(slot.action).into(),
                target(&slot.target_cluster_id, &slot.target_address, slot.routing),
                slot.home.clone().unwrap_or_else(|| "-".into()),
                slot.reason.to_string(),
            ]);
        }
        // AZ names: the HOME column holds the AZ the name stands for.
        for az in &group.az_names {
            rows.push([
                id.clone(),
                az.name.clone(),
                action(az.action).into(),
                target(&az.target_cluster_id, &az.target_address, az.routing),
                format!("az {}", az.az),
                az.reason.to_string(),
            ]);
        }
        // Pool records: one row each, named by SetIdentifier.
        if let Some(pool) = &group.pool {
            for member in &pool.members {
                let cluster =
                    (member.routing != Routing::Primary).then(|| member.set_identifier.clone());
                rows.push([
                    id.clone(),
                    format!("{} [{}]", pool.name, member.set_identifier),
                    action(member.action).into(),
                    target(&cluster, &member.target_address, member.routing),
                    "pool".into(),
                    member.reason.to_string(),
                ]);
            }
        }
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for group in &plan.groups {
        let id = &group.replication_group_id;
        match &group.status {
            PlanStatus::Final => {
                let _ = writeln!(out, "{id}: final, {} change(s)", group.changes.len());
            }
            PlanStatus::Interim { waiting_for } => {
                let _ = writeln!(
                    out,
                    "{id}: interim, {} change(s), waiting for {}",
                    group.changes.len(),
                    waiting_for.join(", ")
                );
            }
        }
        for w in &group.warnings {
            let _ = writeln!(out, "{id}: warning: {w}");
        }
    }
    out
}

/// The TARGET cell: the cluster id (else the address), marked with its routing.
fn target(cluster_id: &Option<String>, address: &Option<String>, routing: Routing) -> String {
    let target = match (cluster_id, address) {
        (_, None) => "-".to_string(),
        (Some(id), Some(_)) => id.clone(),
        (None, Some(address)) => address.clone(),
    };
    match routing {
        Routing::Home | Routing::Removed => target,
        Routing::Interim => format!("{target} (interim)"),
        Routing::Primary => format!("{target} (primary)"),
        Routing::AsIs => format!("{target} (as is)"),
    }
}

fn action(action: SlotAction) -> &'static str {
    match action {
        SlotAction::None => "-",
        SlotAction::Create => "create",
        SlotAction::Replace => "replace",
        SlotAction::Delete => "delete",
    }
}

impl fmt::Display for RehomeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RehomeCause::HomeBecamePrimary => "home became primary",
            RehomeCause::HomeRemoved => "home removed",
            RehomeCause::HomeTaken => "home already has a lower slot",
        })
    }
}

impl fmt::Display for DeleteCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeleteCause::AboveReplicaCount => "above replica count",
            DeleteCause::NoReplicaPolicy => "no replica available",
        })
    }
}

/// Why a slot looks the way the plan says, e.g. `rehomed from orders-002: home became
/// primary`.
impl fmt::Display for SlotReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotReason::Unchanged => f.write_str("unchanged"),
            SlotReason::Created => f.write_str("new slot"),
            SlotReason::Rehomed { from, why } => match from {
                Some(from) => write!(f, "rehomed from {from}: {why}"),
                None => write!(f, "rehomed: {why}"),
            },
            SlotReason::Interim { home } => write!(f, "interim while {home} is unavailable"),
            SlotReason::ReturnedHome => f.write_str("returned home"),
            SlotReason::PrimaryFallback => f.write_str("no replica available: primary fallback"),
            SlotReason::Kept => f.write_str("no replica available: kept as is"),
            SlotReason::Adopted { previous_target } => {
                write!(f, "adopted (was {previous_target})")
            }
            SlotReason::Repaired { found_target } => match found_target {
                Some(found) => write!(f, "repaired (found {found})"),
                None => f.write_str("repaired (CNAME missing)"),
            },
            SlotReason::Deleted { why } => write!(f, "deleted: {why}"),
        }
    }
}

/// Why an AZ name looks the way the plan says, e.g. `fallback: no available replica in
/// the AZ`.
impl fmt::Display for AzNameReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AzNameReason::Unchanged => f.write_str("unchanged"),
            AzNameReason::Created => f.write_str("new AZ name"),
            AzNameReason::ReturnedToAz => f.write_str("back on a replica in its AZ"),
            AzNameReason::Fallback => f.write_str("fallback: no available replica in the AZ"),
            AzNameReason::Moved { found_target } => match found_target {
                Some(found) => write!(f, "moved (was {found})"),
                None => f.write_str("moved (CNAME missing)"),
            },
            AzNameReason::Repaired { found_target } => match found_target {
                Some(found) => write!(f, "repaired (found {found})"),
                None => f.write_str("repaired"),
            },
            AzNameReason::PrimaryFallback => f.write_str("no replica available: primary fallback"),
            AzNameReason::Kept => f.write_str("no replica available: kept as is"),
            AzNameReason::Deleted { why } => match why {
                AzDeleteCause::AzLeft => f.write_str("deleted: no member in this AZ"),
                AzDeleteCause::NoReplicaPolicy => f.write_str("deleted: no replica available"),
            },
        }
    }
}

/// Why a pool record looks the way the plan says, e.g. `left: became primary`.
impl fmt::Display for PoolReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolReason::Unchanged => f.write_str("unchanged"),
            PoolReason::Joined => f.write_str("joined the pool"),
            PoolReason::Replaced { found_target } => match found_target {
                Some(found) => write!(f, "replaced (found {found})"),
                None => f.write_str("replaced (CNAME missing)"),
            },
            PoolReason::Left { why } => write!(
                f,
                "left the pool: {}",
                match why {
                    PoolLeaveCause::BecamePrimary => "became primary",
                    PoolLeaveCause::Unavailable => "not available",
                    PoolLeaveCause::Removed => "no longer a member",
                    PoolLeaveCause::NoReplicaPolicy => "no replica available",
                    PoolLeaveCause::CannotRepair => "points elsewhere and the pool is blocked",
                }
            ),
            PoolReason::PrimaryFallback => f.write_str("no replica available: primary fallback"),
            PoolReason::Kept => f.write_str("no replica available: kept as is"),
        }
    }
}

impl SlotPlan {
    /// Why this slot changes, with where it points now, as the execution report and the
    /// logs say it (`replica1.…: rehomed from orders-001: home became primary ->
    /// orders-003.…`); `None` for a slot that does not change.
    pub fn describe_change(&self) -> Option<String> {
        if self.action == SlotAction::None {
            return None;
        }
        let target = self.target_address.as_deref().unwrap_or("nothing");
        Some(format!("{}: {} -> {target}", self.name, self.reason))
    }
}

/// One Route 53 change as a line of the report and the log:
/// `CREATE CNAME replica1.… -> target (ttl 10)`.
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let record = &self.record;
        write!(
            f,
            "{} {} {} -> {}",
            self.action.as_str(),
            record.record_type.as_str(),
            record.name,
            record.values.join(", ")
        )?;
        if let Some(set) = &record.set_identifier {
            write!(f, " [set {set}")?;
            if let Some(weight) = record.weight {
                write!(f, ", weight {weight}")?;
            }
            f.write_str("]")?;
        }
        match record.ttl {
            Some(ttl) => write!(f, " (ttl {ttl})"),
            None => Ok(()),
        }
    }
}

/// Something a person should know about a plan, as the table, the report and the log
/// say it.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ForeignRecord { name, reason, .. } => {
                write!(f, "{name} skipped, not ours: {reason}")
            }
            Warning::Adopted {
                name,
                previous_target,
                ..
            } => write!(f, "{name} adopted (pointed at {previous_target})"),
            Warning::Repaired {
                name, found_target, ..
            } => match found_target {
                Some(found) => write!(f, "{name} was edited by hand (found {found}); rewritten"),
                None => write!(f, "{name} had lost its CNAME; rewritten"),
            },
            Warning::ReplicaWithoutSlot { cache_cluster_id } => {
                write!(
                    f,
                    "{cache_cluster_id} has no name: foreign records block its slot"
                )
            }
            Warning::NoReplicaAvailable { policy } => {
                write!(
                    f,
                    "no replica available; noReplicaPolicy {} applied",
                    policy.as_str()
                )
            }
            Warning::NoPrimaryEndpoint => {
                f.write_str("policy primary but no primary endpoint known: records kept")
            }
            Warning::ForeignAzRecord { name, reason, .. } => {
                write!(f, "{name} skipped, not ours: {reason}")
            }
            Warning::ForeignPoolRecord {
                name,
                set_identifier,
                reason,
            } => write!(
                f,
                "{name} (set {set_identifier}) left as it is, not ours: {reason}"
            ),
            Warning::PoolBlocked { name, reason } => match reason {
                PoolBlock::NonWeightedRecords { types } => write!(
                    f,
                    "{name} not written (stale records only deleted): non-weighted records there ({}); Route 53 allows no weighted records beside them",
                    types.join(", ")
                ),
                PoolBlock::ForeignTtl {
                    set_identifier,
                    ttl,
                } => write!(
                    f,
                    "{name} not written (stale records only deleted): the foreign weighted record {set_identifier} has TTL {}, and Route 53 keeps one TTL for all weighted records of a name",
                    ttl.map_or("none".to_string(), |t| t.to_string())
                ),
            },
        }
    }
}

impl fmt::Display for ForeignReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForeignReason::CnameWithoutOwnership { target } => write!(
                f,
                "CNAME to {target} has no ownership TXT (set adoptExisting to take it over)"
            ),
            ForeignReason::OutsideAdoption { target } => write!(
                f,
                "CNAME to {target} has no ownership TXT and is not adopted: adoption takes only slots 1..={MAX_REPLICAS}, the names replica-dns may write; delete it by hand if it is a leftover"
            ),
            ForeignReason::OwnershipRejected { error } => write!(f, "ownership TXT: {error}"),
            ForeignReason::OtherRecordsAtName { types } => {
                write!(f, "other records at the name: {}", types.join(", "))
            }
            ForeignReason::OtherRecordsAtOwnershipName { types } => {
                write!(f, "other records at the ownership name: {}", types.join(", "))
            }
        }
    }
}
