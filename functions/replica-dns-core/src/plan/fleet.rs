//! The fleet path's batches (issue 10 item 5): the changes of many groups, planned one
//! group at a time, merged into as few ChangeResourceRecordSets requests as Route 53
//! accepts — one per hosted zone, split only where a request would exceed Route 53's
//! limits. A group's changes are never split across two requests, so each group's
//! update (its slots' CNAMEs with their ownership TXTs, its AZ names, its pooled name)
//! stays atomic, exactly as when the group is applied alone.
//!
//! Route 53's limits for one ChangeResourceRecordSets request (Developer Guide, "Quotas",
//! <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests-changeresourcerecordsets>):
//! "A request cannot contain more than 1,000 `ResourceRecord` elements. When the value
//! of the `Action` element is `UPSERT`, each `ResourceRecord` element is counted twice."
//! and "The sum of the number of characters (including spaces) in all `Value` elements
//! in a request cannot exceed 32,000 characters. When the value of the `Action` element
//! is `UPSERT`, each character in a `Value` element is counted twice." The emulator
//! answers a request past either with `InvalidChangeBatch` and applies nothing.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{bare_zone_id, Change, ChangeAction, ChangeBatch};

/// Route 53's ResourceRecord elements per ChangeResourceRecordSets request.
pub const MAX_BATCH_RECORDS: usize = 1_000;
/// Route 53's characters of Value elements per ChangeResourceRecordSets request.
pub const MAX_BATCH_VALUE_CHARS: usize = 32_000;

/// What one request counts against Route 53's limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestSize {
    /// ResourceRecord elements (values), UPSERTs twice.
    pub records: usize,
    /// Characters of the Value elements, UPSERTs twice.
    pub value_chars: usize,
}

impl RequestSize {
    /// The size of one change as Route 53 counts it.
    pub fn of_change(change: &Change) -> RequestSize {
        let factor = if change.action == ChangeAction::Upsert {
            2
        } else {
            1
        };
        RequestSize {
            records: factor * change.record.values.len(),
            value_chars: factor
                * change
                    .record
                    .values
                    .iter()
                    .map(|v| v.chars().count())
                    .sum::<usize>(),
        }
    }

    /// The size of a list of changes sent together.
    pub fn of_changes(changes: &[Change]) -> RequestSize {
        changes
            .iter()
            .map(RequestSize::of_change)
            .fold(RequestSize::default(), |a, b| a.plus(b))
    }

    fn plus(self, other: RequestSize) -> RequestSize {
        RequestSize {
            records: self.records + other.records,
            value_chars: self.value_chars + other.value_chars,
        }
    }

    /// Whether Route 53 accepts a request of this size.
    pub fn within_limits(self) -> bool {
        self.records <= MAX_BATCH_RECORDS && self.value_chars <= MAX_BATCH_VALUE_CHARS
    }
}

/// One request of the fleet path: a hosted zone's changes for the groups it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetBatch {
    /// Without `/hostedzone/`.
    pub hosted_zone_id: String,
    /// The groups' changes, each group's together and in the order given.
    pub changes: Vec<Change>,
    /// The groups whose changes this request carries, in order.
    pub groups: Vec<String>,
    pub size: RequestSize,
}

/// Why the groups' changes cannot be sent as fleet batches.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FleetBatchError {
    /// One group's own changes exceed a request's limits: no split keeps it atomic.
    #[error(
        "group `{group}` alone needs {records} ResourceRecord elements and {value_chars} value characters in hosted zone {hosted_zone_id}, over Route 53's {MAX_BATCH_RECORDS} and {MAX_BATCH_VALUE_CHARS} per request"
    )]
    GroupTooLarge {
        group: String,
        hosted_zone_id: String,
        records: usize,
        value_chars: usize,
    },
    /// Two groups change the same record: sent together, Route 53 would reject the
    /// request (or apply a meaningless order); their name templates overlap.
    #[error("groups `{first}` and `{second}` both change `{name}`: their names overlap")]
    OverlappingGroups {
        name: String,
        first: String,
        second: String,
    },
}

/// Merges each group's batches (`(group id, batch)`, groups in the order they are to be
/// written) into one request per hosted zone, in order of first appearance, starting a
/// further request for a zone only when the next group's changes would take the current
/// one past Route 53's limits. Empty batches are dropped.
pub fn fleet_batches<'a>(
    group_batches: impl IntoIterator<Item = (&'a str, &'a ChangeBatch)>,
) -> Result<Vec<FleetBatch>, FleetBatchError> {
    let mut batches: Vec<FleetBatch> = Vec::new();
    // The zone's request still open for more groups, by zone id.
    let mut open: HashMap<String, usize> = HashMap::new();
    // Which group changes each record (name, type, set identifier), to catch overlaps.
    let mut claimed: HashMap<(String, String, Option<String>), &'a str> = HashMap::new();
    for (group, batch) in group_batches {
        if batch.changes.is_empty() {
            continue;
        }
        let zone = bare_zone_id(&batch.hosted_zone_id).to_string();
        for change in &batch.changes {
            let key = (
                change.record.name.clone(),
                change.record.record_type.as_str().to_string(),
                change.record.set_identifier.clone(),
            );
            if let Some(first) = claimed.insert(key, group) {
                if first != group {
                    return Err(FleetBatchError::OverlappingGroups {
                        name: change.record.name.clone(),
                        first: first.to_string(),
                        second: group.to_string(),
                    });
                }
            }
        }
        let size = RequestSize::of_changes(&batch.changes);
        if !size.within_limits() {
            return Err(FleetBatchError::GroupTooLarge {
                group: group.to_string(),
                hosted_zone_id: zone,
                records: size.records,
                value_chars: size.value_chars,
            });
        }
        let fits = open
            .get(&zone)
            .is_some_and(|&i| batches[i].size.plus(size).within_limits());
        let index = if fits {
            open[&zone]
        } else {
            batches.push(FleetBatch {
                hosted_zone_id: zone.clone(),
                changes: Vec::new(),
                groups: Vec::new(),
                size: RequestSize::default(),
            });
            open.insert(zone, batches.len() - 1);
            batches.len() - 1
        };
        let target = &mut batches[index];
        target.changes.extend(batch.changes.iter().cloned());
        if target.groups.last().map(String::as_str) != Some(group) {
            target.groups.push(group.to_string());
        }
        target.size = target.size.plus(size);
    }
    Ok(batches)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::records::RecordSet;
    use proptest::prelude::*;

    fn create(name: &str, value: &str) -> Change {
        Change {
            action: ChangeAction::Create,
            record: RecordSet::cname(name, 30, value),
        }
    }

    fn batch(zone: &str, changes: Vec<Change>) -> ChangeBatch {
        ChangeBatch {
            hosted_zone_id: zone.into(),
            changes,
        }
    }

    /// A group's changes: `slots` CNAME + TXT pairs.
    fn group_changes(group: &str, slots: usize, value_len: usize) -> Vec<Change> {
        (1..=slots)
            .flat_map(|n| {
                let value = "x".repeat(value_len);
                [
                    create(&format!("replica{n}.{group}.internal."), &value),
                    Change {
                        action: ChangeAction::Create,
                        record: RecordSet {
                            name: format!("_owner.replica{n}.{group}.internal."),
                            record_type: crate::records::RecordType::Txt,
                            ttl: Some(30),
                            values: vec![value],
                            set_identifier: None,
                            weight: None,
                        },
                    },
                ]
            })
            .collect()
    }

    #[test]
    fn groups_in_one_zone_share_one_request_and_zones_keep_their_first_order() {
        let a = batch("Z1", group_changes("a", 2, 10));
        let b = batch("/hostedzone/Z2", group_changes("b", 1, 10));
        let c = batch("Z1", group_changes("c", 3, 10));
        let empty = batch("Z3", vec![]);
        let out = fleet_batches([("a", &a), ("b", &b), ("c", &c), ("d", &empty)]).unwrap();
        assert_eq!(out.len(), 2, "one request per zone with changes: {out:?}");
        assert_eq!(out[0].hosted_zone_id, "Z1");
        assert_eq!(out[0].groups, ["a", "c"]);
        assert_eq!(out[0].changes.len(), 4 + 6);
        assert_eq!(
            out[0].changes[..4],
            a.changes[..],
            "a's changes first, together"
        );
        assert_eq!(out[1].hosted_zone_id, "Z2");
        assert_eq!(out[1].groups, ["b"]);
        assert_eq!(out[0].size.records, 10);
    }

    #[test]
    fn a_zone_is_split_where_the_next_group_would_pass_a_limit_never_inside_a_group() {
        // 300 records per group: three fit in 1,000, the fourth starts a second request.
        let groups: Vec<(String, ChangeBatch)> = (0..4)
            .map(|g| {
                (
                    format!("g{g}"),
                    batch("Z1", group_changes(&format!("g{g}"), 150, 5)),
                )
            })
            .collect();
        let out = fleet_batches(groups.iter().map(|(g, b)| (g.as_str(), b))).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].groups, ["g0", "g1", "g2"]);
        assert_eq!(out[0].size.records, 900);
        assert_eq!(out[1].groups, ["g3"]);
    }

    #[test]
    fn the_value_characters_limit_splits_too() {
        // 2 values of 9,000 characters per group: 18,000; two groups would be 36,000.
        let groups: Vec<(String, ChangeBatch)> = (0..2)
            .map(|g| {
                (
                    format!("g{g}"),
                    batch("Z1", group_changes(&format!("g{g}"), 1, 9_000)),
                )
            })
            .collect();
        let out = fleet_batches(groups.iter().map(|(g, b)| (g.as_str(), b))).unwrap();
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|b| b.size.within_limits()));
    }

    #[test]
    fn upserts_count_double_as_route53_counts_them() {
        let upsert = Change {
            action: ChangeAction::Upsert,
            record: RecordSet::cname("a.internal.", 30, "abc"),
        };
        assert_eq!(
            RequestSize::of_change(&upsert),
            RequestSize {
                records: 2,
                value_chars: 6
            }
        );
    }

    #[test]
    fn exactly_at_the_limits_is_one_request() {
        let at_limit = RequestSize {
            records: MAX_BATCH_RECORDS,
            value_chars: MAX_BATCH_VALUE_CHARS,
        };
        assert!(at_limit.within_limits());
        assert!(!RequestSize {
            records: MAX_BATCH_RECORDS + 1,
            ..at_limit
        }
        .within_limits());
        assert!(!RequestSize {
            value_chars: MAX_BATCH_VALUE_CHARS + 1,
            ..at_limit
        }
        .within_limits());
    }

    #[test]
    fn a_group_too_large_for_one_request_is_an_error_naming_it() {
        let big = batch("Z1", group_changes("big", 501, 1));
        let err = fleet_batches([("big", &big)]).unwrap_err();
        assert!(
            matches!(err, FleetBatchError::GroupTooLarge { ref group, records: 1002, .. } if group == "big")
        );
        assert!(err.to_string().contains("group `big`"), "{err}");
    }

    #[test]
    fn two_groups_changing_one_record_are_refused() {
        let a = batch("Z1", vec![create("replica1.shared.internal.", "a")]);
        let b = batch("Z1", vec![create("replica1.shared.internal.", "b")]);
        let err = fleet_batches([("a", &a), ("b", &b)]).unwrap_err();
        assert_eq!(
            err,
            FleetBatchError::OverlappingGroups {
                name: "replica1.shared.internal.".into(),
                first: "a".into(),
                second: "b".into()
            }
        );
    }

    proptest! {
        /// Every change is sent exactly once, in its group's order, each group in exactly
        /// one request of its own zone, and every request is within Route 53's limits.
        #[test]
        fn batches_cover_every_change_once_keep_groups_whole_and_stay_within_limits(
            groups in prop::collection::vec((0usize..3, 1usize..200, 1usize..300), 1..12)
        ) {
            let input: Vec<(String, ChangeBatch)> = groups
                .iter()
                .enumerate()
                .map(|(i, &(zone, slots, len))| {
                    let id = format!("g{i}");
                    let changes = group_changes(&id, slots, len);
                    (id, batch(&format!("Z{zone}"), changes))
                })
                .collect();
            let input: Vec<(String, ChangeBatch)> = input
                .into_iter()
                .filter(|(_, b)| RequestSize::of_changes(&b.changes).within_limits())
                .collect();
            let out = fleet_batches(input.iter().map(|(g, b)| (g.as_str(), b))).unwrap();
            for (group, group_batch) in &input {
                let holders: Vec<&FleetBatch> =
                    out.iter().filter(|b| b.groups.contains(group)).collect();
                prop_assert_eq!(holders.len(), 1, "group {} in one request", group);
                prop_assert_eq!(&holders[0].hosted_zone_id, &group_batch.hosted_zone_id);
                let start = holders[0]
                    .changes
                    .iter()
                    .position(|c| c == &group_batch.changes[0])
                    .unwrap();
                prop_assert_eq!(
                    &holders[0].changes[start..start + group_batch.changes.len()],
                    &group_batch.changes[..]
                );
            }
            let sent: usize = out.iter().map(|b| b.changes.len()).sum();
            let given: usize = input.iter().map(|(_, b)| b.changes.len()).sum();
            prop_assert_eq!(sent, given);
            for b in &out {
                prop_assert!(b.size.within_limits());
                prop_assert_eq!(b.size, RequestSize::of_changes(&b.changes));
            }
            // A zone's next request starts only when its first group did not fit in the
            // one before it.
            for (i, later) in out.iter().enumerate() {
                let Some(earlier) = out[..i].iter().rev().find(|b| b.hosted_zone_id == later.hosted_zone_id) else {
                    continue;
                };
                let first = &input.iter().find(|(g, _)| *g == later.groups[0]).unwrap().1;
                prop_assert!(!earlier.size.plus(RequestSize::of_changes(&first.changes)).within_limits());
            }
        }
    }
}
