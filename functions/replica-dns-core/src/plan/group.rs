//! Planning one group: classify its slots, give each a home, pick each CNAME's target,
//! and diff against the records as read. The rules are the decision table in
//! [`crate::plan`]; this module only carries them out.

use crate::config::{GroupConfig, NoReplicaPolicy, MAX_REPLICAS};
use crate::ownership::{OwnershipRef, SlotTemplate};
use crate::records::{names_equal, RecordSet, RecordType};
use crate::topology::{Endpoint, Member, Role, Topology};

use super::index::{Entry, ZoneIndex};
use super::{
    Change, ChangeAction, DeleteCause, ForeignReason, GroupPlan, PlanError, PlanStatus,
    RehomeCause, Routing, SlotAction, SlotPlan, SlotReason, Warning,
};

/// One slot number as found in the zone.
struct Slot<'a> {
    n: u32,
    class: Class<'a>,
}

enum Class<'a> {
    /// Nothing at the slot name nor at its ownership name.
    Free,
    /// Our TXT (owner and group match); the CNAME may be missing (deleted by hand).
    Owned {
        cname: Option<&'a RecordSet>,
        txt: &'a RecordSet,
        ownership: OwnershipRef<'a>,
    },
    /// A lone CNAME without TXT, and the operator asked to adopt such records.
    Adoptable { cname: &'a RecordSet },
    /// Not ours; a warning has been recorded.
    Foreign,
}

impl<'a> Class<'a> {
    fn cname(&self) -> Option<&'a RecordSet> {
        match self {
            Class::Owned { cname, .. } => *cname,
            Class::Adoptable { cname } => Some(cname),
            Class::Free | Class::Foreign => None,
        }
    }

    fn txt(&self) -> Option<&'a RecordSet> {
        match self {
            Class::Owned { txt, .. } => Some(txt),
            _ => None,
        }
    }
}

/// How the group's targets are chosen this time (rule 5 picks all but `Normal`).
enum Mode<'t> {
    /// At least one replica is available.
    Normal,
    /// No replica available, policy `primary`, endpoint known.
    Primary(&'t Endpoint),
    /// No replica available, policy `keep` (or `primary` without endpoint).
    Keep,
    /// No replica available, policy `delete`.
    Delete,
}

/// Where a slot's CNAME should point.
enum CnameTarget<'t> {
    Member(&'t Member, Routing),
    Primary(&'t Endpoint),
}

impl CnameTarget<'_> {
    fn address(&self) -> &str {
        match self {
            CnameTarget::Member(m, _) => m
                .read_endpoint
                .as_ref()
                .map(|e| e.address.as_str())
                .unwrap_or_default(),
            CnameTarget::Primary(e) => &e.address,
        }
    }

    fn routing(&self) -> Routing {
        match self {
            CnameTarget::Member(_, routing) => *routing,
            CnameTarget::Primary(_) => Routing::Primary,
        }
    }
}

/// Why a slot got a new home: its previous home (if any) and the cause.
type Rehome = (Option<String>, RehomeCause);

/// Working state while planning one group.
struct Planner<'a, 't> {
    owner_id: &'a str,
    group: &'a GroupConfig,
    templates: &'a Templates,
    topology: &'t Topology,
    slots: Vec<SlotPlan>,
    changes: Vec<Change>,
    warnings: Vec<Warning>,
}

/// A group's slot-name template and the template of its ownership names.
pub(crate) struct Templates {
    pub(crate) slot: SlotTemplate,
    pub(crate) txt: SlotTemplate,
}

impl Templates {
    pub(crate) fn of(group: &GroupConfig) -> Result<Self, PlanError> {
        let slot = SlotTemplate::parse(&group.name_template).map_err(|source| {
            PlanError::InvalidTemplate {
                group: group.replication_group_id.clone(),
                source,
            }
        })?;
        let txt = slot.ownership_template(&group.ownership_prefix);
        Ok(Templates { slot, txt })
    }
}

/// Where a group's templates sit in its zone's [`ZoneIndex`].
#[derive(Clone, Copy)]
pub(crate) struct Positions {
    pub(crate) slot: usize,
    pub(crate) txt: usize,
}

/// Plans one group against a zone that is already indexed (the zone may hold other
/// groups' names too: [`super::plan`] indexes each zone once for all its groups).
pub(crate) fn plan_in_zone(
    owner_id: &str,
    group: &GroupConfig,
    templates: &Templates,
    topology: &Topology,
    zone: &ZoneIndex<'_>,
    positions: Positions,
) -> GroupPlan {
    let mut planner = Planner {
        owner_id,
        group,
        templates,
        topology,
        slots: Vec::new(),
        changes: Vec::new(),
        warnings: Vec::new(),
    };
    if group.az_names.is_some() {
        planner.warnings.push(Warning::UnsupportedOption {
            option: "azNames".into(),
        });
    }
    if group.pooled_name.is_some() {
        planner.warnings.push(Warning::UnsupportedOption {
            option: "pooledName".into(),
        });
    }

    let replicas = topology.replicas();
    let replica_count = u32::try_from(replicas.len()).unwrap_or(u32::MAX);
    let any_available = replicas.iter().any(|m| m.is_available());

    let found_slots = zone.slots_of(positions.slot).len() + zone.slots_of(positions.txt).len();
    let mut numbers: Vec<u32> = Vec::with_capacity(replicas.len() + found_slots);
    numbers.extend(1..=replica_count);
    numbers.extend(zone.slots_of(positions.slot));
    numbers.extend(zone.slots_of(positions.txt));
    numbers.sort_unstable();
    numbers.dedup();
    planner.slots.reserve(numbers.len());
    let slots: Vec<Slot> = numbers
        .into_iter()
        .map(|n| planner.classify(n, templates, zone, positions))
        .collect();

    let mode = if any_available {
        Mode::Normal
    } else {
        planner.warnings.push(Warning::NoReplicaAvailable {
            policy: group.no_replica_policy,
        });
        match group.no_replica_policy {
            NoReplicaPolicy::Primary => match topology.primary_target() {
                Some(endpoint) => Mode::Primary(endpoint),
                None => {
                    planner.warnings.push(Warning::NoPrimaryEndpoint);
                    Mode::Keep
                }
            },
            NoReplicaPolicy::Keep => Mode::Keep,
            NoReplicaPolicy::Delete => Mode::Delete,
        }
    };

    let waiting_for: Vec<String> = match mode {
        Mode::Keep => {
            for slot in &slots {
                planner.keep(slot);
            }
            replicas
                .iter()
                .map(|m| m.cache_cluster_id.clone())
                .collect()
        }
        Mode::Delete => {
            for slot in &slots {
                if matches!(slot.class, Class::Owned { .. }) {
                    planner.delete(slot, None, DeleteCause::NoReplicaPolicy);
                }
            }
            replicas
                .iter()
                .map(|m| m.cache_cluster_id.clone())
                .collect()
        }
        Mode::Primary(endpoint) if replica_count == 0 => {
            // No replica member at all: keep the names answering (from the primary)
            // without inventing homes; TXT records stay as they are.
            for slot in &slots {
                if let Class::Owned { ownership, .. } = &slot.class {
                    planner.write(
                        slot,
                        ownership.home,
                        &CnameTarget::Primary(endpoint),
                        None,
                        true,
                    );
                }
            }
            Vec::new()
        }
        Mode::Primary(_) | Mode::Normal => {
            planner.assign_and_write(&slots, &replicas, replica_count, &mode)
        }
    };

    let status = if waiting_for.is_empty() {
        PlanStatus::Final
    } else {
        PlanStatus::Interim { waiting_for }
    };
    GroupPlan {
        replication_group_id: group.replication_group_id.clone(),
        hosted_zone_id: super::bare_zone_id(&group.hosted_zone_id).to_string(),
        status,
        slots: planner.slots,
        changes: planner.changes,
        warnings: planner.warnings,
    }
}

impl<'a, 't> Planner<'a, 't> {
    /// Decides whether slot `n` is free, ours, adoptable or foreign (first table of the
    /// module doc), recording a warning for foreign ones.
    fn classify<'z>(
        &mut self,
        n: u32,
        templates: &Templates,
        zone: &ZoneIndex<'z>,
        positions: Positions,
    ) -> Slot<'z> {
        let at_name = zone.at(positions.slot, n);
        let at_txt = zone.at(positions.txt, n);
        let types = |records: &[Entry]| -> Vec<String> {
            records
                .iter()
                .map(|(_, _, r)| match &r.set_identifier {
                    Some(id) => format!("{} (set {id})", r.record_type.as_str()),
                    None => r.record_type.as_str().to_string(),
                })
                .collect()
        };
        let lone_cname = match at_name {
            [(_, _, record)] if record.cname_target().is_some() => Some(*record),
            _ => None,
        };
        let foreign = |reason: ForeignReason| Warning::ForeignRecord {
            slot: n,
            name: templates.slot.name(n),
            reason,
        };

        let class = match at_txt {
            [] => match (at_name.is_empty(), lone_cname) {
                (true, _) => Class::Free,
                (false, Some(cname))
                    if self.group.adopt_existing && self.plausibly_adoptable(n) =>
                {
                    Class::Adoptable { cname }
                }
                (false, Some(cname)) if self.group.adopt_existing => {
                    self.warnings.push(foreign(ForeignReason::OutsideAdoption {
                        target: cname.cname_target().unwrap_or_default().to_string(),
                    }));
                    Class::Foreign
                }
                (false, Some(cname)) => {
                    self.warnings
                        .push(foreign(ForeignReason::CnameWithoutOwnership {
                            target: cname.cname_target().unwrap_or_default().to_string(),
                        }));
                    Class::Foreign
                }
                (false, None) => {
                    self.warnings
                        .push(foreign(ForeignReason::OtherRecordsAtName {
                            types: types(at_name),
                        }));
                    Class::Foreign
                }
            },
            [(_, _, txt)]
                if txt.record_type == RecordType::Txt
                    && txt.set_identifier.is_none()
                    && txt.values.len() == 1 =>
            {
                match OwnershipRef::parse_for(
                    &txt.values[0],
                    self.owner_id,
                    &self.group.replication_group_id,
                ) {
                    Err(error) => {
                        self.warnings
                            .push(foreign(ForeignReason::OwnershipRejected { error }));
                        Class::Foreign
                    }
                    Ok(ownership) if at_name.is_empty() || lone_cname.is_some() => Class::Owned {
                        cname: lone_cname,
                        txt,
                        ownership,
                    },
                    Ok(_) => {
                        self.warnings
                            .push(foreign(ForeignReason::OtherRecordsAtName {
                                types: types(at_name),
                            }));
                        Class::Foreign
                    }
                }
            }
            _ => {
                self.warnings
                    .push(foreign(ForeignReason::OtherRecordsAtOwnershipName {
                        types: types(at_txt),
                    }));
                Class::Foreign
            }
        };
        Slot { n, class }
    }

    /// Rules 1–4 when a target exists (some replica available, or the primary endpoint
    /// under policy `primary`). Returns the replicas the plan is waiting for.
    fn assign_and_write(
        &mut self,
        slots: &[Slot<'_>],
        replicas: &[&'t Member],
        replica_count: u32,
        mode: &Mode<'t>,
    ) -> Vec<String> {
        let in_range = |s: &&Slot| s.n <= replica_count;
        let topology = self.topology;
        // Members already home to a slot (compared by identity: they all come from
        // `topology`, one struct per member).
        let mut claimed: Vec<&Member> = Vec::with_capacity(replicas.len());
        let is_claimed =
            |claimed: &[&Member], m: &Member| claimed.iter().any(|c| std::ptr::eq(*c, m));
        // By slot index: (home, rehome cause).
        let mut homes: Vec<Option<(&'t Member, Option<Rehome>)>> = vec![None; slots.len()];
        let mut needs: Vec<(usize, Option<Rehome>)> = Vec::new();

        // Owned slots keep a home that is still a replica (sticky), lowest slot first.
        for (i, slot) in slots.iter().enumerate().filter(|(_, s)| in_range(s)) {
            if let Class::Owned { ownership, .. } = &slot.class {
                let home = ownership.home;
                let cause = match topology.member(home) {
                    Some(m) if m.role == Role::Replica && !is_claimed(&claimed, m) => {
                        claimed.push(m);
                        homes[i] = Some((m, None));
                        continue;
                    }
                    Some(m) if m.role == Role::Replica => RehomeCause::HomeTaken,
                    Some(_) => RehomeCause::HomeBecamePrimary,
                    None => RehomeCause::HomeRemoved,
                };
                needs.push((i, Some((Some(home.to_string()), cause))));
            }
        }
        // Adopted records keep the replica they already point at, when unclaimed.
        for (i, slot) in slots.iter().enumerate().filter(|(_, s)| in_range(s)) {
            if let Class::Adoptable { cname } = &slot.class {
                let target = cname.cname_target().unwrap_or_default();
                match replicas
                    .iter()
                    .find(|m| points_at(target, m) && !is_claimed(&claimed, m))
                {
                    Some(m) => {
                        claimed.push(m);
                        homes[i] = Some((m, None));
                    }
                    None => needs.push((i, None)),
                }
            }
        }
        for (i, slot) in slots.iter().enumerate().filter(|(_, s)| in_range(s)) {
            if matches!(slot.class, Class::Free) {
                needs.push((i, None));
            }
        }
        // Rule 2: lowest slot first takes the first unclaimed replica, available ones
        // first, then by cache cluster id (replicas() is sorted by id; the sort is stable).
        needs.sort_by_key(|(i, _)| slots[*i].n);
        let mut candidates: Vec<&'t Member> = replicas
            .iter()
            .copied()
            .filter(|m| !is_claimed(&claimed, m))
            .collect();
        candidates.sort_by_key(|m| !m.is_available());
        let mut candidates = candidates.into_iter();
        for (i, rehome) in needs {
            if let Some(m) = candidates.next() {
                homes[i] = Some((m, rehome));
            }
        }
        for left in candidates {
            self.warnings.push(Warning::ReplicaWithoutSlot {
                cache_cluster_id: left.cache_cluster_id.clone(),
            });
        }

        // Targets: homes that are available first, then interim ones, least loaded.
        let available: Vec<&'t Member> = replicas
            .iter()
            .copied()
            .filter(|m| m.is_available())
            .collect();
        // Names per available replica, aligned with `available` (sorted by id).
        let mut load: Vec<usize> = vec![0; available.len()];
        let position = |m: &Member| available.iter().position(|a| std::ptr::eq(*a, m));
        // `slots` is in ascending slot order, so index order is slot order.
        let mut targets: Vec<Option<CnameTarget<'t>>> = (0..slots.len()).map(|_| None).collect();
        for (i, home) in homes.iter().enumerate() {
            let Some((home, _)) = home else { continue };
            match mode {
                Mode::Primary(endpoint) => targets[i] = Some(CnameTarget::Primary(endpoint)),
                _ if home.is_available() => {
                    if let Some(p) = position(home) {
                        load[p] += 1;
                    }
                    targets[i] = Some(CnameTarget::Member(home, Routing::Home));
                }
                _ => {}
            }
        }
        for i in 0..slots.len() {
            if homes[i].is_none() || targets[i].is_some() {
                continue;
            }
            let current = slots[i].class.cname().and_then(RecordSet::cname_target);
            let sticky = current.and_then(|t| available.iter().position(|m| points_at(t, m)));
            // Least loaded, then lowest id (`available` is sorted by id; min_by_key keeps
            // the first of equals).
            let chosen = sticky.or_else(|| (0..available.len()).min_by_key(|&p| load[p]));
            if let Some(p) = chosen {
                load[p] += 1;
                targets[i] = Some(CnameTarget::Member(available[p], Routing::Interim));
            }
        }

        let mut waiting: Vec<String> = Vec::new();
        for (i, slot) in slots.iter().enumerate() {
            if slot.n > replica_count {
                match slot.class {
                    Class::Owned { .. } | Class::Adoptable { .. } => {
                        let home = match &slot.class {
                            Class::Owned { ownership, .. } => Some(ownership.home.to_string()),
                            _ => None,
                        };
                        self.delete(slot, home, DeleteCause::AboveReplicaCount);
                    }
                    Class::Free | Class::Foreign => {}
                }
                continue;
            }
            let (Some((home, rehome)), Some(target)) = (&homes[i], &targets[i]) else {
                continue;
            };
            if target.routing() != Routing::Home {
                waiting.push(home.cache_cluster_id.clone());
            }
            self.write(slot, &home.cache_cluster_id, target, rehome.clone(), false);
        }
        waiting.sort_unstable();
        waiting.dedup();
        waiting
    }

    /// Makes slot `slot` say `home` and point at `target`, emitting DELETE(old)+CREATE(new)
    /// for whichever of CNAME and TXT differs. With `keep_txt` the TXT is left as read.
    fn write(
        &mut self,
        slot: &Slot<'_>,
        home: &str,
        target: &CnameTarget<'_>,
        rehome: Option<Rehome>,
        keep_txt: bool,
    ) {
        let ttl = self.group.ttl;
        let address = target.address();
        let old_cname = slot.class.cname();
        let old_txt = slot.class.txt();
        let desired_ownership = OwnershipRef {
            owner_id: self.owner_id,
            group_id: &self.group.replication_group_id,
            slot: slot.n,
            home,
        };
        let cname_ok = old_cname.is_some_and(|old| {
            old.ttl == Some(ttl)
                && old.weight.is_none()
                && old.cname_target().is_some_and(|t| names_equal(t, address))
        });
        let old_ownership = match &slot.class {
            Class::Owned { ownership, .. } => Some(ownership),
            _ => None,
        };
        let txt_ok = keep_txt
            || (old_txt.is_some_and(|old| old.ttl == Some(ttl))
                && old_ownership == Some(&desired_ownership));
        let before = self.changes.len();
        if !cname_ok {
            if let Some(old) = old_cname {
                self.push(ChangeAction::Delete, old.clone());
            }
        }
        if !txt_ok {
            if let Some(old) = old_txt {
                self.push(ChangeAction::Delete, old.clone());
            }
        }
        if !cname_ok {
            self.push(
                ChangeAction::Create,
                RecordSet::cname(&self.templates.slot.name(slot.n), ttl, address),
            );
        }
        if !txt_ok {
            self.push(
                ChangeAction::Create,
                RecordSet::txt(
                    &self.templates.txt.name(slot.n),
                    ttl,
                    &desired_ownership.to_owned().render(),
                ),
            );
        }
        let changed = self.changes.len() > before;
        let old_target = old_cname
            .and_then(RecordSet::cname_target)
            .map(str::to_string);

        let reason = match (&slot.class, rehome) {
            (Class::Free, _) => SlotReason::Created,
            (Class::Adoptable { .. }, _) => {
                let previous_target = old_target.clone().unwrap_or_default();
                self.warnings.push(Warning::Adopted {
                    slot: slot.n,
                    name: self.templates.slot.name(slot.n),
                    previous_target: previous_target.clone(),
                });
                SlotReason::Adopted { previous_target }
            }
            (_, Some((from, why))) => SlotReason::Rehomed { from, why },
            _ if !changed => SlotReason::Unchanged,
            _ => {
                let moved = old_target
                    .as_deref()
                    .is_some_and(|t| !names_equal(t, address));
                match (moved, target.routing()) {
                    (true, Routing::Interim) => SlotReason::Interim {
                        home: home.to_string(),
                    },
                    (true, Routing::Primary) => SlotReason::PrimaryFallback,
                    (true, _)
                        if old_target
                            .as_deref()
                            .is_some_and(|t| self.is_group_endpoint(t)) =>
                    {
                        SlotReason::ReturnedHome
                    }
                    _ => {
                        self.warnings.push(Warning::Repaired {
                            slot: slot.n,
                            name: self.templates.slot.name(slot.n),
                            found_target: old_target.clone(),
                        });
                        SlotReason::Repaired {
                            found_target: old_target.clone(),
                        }
                    }
                }
            }
        };
        let action = match (changed, &slot.class) {
            (false, _) => SlotAction::None,
            (true, Class::Free) => SlotAction::Create,
            (true, _) => SlotAction::Replace,
        };
        let target_cluster_id = match target {
            CnameTarget::Member(m, _) => Some(m.cache_cluster_id.clone()),
            CnameTarget::Primary(_) => self.topology.primary().map(|m| m.cache_cluster_id.clone()),
        };
        self.slots.push(SlotPlan {
            slot: slot.n,
            name: self.templates.slot.name(slot.n),
            home: Some(home.to_string()),
            target_cluster_id,
            target_address: Some(address.to_string()),
            routing: target.routing(),
            action,
            reason,
        });
    }

    /// Deletes the slot's CNAME and TXT exactly as read.
    fn delete(&mut self, slot: &Slot<'_>, home: Option<String>, why: DeleteCause) {
        if let Class::Adoptable { cname } = &slot.class {
            self.warnings.push(Warning::Adopted {
                slot: slot.n,
                name: self.templates.slot.name(slot.n),
                previous_target: cname.cname_target().unwrap_or_default().to_string(),
            });
        }
        if let Some(old) = slot.class.cname() {
            self.push(ChangeAction::Delete, old.clone());
        }
        if let Some(old) = slot.class.txt() {
            self.push(ChangeAction::Delete, old.clone());
        }
        self.slots.push(SlotPlan {
            slot: slot.n,
            name: self.templates.slot.name(slot.n),
            home,
            target_cluster_id: None,
            target_address: None,
            routing: Routing::Removed,
            action: SlotAction::Delete,
            reason: SlotReason::Deleted { why },
        });
    }

    /// Reports an owned slot as kept as it is (policy `keep`).
    fn keep(&mut self, slot: &Slot<'_>) {
        let Class::Owned {
            cname, ownership, ..
        } = &slot.class
        else {
            return;
        };
        let address = cname.and_then(RecordSet::cname_target);
        self.slots.push(SlotPlan {
            slot: slot.n,
            name: self.templates.slot.name(slot.n),
            home: Some(ownership.home.to_string()),
            target_cluster_id: address.and_then(|a| {
                self.topology
                    .members
                    .iter()
                    .find(|m| points_at(a, m))
                    .map(|m| m.cache_cluster_id.clone())
            }),
            target_address: address.map(str::to_string),
            routing: Routing::AsIs,
            action: SlotAction::None,
            reason: SlotReason::Kept,
        });
    }

    fn push(&mut self, action: ChangeAction, record: RecordSet) {
        self.changes.push(Change { action, record });
    }

    /// Whether a CNAME value is one of this group's endpoints (a member or the primary
    /// endpoint): a move away from it is routine, a move away from anything else is a
    /// repair of a hand edit.
    fn is_group_endpoint(&self, target: &str) -> bool {
        self.topology.members.iter().any(|m| points_at(target, m))
            || self
                .topology
                .primary_endpoint
                .as_ref()
                .is_some_and(|e| names_equal(target, &e.address))
    }

    /// Adoption takes over only what is plausibly the blog Lambda's (or a hand-made
    /// predecessor's): slot names `1..=MAX_REPLICAS`. ElastiCache has at most five
    /// replicas, so no such Lambda wrote a higher one; and the deployment's IAM lets
    /// replica-dns write exactly the names `1..=MAX_REPLICAS` (record-level condition), so
    /// a batch deleting a higher name — even a CNAME to one of this group's endpoints —
    /// would be denied whole and block the group's failover handling. A slot-shaped name
    /// above the range stays foreign: untouched, reported.
    fn plausibly_adoptable(&self, n: u32) -> bool {
        n <= u32::from(MAX_REPLICAS)
    }
}

/// Whether a CNAME value names this member's read endpoint.
fn points_at(target: &str, member: &Member) -> bool {
    member
        .read_endpoint
        .as_ref()
        .is_some_and(|e| names_equal(target, &e.address))
}
