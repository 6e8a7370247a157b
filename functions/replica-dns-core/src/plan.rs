//! The record planner: a pure function from (configuration × topology × current records)
//! to the Route 53 changes that keep every `replica{n}` name on a live replica, and the
//! optional AZ-local names and pooled name with them.
//!
//! It is not an applier: it reads no records, calls no AWS API and logs nothing. What a
//! person should know (foreign record skipped, record adopted, hand edit repaired) comes
//! back as [`Warning`]s inside the result. [`apply_changes`] replays a batch on a list of
//! records with Route 53's rules, for tests and for the verify step.
//!
//! # Vocabulary
//! - **R**: the number of members in the replica role (available or not).
//! - **slot n**: the name rendered from the template with `{n}`; slots `1..=R` exist.
//! - **ownership TXT**: at `<ownershipPrefix>.<slot name>`, value
//!   `"replica-dns owner=… group=… slot=n home=<cache cluster id>"` (see
//!   [`crate::ownership`]). A slot whose TXT parses with our owner *and* our group id is
//!   **owned**.
//! - **home**: the node a slot belongs to (from its TXT); **target**: where its CNAME
//!   points now. They differ only while the home is unavailable (interim).
//! - **foreign**: anything at a slot name or ownership name that is not owned: a CNAME
//!   without TXT (unless adopting), a TXT of another owner or group, a malformed TXT,
//!   other record types, weighted records. Foreign records never appear in a change;
//!   the slot is skipped and reported ([`Warning::ForeignRecord`]).
//!
//! # Decision table (this is the specification; tests follow it row by row)
//!
//! Classifying slot n (any n found in the zone, plus `1..=R`):
//!
//! | at slot name                    | at ownership name              | class                            |
//! |---------------------------------|--------------------------------|----------------------------------|
//! | nothing                         | nothing                        | free                             |
//! | one simple CNAME, or nothing    | our TXT (owner + group match)  | owned (home from TXT)            |
//! | one simple CNAME, slot ≤ 5          | nothing, `adoptExisting: true` | adoptable (home inferred from target) |
//! | one simple CNAME, slot > 5          | nothing, `adoptExisting: true` | foreign (`outsideAdoption`, never touched: IAM allows writing names 1..=5 only) |
//! | one simple CNAME                | nothing, `adoptExisting: false`| foreign (reported, never touched)|
//! | other types / weighted / several| anything                       | foreign                          |
//! | anything                        | any other TXT or type          | foreign                          |
//!
//! Homes, for slots `1..=R` (in slot order, lowest first):
//!
//! | situation                                                        | home                                      | reason |
//! |------------------------------------------------------------------|-------------------------------------------|--------|
//! | owned, home is a replica not claimed by a lower slot             | kept (sticky, rule 1)                     | `unchanged` or what the target row says |
//! | owned, home is the primary / gone / claimed by a lower slot      | next candidate (rule 2)                   | `rehomed{from, why}` |
//! | adoptable, target is a replica's endpoint not yet claimed        | that replica                              | `adopted` |
//! | adoptable, target is anything else                               | next candidate                            | `adopted` |
//! | free                                                             | next candidate                            | `created` |
//! | foreign                                                          | none: skipped                             | warning `foreignRecord` |
//!
//! *Candidates* are the replicas no slot claimed, ordered available first, then by
//! cache cluster id: deterministic, never random, never input order. A replica left
//! over (only possible when foreign records block slots) is reported
//! ([`Warning::ReplicaWithoutSlot`]).
//!
//! Targets, when at least one replica is available:
//!
//! | home                          | target                                                                 | routing |
//! |-------------------------------|------------------------------------------------------------------------|---------|
//! | available                     | the home's read endpoint                                               | `home` |
//! | not available (being replaced, created) | the current target if it is an available replica (no churn), else the available replica with the fewest names, then lowest id | `interim` (TXT keeps the home, rule 3) |
//!
//! No replica available (rule 5), by `noReplicaPolicy`:
//!
//! | policy    | R > 0                                                        | R = 0 (no replica member)                    |
//! |-----------|--------------------------------------------------------------|----------------------------------------------|
//! | `primary` | slots `1..=R` homed as above, CNAMEs → primary endpoint; above R deleted | owned CNAMEs → primary endpoint, TXT untouched; nothing created or deleted |
//! | `keep`    | no change at all                                             | no change at all                             |
//! | `delete`  | every owned slot deleted (CNAME + TXT)                       | every owned slot deleted                     |
//!
//! `primary` without a known primary endpoint behaves as `keep` and says so
//! ([`Warning::NoPrimaryEndpoint`]).
//!
//! Slots above R (rule 4): owned → deleted (CNAME + TXT); adoptable → adopted and
//! deleted; foreign → untouched, reported. The replica that lost its slot is a
//! candidate again and takes the lowest free slot.
//!
//! Changes (rule 7): for each of a slot's CNAME and TXT, if the current record already
//! says what we want (same target modulo case and trailing dot, same TTL; for the TXT the
//! same parsed ownership and TTL) nothing; else `DELETE` the exact record as read and
//! `CREATE` the new one, the TXT beside its CNAME. A record that does not exist yet is
//! `CREATE`d: Route 53 rejects a CREATE over an existing record, so a concurrent writer
//! makes the whole batch fail instead of being overwritten. `UPSERT` is never emitted
//! (it guards nothing); [`ChangeAction::Upsert`] exists only so [`apply_changes`] can
//! replay batches from elsewhere.
//!
//! Idempotence (rule 6) follows: the applied state is classified owned, homes are
//! sticky, interim targets are sticky, so planning again yields no change.
//!
//! # AZ-local names (`azNames`, template `prefix{az}suffix`)
//!
//! One name per availability zone the group's members are in (the primary's AZ
//! included; a member without an AZ, or with one that is no DNS label, adds none). Its
//! ownership TXT, at `<ownershipPrefix>.<name>`, says `az=<AZ>` and no home: the name is
//! sticky by its current target. Classification is the slots' first table without the
//! adoption rows (a CNAME without our TXT is foreign, [`Warning::ForeignAzRecord`]); our
//! TXT of another AZ (copied by hand) is ours and rewritten. Names found in the zone for
//! AZs the group does not span are looked at only if ours; the zone is searched by the
//! pattern in the same index pass as the slots.
//!
//! Targets, AZs that have an available replica first, then the others, each in AZ order:
//!
//! | situation (some replica available)                              | target                                                                   | routing | waits for |
//! |-----------------------------------------------------------------|--------------------------------------------------------------------------|---------|-----------|
//! | owned, points at an available replica in its AZ                 | kept (sticky)                                                            | `home`  | - |
//! | the AZ has an available replica (otherwise)                     | the one with the fewest names of this group (slots + AZ names so far), then lowest id | `home` | - |
//! | no available replica in the AZ, owned, points at an available replica elsewhere | kept (sticky, no churn)                                  | `interim` | the AZ's unavailable replicas |
//! | no available replica in the AZ (otherwise)                      | the available replica with the fewest AZ names so far, then lowest id (spread) | `interim` | the AZ's unavailable replicas (none if only the primary is there) |
//! | owned name of an AZ the group left                              | CNAME + TXT deleted (`azLeft`)                                           | `removed` | - |
//! | foreign (AZ the group spans)                                    | untouched, reported                                                      | - | - |
//!
//! An AZ name never points at the primary while a replica is available. No replica
//! available: `primary` → every AZ name (of the AZs spanned) at the primary endpoint,
//! names of AZs left deleted; `keep` → no change; `delete` → every owned AZ name deleted.
//! Changes as for slots: DELETE(exact old) + CREATE(new) per differing CNAME or TXT.
//!
//! # Pooled name (`pooledName`)
//!
//! One weighted CNAME per available replica at the pooled name: SetIdentifier = the
//! replica's cache cluster id, weight 1, TTL the group's; beside each, a weighted TXT at
//! `<ownershipPrefix>.<pooled name>` with the same SetIdentifier and weight, value
//! `pool=<id>`, so that every record has its own compare-and-swap guard.
//!
//! | at the pooled name / its TXT name                                        | class |
//! |--------------------------------------------------------------------------|-------|
//! | weighted TXT with SetIdentifier s, ours (`pool=…`), and the weighted CNAME s or none | ours: record s |
//! | weighted CNAME s without our TXT s, or TXT s not ours                    | foreign: untouched, reported ([`Warning::ForeignPoolRecord`]); coexists; s cannot join |
//! | any non-weighted record, or another type                                 | the pool is blocked ([`PoolBlock::NonWeightedRecords`]): Route 53 does not allow weighted and non-weighted sets of one name and type |
//! | a foreign weighted record with another TTL than the group's              | the pool is blocked ([`PoolBlock::ForeignTtl`]): Route 53 keeps one TTL per weighted name and type, so writing ours would rewrite it |
//!
//! | situation (some replica available)                         | change                                            | reason |
//! |------------------------------------------------------------|---------------------------------------------------|--------|
//! | ours, member is an available replica, record right         | none                                              | `unchanged` |
//! | ours, member is an available replica, target/TTL/weight/TXT differs | DELETE exact old + CREATE new (the part that differs) | `replaced` |
//! | ours, member is the primary, unavailable or gone           | DELETE CNAME + TXT exactly as read                | `left{becamePrimary, unavailable, removed}` |
//! | available replica without a record of ours                 | CREATE CNAME + TXT                                | `joined` |
//! | pool blocked                                               | records pointing right stay (any TTL); ours pointing elsewhere or leaving are deleted; nothing created | `unchanged` / `left{…, cannotRepair}` |
//!
//! No replica available: `primary` → the pool is one record at the primary endpoint with
//! SetIdentifier = the primary's cache cluster id (kept as it is when the snapshot names
//! no primary member), every other record of ours leaves; `keep` → no change; `delete` →
//! every record of ours deleted. All the pool's DELETEs come before its CREATEs: a CREATE
//! gives its TTL to every weighted record of the name, which would break a later
//! DELETE's exact match.
//!
//! # Batch order
//! A group's changes are its slots', then its AZ names', then its pool's, all in the one
//! batch of its zone. Two groups changing one name (slot, AZ name, pooled name or TXT)
//! are refused ([`PlanError::OverlappingGroups`]).

mod apply;
mod az;
pub mod fleet;
mod group;
mod index;
mod pool;
mod render;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::config::{Config, GroupConfig, NoReplicaPolicy};
use crate::ownership::{OwnershipError, SlotTemplate};
use crate::records::RecordSet;
use crate::topology::Topology;

use index::FastHash;

pub use apply::{apply_changes, effect_differences, effect_in_place, ApplyError, EffectDifference};

/// What the planner needs besides the configuration: the groups to plan (their
/// topology snapshots) and the current records of every hosted zone they live in.
/// Zones are given once even when several groups share them, so a large zone is read
/// and indexed once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanInput {
    /// One snapshot per group to plan; configured groups without a snapshot are not
    /// planned (the filter step chose which groups an event affects).
    pub topologies: Vec<Topology>,
    /// Every record of each hosted zone the planned groups use (all pages).
    pub zones: Vec<ZoneRecords>,
}

/// All current records of one hosted zone, as ListResourceRecordSets returned them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneRecords {
    /// `Z…`, with or without the `/hostedzone/` prefix.
    pub hosted_zone_id: String,
    pub records: Vec<RecordSet>,
}

/// Why a plan could not be made at all. Per-record surprises are not errors but
/// [`Warning`]s: one odd record must not stop the names of the rest from being fixed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PlanError {
    /// A snapshot names a group the configuration does not manage.
    #[error("replication group `{group}` is not in the configuration")]
    UnknownGroup { group: String },
    /// Two snapshots of one group: which one is current is not ours to guess.
    #[error("replication group `{group}` has more than one topology snapshot")]
    DuplicateTopology { group: String },
    /// The records of a group's zone were not supplied: planning without them would
    /// CREATE over records that exist.
    #[error("records of hosted zone `{hosted_zone_id}` (group `{group}`) were not supplied")]
    MissingZone {
        group: String,
        hosted_zone_id: String,
    },
    /// The group's name template is unusable (config validation should have said so).
    #[error("group `{group}`: {source}")]
    InvalidTemplate {
        group: String,
        #[source]
        source: OwnershipError,
    },
    /// Two groups would change the same record: their name templates overlap.
    #[error("groups `{first}` and `{second}` both plan a change to `{name}`: their names overlap")]
    OverlappingGroups {
        name: String,
        first: String,
        second: String,
    },
}

/// The whole plan: per-group decisions for people, per-zone batches for Route 53.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub groups: Vec<GroupPlan>,
    /// Exactly one batch per hosted zone that needs a change (none for a zone without
    /// changes), in order of first appearance; each is applied atomically.
    pub batches: Vec<ChangeBatch>,
}

impl Plan {
    /// No change anywhere: the records already say what the topology says.
    pub fn is_empty(&self) -> bool {
        self.batches.iter().all(|b| b.changes.is_empty())
    }

    /// Every group is final: nothing to wait for before the names are where they
    /// belong. An interim plan is applied and the pipeline re-plans later.
    pub fn is_final(&self) -> bool {
        self.groups.iter().all(|g| g.status == PlanStatus::Final)
    }

    /// A short table for a dry-run: one row per slot (group, name, action, target, home,
    /// why), then one status line per group and its warnings:
    ///
    /// ```text
    /// GROUP   NAME                             ACTION   TARGET                HOME        WHY
    /// orders  replica1.orders.cache.internal.  replace  orders-003 (interim)  orders-001  rehomed from orders-002: home became primary
    /// orders  replica2.orders.cache.internal.  -        orders-003            orders-003  unchanged
    /// orders: interim, 4 change(s), waiting for orders-001
    /// ```
    pub fn render_table(&self) -> String {
        render::table(self)
    }
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render_table())
    }
}

/// The changes for one hosted zone, applied in one ChangeResourceRecordSets call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeBatch {
    /// As configured (without `/hostedzone/`).
    pub hosted_zone_id: String,
    pub changes: Vec<Change>,
}

/// One Route 53 change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub action: ChangeAction,
    /// For `DELETE`, the record exactly as read (Route 53 demands an exact match).
    pub record: RecordSet,
}

/// Route 53's change actions, spelled as in its API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeAction {
    Create,
    Delete,
    /// Never planned (it would overwrite a concurrent writer's record unchecked); kept so
    /// that batches from other sources can be replayed by [`apply_changes`].
    Upsert,
}

impl ChangeAction {
    /// As Route 53 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "CREATE",
            ChangeAction::Delete => "DELETE",
            ChangeAction::Upsert => "UPSERT",
        }
    }
}

/// The plan of one replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupPlan {
    pub replication_group_id: String,
    pub hosted_zone_id: String,
    /// Whether the names will be final once applied, or interim while nodes recover.
    pub status: PlanStatus,
    /// Managed slots, ascending: kept, created, changed and deleted ones.
    pub slots: Vec<SlotPlan>,
    /// The AZ-local names (`azNames`), by AZ: kept, created, moved and deleted ones.
    /// Absent from the JSON when the group has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub az_names: Vec<AzNamePlan>,
    /// The pooled name (`pooledName`) and its members. Absent when not configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolPlan>,
    /// This group's share of its zone's batch, in batch order: slot changes, then AZ
    /// names, then the pool.
    pub changes: Vec<Change>,
    /// What a person should know; never a reason to fail.
    pub warnings: Vec<Warning>,
}

/// The decision for one AZ-local name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzNamePlan {
    /// The availability zone the name stands for (kept in its ownership TXT).
    pub az: String,
    /// The CNAME's name.
    pub name: String,
    /// Cache cluster id of the node the CNAME points at after this plan (the primary's
    /// under the `primary` policy; `None` if deleted or not a member's endpoint).
    pub target_cluster_id: Option<String>,
    /// CNAME value after this plan; `None` if deleted or missing.
    pub target_address: Option<String>,
    /// `home`: a replica in the name's own AZ; `interim`: the AZ has no available
    /// replica and the name points at one elsewhere until it has.
    pub routing: Routing,
    pub action: SlotAction,
    pub reason: AzNameReason,
}

/// Why an AZ-local name looks the way the plan says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AzNameReason {
    /// Already right.
    Unchanged,
    /// A new name: the group gained the AZ, or first run.
    Created,
    /// The AZ has an available replica again; the name comes back from another AZ.
    ReturnedToAz,
    /// The AZ has no available replica: the name points at one in another AZ meanwhile.
    Fallback,
    /// The previous target is no longer an available replica (or was never one of
    /// this group's nodes): another one was chosen.
    Moved { found_target: Option<String> },
    /// Same target, but TTL or TXT differed (hand edit, TTL changed): rewritten.
    Repaired { found_target: Option<String> },
    /// No replica is available; the CNAME moves to the primary endpoint.
    PrimaryFallback,
    /// No replica is available and the policy keeps the records as they are.
    Kept,
    /// CNAME and TXT deleted.
    Deleted { why: AzDeleteCause },
}

/// Why an AZ-local name is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AzDeleteCause {
    /// No member of the group is in this AZ any more.
    AzLeft,
    /// No replica available and the policy is `delete`.
    NoReplicaPolicy,
}

/// The pooled name: one weighted CNAME per available replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolPlan {
    /// The pooled name.
    pub name: String,
    /// Our records of the pool (kept, joining, replaced and leaving), by SetIdentifier.
    /// When the pool is blocked (see the warnings), only what stays or is deleted.
    pub members: Vec<PoolMemberPlan>,
}

/// The decision for one weighted record of the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolMemberPlan {
    /// The record's SetIdentifier: the cache cluster id of the member it points at
    /// (under the `primary` policy, the primary's id).
    pub set_identifier: String,
    /// CNAME value after this plan; `None` if the record leaves the pool.
    pub target_address: Option<String>,
    /// `home` (an available replica), `primary`, `asIs` or `removed`.
    pub routing: Routing,
    pub action: SlotAction,
    pub reason: PoolReason,
}

/// Why a pool record looks the way the plan says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PoolReason {
    /// Already right.
    Unchanged,
    /// An available replica joins the pool.
    Joined,
    /// Target, TTL, weight or TXT differed: replaced (DELETE + CREATE).
    Replaced { found_target: Option<String> },
    /// The record leaves the pool (CNAME and TXT deleted).
    Left { why: PoolLeaveCause },
    /// No replica is available: the pool is one record at the primary endpoint.
    PrimaryFallback,
    /// No replica is available and the policy keeps the records as they are.
    Kept,
}

/// Why a record leaves the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PoolLeaveCause {
    /// The member is the primary now (failover, or the primary fallback ended).
    BecamePrimary,
    /// The member is a replica that is not available (being replaced, rebooting).
    Unavailable,
    /// The member is no longer in the group.
    Removed,
    /// No replica available and the policy is `delete`.
    NoReplicaPolicy,
    /// The record points elsewhere and the pool is blocked (nothing can be created):
    /// removed rather than left sending reads to the wrong node.
    CannotRepair,
}

/// Why the pool is not written (no record joins or is replaced; records that must go
/// are still deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PoolBlock {
    /// Records that are not weighted CNAMEs at the pooled name (or not weighted TXTs at
    /// its ownership name): Route 53 does not allow weighted and non-weighted record
    /// sets of one name and type ("You can't create non-weighted records that have the
    /// same values for Name and Type as weighted records", Route 53 Developer Guide,
    /// Values for weighted records), and a CNAME shares its name with no other type.
    NonWeightedRecords { types: Vec<String> },
    /// A foreign weighted record of the pool has another TTL than the group's: Route 53
    /// keeps one TTL per weighted name and type ("Route 53 changes the value of TTL for
    /// all of the records to the last value that you specified"), so writing ours would
    /// rewrite the stranger's TTL, and the two writers would undo each other.
    ForeignTtl {
        set_identifier: String,
        ttl: Option<u32>,
    },
}

/// Final or interim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PlanStatus {
    /// Every slot points at its home (or the group has no replica to wait for).
    Final,
    /// Some slots point elsewhere until these replicas are available: apply this plan
    /// now (reads leave the primary at once), wait, snapshot and plan again.
    Interim { waiting_for: Vec<String> },
}

/// The decision for one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotPlan {
    pub slot: u32,
    /// The slot's CNAME name.
    pub name: String,
    /// The slot's home node after this plan (`None` only for a deleted slot that had no
    /// known home, e.g. an adopted record above R).
    pub home: Option<String>,
    /// Cache cluster id of the node the CNAME points at after this plan (the primary's id
    /// under the `primary` policy; `None` if deleted or the endpoint is no member's).
    pub target_cluster_id: Option<String>,
    /// CNAME value after this plan; `None` if the slot is deleted or has no CNAME.
    pub target_address: Option<String>,
    pub routing: Routing,
    pub action: SlotAction,
    pub reason: SlotReason,
}

/// Where the slot's CNAME points relative to its home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Routing {
    /// At the home node.
    Home,
    /// At another available replica until the home is available.
    Interim,
    /// At the primary endpoint: no replica is available (policy `primary`).
    Primary,
    /// Left as it is (policy `keep`, or no primary endpoint known).
    AsIs,
    /// The slot's records are deleted.
    Removed,
}

/// What happens to the slot's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SlotAction {
    /// Nothing to change.
    None,
    /// New CNAME and TXT.
    Create,
    /// At least one of CNAME and TXT replaced (DELETE old + CREATE new) or added.
    Replace,
    /// CNAME and TXT deleted.
    Delete,
}

/// Why the slot's records look the way the plan says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SlotReason {
    /// Already right.
    Unchanged,
    /// A new slot (more replicas, or first run).
    Created,
    /// The slot got a new home (rule 2).
    Rehomed {
        from: Option<String>,
        why: RehomeCause,
    },
    /// The home is not available; the CNAME moves to another replica meanwhile (rule 3).
    Interim { home: String },
    /// The home is available again; the CNAME returns to it.
    ReturnedHome,
    /// No replica is available; the CNAME moves to the primary endpoint (rule 5).
    PrimaryFallback,
    /// No replica is available and the policy keeps the records as they are.
    Kept,
    /// A CNAME without ownership TXT taken over because `adoptExisting` is set.
    Adopted { previous_target: String },
    /// Our TXT is there but the records differ from what we wrote (CNAME re-pointed or
    /// deleted by hand, TTL changed in the config, TXT copied between slots): rewritten.
    Repaired { found_target: Option<String> },
    /// The slot's records are deleted.
    Deleted { why: DeleteCause },
}

/// Why a slot needed a new home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RehomeCause {
    /// The home node was promoted (failover).
    HomeBecamePrimary,
    /// The home node is no longer a member (replica removed or group resized).
    HomeRemoved,
    /// A lower slot already has this home (TXT copied or edited by hand).
    HomeTaken,
}

/// Why a slot is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeleteCause {
    /// Slot number above R (rule 4): names stay contiguous `1..=R`.
    AboveReplicaCount,
    /// No replica available and the policy is `delete`.
    NoReplicaPolicy,
}

/// Something a person should know about a plan. Returned, never logged by the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Warning {
    /// A slot name or its ownership name holds records that are not ours: the slot is
    /// skipped and the records left untouched.
    ForeignRecord {
        slot: u32,
        name: String,
        reason: ForeignReason,
    },
    /// A record without ownership TXT was taken over (`adoptExisting`).
    Adopted {
        slot: u32,
        name: String,
        previous_target: String,
    },
    /// One of our slots did not look as we left it and is rewritten.
    Repaired {
        slot: u32,
        name: String,
        found_target: Option<String>,
    },
    /// A replica has no name because foreign records block slots in `1..=R`.
    ReplicaWithoutSlot { cache_cluster_id: String },
    /// No replica is available: the policy decided what happens.
    NoReplicaAvailable { policy: NoReplicaPolicy },
    /// Policy `primary`, but the snapshot has no primary endpoint: records kept as they
    /// are.
    NoPrimaryEndpoint,
    /// An AZ-local name (of an AZ the group is in) or its ownership name holds records
    /// that are not ours: the name is skipped and the records left untouched.
    ForeignAzRecord {
        az: String,
        name: String,
        reason: ForeignReason,
    },
    /// A weighted record of the pooled name (or its TXT) that is not ours: left
    /// untouched; it stays in the pool beside ours.
    ForeignPoolRecord {
        name: String,
        set_identifier: String,
        reason: ForeignReason,
    },
    /// The pool cannot be written at all; no pool change is planned.
    PoolBlocked { name: String, reason: PoolBlock },
}

/// Why records at a slot are foreign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ForeignReason {
    /// A CNAME and no ownership TXT; set `adoptExisting` to take it over.
    CnameWithoutOwnership { target: String },
    /// A CNAME and no ownership TXT that `adoptExisting` does not take over: the slot is
    /// above ElastiCache's maximum of replicas, outside the names replica-dns may write.
    OutsideAdoption { target: String },
    /// The TXT at the ownership name is not ours (other owner, other group, malformed
    /// or not replica-dns at all).
    OwnershipRejected { error: OwnershipError },
    /// Records of other types, weighted records or several records at the slot name.
    OtherRecordsAtName { types: Vec<String> },
    /// Records other than one simple single-value TXT at the ownership name.
    OtherRecordsAtOwnershipName { types: Vec<String> },
}

/// Plans one group against the records of its zone (which may hold many other names).
///
/// For several groups use [`plan`], which indexes each zone once and merges the changes
/// into one batch per zone.
///
/// ```
/// use replica_dns_core::config::{GroupConfig, NoReplicaPolicy};
/// use replica_dns_core::plan::{plan_group, SlotReason};
/// use replica_dns_core::topology::{Endpoint, Member, Role, Topology};
///
/// let member = |id: &str, role| Member {
///     cache_cluster_id: id.into(),
///     role,
///     read_endpoint: Some(Endpoint { address: format!("{id}.cache.amazonaws.com"), port: 6379 }),
///     availability_zone: None,
///     cluster_status: "available".into(),
///     node_status: Some("available".into()),
///     notification: None,
/// };
/// let topology = Topology {
///     replication_group_id: "orders".into(),
///     status: "available".into(),
///     primary_endpoint: None,
///     reader_endpoint: None,
///     members: vec![member("orders-001", Role::Primary), member("orders-002", Role::Replica)],
///     transit_encryption_enabled: false,
///     auth_token_enabled: false,
/// };
/// let group: GroupConfig = serde_json::from_str(r#"{
///     "replicationGroupId": "orders", "hostedZoneId": "Z1", "zoneName": "cache.internal.",
///     "nameTemplate": "replica{n}.cache.internal."
/// }"#).unwrap();
/// let plan = plan_group("prod", &group, &topology, &[]).unwrap();
/// assert_eq!(plan.slots[0].target_cluster_id.as_deref(), Some("orders-002"));
/// assert_eq!(plan.slots[0].reason, SlotReason::Created);
/// assert_eq!(plan.changes.len(), 2); // CREATE CNAME + CREATE TXT
/// ```
pub fn plan_group(
    owner_id: &str,
    group: &GroupConfig,
    topology: &Topology,
    zone_records: &[RecordSet],
) -> Result<GroupPlan, PlanError> {
    let templates = group::Templates::of(group)?;
    let mut extra = index::Extra::default();
    let positions = group::Positions {
        slot: 0,
        txt: 1,
        az: None,
        pool: None,
    }
    .with_extra(&templates, &mut extra);
    let zone =
        index::ZoneIndex::with_extra(zone_records, &[&templates.slot, &templates.txt], &extra);
    Ok(group::plan_in_zone(
        owner_id, group, &templates, topology, &zone, positions,
    ))
}

/// Plans every group that has a snapshot in `input` (in configuration order) and merges
/// their changes into exactly one [`ChangeBatch`] per hosted zone.
pub fn plan(config: &Config, input: &PlanInput) -> Result<Plan, PlanError> {
    // A fast hash (foldhash) rather than SipHash: the keys are the caller's own ids,
    // and these maps are probed once or twice per group.
    let mut configured: HashSet<&str, FastHash> =
        HashSet::with_capacity_and_hasher(config.groups.len(), FastHash::default());
    configured.extend(
        config
            .groups
            .iter()
            .map(|g| g.replication_group_id.as_str()),
    );
    let mut snapshots: HashMap<&str, &Topology, FastHash> =
        HashMap::with_capacity_and_hasher(input.topologies.len(), FastHash::default());
    for topology in &input.topologies {
        let id = topology.replication_group_id.as_str();
        if !configured.contains(id) {
            return Err(PlanError::UnknownGroup { group: id.into() });
        }
        if snapshots.insert(id, topology).is_some() {
            return Err(PlanError::DuplicateTopology { group: id.into() });
        }
    }

    // The groups to plan, in configuration order, with their templates and zone.
    struct Planned<'c> {
        group: &'c GroupConfig,
        topology: &'c Topology,
        templates: group::Templates,
        zone: usize,
        positions: group::Positions,
    }
    let zones_by_id: HashMap<&str, &ZoneRecords, FastHash> = input
        .zones
        .iter()
        .map(|z| (bare_zone_id(&z.hosted_zone_id), z))
        .collect();
    let mut zone_order: Vec<(&str, &ZoneRecords)> = Vec::new();
    let mut zone_position: HashMap<&str, usize, FastHash> = HashMap::default();
    let mut planned: Vec<Planned> = Vec::with_capacity(snapshots.len());
    let mut groups_in_zone: Vec<usize> = Vec::new();
    for group in &config.groups {
        let Some(topology) = snapshots.get(group.replication_group_id.as_str()) else {
            continue;
        };
        let zone_id = bare_zone_id(&group.hosted_zone_id);
        let zone = match zone_position.get(zone_id) {
            Some(&position) => position,
            None => {
                let records = zones_by_id
                    .get(zone_id)
                    .ok_or_else(|| PlanError::MissingZone {
                        group: group.replication_group_id.clone(),
                        hosted_zone_id: group.hosted_zone_id.clone(),
                    })?;
                zone_order.push((zone_id, records));
                zone_position.insert(zone_id, zone_order.len() - 1);
                zone_order.len() - 1
            }
        };
        if zone == groups_in_zone.len() {
            groups_in_zone.push(0);
        }
        let in_zone = groups_in_zone[zone];
        groups_in_zone[zone] += 1;
        planned.push(Planned {
            group,
            topology,
            templates: group::Templates::of(group)?,
            zone,
            positions: group::Positions {
                slot: 2 * in_zone,
                txt: 2 * in_zone + 1,
                az: None,
                pool: None,
            },
        });
    }

    // Index each zone once, for exactly the templates and names planned in it.
    let mut extras: Vec<index::Extra> =
        zone_order.iter().map(|_| index::Extra::default()).collect();
    let positions: Vec<group::Positions> = planned
        .iter()
        .map(|p| p.positions.with_extra(&p.templates, &mut extras[p.zone]))
        .collect();
    let indexes: Vec<index::ZoneIndex> = zone_order
        .iter()
        .zip(&extras)
        .enumerate()
        .map(|(zone, ((_, records), extra))| {
            let templates: Vec<&SlotTemplate> = planned
                .iter()
                .filter(|p| p.zone == zone)
                .flat_map(|p| [&p.templates.slot, &p.templates.txt])
                .collect();
            index::ZoneIndex::with_extra(&records.records, &templates, extra)
        })
        .collect();

    let mut groups = Vec::with_capacity(planned.len());
    let mut batches: Vec<ChangeBatch> = zone_order
        .iter()
        .map(|(id, _)| ChangeBatch {
            hosted_zone_id: id.to_string(),
            changes: Vec::new(),
        })
        .collect();
    // Which group changes each record name, to catch overlapping templates.
    let mut claimed: HashMap<&str, &str, FastHash> = HashMap::default();
    for (p, positions) in planned.iter().zip(&positions) {
        let group_plan = group::plan_in_zone(
            &config.owner_id,
            p.group,
            &p.templates,
            p.topology,
            &indexes[p.zone],
            *positions,
        );
        batches[p.zone]
            .changes
            .extend(group_plan.changes.iter().cloned());
        groups.push(group_plan);
    }
    for (p, group_plan) in planned.iter().zip(&groups) {
        let id = p.group.replication_group_id.as_str();
        for change in &group_plan.changes {
            if let Some(first) = claimed.insert(change.record.name.as_str(), id) {
                if first != id {
                    return Err(PlanError::OverlappingGroups {
                        name: change.record.name.clone(),
                        first: first.to_string(),
                        second: id.to_string(),
                    });
                }
            }
        }
    }
    batches.retain(|b| !b.changes.is_empty());
    Ok(Plan { groups, batches })
}

/// `Z123` from `/hostedzone/Z123` or `Z123`: Route 53 returns both spellings.
pub fn bare_zone_id(id: &str) -> &str {
    // As `trim_start_matches("/hostedzone/")`, without building a substring searcher
    // on every call (twice per planned group).
    let mut id = id.trim();
    while let Some(rest) = id.strip_prefix("/hostedzone/") {
        id = rest;
    }
    id
}
