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
}

impl Member {
    /// A member serves reads only when both its cluster and its node say `available`:
    /// during a replacement the cluster can read `available` while the node is not.
    pub fn is_available(&self) -> bool {
        self.read_endpoint.is_some()
            && self.cluster_status == "available"
            && self.node_status.as_deref().is_none_or(|s| s == "available")
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

    /// Members that are not available yet: what the await-nodes step waits for.
    pub fn unavailable_members(&self) -> Vec<&Member> {
        self.members.iter().filter(|m| !m.is_available()).collect()
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
