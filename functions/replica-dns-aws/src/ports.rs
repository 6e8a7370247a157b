//! The ports: the small traits the Lambdas are generic over, and the plain types they
//! exchange. No SDK type appears here, so a test fake needs nothing but `async fn`.
//! The AWS implementations live in [`crate::elasticache`], [`crate::route53`],
//! [`crate::sfn`] and [`crate::secretsmanager`].
//!
//! The methods return `impl Future + Send` (written `async fn` in implementations): a
//! handler generic over a port stays `Send`, which `lambda_runtime` and `tokio::spawn`
//! need, without boxing or an extra macro crate.
//!
//! ```
//! use replica_dns_aws::{Error, ErrorKind, ClusterMembership, MemberStatus, TopologySource};
//! use replica_dns_core::topology::Topology;
//!
//! /// A handler is generic over the port…
//! async fn replica_count<T: TopologySource>(source: &T, group: &str) -> Result<usize, Error> {
//!     Ok(source.describe_group(group).await?.replicas().len())
//! }
//!
//! /// …so a test passes a fake written with plain `async fn`.
//! struct NoGroups;
//! impl TopologySource for NoGroups {
//!     async fn describe_group(&self, group_id: &str) -> Result<Topology, Error> {
//!         Err(Error::NotFound { what: "replication group", id: group_id.into() })
//!     }
//!     async fn member_status(&self, _: &str) -> Result<MemberStatus, Error> {
//!         Ok(MemberStatus::NotFound)
//!     }
//!     async fn group_of_cluster(&self, _: &str) -> Result<ClusterMembership, Error> {
//!         Ok(ClusterMembership::NotFound)
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let err = replica_count(&NoGroups, "orders").await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::NotFound);
//! # });
//! ```

use std::future::Future;

use replica_dns_core::plan::Change;
use replica_dns_core::records::RecordSet;
use replica_dns_core::security::SecretText;
use replica_dns_core::supersede::ListedExecution;
use replica_dns_core::topology::{Member, Topology};

use crate::error::Error;

/// Snapshots of several groups, each with its own answer ([`TopologySource::describe_groups`]).
pub type GroupSnapshots = Vec<(String, Result<Topology, Error>)>;

/// Where replication group topology comes from (ElastiCache).
pub trait TopologySource {
    /// A snapshot of one cluster-mode-disabled replication group: its members, their
    /// roles and endpoints, and whether each is available. Its number of calls does not
    /// grow with the number of members (issue 10 item 1).
    fn describe_group(
        &self,
        group_id: &str,
    ) -> impl Future<Output = Result<Topology, Error>> + Send;

    /// Snapshots of many groups at once, for the fleet path (`{"all": true}`, issue 10
    /// item 5), each entry the group's snapshot or its own error (a group not found is
    /// [`Error::NotFound`]); an `Err` of the whole call is an error of the listing. The
    /// ElastiCache adapter lists the account's groups and clusters once, so its calls
    /// grow with pages of 100, not with groups; this default asks group by group.
    fn describe_groups(
        &self,
        group_ids: &[String],
    ) -> impl Future<Output = Result<GroupSnapshots, Error>> + Send
    where
        Self: Sync,
    {
        async move {
            let mut out = Vec::with_capacity(group_ids.len());
            for id in group_ids {
                out.push((id.clone(), self.describe_group(id).await));
            }
            Ok(out)
        }
    }

    /// The group as DescribeReplicationGroups lists it: its members and their roles,
    /// their statuses not yet known. With [`TopologySource::complete_snapshot`] it is
    /// [`TopologySource::describe_group`] in two halves, so that a step can decide on the
    /// members (is a newer execution's cluster one of them?) before paying for the rest.
    /// This default takes a whole snapshot.
    fn describe_members(
        &self,
        group_id: &str,
    ) -> impl Future<Output = Result<Topology, Error>> + Send
    where
        Self: Sync,
    {
        self.describe_group(group_id)
    }

    /// The rest of a snapshot of a group [`TopologySource::describe_members`] described:
    /// each member's status. This default takes a whole snapshot again.
    fn complete_snapshot(
        &self,
        described: Topology,
    ) -> impl Future<Output = Result<Topology, Error>> + Send
    where
        Self: Sync,
    {
        async move { self.describe_group(&described.replication_group_id).await }
    }

    /// The status of one member only (await-nodes polls just the members it still waits
    /// for, instead of a whole snapshot per poll).
    fn member_status(
        &self,
        cache_cluster_id: &str,
    ) -> impl Future<Output = Result<MemberStatus, Error>> + Send;

    /// Which replication group a cache cluster (node) belongs to: events such as
    /// `CacheNodeReplaceComplete` name a cluster (`orders-002`), and the filter must map it
    /// to a group by exact membership, never by name prefix.
    fn group_of_cluster(
        &self,
        cache_cluster_id: &str,
    ) -> impl Future<Output = Result<ClusterMembership, Error>> + Send;
}

/// The answer of [`TopologySource::group_of_cluster`]. Both "no" answers are normal
/// outcomes (the filter turns them into a no-op with a reason), not errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterMembership {
    /// The cluster is a member of this replication group.
    Group(String),
    /// The cluster exists but belongs to no replication group.
    Standalone,
    /// No such cluster (for example already deleted when a `DeleteCacheClusterComplete`
    /// event is handled).
    NotFound,
}

/// The answer of [`TopologySource::member_status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberStatus {
    /// The member's cluster exists: its `CacheClusterStatus` and, when listed, its
    /// node's `CacheNodeStatus`.
    Found {
        cluster_status: String,
        node_status: Option<String>,
    },
    /// No such cluster (`CacheClusterNotFound`): it left the group.
    NotFound,
}

impl MemberStatus {
    /// Whether the status alone says the member serves reads (the endpoint half of
    /// [`replica_dns_core::topology::Member::is_available`] needs a full snapshot).
    pub fn is_available(&self) -> bool {
        match self {
            MemberStatus::Found {
                cluster_status,
                node_status,
            } => Member::status_is_available(cluster_status, node_status.as_deref()),
            MemberStatus::NotFound => false,
        }
    }
}

/// Propagation state of a submitted change batch (Route 53 `GetChange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeStatus {
    /// Accepted, not yet on every Route 53 name server.
    Pending,
    /// On every Route 53 name server.
    InSync,
}

/// Where DNS records live (Route 53).
pub trait RecordStore {
    /// Every record set of the zone, or only those at or below `subtree` (a domain
    /// name, e.g. `orders.cache.internal.`), with names decoded and normalised
    /// (lower case, trailing dot, `\052` → `*`). Reads every page.
    fn list_records(
        &self,
        zone_id: &str,
        subtree: Option<&str>,
    ) -> impl Future<Output = Result<Vec<RecordSet>, Error>> + Send;

    /// Submits the changes (the core planner's `ChangeBatch::changes` for this zone) as
    /// one atomic batch and returns the change id (without the `/change/` prefix). A lost compare-and-swap is an error of kind
    /// [`crate::ErrorKind::Conflict`], and nothing was applied.
    fn change_batch(
        &self,
        zone_id: &str,
        changes: &[Change],
        comment: &str,
    ) -> impl Future<Output = Result<String, Error>> + Send;

    /// Whether a change batch has reached every Route 53 name server.
    fn change_status(
        &self,
        change_id: &str,
    ) -> impl Future<Output = Result<ChangeStatus, Error>> + Send;
}

/// What happened when an execution was requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// A new execution runs (or, for an identical request while it still runs, Step
    /// Functions returned the same execution again).
    Started { execution_arn: String },
    /// An execution with this name exists already, running or finished: the same SNS
    /// message was delivered again. Nothing new was started, and that is success.
    AlreadyRunningOrDone {
        /// Derived from the state machine ARN and the name; `None` when the state
        /// machine ARN does not have the usual `…:stateMachine:NAME` shape.
        execution_arn: Option<String>,
        message: String,
    },
}

/// Starts state machine executions (Step Functions).
pub trait ExecutionStarter {
    /// Starts an execution named `name` (see [`crate::sfn::execution_name`]) with a JSON
    /// input. Idempotent by name for Standard workflows.
    fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input_json: &str,
    ) -> impl Future<Output = Result<StartOutcome, Error>> + Send;
}

/// Lists a state machine's recent executions (Step Functions `ListExecutions`), so an
/// older execution can see that a newer one for its group took over (core `supersede`).
pub trait ExecutionLister {
    /// The executions of `state_machine_arn` that are running or ended successfully,
    /// newest first, down to at least `own_execution_arn` (the asking execution: what
    /// started before it cannot take over from it).
    fn recent_executions(
        &self,
        state_machine_arn: &str,
        own_execution_arn: &str,
    ) -> impl Future<Output = Result<Vec<ListedExecution>, Error>> + Send;
}

/// Where an execution stands (Step Functions `DescribeExecution`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionState {
    pub status: ExecutionStatus,
    /// The execution's output JSON, once it succeeded.
    pub output: Option<String>,
    /// The error name and cause of a failed, timed-out or aborted execution.
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// `DescribeExecution`'s `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    /// A failed execution waiting for a redrive: it has failed.
    PendingRedrive,
    /// A status this version does not know, as Step Functions spelled it.
    Other(String),
}

impl ExecutionStatus {
    /// Still running: worth asking again.
    pub fn is_running(&self) -> bool {
        *self == ExecutionStatus::Running
    }
}

/// Follows executions (Step Functions): the operator CLI waits for the resync it started.
pub trait ExecutionWatcher {
    fn describe_execution(
        &self,
        execution_arn: &str,
    ) -> impl Future<Output = Result<ExecutionState, Error>> + Send;
}

/// Where secrets come from (Secrets Manager): the credentials verify's ROLE probe
/// authenticates to TLS + AUTH/RBAC groups with.
pub trait SecretSource {
    /// The `SecretString` of the secret's current version (`AWSCURRENT`), by full ARN.
    /// A missing or forbidden secret is an error of kind [`crate::ErrorKind::Fatal`] (a
    /// person must fix the secret or the grant); throttling and server errors are
    /// [`crate::ErrorKind::Transient`]. The value is wrapped in [`SecretText`], which never
    /// prints it.
    fn secret_string(&self, arn: &str) -> impl Future<Output = Result<SecretText, Error>> + Send;
}

/// A borrowed source answers as the source itself (the fleet pass lends a function's
/// adapters to each group's steps).
impl<T: TopologySource + Sync> TopologySource for &T {
    fn describe_group(
        &self,
        group_id: &str,
    ) -> impl Future<Output = Result<Topology, Error>> + Send {
        (**self).describe_group(group_id)
    }

    fn describe_groups(
        &self,
        group_ids: &[String],
    ) -> impl Future<Output = Result<GroupSnapshots, Error>> + Send
    where
        Self: Sync,
    {
        (**self).describe_groups(group_ids)
    }

    fn describe_members(
        &self,
        group_id: &str,
    ) -> impl Future<Output = Result<Topology, Error>> + Send
    where
        Self: Sync,
    {
        (**self).describe_members(group_id)
    }

    fn complete_snapshot(
        &self,
        described: Topology,
    ) -> impl Future<Output = Result<Topology, Error>> + Send
    where
        Self: Sync,
    {
        (**self).complete_snapshot(described)
    }

    fn member_status(
        &self,
        cache_cluster_id: &str,
    ) -> impl Future<Output = Result<MemberStatus, Error>> + Send {
        (**self).member_status(cache_cluster_id)
    }

    fn group_of_cluster(
        &self,
        cache_cluster_id: &str,
    ) -> impl Future<Output = Result<ClusterMembership, Error>> + Send {
        (**self).group_of_cluster(cache_cluster_id)
    }
}

/// A borrowed store answers as the store itself.
impl<R: RecordStore + Sync> RecordStore for &R {
    fn list_records(
        &self,
        zone_id: &str,
        subtree: Option<&str>,
    ) -> impl Future<Output = Result<Vec<RecordSet>, Error>> + Send {
        (**self).list_records(zone_id, subtree)
    }

    fn change_batch(
        &self,
        zone_id: &str,
        changes: &[Change],
        comment: &str,
    ) -> impl Future<Output = Result<String, Error>> + Send {
        (**self).change_batch(zone_id, changes, comment)
    }

    fn change_status(
        &self,
        change_id: &str,
    ) -> impl Future<Output = Result<ChangeStatus, Error>> + Send {
        (**self).change_status(change_id)
    }
}
