//! In-memory stand-ins for the ports, with the semantics the pipeline relies on:
//! Route 53 batches replay through the core's `apply_changes` (atomic, a DELETE must
//! match exactly, a CREATE must not find a record, else `InvalidChangeBatch`, a
//! Conflict); changes stay PENDING for a
//! configurable number of polls. For unit tests only (feature `fakes`), not a Route 53
//! emulator: no validation beyond what the tests need.

use std::collections::HashMap;
use std::sync::Mutex;

use replica_dns_aws::ports::{
    ChangeStatus, ClusterMembership, ExecutionLister, ExecutionStarter, GroupSnapshots,
    MemberStatus, RecordStore, SecretSource, StartOutcome, TopologySource,
};
use replica_dns_aws::{Error, ErrorKind};
use replica_dns_core::plan::{apply_changes, Change};
use replica_dns_core::ports::{function_ports, Port};
use replica_dns_core::records::RecordSet;
use replica_dns_core::security::SecretText;
use replica_dns_core::supersede::ListedExecution;
use replica_dns_core::topology::Topology;

fn conflict(message: String) -> Error {
    Error::Service {
        operation: "ChangeResourceRecordSets",
        kind: ErrorKind::Conflict,
        code: "InvalidChangeBatch".into(),
        message: message.clone(),
        source: message.into(),
    }
}

/// A transient (throttling) error, for tests of the retry path.
pub fn throttled(operation: &'static str) -> Error {
    Error::Service {
        operation,
        kind: ErrorKind::Transient,
        code: "Throttling".into(),
        message: "Rate exceeded".into(),
        source: "Rate exceeded".into(),
    }
}

/// Replication groups by id, plus the cluster → group map.
#[derive(Default)]
pub struct FakeTopology {
    pub groups: Mutex<HashMap<String, Topology>>,
    /// Errors returned by the next calls, first first.
    pub fail_next: Mutex<Vec<Error>>,
    /// Every call, as `describe_group <group>` / `member_status <cluster>` /
    /// `group_of_cluster <cluster>`, in order.
    pub calls: Mutex<Vec<String>>,
}

impl FakeTopology {
    pub fn with(groups: impl IntoIterator<Item = Topology>) -> Self {
        FakeTopology {
            groups: Mutex::new(
                groups
                    .into_iter()
                    .map(|t| (t.replication_group_id.clone(), t))
                    .collect(),
            ),
            fail_next: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The calls made so far (see [`FakeTopology::calls`]).
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn record(&self, call: &str, id: &str) {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{call} {id}"));
    }

    /// A group's topology as the fake holds it, the call recorded (and failed when a
    /// failure is queued).
    fn answer(&self, call: &str, group_id: &str) -> Result<Topology, Error> {
        self.record(call, group_id);
        if let Some(error) = self.next_failure() {
            return Err(error);
        }
        self.groups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(group_id)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: "replication group",
                id: group_id.into(),
            })
    }

    pub fn set(&self, topology: Topology) {
        self.groups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(topology.replication_group_id.clone(), topology);
    }

    fn next_failure(&self) -> Option<Error> {
        let mut failures = self.fail_next.lock().unwrap_or_else(|e| e.into_inner());
        (!failures.is_empty()).then(|| failures.remove(0))
    }
}

impl TopologySource for FakeTopology {
    /// One call for the whole fleet, as the ElastiCache adapter's listing (recorded as
    /// `describe_groups <ids, comma-separated>`).
    async fn describe_groups(&self, group_ids: &[String]) -> Result<GroupSnapshots, Error> {
        self.record("describe_groups", &group_ids.join(","));
        if let Some(error) = self.next_failure() {
            return Err(error);
        }
        let groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        Ok(group_ids
            .iter()
            .map(|id| {
                let found = groups.get(id).cloned().ok_or_else(|| Error::NotFound {
                    what: "replication group",
                    id: id.clone(),
                });
                (id.clone(), found)
            })
            .collect())
    }

    async fn describe_group(&self, group_id: &str) -> Result<Topology, Error> {
        self.answer("describe_group", group_id)
    }

    /// Recorded as `describe_members <group>`: one DescribeReplicationGroups in the
    /// adapter (the fake answers the whole topology it holds).
    async fn describe_members(&self, group_id: &str) -> Result<Topology, Error> {
        self.answer("describe_members", group_id)
    }

    /// Recorded as `complete_snapshot <group>`: the DescribeCacheClusters listing.
    async fn complete_snapshot(&self, described: Topology) -> Result<Topology, Error> {
        self.answer("complete_snapshot", &described.replication_group_id)
    }

    async fn member_status(&self, cache_cluster_id: &str) -> Result<MemberStatus, Error> {
        self.record("member_status", cache_cluster_id);
        if let Some(error) = self.next_failure() {
            return Err(error);
        }
        let groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        Ok(groups
            .values()
            .flat_map(|t| &t.members)
            .find(|m| m.cache_cluster_id == cache_cluster_id)
            .map_or(MemberStatus::NotFound, |m| MemberStatus::Found {
                cluster_status: m.cluster_status.clone(),
                node_status: m.node_status.clone(),
            }))
    }

    async fn group_of_cluster(&self, cache_cluster_id: &str) -> Result<ClusterMembership, Error> {
        self.record("group_of_cluster", cache_cluster_id);
        if let Some(error) = self.next_failure() {
            return Err(error);
        }
        let groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        Ok(groups
            .values()
            .find(|t| t.has_member(cache_cluster_id))
            .map(|t| ClusterMembership::Group(t.replication_group_id.clone()))
            .unwrap_or(ClusterMembership::NotFound))
    }
}

/// An edit of a zone's records, run by [`FakeRecords`] before the next batch.
pub type ZoneEdit = Box<dyn FnOnce(&mut Vec<RecordSet>) + Send>;

/// One hosted zone's worth of records per zone id, with Route 53's batch rules.
#[derive(Default)]
pub struct FakeRecords {
    pub zones: Mutex<HashMap<String, Vec<RecordSet>>>,
    /// How many `change_status` polls a change stays PENDING.
    pub pending_polls: Mutex<u32>,
    polls: Mutex<HashMap<String, u32>>,
    /// Every batch submitted (zone, changes), including rejected ones.
    pub batches: Mutex<Vec<(String, Vec<Change>)>>,
    /// Run before the next `change_batch` (e.g. a concurrent writer's edit).
    pub before_next_batch: Mutex<Option<ZoneEdit>>,
    /// How many times `list_records` was called.
    pub lists: Mutex<u32>,
    /// Each `list_records` call's zone and subtree, in order.
    pub listed: Mutex<Vec<(String, Option<String>)>>,
}

impl FakeRecords {
    pub fn with_zone(zone_id: &str, records: Vec<RecordSet>) -> Self {
        let fake = FakeRecords::default();
        fake.zones
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(zone_id.into(), records);
        fake
    }

    pub fn records(&self, zone_id: &str) -> Vec<RecordSet> {
        self.zones
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(zone_id)
            .cloned()
            .unwrap_or_default()
    }
}

impl RecordStore for FakeRecords {
    async fn list_records(
        &self,
        zone_id: &str,
        subtree: Option<&str>,
    ) -> Result<Vec<RecordSet>, Error> {
        *self.lists.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.listed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((zone_id.to_string(), subtree.map(str::to_string)));
        Ok(self.records(zone_id))
    }

    async fn change_batch(
        &self,
        zone_id: &str,
        changes: &[Change],
        _comment: &str,
    ) -> Result<String, Error> {
        self.batches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((zone_id.into(), changes.to_vec()));
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let records = zones.entry(zone_id.into()).or_default();
        let hook = self
            .before_next_batch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(hook) = hook {
            hook(records);
        }
        // Route 53's batch rules, stated once in the core.
        *records = apply_changes(records, changes).map_err(|e| conflict(e.to_string()))?;
        let id = format!(
            "C{}",
            self.batches.lock().unwrap_or_else(|e| e.into_inner()).len()
        );
        self.polls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), 0);
        Ok(id)
    }

    async fn change_status(&self, change_id: &str) -> Result<ChangeStatus, Error> {
        let pending_polls = *self.pending_polls.lock().unwrap_or_else(|e| e.into_inner());
        let mut polls = self.polls.lock().unwrap_or_else(|e| e.into_inner());
        let count = polls.get_mut(change_id).ok_or_else(|| Error::NotFound {
            what: "change",
            id: change_id.into(),
        })?;
        *count += 1;
        Ok(if *count > pending_polls {
            ChangeStatus::InSync
        } else {
            ChangeStatus::Pending
        })
    }
}

/// The running executions ListExecutions would list, or a failure.
#[derive(Default)]
pub struct FakeExecutions {
    pub running: Mutex<Vec<ListedExecution>>,
    /// Errors the next calls return, in order.
    pub fail_next: Mutex<Vec<Error>>,
    /// State machine ARNs asked about, in order.
    pub asked: Mutex<Vec<String>>,
}

impl FakeExecutions {
    pub fn with(running: impl IntoIterator<Item = ListedExecution>) -> Self {
        let fake = Self::default();
        fake.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(running);
        fake
    }
}

impl ExecutionLister for FakeExecutions {
    async fn recent_executions(
        &self,
        state_machine_arn: &str,
        _own_execution_arn: &str,
    ) -> Result<Vec<ListedExecution>, Error> {
        self.asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(state_machine_arn.to_owned());
        let mut fail = self.fail_next.lock().unwrap_or_else(|e| e.into_inner());
        if !fail.is_empty() {
            return Err(fail.remove(0));
        }
        Ok(self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }
}

/// Step Functions' idempotency by execution name.
#[derive(Default)]
pub struct FakeStarter {
    /// (state machine, name, input) of every execution started.
    pub started: Mutex<Vec<(String, String, String)>>,
}

impl ExecutionStarter for FakeStarter {
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input_json: &str,
    ) -> Result<StartOutcome, Error> {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        let arn = format!(
            "{}:{name}",
            state_machine_arn.replace(":stateMachine:", ":execution:")
        );
        if started.iter().any(|(_, n, _)| n == name) {
            return Ok(StartOutcome::AlreadyRunningOrDone {
                execution_arn: Some(arn),
                message: format!("Execution Already Exists: '{name}'"),
            });
        }
        started.push((state_machine_arn.into(), name.into(), input_json.into()));
        Ok(StartOutcome::Started { execution_arn: arn })
    }
}

/// Secrets by ARN, counting reads (the probe caches them), with scripted failures.
#[derive(Default)]
pub struct FakeSecrets {
    pub secrets: Mutex<HashMap<String, String>>,
    /// Errors returned by the next reads, first first.
    pub fail_next: Mutex<Vec<Error>>,
    /// How many times `secret_string` was called.
    pub reads: Mutex<usize>,
}

impl FakeSecrets {
    pub fn with(secrets: impl IntoIterator<Item = (String, String)>) -> Self {
        FakeSecrets {
            secrets: Mutex::new(secrets.into_iter().collect()),
            ..Default::default()
        }
    }

    /// Replaces a secret's value, as a rotation does.
    pub fn set(&self, arn: &str, value: &str) {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(arn.to_owned(), value.to_owned());
    }

    pub fn read_count(&self) -> usize {
        *self.reads.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretSource for FakeSecrets {
    async fn secret_string(&self, arn: &str) -> Result<SecretText, Error> {
        *self.reads.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        {
            let mut failures = self.fail_next.lock().unwrap_or_else(|e| e.into_inner());
            if !failures.is_empty() {
                return Err(failures.remove(0));
            }
        }
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(arn)
            .map(|v| SecretText::new(v.clone()))
            .ok_or_else(|| Error::Service {
                operation: "GetSecretValue",
                kind: ErrorKind::Fatal,
                code: "ResourceNotFoundException".into(),
                message: "Secrets Manager can't find the specified secret.".into(),
                source: "Secrets Manager can't find the specified secret.".into(),
            })
    }
}

/// The ports a test double stands in for: each fake implements exactly one port trait,
/// so a handler instantiated with fakes compiles only if it needs no other port (see
/// [`crate::handler_ports_are_declared`]).
pub trait PortsOf {
    fn ports() -> Vec<Port>;
}

macro_rules! one_port {
    ($($fake:ty => $port:ident),+ $(,)?) => {
        $(impl PortsOf for $fake {
            fn ports() -> Vec<Port> {
                vec![Port::$port]
            }
        })+
    };
}

one_port!(
    FakeTopology => TopologySource,
    FakeRecords => RecordStore,
    FakeStarter => ExecutionStarter,
    FakeExecutions => ExecutionLister,
    FakeSecrets => SecretSource,
);

/// The ports core `ports::FUNCTION_PORTS` declares for `function`, sorted.
pub fn declared_ports(function: &str) -> Vec<Port> {
    match function_ports(function) {
        Some(declared) => declared.ports(),
        None => panic!("{function:?} is not declared in core ports::FUNCTION_PORTS"),
    }
}
