//! The AWS API actions each port operation's adapter calls, in one table: what a role
//! must allow for a Lambda to call that operation. With the core's declaration of each
//! Lambda's operations ([`replica_dns_core::ports::FUNCTION_PORTS`]) it gives each
//! function's actions, which `replica-dns function-ports` prints for the CDK's IAM
//! contract test.
//!
//! Actions only: resources and conditions (which groups, zones and names) are the CDK's.
//! IAM actions carry the API operation's name under the service prefix ("When you use an
//! action in a policy, you usually allow or deny access to the API operation … with the
//! same name", <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html>;
//! likewise for ElastiCache, Step Functions and Secrets Manager).

use std::collections::BTreeMap;

use replica_dns_core::ports::{PortOperation, FUNCTION_PORTS};

/// The SDK operations the adapter of `operation` sends, as IAM actions.
pub fn actions(operation: PortOperation) -> &'static [&'static str] {
    match operation {
        // ElastiCacheTopology::describe_group: DescribeReplicationGroups, then one
        // DescribeCacheClusters (ShowCacheNodeInfo) over the group's members.
        PortOperation::DescribeGroup => &[
            "elasticache:DescribeReplicationGroups",
            "elasticache:DescribeCacheClusters",
        ],
        // ElastiCacheTopology::describe_groups: DescribeReplicationGroups without an id
        // (every group, by pages) and one DescribeCacheClusters listing.
        PortOperation::DescribeGroups => &[
            "elasticache:DescribeReplicationGroups",
            "elasticache:DescribeCacheClusters",
        ],
        // ElastiCacheTopology::describe_members: DescribeReplicationGroups of that group;
        // complete_snapshot: the DescribeCacheClusters listing.
        PortOperation::DescribeMembers => &["elasticache:DescribeReplicationGroups"],
        PortOperation::CompleteSnapshot => &["elasticache:DescribeCacheClusters"],
        // One DescribeCacheClusters of that cluster.
        PortOperation::MemberStatus | PortOperation::GroupOfCluster => {
            &["elasticache:DescribeCacheClusters"]
        }
        PortOperation::ListRecords => &["route53:ListResourceRecordSets"],
        PortOperation::ChangeBatch => &["route53:ChangeResourceRecordSets"],
        PortOperation::ChangeStatus => &["route53:GetChange"],
        PortOperation::StartExecution => &["states:StartExecution"],
        PortOperation::SecretString => &["secretsmanager:GetSecretValue"],
        // SfnExecutions::recent_executions: ListExecutions (newest first).
        PortOperation::ListedExecutions => &["states:ListExecutions"],
    }
}

/// Every Lambda (as `FUNCTION_PORTS` names it) → the actions of its operations, sorted,
/// each once.
pub fn function_actions() -> BTreeMap<&'static str, Vec<&'static str>> {
    FUNCTION_PORTS
        .iter()
        .map(|function| {
            let mut all: Vec<&'static str> = function
                .operations
                .iter()
                .flat_map(|&op| actions(op).iter().copied())
                .collect();
            all.sort_unstable();
            all.dedup();
            (function.function, all)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_names_actions_of_its_port_service() {
        use replica_dns_core::ports::Port;
        for op in PortOperation::ALL {
            let service = match op.port() {
                Port::TopologySource => "elasticache:",
                Port::RecordStore => "route53:",
                Port::ExecutionStarter | Port::ExecutionLister => "states:",
                Port::SecretSource => "secretsmanager:",
            };
            assert!(!actions(op).is_empty(), "{op:?}");
            assert!(
                actions(op).iter().all(|a| a.starts_with(service)),
                "{op:?}: {:?}",
                actions(op)
            );
        }
    }

    #[test]
    fn the_filter_may_only_describe_clusters_and_configured_groups() {
        let table = function_actions();
        assert_eq!(
            table["filter"],
            [
                "elasticache:DescribeCacheClusters",
                "elasticache:DescribeReplicationGroups"
            ]
        );
        assert_eq!(
            table["snapshot"],
            [
                "elasticache:DescribeCacheClusters",
                "elasticache:DescribeReplicationGroups",
                "states:ListExecutions"
            ]
        );
        assert_eq!(
            table["verify"],
            [
                "elasticache:DescribeCacheClusters",
                "elasticache:DescribeReplicationGroups",
                "route53:GetChange",
                "route53:ListResourceRecordSets",
                "secretsmanager:GetSecretValue",
            ]
        );
    }
}
