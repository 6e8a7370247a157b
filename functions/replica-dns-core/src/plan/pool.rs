//! Planning a group's pooled name (`pooledName`): one weighted CNAME per available
//! replica (SetIdentifier = its cache cluster id, weight 1), each with a weighted TXT of
//! the same SetIdentifier at the ownership name, so that every record of the pool has
//! its own compare-and-swap guard. The rules are the pool rows of the decision tables in
//! [`crate::plan`]; this module carries them out.

use std::collections::BTreeMap;

use crate::ownership::{GuardKind, GuardKindRef, GuardRef, OwnershipError};
use crate::records::{names_equal, RecordSet, RecordType};
use crate::topology::Role;

use super::group::{record_types, Mode, Pair, Planner};
use super::index::ZoneIndex;
use super::{
    ChangeAction, ForeignReason, PoolBlock, PoolLeaveCause, PoolMemberPlan, PoolPlan, PoolReason,
    Routing, SlotAction, Warning,
};

/// The weight of every record of the pool: equal weights spread queries evenly, and 1
/// leaves room for an operator's own weighted records beside ours.
pub const POOL_WEIGHT: u32 = 1;

/// One of our pool records as read: the TXT is what makes it ours.
struct OwnedRecord<'z> {
    cname: Option<&'z RecordSet>,
    txt: &'z RecordSet,
    /// The member the TXT names (normally its own SetIdentifier).
    member: &'z str,
}

/// What a pool record should be.
struct Wanted<'t> {
    address: &'t str,
    routing: Routing,
}

impl<'a, 't> Planner<'a, 't> {
    /// Plans the pooled name: join, keep, replace and leave, all deletes before all
    /// creates (Route 53 gives every weighted record of one name and type the TTL of the
    /// last one written, so a create between two deletes could break the second's exact
    /// match).
    pub(super) fn plan_pool(&mut self, zone: &ZoneIndex<'_>, pair: Pair, mode: &Mode<'t>) {
        let Some(names) = self.templates.pool.as_ref() else {
            return;
        };
        let pool_name = names.name.clone();
        let txt_name = names.ownership_name.clone();
        let ttl = self.group.ttl;
        let at_name: Vec<&RecordSet> = zone.at_exact(pair.name).collect();
        let at_txt: Vec<&RecordSet> = zone.at_exact(pair.txt).collect();
        let mut plan = PoolPlan {
            name: pool_name.clone(),
            members: Vec::new(),
        };

        // A non-weighted record, or one of another type, blocks the whole pool.
        let blockers: Vec<&RecordSet> = at_name
            .iter()
            .filter(|r| r.record_type != RecordType::Cname || r.set_identifier.is_none())
            .chain(
                at_txt
                    .iter()
                    .filter(|r| r.record_type != RecordType::Txt || r.set_identifier.is_none()),
            )
            .copied()
            .collect();
        // A blocked pool still loses the records that must go (a DELETE writes no TTL
        // and creates nothing): reads never stay on a primary or a node being replaced.
        let mut blocked = !blockers.is_empty();
        if blocked {
            self.warnings.push(Warning::PoolBlocked {
                name: pool_name.clone(),
                reason: PoolBlock::NonWeightedRecords {
                    types: record_types(blockers.into_iter()),
                },
            });
        }

        // Ours: a weighted TXT that parses as this group's pool value; its CNAME is the
        // weighted CNAME of the same SetIdentifier. Everything else is foreign.
        let mut owned: BTreeMap<&str, OwnedRecord> = BTreeMap::new();
        let mut foreign: BTreeMap<&str, ForeignReason> = BTreeMap::new();
        for txt in at_txt.iter().filter(|r| r.record_type == RecordType::Txt) {
            let Some(set) = txt.set_identifier.as_deref() else {
                continue;
            };
            match self.parse_pool_value(txt) {
                Ok(member) => {
                    owned.insert(
                        set,
                        OwnedRecord {
                            cname: None,
                            txt,
                            member,
                        },
                    );
                }
                Err(error) => {
                    foreign.insert(set, ForeignReason::OwnershipRejected { error });
                }
            }
        }
        for cname in at_name
            .iter()
            .filter(|r| r.record_type == RecordType::Cname)
        {
            let Some(set) = cname.set_identifier.as_deref() else {
                continue;
            };
            match owned.get_mut(set) {
                Some(record) if cname.values.len() == 1 => record.cname = Some(cname),
                Some(_) => {
                    // A CNAME holds one value; anything else is not what we wrote.
                    owned.remove(set);
                    foreign.insert(
                        set,
                        ForeignReason::OtherRecordsAtName {
                            types: record_types(std::iter::once(*cname)),
                        },
                    );
                }
                None => {
                    foreign
                        .entry(set)
                        .or_insert_with(|| ForeignReason::CnameWithoutOwnership {
                            target: cname.values.join(", "),
                        });
                }
            }
        }
        for (set, reason) in &foreign {
            self.warnings.push(Warning::ForeignPoolRecord {
                name: pool_name.clone(),
                set_identifier: set.to_string(),
                reason: reason.clone(),
            });
        }
        // One TTL per weighted name and type: a stranger's other TTL would be rewritten
        // by our next CREATE, and theirs would rewrite ours.
        let foreign_ttl = at_name
            .iter()
            .chain(&at_txt)
            .filter(|r| {
                r.set_identifier
                    .as_deref()
                    .is_some_and(|s| foreign.contains_key(s))
            })
            .find(|r| r.ttl != Some(ttl));
        if let (Some(record), false) = (foreign_ttl, blocked) {
            self.warnings.push(Warning::PoolBlocked {
                name: pool_name.clone(),
                reason: PoolBlock::ForeignTtl {
                    set_identifier: record.set_identifier.clone().unwrap_or_default(),
                    ttl: record.ttl,
                },
            });
            blocked = true;
        }

        // What the pool should hold, by SetIdentifier.
        let topology = self.topology;
        let mut wanted: BTreeMap<&str, Wanted<'t>> = BTreeMap::new();
        match mode {
            Mode::Normal => {
                for m in topology.replicas().into_iter().filter(|m| m.is_available()) {
                    if let Some(endpoint) = &m.read_endpoint {
                        wanted.insert(
                            &m.cache_cluster_id,
                            Wanted {
                                address: &endpoint.address,
                                routing: Routing::Home,
                            },
                        );
                    }
                }
            }
            Mode::Primary(endpoint) => match topology.primary() {
                Some(primary) => {
                    wanted.insert(
                        &primary.cache_cluster_id,
                        Wanted {
                            address: &endpoint.address,
                            routing: Routing::Primary,
                        },
                    );
                }
                // No member to name the record after: keep the pool as it is.
                None => {
                    self.keep_pool(&mut plan, &owned);
                    self.pool = Some(plan);
                    return;
                }
            },
            Mode::Keep => {
                self.keep_pool(&mut plan, &owned);
                self.pool = Some(plan);
                return;
            }
            Mode::Delete => {}
        }
        // A SetIdentifier a stranger holds cannot be ours: CREATE would fail the batch.
        wanted.retain(|set, _| !foreign.contains_key(set));

        let mut creates: Vec<RecordSet> = Vec::new();
        let mut sets: Vec<&str> = owned.keys().chain(wanted.keys()).copied().collect();
        sets.sort_unstable();
        sets.dedup();
        for set in sets {
            let old = owned.get(set);
            let want = wanted.get(set);
            let points_right = |o: &OwnedRecord, w: &Wanted| {
                o.cname.is_some_and(
                    |c| matches!(c.values.as_slice(), [t] if names_equal(t, w.address)),
                )
            };
            // Blocked: what points right stays as it is, whatever its TTL; what does not
            // is removed rather than left pointing elsewhere; nothing joins.
            let want = match (blocked, want, old) {
                (false, want, _) => want,
                (true, Some(w), Some(o)) if points_right(o, w) => {
                    plan.members.push(PoolMemberPlan {
                        set_identifier: set.to_string(),
                        target_address: Some(w.address.to_string()),
                        routing: w.routing,
                        action: SlotAction::None,
                        reason: PoolReason::Unchanged,
                    });
                    continue;
                }
                (true, _, Some(_)) => None,
                (true, _, None) => continue,
            };
            let Some(want) = want else {
                let Some(old) = old else { continue };
                if let Some(cname) = old.cname {
                    self.push(ChangeAction::Delete, cname.clone());
                }
                self.push(ChangeAction::Delete, old.txt.clone());
                let why = match (mode, topology.member(set)) {
                    (Mode::Delete, _) => PoolLeaveCause::NoReplicaPolicy,
                    _ if wanted.contains_key(set) => PoolLeaveCause::CannotRepair,
                    (_, None) => PoolLeaveCause::Removed,
                    (_, Some(m)) if m.role == Role::Primary => PoolLeaveCause::BecamePrimary,
                    (_, Some(_)) => PoolLeaveCause::Unavailable,
                };
                plan.members.push(PoolMemberPlan {
                    set_identifier: set.to_string(),
                    target_address: None,
                    routing: Routing::Removed,
                    action: SlotAction::Delete,
                    reason: PoolReason::Left { why },
                });
                continue;
            };
            let new_cname = RecordSet {
                set_identifier: Some(set.to_string()),
                weight: Some(POOL_WEIGHT),
                ..RecordSet::cname(&pool_name, ttl, want.address)
            };
            let value = GuardRef {
                owner_id: self.owner_id,
                group_id: &self.group.replication_group_id,
                kind: GuardKindRef::Pool { member: set },
            }
            .render();
            let new_txt = RecordSet {
                set_identifier: Some(set.to_string()),
                weight: Some(POOL_WEIGHT),
                ..RecordSet::txt(&txt_name, ttl, &value)
            };
            let old_cname = old.and_then(|o| o.cname);
            let cname_ok = old_cname.is_some_and(|c| {
                c.ttl == Some(ttl)
                    && c.weight == Some(POOL_WEIGHT)
                    && matches!(c.values.as_slice(), [t] if names_equal(t, want.address))
            });
            let txt_ok = old.is_some_and(|o| {
                o.member == set && o.txt.ttl == Some(ttl) && o.txt.weight == Some(POOL_WEIGHT)
            });
            if !cname_ok {
                if let Some(c) = old_cname {
                    self.push(ChangeAction::Delete, c.clone());
                }
                creates.push(new_cname);
            }
            if !txt_ok {
                if let Some(o) = old {
                    self.push(ChangeAction::Delete, o.txt.clone());
                }
                creates.push(new_txt);
            }
            let found_target = old_cname.and_then(|c| c.values.first()).cloned();
            let (action, reason) = match (cname_ok && txt_ok, old, want.routing) {
                (true, _, _) => (SlotAction::None, PoolReason::Unchanged),
                (false, None, Routing::Primary) => {
                    (SlotAction::Create, PoolReason::PrimaryFallback)
                }
                (false, None, _) => (SlotAction::Create, PoolReason::Joined),
                (false, Some(_), Routing::Primary) => {
                    (SlotAction::Replace, PoolReason::PrimaryFallback)
                }
                (false, Some(_), _) => (SlotAction::Replace, PoolReason::Replaced { found_target }),
            };
            plan.members.push(PoolMemberPlan {
                set_identifier: set.to_string(),
                target_address: Some(want.address.to_string()),
                routing: want.routing,
                action,
                reason,
            });
        }
        for record in creates {
            self.push(ChangeAction::Create, record);
        }
        self.pool = Some(plan);
    }

    /// Our pool value's member, or why the TXT is not ours.
    fn parse_pool_value<'z>(&self, txt: &'z RecordSet) -> Result<&'z str, OwnershipError> {
        let [value] = txt.values.as_slice() else {
            return Err(OwnershipError::NotQuoted {
                value: txt.values.join(" "),
            });
        };
        let guard = GuardRef::parse_for(value, self.owner_id, &self.group.replication_group_id)?;
        match guard.kind {
            GuardKindRef::Pool { member } => Ok(member),
            other => Err(OwnershipError::OtherKind {
                expected: GuardKind::Pool,
                found: other.kind(),
            }),
        }
    }

    /// Reports every owned pool record as kept as it is (policy `keep`).
    fn keep_pool(&self, plan: &mut PoolPlan, owned: &BTreeMap<&str, OwnedRecord<'_>>) {
        for (set, record) in owned {
            plan.members.push(PoolMemberPlan {
                set_identifier: set.to_string(),
                target_address: record.cname.and_then(|c| c.values.first()).cloned(),
                routing: Routing::AsIs,
                action: SlotAction::None,
                reason: PoolReason::Kept,
            });
        }
    }
}
