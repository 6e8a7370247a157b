//! Route 53's rules for a change batch, in the one place they are written: what the real
//! ChangeResourceRecordSets would accept and produce ([`apply_changes`]), and whether a
//! batch's effect is what a zone now shows ([`effect_differences`], [`effect_in_place`]).
//! Used by the property tests (plan, apply, plan again), by the in-memory `FakeRecords`
//! of the Lambda tests, by apply (was a rejected batch already applied?) and by verify's
//! read-back (does the zone hold what the plan wrote?).
//!
//! The rules, from Route 53's API reference
//! (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html>,
//! <https://docs.aws.amazon.com/Route53/latest/APIReference/API_Change.html>):
//! - "To delete a resource record set, you must specify all the same values that you
//!   specified when you created it": a DELETE matches the stored record set exactly
//!   (TTL, weight and values), else the batch is rejected.
//! - CREATE "creates a resource record set that has the specified values"; over an
//!   existing record set of the same name, type and set identifier Route 53 rejects the
//!   batch (`InvalidChangeBatch`: "… but it already exists"). UPSERT replaces it.
//! - "Change batches are considered transactional changes. Route 53 validates the
//!   changes in the request and then either makes all or none of the changes": a batch
//!   is replayed on a copy and returned whole, or not at all.
//! - A CNAME cannot share its name with a record set of another type (RFC 1034 §3.6.2;
//!   Route 53: "RRSet of type CNAME … is not permitted as it conflicts with other
//!   records with the same DNS name").
//! - Record sets are identified by name, type *and* SetIdentifier; weighted ones of one
//!   name and type coexist, each with its own SetIdentifier. But "You can't create
//!   non-weighted records that have the same values for Name and Type as weighted
//!   records" (Route 53 Developer Guide, "Values for weighted records", Weight,
//!   <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-weighted.html>),
//!   nor, in turn, weighted ones beside a non-weighted one.
//! - Weighted records of one name and type share one TTL: "If you create two or more
//!   weighted records that have the same name and type, and you specify different values
//!   for TTL, Route 53 changes the value of TTL for all of the records to the last value
//!   that you specified" (same page, TTL). A later DELETE must then match the new TTL.
//!
//! Not a Route 53 client and not a full emulation: it checks the rules the planner relies
//! on and nothing else.

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
    /// A weighted record set beside a non-weighted one of the same name and type (or the
    /// reverse).
    #[error("change {index}: {name} {record_type}: weighted and non-weighted record sets cannot share a name and type")]
    MixedRouting {
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
                let mixed = state.iter().any(|r| {
                    names_equal(&r.name, &record.name)
                        && r.record_type == record.record_type
                        && r.set_identifier.is_some() != record.set_identifier.is_some()
                });
                if mixed {
                    let (name, record_type) = describe();
                    return Err(ApplyError::MixedRouting {
                        index,
                        name,
                        record_type,
                    });
                }
                if record.set_identifier.is_some() {
                    for r in state.iter_mut().filter(|r| {
                        r.set_identifier.is_some()
                            && r.record_type == record.record_type
                            && names_equal(&r.name, &record.name)
                    }) {
                        r.ttl = record.ttl;
                    }
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

/// How `records` differ from what a batch leaves behind, for one record set it touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectDifference<'c> {
    /// The batch's last change of this record set creates it (this record), and `records`
    /// do not hold it with exactly these values, TTL and weight.
    Missing(&'c RecordSet),
    /// The batch's last change of this record set deletes it (this record), and `records`
    /// still hold a record set of that name, type and set identifier.
    StillThere(&'c RecordSet),
}

/// What of the effect of `changes` (applied in order) `records` do not show: per record
/// set the changes touch, the state the last change leaves it in, compared with the one
/// in `records` by Route 53's DELETE match. Empty when every created record set is there
/// exactly and every deleted one is gone. In the order the record sets are first touched.
pub fn effect_differences<'c>(
    records: &[RecordSet],
    changes: impl IntoIterator<Item = &'c Change>,
) -> Vec<EffectDifference<'c>> {
    // (the change's record, whether the batch leaves it present) per record set.
    let mut intended: Vec<(&'c RecordSet, bool)> = Vec::new();
    for change in changes {
        let present = match change.action {
            ChangeAction::Delete => false,
            ChangeAction::Create | ChangeAction::Upsert => true,
        };
        match intended
            .iter_mut()
            .find(|(record, _)| record.same_identity(&change.record))
        {
            Some(entry) => *entry = (&change.record, present),
            None => intended.push((&change.record, present)),
        }
    }
    intended
        .into_iter()
        .filter_map(|(record, present)| {
            let now = records.iter().find(|r| r.same_identity(record));
            match (now, present) {
                (None, false) => None,
                (Some(now), true) if same_data(now, record) => None,
                (_, true) => Some(EffectDifference::Missing(record)),
                (Some(_), false) => Some(EffectDifference::StillThere(record)),
            }
        })
        .collect()
}

/// Whether the effect of `changes` is already what `records` show: a non-empty batch
/// with no [`effect_differences`] (created record sets present with the same values and
/// TTL, deleted ones gone). A batch Route 53 rejects as a conflict although
/// its effect is in place was applied by an earlier attempt whose response was lost (a
/// killed sandbox, a timed-out request the SDK retried) — or, rarely, by a concurrent run
/// that planned the same: either way nothing is left to write, and the report can say what
/// the records now hold instead of "unchanged".
pub fn effect_in_place(records: &[RecordSet], changes: &[Change]) -> bool {
    !changes.is_empty() && effect_differences(records, changes).is_empty()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: ChangeAction, record: &RecordSet) -> Change {
        Change {
            action,
            record: record.clone(),
        }
    }

    #[test]
    fn a_moved_slot_read_back_unmoved_lacks_the_new_target_only() {
        let old = RecordSet::cname("replica1.z.", 60, "a.example.");
        let new = RecordSet::cname("replica1.z.", 60, "b.example.");
        let batch = [
            change(ChangeAction::Delete, &old),
            change(ChangeAction::Create, &new),
        ];
        let before = vec![old.clone()];
        assert_eq!(
            effect_differences(&before, &batch),
            vec![EffectDifference::Missing(&batch[1].record)]
        );
        let after = apply_changes(&before, &batch).expect("the batch applies");
        assert!(effect_differences(&after, &batch).is_empty());
        assert!(effect_in_place(&after, &batch));
        assert!(!effect_in_place(&before, &batch));
    }

    #[test]
    fn a_deleted_record_set_with_any_data_left_is_still_there() {
        let old = RecordSet::cname("replica2.z.", 60, "a.example.");
        let batch = [change(ChangeAction::Delete, &old)];
        let rewritten = vec![RecordSet::cname("REPLICA2.z", 300, "c.example.")];
        assert_eq!(
            effect_differences(&rewritten, &batch),
            vec![EffectDifference::StillThere(&batch[0].record)]
        );
        assert!(effect_differences(&[], &batch).is_empty());
    }

    fn weighted(name: &str, set: &str, ttl: u32, target: &str) -> RecordSet {
        RecordSet {
            set_identifier: Some(set.into()),
            weight: Some(1),
            ..RecordSet::cname(name, ttl, target)
        }
    }

    /// Route 53 Developer Guide, "Values for weighted records": "You can't create
    /// non-weighted records that have the same values for Name and Type as weighted
    /// records" (issue 12: the pooled name).
    #[test]
    fn weighted_and_non_weighted_sets_of_one_name_and_type_are_refused() {
        let pooled = weighted("pool.z.", "a-002", 10, "a.");
        let simple = RecordSet::cname("pool.z.", 10, "s.");
        assert_eq!(
            apply_changes(
                std::slice::from_ref(&pooled),
                &[change(ChangeAction::Create, &simple)]
            ),
            Err(ApplyError::MixedRouting {
                index: 0,
                name: "pool.z.".into(),
                record_type: "CNAME".into(),
            })
        );
        assert!(matches!(
            apply_changes(
                std::slice::from_ref(&simple),
                &[change(ChangeAction::Create, &pooled)]
            ),
            Err(ApplyError::MixedRouting { index: 0, .. })
        ));
        // Weighted sets are keyed by SetIdentifier too: a second one coexists, a DELETE
        // compares the weight.
        let other = weighted("pool.z.", "a-003", 10, "b.");
        let both = apply_changes(
            std::slice::from_ref(&pooled),
            &[change(ChangeAction::Create, &other)],
        )
        .expect("a second weighted set");
        assert_eq!(both.len(), 2);
        let heavier = RecordSet {
            weight: Some(2),
            ..pooled.clone()
        };
        assert!(matches!(
            apply_changes(&both, &[change(ChangeAction::Delete, &heavier)]),
            Err(ApplyError::DeleteMismatch { index: 0, .. })
        ));
    }

    /// Same page, TTL: Route 53 gives all weighted records of a name and type the TTL of
    /// the last one written.
    #[test]
    fn a_weighted_create_gives_its_ttl_to_the_whole_group() {
        let first = weighted("pool.z.", "a-002", 30, "a.");
        let second = weighted("pool.z.", "a-003", 10, "b.");
        let after = apply_changes(
            std::slice::from_ref(&first),
            &[change(ChangeAction::Create, &second)],
        )
        .expect("applies");
        assert!(after.iter().all(|r| r.ttl == Some(10)), "{after:?}");
        // The first's DELETE as read before no longer matches.
        assert!(matches!(
            apply_changes(&after, &[change(ChangeAction::Delete, &first)]),
            Err(ApplyError::DeleteMismatch { .. })
        ));
    }

    #[test]
    fn a_stale_delete_or_a_create_over_an_existing_record_rejects_the_batch() {
        let stored = RecordSet::cname("replica1.z.", 60, "a.example.");
        let stale = RecordSet::cname("replica1.z.", 60, "other.example.");
        let batch = [
            change(
                ChangeAction::Create,
                &RecordSet::cname("replica3.z.", 60, "c."),
            ),
            change(ChangeAction::Delete, &stale),
        ];
        assert_eq!(
            apply_changes(std::slice::from_ref(&stored), &batch),
            Err(ApplyError::DeleteMismatch {
                index: 1,
                name: "replica1.z.".into(),
                record_type: "CNAME".into(),
            })
        );
        assert!(matches!(
            apply_changes(
                std::slice::from_ref(&stored),
                &[change(ChangeAction::Create, &stored)]
            ),
            Err(ApplyError::CreateExists { index: 0, .. })
        ));
    }
}
