//! Replays change batches on a list of records with Route 53's rules: what the real
//! ChangeResourceRecordSets would accept and produce. Used by property tests (plan,
//! apply, plan again) and by the verify step (what the zone should now hold).
//!
//! Not a Route 53 client and not a full emulation: it checks the rules the planner relies
//! on (exact DELETE, CREATE over nothing, CNAME alone at its name) and nothing else.

use serde::{Deserialize, Serialize};

use crate::records::{names_equal, RecordSet, RecordType};

use super::{Change, ChangeAction};

/// Why Route 53 would reject a batch (`InvalidChangeBatch`); the whole batch is then
/// not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ApplyError {
    /// DELETE of a record set that does not exist.
    #[error("change {index}: DELETE of {name} {record_type}: no such record set")]
    DeleteMissing {
        index: usize,
        name: String,
        record_type: String,
    },
    /// DELETE whose values or TTL differ from the stored record: someone changed it
    /// since it was read (the compare-and-swap failed).
    #[error("change {index}: DELETE of {name} {record_type}: values or TTL do not match the stored record")]
    DeleteMismatch {
        index: usize,
        name: String,
        record_type: String,
    },
    /// CREATE of a record set that exists already.
    #[error("change {index}: CREATE of {name} {record_type}: it already exists")]
    CreateExists {
        index: usize,
        name: String,
        record_type: String,
    },
    /// A CNAME would share its name with another record (or the reverse).
    #[error("change {index}: {name} {record_type} conflicts with a CNAME at the same name")]
    CnameConflict {
        index: usize,
        name: String,
        record_type: String,
    },
}

/// Applies `changes` in order to a copy of `records`, all or nothing, as one Route 53
/// batch. Records returned keep the order of the input, new ones appended.
pub fn apply_changes(
    records: &[RecordSet],
    changes: &[Change],
) -> Result<Vec<RecordSet>, ApplyError> {
    let mut state = records.to_vec();
    for (index, change) in changes.iter().enumerate() {
        let record = &change.record;
        let describe = || (record.name.clone(), record.record_type.as_str().to_string());
        let existing = state.iter().position(|r| r.same_identity(record));
        match change.action {
            ChangeAction::Delete => {
                let Some(at) = existing else {
                    let (name, record_type) = describe();
                    return Err(ApplyError::DeleteMissing {
                        index,
                        name,
                        record_type,
                    });
                };
                if !same_data(&state[at], record) {
                    let (name, record_type) = describe();
                    return Err(ApplyError::DeleteMismatch {
                        index,
                        name,
                        record_type,
                    });
                }
                state.remove(at);
            }
            ChangeAction::Create | ChangeAction::Upsert => {
                if existing.is_some() && change.action == ChangeAction::Create {
                    let (name, record_type) = describe();
                    return Err(ApplyError::CreateExists {
                        index,
                        name,
                        record_type,
                    });
                }
                let conflict = state.iter().any(|r| {
                    names_equal(&r.name, &record.name)
                        && r.record_type != record.record_type
                        && (r.record_type == RecordType::Cname
                            || record.record_type == RecordType::Cname)
                });
                if conflict {
                    let (name, record_type) = describe();
                    return Err(ApplyError::CnameConflict {
                        index,
                        name,
                        record_type,
                    });
                }
                match existing {
                    Some(at) => state[at] = record.clone(),
                    None => state.push(record.clone()),
                }
            }
        }
    }
    Ok(state)
}

/// Whether the effect of `changes` is already what `records` show: every record set the
/// batch touches is exactly as the batch would leave it (created ones present with the
/// same values and TTL, deleted ones gone). A batch Route 53 rejects as a conflict although
/// its effect is in place was applied by an earlier attempt whose response was lost (a
/// killed sandbox, a timed-out request the SDK retried) — or, rarely, by a concurrent run
/// that planned the same: either way nothing is left to write, and the report can say what
/// the records now hold instead of "unchanged".
pub fn effect_in_place(records: &[RecordSet], changes: &[Change]) -> bool {
    let mut intended: Vec<(&RecordSet, Option<&RecordSet>)> = Vec::new();
    for change in changes {
        let wanted = match change.action {
            ChangeAction::Delete => None,
            ChangeAction::Create | ChangeAction::Upsert => Some(&change.record),
        };
        match intended
            .iter_mut()
            .find(|(identity, _)| identity.same_identity(&change.record))
        {
            Some(entry) => entry.1 = wanted,
            None => intended.push((&change.record, wanted)),
        }
    }
    !intended.is_empty()
        && intended.iter().all(|(identity, wanted)| {
            let now = records.iter().find(|r| r.same_identity(identity));
            match (now, wanted) {
                (None, None) => true,
                (Some(now), Some(wanted)) => same_data(now, wanted),
                _ => false,
            }
        })
}

/// Route 53's DELETE match: same TTL, weight and values (in any order).
fn same_data(stored: &RecordSet, requested: &RecordSet) -> bool {
    let sorted = |r: &RecordSet| {
        let mut v = r.values.clone();
        v.sort();
        v
    };
    stored.ttl == requested.ttl
        && stored.weight == requested.weight
        && sorted(stored) == sorted(requested)
}
