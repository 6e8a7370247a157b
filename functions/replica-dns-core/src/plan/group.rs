//! Planning one group: classify its slots, give each a home, pick each CNAME's target,
//! and diff against the records as read. The rules are the decision table in
//! [`crate::plan`]; this module only carries them out.

use crate::config::{GroupConfig, NoReplicaPolicy, MAX_REPLICAS};
use crate::ownership::{
    ownership_name, AzNames, AzPattern, GuardedName, OwnershipError, OwnershipRef, SlotTemplate,
};
use crate::records::{names_equal, normalize_name, RecordSet, RecordType};
use crate::topology::{Endpoint, Member, Role, Topology};

use super::index::ZoneIndex;
use super::{
    AzNamePlan, Change, ChangeAction, DeleteCause, ForeignReason, GroupPlan, PlanError, PlanStatus,
    PoolPlan, RehomeCause, Routing, SlotAction, SlotPlan, SlotReason, Warning,
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

/// How the group's targets are chosen this time (rule 5 picks all but `Normal`); the
/// same for slots, AZ names and the pool.
pub(super) enum Mode<'t> {
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

/// Working state while planning one group (slots here, AZ names in `az.rs`, the pool
/// in `pool.rs`).
pub(super) struct Planner<'a, 't> {
    pub(super) owner_id: &'a str,
    pub(super) group: &'a GroupConfig,
    pub(super) templates: &'a Templates,
    pub(super) topology: &'t Topology,
    pub(super) slots: Vec<SlotPlan>,
    pub(super) az_names: Vec<AzNamePlan>,
    pub(super) pool: Option<PoolPlan>,
    pub(super) changes: Vec<Change>,
    pub(super) warnings: Vec<Warning>,
}

/// A group's slot-name template and the template of its ownership names, plus its
/// AZ-name patterns and pooled name when configured.
pub(crate) struct Templates {
    pub(crate) slot: SlotTemplate,
    pub(crate) txt: SlotTemplate,
    pub(crate) az: Option<AzNames>,
    pub(crate) pool: Option<GuardedName>,
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
        // The same names as `GroupConfig::managed_names` (what IAM allows), without
        // rendering the five slot names.
        let az = group
            .az_names
            .as_ref()
            .and_then(|a| AzPattern::parse(&a.template))
            .map(|name| AzNames {
                ownership_name: name.ownership_pattern(&group.ownership_prefix),
                name,
            });
        let pool = group.pooled_name.as_ref().map(|p| {
            let name = normalize_name(&p.name);
            GuardedName {
                ownership_name: ownership_name(&group.ownership_prefix, &name),
                name,
            }
        });
        Ok(Templates {
            slot,
            txt,
            az,
            pool,
        })
    }
}

/// Where a group's templates sit in its zone's [`ZoneIndex`].
#[derive(Clone, Copy)]
pub(crate) struct Positions {
    pub(crate) slot: usize,
    pub(crate) txt: usize,
    /// AZ-name pattern and its TXT pattern, when configured.
    pub(crate) az: Option<Pair>,
    /// Pooled name and its TXT name, when configured.
    pub(crate) pool: Option<Pair>,
}

impl Positions {
    /// These positions plus the group's AZ patterns and pooled names, registered in
    /// `extra` (the zone's index of them).
    pub(crate) fn with_extra<'t>(
        self,
        templates: &'t Templates,
        extra: &mut super::index::Extra<'t>,
    ) -> Positions {
        let az = templates.az.as_ref().map(|az| {
            extra.azs.extend([&az.name, &az.ownership_name]);
            Pair {
                name: extra.azs.len() - 2,
                txt: extra.azs.len() - 1,
            }
        });
        let pool = templates.pool.as_ref().map(|pool| {
            extra
                .exact
                .extend([pool.name.as_str(), pool.ownership_name.as_str()]);
            Pair {
                name: extra.exact.len() - 2,
                txt: extra.exact.len() - 1,
            }
        });
        Positions { az, pool, ..self }
    }
}

/// Positions of a name (or pattern) and of its ownership TXT's in the index.
#[derive(Clone, Copy)]
pub(crate) struct Pair {
    pub(crate) name: usize,
    pub(crate) txt: usize,
}

/// What is at a guarded name and at its ownership name, before any policy (adoption,
/// kind of name) is applied: the one reading of "is this ours?" that slots and AZ names
/// share.
pub(super) enum Found<'z, T> {
    /// Nothing at either name.
    Free,
    /// Our TXT (it parsed and `parse` accepted it); one simple CNAME or none.
    Owned {
        cname: Option<&'z RecordSet>,
        txt: &'z RecordSet,
        ownership: T,
    },
    /// One simple CNAME and nothing at the ownership name.
    LoneCname(&'z RecordSet),
    /// Not ours, and why.
    Foreign(ForeignReason),
}

/// Reads the records at a guarded name and its ownership name (first table of the
/// module doc). `parse` reads our TXT value (owner, group and kind checked).
pub(super) fn classify_pair<'z, T>(
    at_name: impl Iterator<Item = &'z RecordSet> + Clone,
    at_txt: impl Iterator<Item = &'z RecordSet> + Clone,
    parse: impl FnOnce(&'z str) -> Result<T, OwnershipError>,
) -> Found<'z, T> {
    let mut name_records = at_name.clone();
    let lone_cname = match (name_records.next(), name_records.next()) {
        (Some(record), None) if record.cname_target().is_some() => Some(record),
        _ => None,
    };
    let name_empty = at_name.clone().next().is_none();
    let mut txt_records = at_txt.clone();
    match (txt_records.next(), txt_records.next()) {
        (None, _) => match (name_empty, lone_cname) {
            (true, _) => Found::Free,
            (false, Some(cname)) => Found::LoneCname(cname),
            (false, None) => Found::Foreign(ForeignReason::OtherRecordsAtName {
                types: record_types(at_name),
            }),
        },
        (Some(txt), None)
            if txt.record_type == RecordType::Txt
                && txt.set_identifier.is_none()
                && txt.values.len() == 1 =>
        {
            match parse(&txt.values[0]) {
                Err(error) => Found::Foreign(ForeignReason::OwnershipRejected { error }),
                Ok(ownership) if name_empty || lone_cname.is_some() => Found::Owned {
                    cname: lone_cname,
                    txt,
                    ownership,
                },
                Ok(_) => Found::Foreign(ForeignReason::OtherRecordsAtName {
                    types: record_types(at_name),
                }),
            }
        }
        _ => Found::Foreign(ForeignReason::OtherRecordsAtOwnershipName {
            types: record_types(at_txt),
        }),
    }
}

/// The types of records as a warning lists them (`CNAME (set w1)` for a weighted one).
pub(super) fn record_types<'z>(records: impl Iterator<Item = &'z RecordSet>) -> Vec<String> {
    records
        .map(|r| match &r.set_identifier {
            Some(id) => format!("{} (set {id})", r.record_type.as_str()),
            None => r.record_type.as_str().to_string(),
        })
        .collect()
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
        az_names: Vec::new(),
        pool: None,
        changes: Vec::new(),
        warnings: Vec::new(),
    };

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

    let mut waiting_for: Vec<String> = match mode {
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

    // AZ names and the pool follow the slots: their choices see the slots' targets, and
    // their changes come after the slots' in the batch.
    if let Some(pair) = positions.az {
        waiting_for.extend(planner.plan_az_names(zone, pair, &mode));
    }
    if let Some(pair) = positions.pool {
        planner.plan_pool(zone, pair, &mode);
    }
    waiting_for.sort_unstable();
    waiting_for.dedup();

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
        az_names: planner.az_names,
        pool: planner.pool,
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
        let at_name = zone.at(positions.slot, n).iter().map(|e| e.2);
        let at_txt = zone.at(positions.txt, n).iter().map(|e| e.2);
        let found = classify_pair(at_name, at_txt, |value| {
            OwnershipRef::parse_for(value, self.owner_id, &self.group.replication_group_id)
        });
        let foreign_reason = match found {
            Found::Free => {
                return Slot {
                    n,
                    class: Class::Free,
                }
            }
            Found::Owned {
                cname,
                txt,
                ownership,
            } => {
                return Slot {
                    n,
                    class: Class::Owned {
                        cname,
                        txt,
                        ownership,
                    },
                }
            }
            Found::LoneCname(cname) if self.group.adopt_existing && self.plausibly_adoptable(n) => {
                return Slot {
                    n,
                    class: Class::Adoptable { cname },
                }
            }
            Found::LoneCname(cname) => {
                let target = cname.cname_target().unwrap_or_default().to_string();
                if self.group.adopt_existing {
                    ForeignReason::OutsideAdoption { target }
                } else {
                    ForeignReason::CnameWithoutOwnership { target }
                }
            }
            Found::Foreign(reason) => reason,
        };
        self.warnings.push(Warning::ForeignRecord {
            slot: n,
            name: templates.slot.name(n),
            reason: foreign_reason,
        });
        Slot {
            n,
            class: Class::Foreign,
        }
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
        let cname_ok = old_cname.is_some_and(|old| says(old, ttl, address));
        let old_ownership = match &slot.class {
            Class::Owned { ownership, .. } => Some(ownership),
            _ => None,
        };
        let txt_ok = keep_txt
            || (old_txt.is_some_and(|old| old.ttl == Some(ttl))
                && old_ownership == Some(&desired_ownership));
        let changed = self.replace_pair(
            (
                old_cname,
                (!cname_ok)
                    .then(|| RecordSet::cname(&self.templates.slot.name(slot.n), ttl, address)),
            ),
            (
                old_txt,
                (!txt_ok).then(|| {
                    RecordSet::txt(
                        &self.templates.txt.name(slot.n),
                        ttl,
                        &desired_ownership.render(),
                    )
                }),
            ),
        );
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
            target_cluster_id: address.and_then(|a| self.member_at(a)),
            target_address: address.map(str::to_string),
            routing: Routing::AsIs,
            action: SlotAction::None,
            reason: SlotReason::Kept,
        });
    }

    /// Replaces whichever of a guarded name's CNAME and TXT has a new record (`Some`):
    /// DELETE the old one exactly as read (if any) and CREATE the new one, both DELETEs
    /// before both CREATEs. Returns whether anything changed.
    pub(super) fn replace_pair(
        &mut self,
        cname: (Option<&RecordSet>, Option<RecordSet>),
        txt: (Option<&RecordSet>, Option<RecordSet>),
    ) -> bool {
        let before = self.changes.len();
        for (old, new) in [&cname, &txt] {
            if let (Some(old), Some(_)) = (old, new) {
                self.push(ChangeAction::Delete, (*old).clone());
            }
        }
        for (_, new) in [cname, txt] {
            if let Some(new) = new {
                self.push(ChangeAction::Create, new);
            }
        }
        self.changes.len() > before
    }

    pub(super) fn push(&mut self, action: ChangeAction, record: RecordSet) {
        self.changes.push(Change { action, record });
    }

    /// The cache cluster id of the member whose read endpoint a CNAME value names.
    pub(super) fn member_at(&self, target: &str) -> Option<String> {
        self.topology
            .members
            .iter()
            .find(|m| points_at(target, m))
            .map(|m| m.cache_cluster_id.clone())
    }

    /// Whether a CNAME value is one of this group's endpoints (a member or the primary
    /// endpoint): a move away from it is routine, a move away from anything else is a
    /// repair of a hand edit.
    pub(super) fn is_group_endpoint(&self, target: &str) -> bool {
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

/// Whether a simple CNAME as read already says what we would write: `address` (modulo
/// case and trailing dot) with `ttl`.
pub(super) fn says(cname: &RecordSet, ttl: u32, address: &str) -> bool {
    cname.ttl == Some(ttl)
        && cname.weight.is_none()
        && cname
            .cname_target()
            .is_some_and(|t| names_equal(t, address))
}

/// Whether a CNAME value names this member's read endpoint.
pub(super) fn points_at(target: &str, member: &Member) -> bool {
    member
        .read_endpoint
        .as_ref()
        .is_some_and(|e| names_equal(target, &e.address))
}
