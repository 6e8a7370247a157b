//! Planning a group's AZ-local names (`azNames`): one name per availability zone the
//! group's members are in, pointing at an available replica of that AZ, else (interim)
//! at one elsewhere. The rules are the AZ-name rows of the decision tables in
//! [`crate::plan`]; this module carries them out. It runs after the slots, so that its
//! tie-breaks see the names the slots already put on each replica.

use std::collections::HashMap;

use crate::ownership::{is_az_label, GuardKindRef, GuardRef};
use crate::records::{names_equal, RecordSet};
use crate::topology::{Member, Role};

use super::group::{classify_pair, points_at, says, Found, Mode, Pair, Planner};
use super::index::{FastHash, ZoneIndex};
use super::{AzDeleteCause, AzNamePlan, AzNameReason, ChangeAction, Routing, SlotAction, Warning};

/// One AZ name as found in the zone.
enum AzClass<'z> {
    Free,
    /// Our TXT of kind AZ (for this AZ or, copied by hand, another one).
    Owned {
        cname: Option<&'z RecordSet>,
        txt: &'z RecordSet,
        /// The AZ the TXT says.
        txt_az: &'z str,
    },
    Foreign,
}

impl<'z> AzClass<'z> {
    fn cname(&self) -> Option<&'z RecordSet> {
        match self {
            AzClass::Owned { cname, .. } => *cname,
            AzClass::Free | AzClass::Foreign => None,
        }
    }
}

/// Where an AZ name should point.
enum AzTarget<'t> {
    Member(&'t Member, Routing),
    Primary(&'t str),
}

impl<'a, 't> Planner<'a, 't> {
    /// Plans every AZ name of the group: the AZs its members are in, plus the owned names
    /// of AZs it left. Returns the replicas the names wait for (unavailable replicas of
    /// an AZ whose name points elsewhere meanwhile).
    pub(super) fn plan_az_names(
        &mut self,
        zone: &ZoneIndex<'_>,
        pair: Pair,
        mode: &Mode<'t>,
    ) -> Vec<String> {
        let Some(patterns) = self.templates.az.as_ref() else {
            return Vec::new();
        };
        let topology = self.topology;
        // The AZs the group spans (primary included); members without a usable AZ label
        // are left out of the AZ names (they still serve slots and the pool).
        let mut spanned: Vec<&'t str> = topology
            .members
            .iter()
            .filter_map(|m| m.availability_zone.as_deref())
            .filter(|az| is_az_label(az))
            .collect();
        spanned.sort_unstable();
        spanned.dedup();
        // AZ labels that have records in the zone: owned ones of AZs left are deleted.
        let mut found: Vec<String> = zone
            .az_entries_of(pair.name)
            .iter()
            .chain(zone.az_entries_of(pair.txt))
            .map(|e| e.1.to_string())
            .filter(|az| spanned.binary_search(&az.as_str()).is_err())
            .collect();
        found.sort_unstable();
        found.dedup();

        let available: Vec<&'t Member> = topology
            .replicas()
            .into_iter()
            .filter(|m| m.is_available())
            .collect();
        // Names of this group on each available replica: slots first, then AZ names as
        // they are chosen (the in-AZ tie-break); AZ names only (the fallback's spread).
        let mut names_on: HashMap<&str, usize, FastHash> = HashMap::default();
        for slot in &self.slots {
            if let (Some(member), Routing::Home | Routing::Interim) = (
                slot.target_cluster_id
                    .as_deref()
                    .and_then(|id| topology.member(id)),
                slot.routing,
            ) {
                *names_on.entry(&member.cache_cluster_id).or_default() += 1;
            }
        }
        let mut az_names_on: HashMap<&str, usize, FastHash> = HashMap::default();
        let mut waiting: Vec<String> = Vec::new();
        // AZs with an available replica first, so that the fallbacks see every in-AZ
        // choice and spread over what is left; each part in AZ order.
        let has_replica = |az: &str| {
            available
                .iter()
                .any(|m| m.availability_zone.as_deref() == Some(az))
        };
        spanned.sort_by_key(|az| (!has_replica(az), *az));

        for az in spanned {
            let name = patterns.name.render(az);
            let class = self.classify_az(zone, pair, az, &name, true);
            if matches!(class, AzClass::Foreign) {
                continue;
            }
            let target = match mode {
                Mode::Keep => {
                    self.keep_az(az, &name, &class);
                    continue;
                }
                Mode::Delete => {
                    self.delete_az(az, &name, &class, AzDeleteCause::NoReplicaPolicy);
                    continue;
                }
                Mode::Primary(endpoint) => AzTarget::Primary(&endpoint.address),
                Mode::Normal => {
                    let current = class.cname().and_then(RecordSet::cname_target);
                    let in_az: Vec<&'t Member> = available
                        .iter()
                        .copied()
                        .filter(|m| m.availability_zone.as_deref() == Some(az))
                        .collect();
                    let (chosen, routing) = if in_az.is_empty() {
                        // Interim: sticky on any available replica, else the one with the
                        // fewest AZ names (several AZs falling back spread out).
                        waiting.extend(
                            topology
                                .members
                                .iter()
                                .filter(|m| {
                                    m.role == Role::Replica
                                        && !m.is_available()
                                        && m.availability_zone.as_deref() == Some(az)
                                })
                                .map(|m| m.cache_cluster_id.clone()),
                        );
                        let sticky =
                            current.and_then(|t| available.iter().find(|m| points_at(t, m)));
                        let least = || {
                            available.iter().min_by_key(|m| {
                                az_names_on
                                    .get(m.cache_cluster_id.as_str())
                                    .copied()
                                    .unwrap_or(0)
                            })
                        };
                        (sticky.or_else(least).copied(), Routing::Interim)
                    } else {
                        let sticky = current.and_then(|t| in_az.iter().find(|m| points_at(t, m)));
                        let least = || {
                            in_az.iter().min_by_key(|m| {
                                names_on
                                    .get(m.cache_cluster_id.as_str())
                                    .copied()
                                    .unwrap_or(0)
                            })
                        };
                        (sticky.or_else(least).copied(), Routing::Home)
                    };
                    // `Normal` means some replica is available, so there is a choice.
                    let Some(chosen) = chosen else { continue };
                    *names_on.entry(&chosen.cache_cluster_id).or_default() += 1;
                    *az_names_on.entry(&chosen.cache_cluster_id).or_default() += 1;
                    AzTarget::Member(chosen, routing)
                }
            };
            self.write_az(az, &name, &class, &target);
        }

        for az in &found {
            let name = patterns.name.render(az);
            let class = self.classify_az(zone, pair, az, &name, false);
            match (mode, &class) {
                (_, AzClass::Free | AzClass::Foreign) => {}
                (Mode::Keep, _) => self.keep_az(az, &name, &class),
                (Mode::Delete, _) => {
                    self.delete_az(az, &name, &class, AzDeleteCause::NoReplicaPolicy)
                }
                (Mode::Normal | Mode::Primary(_), _) => {
                    self.delete_az(az, &name, &class, AzDeleteCause::AzLeft)
                }
            }
        }
        waiting
    }

    /// Reads the records at AZ `az`'s name and ownership name. Foreign records are
    /// reported only for AZs the group spans (`report`): a name of another AZ that is not
    /// ours is no name of this group at all.
    fn classify_az<'z>(
        &mut self,
        zone: &ZoneIndex<'z>,
        pair: Pair,
        az: &str,
        name: &str,
        report: bool,
    ) -> AzClass<'z> {
        let found = classify_pair(
            zone.at_az(pair.name, az),
            zone.at_az(pair.txt, az),
            |value| {
                let guard =
                    GuardRef::parse_for(value, self.owner_id, &self.group.replication_group_id)?;
                match guard.kind {
                    GuardKindRef::Az { az } => Ok(az),
                    other => Err(crate::ownership::OwnershipError::OtherKind {
                        expected: crate::ownership::GuardKind::Az,
                        found: other.kind(),
                    }),
                }
            },
        );
        let reason = match found {
            Found::Free => return AzClass::Free,
            Found::Owned {
                cname,
                txt,
                ownership,
            } => {
                return AzClass::Owned {
                    cname,
                    txt,
                    txt_az: ownership,
                }
            }
            // `adoptExisting` is for the blog's numbered names only.
            Found::LoneCname(cname) => super::ForeignReason::CnameWithoutOwnership {
                target: cname.cname_target().unwrap_or_default().to_string(),
            },
            Found::Foreign(reason) => reason,
        };
        if report {
            self.warnings.push(Warning::ForeignAzRecord {
                az: az.to_string(),
                name: name.to_string(),
                reason,
            });
        }
        AzClass::Foreign
    }

    /// Makes AZ `az`'s name point at `target` with a TXT saying `az`, replacing whichever
    /// of CNAME and TXT differs (DELETE exact old + CREATE new).
    fn write_az(&mut self, az: &str, name: &str, class: &AzClass<'_>, target: &AzTarget<'t>) {
        let ttl = self.group.ttl;
        let (address, routing, target_cluster_id) = match target {
            AzTarget::Member(m, routing) => (
                m.read_endpoint
                    .as_ref()
                    .map(|e| e.address.as_str())
                    .unwrap_or_default(),
                *routing,
                Some(m.cache_cluster_id.clone()),
            ),
            AzTarget::Primary(address) => (
                *address,
                Routing::Primary,
                self.topology.primary().map(|m| m.cache_cluster_id.clone()),
            ),
        };
        let (old_cname, old_txt, txt_az) = match class {
            AzClass::Owned { cname, txt, txt_az } => (*cname, Some(*txt), Some(*txt_az)),
            AzClass::Free | AzClass::Foreign => (None, None, None),
        };
        let cname_ok = old_cname.is_some_and(|old| says(old, ttl, address));
        let txt_ok = old_txt.is_some_and(|old| old.ttl == Some(ttl)) && txt_az == Some(az);
        let txt_name = self
            .templates
            .az
            .as_ref()
            .map(|p| p.ownership_name.render(az))
            .unwrap_or_default();
        let value = GuardRef {
            owner_id: self.owner_id,
            group_id: &self.group.replication_group_id,
            kind: GuardKindRef::Az { az },
        }
        .render();
        let changed = self.replace_pair(
            (
                old_cname,
                (!cname_ok).then(|| RecordSet::cname(name, ttl, address)),
            ),
            (
                old_txt,
                (!txt_ok).then(|| RecordSet::txt(&txt_name, ttl, &value)),
            ),
        );
        let found_target = old_cname
            .and_then(RecordSet::cname_target)
            .map(str::to_string);
        let moved = found_target
            .as_deref()
            .is_none_or(|t| !names_equal(t, address));
        let reason = match (changed, class, routing) {
            (false, _, _) => AzNameReason::Unchanged,
            (true, AzClass::Free, _) => AzNameReason::Created,
            (true, _, _) if !moved => AzNameReason::Repaired { found_target },
            (true, _, Routing::Primary) => AzNameReason::PrimaryFallback,
            (true, _, Routing::Interim) => AzNameReason::Fallback,
            (true, _, _) => {
                // Back from a replica of another AZ, or away from something else.
                let from_other_az = found_target.as_deref().is_some_and(|t| {
                    self.topology.members.iter().any(|m| {
                        points_at(t, m)
                            && m.role == Role::Replica
                            && m.is_available()
                            && m.availability_zone.as_deref() != Some(az)
                    })
                });
                if from_other_az {
                    AzNameReason::ReturnedToAz
                } else {
                    AzNameReason::Moved { found_target }
                }
            }
        };
        let action = match (changed, class) {
            (false, _) => SlotAction::None,
            (true, AzClass::Free) => SlotAction::Create,
            (true, _) => SlotAction::Replace,
        };
        self.az_names.push(AzNamePlan {
            az: az.to_string(),
            name: name.to_string(),
            target_cluster_id,
            target_address: Some(address.to_string()),
            routing,
            action,
            reason,
        });
    }

    /// Deletes an owned AZ name's CNAME and TXT exactly as read.
    fn delete_az(&mut self, az: &str, name: &str, class: &AzClass<'_>, why: AzDeleteCause) {
        let AzClass::Owned { cname, txt, .. } = class else {
            return;
        };
        if let Some(old) = cname {
            self.push(ChangeAction::Delete, (*old).clone());
        }
        self.push(ChangeAction::Delete, (*txt).clone());
        self.az_names.push(AzNamePlan {
            az: az.to_string(),
            name: name.to_string(),
            target_cluster_id: None,
            target_address: None,
            routing: Routing::Removed,
            action: SlotAction::Delete,
            reason: AzNameReason::Deleted { why },
        });
    }

    /// Reports an owned AZ name as kept as it is (policy `keep`).
    fn keep_az(&mut self, az: &str, name: &str, class: &AzClass<'_>) {
        let AzClass::Owned { cname, .. } = class else {
            return;
        };
        let address = cname.and_then(RecordSet::cname_target);
        self.az_names.push(AzNamePlan {
            az: az.to_string(),
            name: name.to_string(),
            target_cluster_id: address.and_then(|a| self.member_at(a)),
            target_address: address.map(str::to_string),
            routing: Routing::AsIs,
            action: SlotAction::None,
            reason: AzNameReason::Kept,
        });
    }
}
