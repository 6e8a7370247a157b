//! Which ports each Lambda is wired with and which of their operations it calls, declared
//! once. The CDK grants each function's role exactly the AWS actions of those operations
//! (`replica-dns function-ports` prints them; `replica-dns-aws`'s `iam` table maps an
//! operation to the actions its adapter calls), and a test in each function crate holds
//! the declared ports equal to its handler's generic bounds.
//!
//! Names only: not the port traits themselves (those live in `replica-dns-aws::ports`,
//! beside their adapters) and nothing about IAM resources or conditions (the CDK's).

use serde::Serialize;

/// A port trait of `replica-dns-aws::ports` a Lambda's handler is generic over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Port {
    TopologySource,
    RecordStore,
    ExecutionStarter,
    ExecutionLister,
    SecretSource,
}

/// One method of a port, as a handler calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PortOperation {
    /// `TopologySource::describe_group`
    DescribeGroup,
    /// `TopologySource::describe_groups`: the fleet pass's listing of every group
    DescribeGroups,
    /// `TopologySource::describe_members`
    DescribeMembers,
    /// `TopologySource::complete_snapshot`
    CompleteSnapshot,
    /// `TopologySource::member_status`
    MemberStatus,
    /// `TopologySource::group_of_cluster`
    GroupOfCluster,
    /// `RecordStore::list_records`
    ListRecords,
    /// `RecordStore::change_batch`
    ChangeBatch,
    /// `RecordStore::change_status`
    ChangeStatus,
    /// `ExecutionStarter::start_execution`
    StartExecution,
    /// `SecretSource::secret_string`
    SecretString,
    /// `ExecutionLister::recent_executions`
    ListedExecutions,
}

impl PortOperation {
    /// Every operation, for tables that must cover them all.
    pub const ALL: [PortOperation; 12] = [
        PortOperation::DescribeGroup,
        PortOperation::DescribeGroups,
        PortOperation::DescribeMembers,
        PortOperation::CompleteSnapshot,
        PortOperation::MemberStatus,
        PortOperation::GroupOfCluster,
        PortOperation::ListRecords,
        PortOperation::ChangeBatch,
        PortOperation::ChangeStatus,
        PortOperation::StartExecution,
        PortOperation::SecretString,
        PortOperation::ListedExecutions,
    ];

    /// The port whose method this is.
    pub fn port(self) -> Port {
        match self {
            PortOperation::DescribeGroup
            | PortOperation::DescribeGroups
            | PortOperation::DescribeMembers
            | PortOperation::CompleteSnapshot
            | PortOperation::MemberStatus
            | PortOperation::GroupOfCluster => Port::TopologySource,
            PortOperation::ListRecords
            | PortOperation::ChangeBatch
            | PortOperation::ChangeStatus => Port::RecordStore,
            PortOperation::StartExecution => Port::ExecutionStarter,
            PortOperation::SecretString => Port::SecretSource,
            PortOperation::ListedExecutions => Port::ExecutionLister,
        }
    }
}

/// One Lambda (`functions/replica-dns-<function>`) and the port operations it calls,
/// directly or through the shared steps of `replica-dns-lambda`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionPorts {
    pub function: &'static str,
    pub operations: &'static [PortOperation],
}

impl FunctionPorts {
    /// The ports of [`FunctionPorts::operations`], sorted, each once.
    pub fn ports(&self) -> Vec<Port> {
        let mut ports: Vec<Port> = self.operations.iter().map(|op| op.port()).collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }
}

/// Every Lambda and what it calls, in pipeline order (the CDK's `FUNCTIONS`).
pub const FUNCTION_PORTS: &[FunctionPorts] = &[
    FunctionPorts {
        function: "trigger",
        operations: &[PortOperation::StartExecution],
    },
    // An event may name any cache cluster; the filter asks which group it belongs to:
    // the configured group its name says (`<group>-NNN`), described, whose member list
    // decides (the snapshot then completes that description), else the cluster itself.
    FunctionPorts {
        function: "filter",
        operations: &[
            PortOperation::DescribeMembers,
            PortOperation::GroupOfCluster,
        ],
    },
    // Before an SNS-started run's first snapshot: the running executions and, when a
    // newer one may be for a member, the group's members (core `supersede`); a snapshot
    // completes a description the filter or that check took.
    FunctionPorts {
        function: "snapshot",
        operations: &[
            PortOperation::DescribeGroup,
            PortOperation::ListedExecutions,
            PortOperation::DescribeMembers,
            PortOperation::CompleteSnapshot,
        ],
    },
    // A full snapshot first, then only the members still waited for; the running
    // executions, to stop when a newer one for the group took over (core `supersede`).
    FunctionPorts {
        function: "await-nodes",
        operations: &[
            PortOperation::DescribeGroup,
            PortOperation::MemberStatus,
            PortOperation::ListedExecutions,
        ],
    },
    // The fleet pass's plan takes its snapshots from one listing of every group (and
    // asks a group again by itself only when it is read twice).
    FunctionPorts {
        function: "plan",
        operations: &[
            PortOperation::ListRecords,
            PortOperation::DescribeGroups,
            PortOperation::DescribeGroup,
        ],
    },
    // A batch rejected as a conflict is read back: its effect may already be in place.
    FunctionPorts {
        function: "apply",
        operations: &[PortOperation::ChangeBatch, PortOperation::ListRecords],
    },
    // The ROLE probe reads the AUTH secret a group names; the fleet pass's look takes
    // its fresh snapshots from one listing.
    FunctionPorts {
        function: "verify",
        operations: &[
            PortOperation::ChangeStatus,
            PortOperation::ListRecords,
            PortOperation::DescribeGroup,
            PortOperation::DescribeGroups,
            PortOperation::SecretString,
        ],
    },
];

/// The declaration of `function`, `None` for a name that is no Lambda of replica-dns.
pub fn function_ports(function: &str) -> Option<&'static FunctionPorts> {
    FUNCTION_PORTS.iter().find(|f| f.function == function)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_declared_once_and_calls_something() {
        let mut names: Vec<&str> = FUNCTION_PORTS.iter().map(|f| f.function).collect();
        assert!(FUNCTION_PORTS.iter().all(|f| !f.operations.is_empty()));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FUNCTION_PORTS.len());
        assert_eq!(
            function_ports("verify").map(FunctionPorts::ports),
            Some(vec![
                Port::TopologySource,
                Port::RecordStore,
                Port::SecretSource
            ])
        );
        assert_eq!(function_ports("resync"), None);
    }
}
