//! The dry-run table: what a person reads before (or instead of) applying a plan.
//! Presentation only; the JSON form of [`Plan`] is the machine contract.
//!
//! ```text
//! GROUP   NAME                              ACTION   TARGET                HOME        WHY
//! orders  replica1.orders.cache.internal.   replace  orders-003 (interim)  orders-001  rehomed from orders-002: home became primary
//! orders  replica2.orders.cache.internal.   -        orders-003            orders-003  unchanged
//! orders: interim, waiting for orders-001
//! ```

use crate::config::MAX_REPLICAS;
use std::fmt::Write as _;

use super::{
    DeleteCause, ForeignReason, Plan, PlanStatus, RehomeCause, Routing, SlotAction, SlotReason,
    Warning,
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
        for slot in &group.slots {
            let target = match (&slot.target_cluster_id, &slot.target_address) {
                (_, None) => "-".to_string(),
                (Some(id), Some(_)) => id.clone(),
                (None, Some(address)) => address.clone(),
            };
            let target = match slot.routing {
                Routing::Home | Routing::Removed => target,
                Routing::Interim => format!("{target} (interim)"),
                Routing::Primary => format!("{target} (primary)"),
                Routing::AsIs => format!("{target} (as is)"),
            };
            rows.push([
                group.replication_group_id.clone(),
                slot.name.clone(),
                action(slot.action).into(),
                target,
                slot.home.clone().unwrap_or_else(|| "-".into()),
                reason(&slot.reason),
            ]);
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
            let _ = writeln!(out, "{id}: warning: {}", warning(w));
        }
    }
    out
}

fn action(action: SlotAction) -> &'static str {
    match action {
        SlotAction::None => "-",
        SlotAction::Create => "create",
        SlotAction::Replace => "replace",
        SlotAction::Delete => "delete",
    }
}

fn reason(reason: &SlotReason) -> String {
    match reason {
        SlotReason::Unchanged => "unchanged".into(),
        SlotReason::Created => "new slot".into(),
        SlotReason::Rehomed { from, why } => {
            let why = match why {
                RehomeCause::HomeBecamePrimary => "home became primary",
                RehomeCause::HomeRemoved => "home removed",
                RehomeCause::HomeTaken => "home already has a lower slot",
            };
            match from {
                Some(from) => format!("rehomed from {from}: {why}"),
                None => format!("rehomed: {why}"),
            }
        }
        SlotReason::Interim { home } => format!("interim while {home} is unavailable"),
        SlotReason::ReturnedHome => "returned home".into(),
        SlotReason::PrimaryFallback => "no replica available: primary fallback".into(),
        SlotReason::Kept => "no replica available: kept as is".into(),
        SlotReason::Adopted { previous_target } => {
            format!("adopted (was {previous_target})")
        }
        SlotReason::Repaired { found_target } => match found_target {
            Some(found) => format!("repaired (found {found})"),
            None => "repaired (CNAME missing)".into(),
        },
        SlotReason::Deleted { why } => match why {
            DeleteCause::AboveReplicaCount => "deleted: above replica count".into(),
            DeleteCause::NoReplicaPolicy => "deleted: no replica available".into(),
        },
    }
}

fn warning(warning: &Warning) -> String {
    match warning {
        Warning::ForeignRecord { name, reason, .. } => {
            let why = match reason {
                ForeignReason::CnameWithoutOwnership { target } => format!(
                    "CNAME to {target} has no ownership TXT (set adoptExisting to take it over)"
                ),
                ForeignReason::OutsideAdoption { target } => format!(
                    "CNAME to {target} has no ownership TXT and is not adopted: adoption takes only slots 1..={MAX_REPLICAS}, the names replica-dns may write; delete it by hand if it is a leftover"
                ),
                ForeignReason::OwnershipRejected { error } => format!("ownership TXT: {error}"),
                ForeignReason::OtherRecordsAtName { types } => {
                    format!("other records at the name: {}", types.join(", "))
                }
                ForeignReason::OtherRecordsAtOwnershipName { types } => {
                    format!("other records at the ownership name: {}", types.join(", "))
                }
            };
            format!("{name} skipped, not ours: {why}")
        }
        Warning::Adopted {
            name,
            previous_target,
            ..
        } => format!("{name} adopted (pointed at {previous_target})"),
        Warning::Repaired {
            name, found_target, ..
        } => match found_target {
            Some(found) => format!("{name} was edited by hand (found {found}); rewritten"),
            None => format!("{name} had lost its CNAME; rewritten"),
        },
        Warning::ReplicaWithoutSlot { cache_cluster_id } => {
            format!("{cache_cluster_id} has no name: foreign records block its slot")
        }
        Warning::NoReplicaAvailable { policy } => {
            format!("no replica available; policy {policy:?}")
        }
        Warning::NoPrimaryEndpoint => {
            "policy primary but no primary endpoint known: records kept".into()
        }
        Warning::UnsupportedOption { option } => {
            format!("{option} is configured but not supported yet: ignored")
        }
    }
}
