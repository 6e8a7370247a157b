//! The shape of one replication group (cluster mode disabled) as ElastiCache reports it:
//! DescribeReplicationGroups gives the members and their roles, DescribeCacheClusters
//! gives each member's readiness. This is a snapshot, not a live view.

use serde::{Deserialize, Serialize};

/// A host and port clients connect to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub address: String,
    pub port: u16,
}

/// The role ElastiCache reports in `NodeGroupMember.CurrentRole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    Primary,
    Replica,
}

/// One member (cache cluster) of the group's single node group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// `CacheClusterId`, e.g. `my-group-002`: the stable identity of a node.
    pub cache_cluster_id: String,
    pub role: Role,
    /// `ReadEndpoint`; a replaced node keeps it, so it is what a CNAME points at.
    pub read_endpoint: Option<Endpoint>,
    /// `PreferredAvailabilityZone`, used only by the optional AZ-local names.
    pub availability_zone: Option<String>,
    /// `CacheClusterStatus` from DescribeCacheClusters (`available`, `modifying`, …).
    pub cluster_status: String,
    /// `CacheNodeStatus` of the member's one node, when DescribeCacheClusters listed it.
    pub node_status: Option<String>,
    /// `NotificationConfiguration` from DescribeCacheClusters: where this member's
    /// ElastiCache events go, and whether ElastiCache can still publish there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<NotificationTopic>,
}

/// A cache cluster's SNS notification target (DescribeCacheClusters
/// `NotificationConfiguration`). ElastiCache sets `TopicStatus` to `inactive` when it
/// cannot publish to the topic (a topic policy without the `AWS:SourceOwner` statement, a
/// KMS-encrypted topic) and then notifies nothing, silently (ElastiCache User Guide,
/// "Managing ElastiCache Amazon SNS notifications",
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ECEvents.SNS.html>).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationTopic {
    pub topic_arn: String,
    /// `active` or `inactive`.
    pub topic_status: String,
}

/// Why a group's events may not reach replica-dns: names are then fixed only by the
/// drift check. Found by [`Topology::notification_problems`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum NotificationProblem {
    /// The member notifies no topic at all.
    NoTopic { cache_cluster_id: String },
    /// ElastiCache marked the topic not active: it publishes nothing there.
    TopicNotActive {
        cache_cluster_id: String,
        topic_arn: String,
        topic_status: String,
    },
    /// The member notifies a topic replica-dns is not subscribed to.
    OtherTopic {
        cache_cluster_id: String,
        topic_arn: String,
        expected_topic_arn: String,
    },
}

impl std::fmt::Display for NotificationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotificationProblem::NoTopic { cache_cluster_id } => write!(
                f,
                "{cache_cluster_id} notifies no SNS topic: its failovers reach replica-dns only through the drift check; set the group's NotificationTopicArn to replica-dns' topic (aws elasticache modify-replication-group --notification-topic-arn …)"
            ),
            NotificationProblem::TopicNotActive {
                cache_cluster_id,
                topic_arn,
                topic_status,
            } => write!(
                f,
                "{cache_cluster_id} notifies {topic_arn}, whose status is {topic_status}: ElastiCache publishes nothing there; give the topic ElastiCache's documented policy (Principal AWS *, SNS:Publish, AWS:SourceOwner = this account; no KMS key), then re-activate it (aws elasticache modify-replication-group --notification-topic-status active)"
            ),
            NotificationProblem::OtherTopic {
                cache_cluster_id,
                topic_arn,
                expected_topic_arn,
            } => write!(
                f,
                "{cache_cluster_id} notifies {topic_arn}, not replica-dns' topic {expected_topic_arn}: its events do not reach replica-dns (a cluster notifies one topic only); point it at {expected_topic_arn} or subscribe replica-dns' trigger to {topic_arn}"
            ),
        }
    }
}

impl Member {
    /// A member serves reads only when both its cluster and its node say `available`:
    /// during a replacement the cluster can read `available` while the node is not.
    pub fn is_available(&self) -> bool {
        self.read_endpoint.is_some()
            && Self::status_is_available(&self.cluster_status, self.node_status.as_deref())
    }

    /// The status half of [`Member::is_available`]: what DescribeCacheClusters alone
    /// says (`CacheClusterStatus`, and `CacheNodeStatus` when it listed the node).
    pub fn status_is_available(cluster_status: &str, node_status: Option<&str>) -> bool {
        cluster_status == "available" && node_status.is_none_or(|s| s == "available")
    }
}

/// A snapshot of one replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Topology {
    pub replication_group_id: String,
    /// `Status` of the replication group (`available`, `modifying`, …).
    pub status: String,
    /// The group's primary endpoint, which ElastiCache moves on failover: the fallback
    /// target when no replica is available and the policy says `primary`.
    pub primary_endpoint: Option<Endpoint>,
    pub reader_endpoint: Option<Endpoint>,
    pub members: Vec<Member>,
    /// `TransitEncryptionEnabled`: the nodes serve TLS, so a client (verify's ROLE probe)
    /// must connect with TLS. Defaults to false so states serialised before the field
    /// existed still parse.
    #[serde(default)]
    pub transit_encryption_enabled: bool,
    /// `AuthTokenEnabled`: clients must send `AUTH <token>` before any other command.
    /// (Groups using RBAC user groups instead report false here and still need
    /// credentials.) Defaults to false, as above.
    #[serde(default)]
    pub auth_token_enabled: bool,
}

impl Topology {
    /// Members currently in the replica role, in a stable order (by cache cluster id).
    pub fn replicas(&self) -> Vec<&Member> {
        let mut replicas: Vec<&Member> = self
            .members
            .iter()
            .filter(|m| m.role == Role::Replica)
            .collect();
        replicas.sort_by(|a, b| a.cache_cluster_id.cmp(&b.cache_cluster_id));
        replicas
    }

    /// Why this group's events may not reach replica-dns, one problem per member at
    /// most: no topic, a topic ElastiCache marked not active, or (when the deployment's
    /// topic is known) another topic.
    pub fn notification_problems(
        &self,
        expected_topic_arn: Option<&str>,
    ) -> Vec<NotificationProblem> {
        self.members
            .iter()
            .filter_map(|m| {
                let cache_cluster_id = m.cache_cluster_id.clone();
                let Some(topic) = &m.notification else {
                    return Some(NotificationProblem::NoTopic { cache_cluster_id });
                };
                if let Some(expected) = expected_topic_arn.filter(|e| *e != topic.topic_arn) {
                    return Some(NotificationProblem::OtherTopic {
                        cache_cluster_id,
                        topic_arn: topic.topic_arn.clone(),
                        expected_topic_arn: expected.to_string(),
                    });
                }
                (topic.topic_status != "active").then(|| NotificationProblem::TopicNotActive {
                    cache_cluster_id,
                    topic_arn: topic.topic_arn.clone(),
                    topic_status: topic.topic_status.clone(),
                })
            })
            .collect()
    }

    /// Members that are not available yet: what the await-nodes step waits for.
    pub fn unavailable_members(&self) -> Vec<&Member> {
        self.members.iter().filter(|m| !m.is_available()).collect()
    }

    /// The members' cache cluster ids, in the group's order.
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.cache_cluster_id.as_str())
    }

    /// Exact membership test by cache cluster id (never a prefix match: `grp-1` must not
    /// claim `grp-10-001`).
    pub fn has_member(&self, cache_cluster_id: &str) -> bool {
        self.members
            .iter()
            .any(|m| m.cache_cluster_id == cache_cluster_id)
    }

    /// The member with this exact cache cluster id.
    pub fn member(&self, cache_cluster_id: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.cache_cluster_id == cache_cluster_id)
    }

    /// The member currently in the primary role (cluster mode disabled has one).
    pub fn primary(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.role == Role::Primary)
    }

    /// Where reads go when no replica is available and the policy says `primary`: the
    /// group's primary endpoint (it follows failovers), else the primary member's own
    /// endpoint.
    pub fn primary_target(&self) -> Option<&Endpoint> {
        self.primary_endpoint
            .as_ref()
            .or_else(|| self.primary().and_then(|m| m.read_endpoint.as_ref()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn a_topology_serialised_before_the_security_fields_still_parses() {
        let old = r#"{"replicationGroupId":"orders","status":"available",
            "primaryEndpoint":null,"readerEndpoint":null,"members":[]}"#;
        let topology: Topology = serde_json::from_str(old).unwrap();
        assert!(!topology.transit_encryption_enabled);
        assert!(!topology.auth_token_enabled);
    }

    #[test]
    fn security_fields_are_camel_case() {
        let topology = Topology {
            replication_group_id: "orders".into(),
            status: "available".into(),
            primary_endpoint: None,
            reader_endpoint: None,
            members: vec![],
            transit_encryption_enabled: true,
            auth_token_enabled: true,
        };
        let json = serde_json::to_value(&topology).unwrap();
        assert_eq!(json["transitEncryptionEnabled"], true);
        assert_eq!(json["authTokenEnabled"], true);
    }
}
