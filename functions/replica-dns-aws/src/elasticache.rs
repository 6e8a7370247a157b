//! [`TopologySource`] on ElastiCache: DescribeReplicationGroups (filtered by group id)
//! for members and roles, one paginated DescribeCacheClusters listing for their
//! readiness, DescribeCacheClusters by id for one member, and the conversions from those
//! SDK shapes to [`Topology`]. It does not interpret the topology (that is the planner's
//! job). Only the fleet path ([`TopologySource::describe_groups`]) lists every
//! replication group of the account, once, instead of asking group by group.

use std::collections::HashMap;

use aws_sdk_elasticache::operation::describe_cache_clusters::DescribeCacheClustersError;
use aws_sdk_elasticache::types::{
    CacheCluster, Endpoint as SdkEndpoint, NodeGroupMember, ReplicationGroup,
};
use replica_dns_core::topology::{Endpoint, Member, NotificationTopic, Role, Topology};

use crate::error::Error;
use crate::ports::{ClusterMembership, GroupSnapshots, MemberStatus, TopologySource};

const DESCRIBE_GROUPS: &str = "DescribeReplicationGroups";
const DESCRIBE_CLUSTERS: &str = "DescribeCacheClusters";

/// Clusters per DescribeCacheClusters page: the most the API allows ("MaxRecords …
/// Default: 100. Constraints: minimum 20; maximum 100", ElastiCache API reference,
/// DescribeCacheClusters), so a listing takes as few calls as it can.
const CLUSTERS_PER_PAGE: i32 = 100;

/// Groups per DescribeReplicationGroups page, the most the API allows (same bounds as
/// DescribeCacheClusters, API reference, DescribeReplicationGroups `MaxRecords`).
const GROUPS_PER_PAGE: i32 = 100;

/// Placeholder cluster status between reading the group and reading its clusters; never
/// left in a returned [`Topology`].
const STATUS_NOT_READ: &str = "unknown";

/// The ElastiCache adapter. Cheap to clone (the SDK client is an `Arc` inside).
#[derive(Debug, Clone)]
pub struct ElastiCacheTopology {
    client: aws_sdk_elasticache::Client,
}

impl ElastiCacheTopology {
    /// One DescribeReplicationGroups filtered by id: the group's topology as it lists
    /// it (members and roles, statuses not yet known).
    async fn described_group(&self, group_id: &str) -> Result<Topology, Error> {
        let output = self
            .client
            .describe_replication_groups()
            .replication_group_id(group_id)
            .send()
            .await
            .map_err(|err| Error::from_sdk(DESCRIBE_GROUPS, err))?;
        let group = match output.replication_groups() {
            [] => {
                return Err(Error::NotFound {
                    what: "replication group",
                    id: group_id.to_owned(),
                })
            }
            [group] => group,
            groups => {
                return Err(Error::InvalidField {
                    operation: DESCRIBE_GROUPS,
                    field: "ReplicationGroups",
                    value: format!("{} groups", groups.len()),
                    context: format!("filtered by ReplicationGroupId {group_id:?}"),
                    reason: "a filtered describe must return exactly one group",
                })
            }
        };
        topology_from_group(group, group_id)
    }

    pub fn new(client: aws_sdk_elasticache::Client) -> Self {
        Self { client }
    }

    /// The cluster of one member, `None` when ElastiCache says it does not exist
    /// (`CacheClusterNotFound`).
    async fn describe_cluster(
        &self,
        cache_cluster_id: &str,
    ) -> Result<Option<CacheCluster>, Error> {
        let result = self
            .client
            .describe_cache_clusters()
            .cache_cluster_id(cache_cluster_id)
            .show_cache_node_info(true)
            .send()
            .await;
        match result {
            // Only the explicit not-found fault means "gone". An empty answer for an
            // explicit id is an anomaly (an emulator without clusters, say): dropping the
            // member on it would make the planner delete a live replica's name.
            Ok(output) => match output
                .cache_clusters()
                .iter()
                .find(|c| c.cache_cluster_id() == Some(cache_cluster_id))
            {
                Some(cluster) => Ok(Some(cluster.clone())),
                None => Err(Error::InvalidField {
                    operation: DESCRIBE_CLUSTERS,
                    field: "CacheClusters",
                    value: format!("{} clusters", output.cache_clusters().len()),
                    context: format!("filtered by CacheClusterId {cache_cluster_id:?}"),
                    reason: "the cluster asked for is not in the answer",
                }),
            },
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(DescribeCacheClustersError::is_cache_cluster_not_found_fault) =>
            {
                Ok(None)
            }
            Err(err) => Err(Error::from_sdk(DESCRIBE_CLUSTERS, err)),
        }
    }

    /// Every cache cluster of replication group `group_id`, by cluster id, from one
    /// DescribeCacheClusters listing (`ShowCacheNodeInfo`, every page). The API has no
    /// replication-group filter: it lists "all provisioned clusters if no cluster
    /// identifier is specified", each with its `ReplicationGroupId`, in pages of up to
    /// `MaxRecords` with a `Marker` for the rest (ElastiCache API reference,
    /// DescribeCacheClusters,
    /// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheClusters.html>).
    /// So the calls grow with the account's clusters / 100, not
    /// with the group's members (issue 10 item 1); the seed blog post's flaw was listing
    /// without paginating.
    async fn group_clusters(&self, group_id: &str) -> Result<HashMap<String, CacheCluster>, Error> {
        let mut by_group = self.list_clusters(|group| group == group_id).await?;
        Ok(by_group.remove(group_id).unwrap_or_default())
    }

    /// Every cache cluster of the groups `wanted` accepts, by group id then cluster id,
    /// from one DescribeCacheClusters listing (every page).
    async fn list_clusters(
        &self,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<HashMap<String, HashMap<String, CacheCluster>>, Error> {
        let mut pages = self
            .client
            .describe_cache_clusters()
            .show_cache_node_info(true)
            .max_records(CLUSTERS_PER_PAGE)
            .into_paginator()
            .send();
        let mut clusters: HashMap<String, HashMap<String, CacheCluster>> = HashMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| Error::from_sdk(DESCRIBE_CLUSTERS, err))?;
            for cluster in page.cache_clusters() {
                if let (Some(id), Some(group)) =
                    (cluster.cache_cluster_id(), cluster.replication_group_id())
                {
                    if wanted(group) {
                        clusters
                            .entry(group.to_owned())
                            .or_default()
                            .insert(id.to_owned(), cluster.clone());
                    }
                }
            }
        }
        Ok(clusters)
    }

    /// Fills each member's status from the listing; a member the listing does not show
    /// (created between the two calls, say) is asked for by id, so that a member is left
    /// out only on ElastiCache's explicit `CacheClusterNotFound`.
    async fn with_member_status(
        &self,
        mut topology: Topology,
        mut listed: HashMap<String, CacheCluster>,
    ) -> Result<Topology, Error> {
        let group_id = topology.replication_group_id.clone();
        let mut members = Vec::with_capacity(topology.members.len());
        for mut member in topology.members {
            let cluster = match listed.remove(&member.cache_cluster_id) {
                Some(cluster) => Some(cluster),
                None => self.describe_cluster(&member.cache_cluster_id).await?,
            };
            match cluster {
                Some(cluster) => {
                    let (cluster_status, node_status) = cluster_status(&cluster)?;
                    member.cluster_status = cluster_status;
                    member.node_status = node_status;
                    member.notification = notification_from_sdk(&cluster);
                    members.push(member);
                }
                None => tracing::warn!(
                    group_id,
                    cache_cluster_id = %member.cache_cluster_id,
                    "member listed by the group but its cache cluster is gone; leaving it out"
                ),
            }
        }
        topology.members = members;
        Ok(topology)
    }
}

impl TopologySource for ElastiCacheTopology {
    /// Two requests for a group of any size when the account has at most 100 clusters:
    /// DescribeReplicationGroups, then one DescribeCacheClusters listing
    /// ([`ElastiCacheTopology::group_clusters`]). A member the listing does not show (it
    /// was created between the two calls, say) is asked for by id, so that a member is
    /// left out only on ElastiCache's explicit `CacheClusterNotFound`.
    async fn describe_group(&self, group_id: &str) -> Result<Topology, Error> {
        let described = self.described_group(group_id).await?;
        self.complete_snapshot(described).await
    }

    /// One DescribeReplicationGroups: the members as the group lists them.
    async fn describe_members(&self, group_id: &str) -> Result<Topology, Error> {
        self.described_group(group_id).await
    }

    /// One DescribeCacheClusters listing (and a member it does not show asked for by id).
    async fn complete_snapshot(&self, described: Topology) -> Result<Topology, Error> {
        let listed = self.group_clusters(&described.replication_group_id).await?;
        self.with_member_status(described, listed).await
    }

    /// The fleet path: every replication group in pages of 100 (DescribeReplicationGroups
    /// without an id "returns information about all replication groups", `MaxRecords`
    /// "Default: 100. Constraints: minimum 20; maximum 100", ElastiCache API reference,
    /// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeReplicationGroups.html>)
    /// and one DescribeCacheClusters listing, so `G` groups cost
    /// `ceil(groups in the account / 100) + ceil(clusters / 100)` calls, not `2 G`.
    /// A group the listing does not show is [`Error::NotFound`] in its entry.
    async fn describe_groups(&self, group_ids: &[String]) -> Result<GroupSnapshots, Error> {
        let wanted: std::collections::HashSet<&str> =
            group_ids.iter().map(String::as_str).collect();
        let mut pages = self
            .client
            .describe_replication_groups()
            .max_records(GROUPS_PER_PAGE)
            .into_paginator()
            .send();
        let mut groups: HashMap<String, ReplicationGroup> = HashMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| Error::from_sdk(DESCRIBE_GROUPS, err))?;
            for group in page.replication_groups() {
                if let Some(id) = group.replication_group_id() {
                    if wanted.contains(id) {
                        groups.insert(id.to_owned(), group.clone());
                    }
                }
            }
        }
        let mut clusters = self.list_clusters(|group| wanted.contains(group)).await?;
        let mut out = Vec::with_capacity(group_ids.len());
        for id in group_ids {
            let snapshot = match groups.get(id) {
                None => Err(Error::NotFound {
                    what: "replication group",
                    id: id.clone(),
                }),
                Some(group) => match topology_from_group(group, id) {
                    Ok(topology) => {
                        let listed = clusters.remove(id).unwrap_or_default();
                        self.with_member_status(topology, listed).await
                    }
                    Err(e) => Err(e),
                },
            };
            out.push((id.clone(), snapshot));
        }
        Ok(out)
    }

    /// One DescribeCacheClusters by `CacheClusterId` (with `ShowCacheNodeInfo`).
    async fn member_status(&self, cache_cluster_id: &str) -> Result<MemberStatus, Error> {
        Ok(match self.describe_cluster(cache_cluster_id).await? {
            Some(cluster) => {
                let (cluster_status, node_status) = cluster_status(&cluster)?;
                MemberStatus::Found {
                    cluster_status,
                    node_status,
                }
            }
            None => MemberStatus::NotFound,
        })
    }

    async fn group_of_cluster(&self, cache_cluster_id: &str) -> Result<ClusterMembership, Error> {
        let result = self
            .client
            .describe_cache_clusters()
            .cache_cluster_id(cache_cluster_id)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(DescribeCacheClustersError::is_cache_cluster_not_found_fault) =>
            {
                return Ok(ClusterMembership::NotFound)
            }
            Err(err) => return Err(Error::from_sdk(DESCRIBE_CLUSTERS, err)),
        };
        Ok(membership(output.cache_clusters(), cache_cluster_id))
    }
}

/// The membership a DescribeCacheClusters(CacheClusterId) answer reports.
fn membership(clusters: &[CacheCluster], cache_cluster_id: &str) -> ClusterMembership {
    match clusters
        .iter()
        .find(|c| c.cache_cluster_id() == Some(cache_cluster_id))
    {
        None => ClusterMembership::NotFound,
        Some(cluster) => match cluster.replication_group_id() {
            Some(group) if !group.is_empty() => ClusterMembership::Group(group.to_owned()),
            _ => ClusterMembership::Standalone,
        },
    }
}

/// Converts a replication group (cluster mode disabled) into a [`Topology`] whose
/// members still lack their cluster status (filled from DescribeCacheClusters).
pub(crate) fn topology_from_group(
    group: &ReplicationGroup,
    requested_id: &str,
) -> Result<Topology, Error> {
    let replication_group_id = group.replication_group_id().ok_or(Error::MissingField {
        operation: DESCRIBE_GROUPS,
        field: "ReplicationGroupId",
        context: format!("group asked for as {requested_id:?}"),
    })?;
    if replication_group_id != requested_id {
        return Err(Error::InvalidField {
            operation: DESCRIBE_GROUPS,
            field: "ReplicationGroupId",
            value: replication_group_id.to_owned(),
            context: format!("group asked for as {requested_id:?}"),
            reason: "the service returned another group than the one asked for",
        });
    }
    let context = || format!("replication group {replication_group_id:?}");
    let node_groups = group.node_groups();
    if group.cluster_enabled() == Some(true) || node_groups.len() > 1 {
        return Err(Error::ClusterModeEnabled {
            group_id: replication_group_id.to_owned(),
            node_groups: node_groups.len(),
        });
    }
    let [node_group] = node_groups else {
        return Err(Error::MissingField {
            operation: DESCRIBE_GROUPS,
            field: "NodeGroups",
            context: context(),
        });
    };
    let members = node_group
        .node_group_members()
        .iter()
        .map(|m| member_from_sdk(m, replication_group_id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Topology {
        replication_group_id: replication_group_id.to_owned(),
        status: group
            .status()
            .ok_or(Error::MissingField {
                operation: DESCRIBE_GROUPS,
                field: "Status",
                context: context(),
            })?
            .to_owned(),
        primary_endpoint: node_group
            .primary_endpoint()
            .map(|e| endpoint_from_sdk(e, "PrimaryEndpoint", &context()))
            .transpose()?,
        reader_endpoint: node_group
            .reader_endpoint()
            .map(|e| endpoint_from_sdk(e, "ReaderEndpoint", &context()))
            .transpose()?,
        members,
        // Absent means off: DescribeReplicationGroups omits both for groups created
        // without them (ElastiCache API reference, ReplicationGroup). AUTH requires
        // in-transit encryption ("AUTH can only be enabled for encryption in-transit
        // enabled … clusters", ElastiCache guide, "Authenticating with the Valkey and
        // Redis OSS AUTH command").
        transit_encryption_enabled: group.transit_encryption_enabled().unwrap_or(false),
        auth_token_enabled: group.auth_token_enabled().unwrap_or(false),
    })
}

/// One `NodeGroupMember`. A member without `CurrentRole` *and* without `ReadEndpoint` is
/// a node still being created (replica add): it is kept as a replica with no endpoint,
/// which makes it unavailable, so the pipeline waits for it instead of failing. A member
/// with an endpoint but no role is a response we cannot trust: an error.
pub(crate) fn member_from_sdk(member: &NodeGroupMember, group_id: &str) -> Result<Member, Error> {
    let cache_cluster_id = member.cache_cluster_id().ok_or(Error::MissingField {
        operation: DESCRIBE_GROUPS,
        field: "NodeGroupMember.CacheClusterId",
        context: format!("replication group {group_id:?}"),
    })?;
    let context = format!("member {cache_cluster_id:?} of replication group {group_id:?}");
    let read_endpoint = member
        .read_endpoint()
        .map(|e| endpoint_from_sdk(e, "ReadEndpoint", &context))
        .transpose()?;
    let role = match (member.current_role(), &read_endpoint) {
        (Some(role), _) => role_from_sdk(role, &context)?,
        (None, None) => Role::Replica,
        (None, Some(_)) => {
            return Err(Error::MissingField {
                operation: DESCRIBE_GROUPS,
                field: "CurrentRole",
                context,
            })
        }
    };
    Ok(Member {
        cache_cluster_id: cache_cluster_id.to_owned(),
        role,
        read_endpoint,
        availability_zone: member.preferred_availability_zone().map(str::to_owned),
        cluster_status: STATUS_NOT_READ.to_owned(),
        node_status: None,
        notification: None,
    })
}

fn role_from_sdk(role: &str, context: &str) -> Result<Role, Error> {
    if role.eq_ignore_ascii_case("primary") {
        Ok(Role::Primary)
    } else if role.eq_ignore_ascii_case("replica") {
        Ok(Role::Replica)
    } else {
        Err(Error::InvalidField {
            operation: DESCRIBE_GROUPS,
            field: "CurrentRole",
            value: role.to_owned(),
            context: context.to_owned(),
            reason: "expected primary or replica",
        })
    }
}

pub(crate) fn endpoint_from_sdk(
    endpoint: &SdkEndpoint,
    field: &'static str,
    context: &str,
) -> Result<Endpoint, Error> {
    let address = endpoint
        .address()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Error::MissingField {
            operation: DESCRIBE_GROUPS,
            field,
            context: format!("{context}: Address"),
        })?;
    let port = endpoint.port().ok_or_else(|| Error::MissingField {
        operation: DESCRIBE_GROUPS,
        field,
        context: format!("{context}: Port"),
    })?;
    let port = u16::try_from(port).map_err(|_| Error::InvalidField {
        operation: DESCRIBE_GROUPS,
        field,
        value: port.to_string(),
        context: context.to_owned(),
        reason: "port must be within 0..=65535",
    })?;
    Ok(Endpoint {
        address: address.to_owned(),
        port,
    })
}

/// The cluster's `NotificationConfiguration`, when it has one with a topic.
pub(crate) fn notification_from_sdk(cluster: &CacheCluster) -> Option<NotificationTopic> {
    let config = cluster.notification_configuration()?;
    Some(NotificationTopic {
        topic_arn: config.topic_arn()?.to_owned(),
        topic_status: config.topic_status().unwrap_or("unknown").to_owned(),
    })
}

/// `CacheClusterStatus` and the `CacheNodeStatus` of the cluster's node (a Redis OSS /
/// Valkey cluster in a replication group has exactly one node).
pub(crate) fn cluster_status(cluster: &CacheCluster) -> Result<(String, Option<String>), Error> {
    let status = cluster
        .cache_cluster_status()
        .ok_or_else(|| Error::MissingField {
            operation: DESCRIBE_CLUSTERS,
            field: "CacheClusterStatus",
            context: format!(
                "cache cluster {:?}",
                cluster.cache_cluster_id().unwrap_or_default()
            ),
        })?;
    let node_status = cluster
        .cache_nodes()
        .first()
        .and_then(|node| node.cache_node_status())
        .map(str::to_owned);
    Ok((status.to_owned(), node_status))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use aws_sdk_elasticache::types::{CacheNode, NodeGroup};

    fn sdk_endpoint(address: &str, port: i32) -> SdkEndpoint {
        SdkEndpoint::builder().address(address).port(port).build()
    }

    fn sdk_member(id: &str, role: Option<&str>, endpoint: bool) -> NodeGroupMember {
        let mut b = NodeGroupMember::builder()
            .cache_cluster_id(id)
            .cache_node_id("0001")
            .preferred_availability_zone("us-east-1a")
            .set_current_role(role.map(str::to_owned));
        if endpoint {
            b = b.read_endpoint(sdk_endpoint(&format!("{id}.abc.cache.amazonaws.com"), 6379));
        }
        b.build()
    }

    fn sdk_group(id: &str, node_groups: Vec<NodeGroup>) -> ReplicationGroup {
        ReplicationGroup::builder()
            .replication_group_id(id)
            .status("available")
            .cluster_enabled(false)
            .set_node_groups(Some(node_groups))
            .build()
    }

    fn node_group(members: Vec<NodeGroupMember>) -> NodeGroup {
        NodeGroup::builder()
            .node_group_id("0001")
            .primary_endpoint(sdk_endpoint("orders.abc.ng.cache.amazonaws.com", 6379))
            .reader_endpoint(sdk_endpoint("orders-ro.abc.ng.cache.amazonaws.com", 6379))
            .set_node_group_members(Some(members))
            .build()
    }

    #[test]
    fn group_converts_to_topology_with_roles_endpoints_and_azs() {
        let group = sdk_group(
            "orders",
            vec![node_group(vec![
                sdk_member("orders-001", Some("primary"), true),
                sdk_member("orders-002", Some("replica"), true),
            ])],
        );
        let topology = topology_from_group(&group, "orders").unwrap();
        assert_eq!(topology.replication_group_id, "orders");
        assert_eq!(topology.status, "available");
        assert_eq!(
            topology.primary_endpoint,
            Some(Endpoint {
                address: "orders.abc.ng.cache.amazonaws.com".into(),
                port: 6379
            })
        );
        assert_eq!(
            topology
                .reader_endpoint
                .as_ref()
                .map(|e| e.address.as_str()),
            Some("orders-ro.abc.ng.cache.amazonaws.com")
        );
        let roles: Vec<_> = topology
            .members
            .iter()
            .map(|m| (m.cache_cluster_id.as_str(), m.role))
            .collect();
        assert_eq!(
            roles,
            [("orders-001", Role::Primary), ("orders-002", Role::Replica)]
        );
        let replica = &topology.members[1];
        assert_eq!(
            replica.read_endpoint,
            Some(Endpoint {
                address: "orders-002.abc.cache.amazonaws.com".into(),
                port: 6379
            })
        );
        assert_eq!(replica.availability_zone.as_deref(), Some("us-east-1a"));
    }

    #[test]
    fn transit_encryption_and_auth_token_flags_are_read_and_default_to_off() {
        let plain = sdk_group("orders", vec![node_group(vec![])]);
        let topology = topology_from_group(&plain, "orders").unwrap();
        assert!(!topology.transit_encryption_enabled);
        assert!(!topology.auth_token_enabled);

        let secured = ReplicationGroup::builder()
            .replication_group_id("orders")
            .status("available")
            .node_groups(node_group(vec![]))
            .transit_encryption_enabled(true)
            .auth_token_enabled(true)
            .build();
        let topology = topology_from_group(&secured, "orders").unwrap();
        assert!(topology.transit_encryption_enabled);
        assert!(topology.auth_token_enabled);
    }

    #[test]
    fn more_than_one_node_group_is_cluster_mode_enabled() {
        let group = sdk_group("sharded", vec![node_group(vec![]), node_group(vec![])]);
        let err = topology_from_group(&group, "sharded").unwrap_err();
        assert!(
            matches!(err, Error::ClusterModeEnabled { node_groups: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn cluster_enabled_flag_with_one_shard_is_cluster_mode_enabled() {
        let group = ReplicationGroup::builder()
            .replication_group_id("one-shard")
            .status("available")
            .cluster_enabled(true)
            .node_groups(node_group(vec![]))
            .build();
        let err = topology_from_group(&group, "one-shard").unwrap_err();
        assert!(matches!(err, Error::ClusterModeEnabled { .. }), "{err:?}");
    }

    #[test]
    fn group_without_node_group_is_a_missing_field() {
        let group = sdk_group("orders", vec![]);
        let err = topology_from_group(&group, "orders").unwrap_err();
        assert!(
            matches!(
                err,
                Error::MissingField {
                    field: "NodeGroups",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn another_group_than_asked_is_rejected() {
        let group = sdk_group("orders-2", vec![node_group(vec![])]);
        let err = topology_from_group(&group, "orders").unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidField {
                    field: "ReplicationGroupId",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn member_being_created_is_an_unavailable_replica() {
        let member = member_from_sdk(&sdk_member("orders-006", None, false), "orders").unwrap();
        assert_eq!(member.role, Role::Replica);
        assert_eq!(member.read_endpoint, None);
        assert!(!member.is_available());
    }

    #[test]
    fn member_with_endpoint_but_no_role_is_an_error() {
        let err = member_from_sdk(&sdk_member("orders-002", None, true), "orders").unwrap_err();
        assert!(
            matches!(
                err,
                Error::MissingField {
                    field: "CurrentRole",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("orders-002"), "{err}");
    }

    #[test]
    fn unknown_role_is_an_error_naming_the_value() {
        let err =
            member_from_sdk(&sdk_member("orders-002", Some("leader"), true), "orders").unwrap_err();
        assert!(err.to_string().contains("\"leader\""), "{err}");
    }

    #[test]
    fn member_without_cluster_id_is_an_error() {
        let member = NodeGroupMember::builder().current_role("replica").build();
        let err = member_from_sdk(&member, "orders").unwrap_err();
        assert!(
            matches!(
                err,
                Error::MissingField {
                    field: "NodeGroupMember.CacheClusterId",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn endpoint_port_out_of_range_is_an_error() {
        let err = endpoint_from_sdk(&sdk_endpoint("h", 70000), "ReadEndpoint", "m").unwrap_err();
        assert!(matches!(err, Error::InvalidField { .. }), "{err:?}");
        let err = endpoint_from_sdk(
            &SdkEndpoint::builder().port(6379).build(),
            "ReadEndpoint",
            "m",
        )
        .unwrap_err();
        assert!(matches!(err, Error::MissingField { .. }), "{err:?}");
    }

    #[test]
    fn cluster_and_node_status_come_from_describe_cache_clusters() {
        let cluster = CacheCluster::builder()
            .cache_cluster_id("orders-002")
            .cache_cluster_status("available")
            .cache_nodes(
                CacheNode::builder()
                    .cache_node_id("0001")
                    .cache_node_status("rebooting")
                    .build(),
            )
            .build();
        assert_eq!(
            cluster_status(&cluster).unwrap(),
            ("available".to_owned(), Some("rebooting".to_owned()))
        );
        let without_nodes = CacheCluster::builder()
            .cache_cluster_id("orders-002")
            .cache_cluster_status("modifying")
            .build();
        assert_eq!(
            cluster_status(&without_nodes).unwrap(),
            ("modifying".to_owned(), None)
        );
        let without_status = CacheCluster::builder().cache_cluster_id("x").build();
        assert!(cluster_status(&without_status).is_err());
    }

    #[test]
    fn the_notification_topic_and_its_status_come_from_describe_cache_clusters() {
        use aws_sdk_elasticache::types::NotificationConfiguration;
        let cluster = CacheCluster::builder()
            .cache_cluster_id("orders-002")
            .notification_configuration(
                NotificationConfiguration::builder()
                    .topic_arn("arn:aws:sns:us-east-1:123456789012:events")
                    .topic_status("inactive")
                    .build(),
            )
            .build();
        assert_eq!(
            notification_from_sdk(&cluster),
            Some(NotificationTopic {
                topic_arn: "arn:aws:sns:us-east-1:123456789012:events".into(),
                topic_status: "inactive".into(),
            })
        );
        let none = CacheCluster::builder()
            .cache_cluster_id("orders-002")
            .build();
        assert_eq!(notification_from_sdk(&none), None);
    }

    #[test]
    fn membership_uses_the_exact_cluster_and_its_group_field() {
        let member = CacheCluster::builder()
            .cache_cluster_id("orders-002")
            .replication_group_id("orders")
            .build();
        let standalone = CacheCluster::builder().cache_cluster_id("solo").build();
        assert_eq!(
            membership(std::slice::from_ref(&member), "orders-002"),
            ClusterMembership::Group("orders".into())
        );
        assert_eq!(
            membership(std::slice::from_ref(&standalone), "solo"),
            ClusterMembership::Standalone
        );
        assert_eq!(
            membership(&[member], "orders-00"),
            ClusterMembership::NotFound
        );
    }
}
