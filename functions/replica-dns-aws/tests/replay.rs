//! The adapters against recorded HTTP (`StaticReplayClient`): each test feeds the real
//! SDK client the responses AWS sends (wire format of each protocol: awsQuery XML for
//! ElastiCache, restXml for Route 53, awsJson for Step Functions and Secrets Manager) and checks both the
//! domain result and the requests the adapter made. Not a test of AWS itself: the local
//! stack end-to-end tests cover that.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use aws_smithy_runtime::client::http::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use replica_dns_aws::elasticache::ElastiCacheTopology;
use replica_dns_aws::route53::Route53Records;
use replica_dns_aws::secretsmanager::SecretsManagerSecrets;
use replica_dns_aws::sfn::SfnExecutions;
use replica_dns_aws::{
    ChangeStatus, ClusterMembership, ErrorKind, ExecutionStarter, MemberStatus, RecordStore,
    SecretSource, StartOutcome, TopologySource,
};
use replica_dns_core::plan::{Change, ChangeAction};
use replica_dns_core::records::{RecordSet, RecordType};
use replica_dns_core::topology::Role;

fn event(method: &str, uri: &str, body: &str, status: u16, response: &str) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .method(method)
            .uri(uri)
            .body(SdkBody::from(body))
            .unwrap(),
        http::Response::builder()
            .status(status)
            .body(SdkBody::from(response))
            .unwrap(),
    )
}

/// An ElastiCache (awsQuery) exchange: every action is a POST of a form to [`EC`].
fn ec(request: &str, status: u16, response: &str) -> ReplayEvent {
    event("POST", EC, request, status, response)
}

/// DescribeReplicationGroups for one group, as the adapter asks it.
fn group_event(group_id: &str, status: u16, response: &str) -> ReplayEvent {
    let request = format!(
        "Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId={group_id}"
    );
    ec(&request, status, response)
}

/// DescribeCacheClusters (with node info) for one member, as the adapter asks it.
fn cluster_event(cache_cluster_id: &str, status: u16, response: &str) -> ReplayEvent {
    ec(
        &describe_cluster_request(cache_cluster_id),
        status,
        response,
    )
}

/// The DescribeCacheClusters listing (every cluster of the account, node info, pages of
/// 100) as the adapter asks it, from `marker` on, answered with `clusters` (id, group,
/// cluster status, node status) and the next page's marker.
fn listing_event(
    marker: Option<&str>,
    clusters: &[(&str, Option<&str>, &str, &str)],
    next: Option<&str>,
) -> ReplayEvent {
    let request = match marker {
        None => "Action=DescribeCacheClusters&Version=2015-02-02&MaxRecords=100&ShowCacheNodeInfo=true".to_string(),
        Some(m) => format!("Action=DescribeCacheClusters&Version=2015-02-02&MaxRecords=100&Marker={m}&ShowCacheNodeInfo=true"),
    };
    let items: String = clusters
        .iter()
        .map(|(id, group, cluster_status, node_status)| {
            let group = group
                .map(|g| format!("<ReplicationGroupId>{g}</ReplicationGroupId>"))
                .unwrap_or_default();
            format!(
                "<CacheCluster><CacheClusterId>{id}</CacheClusterId>{group}\
                 <CacheClusterStatus>{cluster_status}</CacheClusterStatus><Engine>valkey</Engine>\
                 <CacheNodes><CacheNode><CacheNodeId>0001</CacheNodeId>\
                 <CacheNodeStatus>{node_status}</CacheNodeStatus></CacheNode></CacheNodes></CacheCluster>"
            )
        })
        .collect();
    let next = next
        .map(|m| format!("<Marker>{m}</Marker>"))
        .unwrap_or_default();
    let body = format!(
        r#"<DescribeCacheClustersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <DescribeCacheClustersResult>{next}<CacheClusters>{items}</CacheClusters></DescribeCacheClustersResult>
  <ResponseMetadata><RequestId>r-5</RequestId></ResponseMetadata>
</DescribeCacheClustersResponse>"#
    );
    ec(&request, 200, &body)
}

/// The listing of [`describe_groups_body`]'s three members, all available.
fn members_listing() -> ReplayEvent {
    listing_event(
        None,
        &[
            ("orders-001", Some("orders"), "available", "available"),
            ("orders-002", Some("orders"), "available", "available"),
            ("orders-003", Some("orders"), "available", "available"),
        ],
        None,
    )
}

/// A member's DescribeCacheClusters answered with its cluster and node status.
fn member_event(cache_cluster_id: &str, cluster_status: &str, node_status: &str) -> ReplayEvent {
    let body = describe_cluster_body(cache_cluster_id, cluster_status, node_status);
    cluster_event(cache_cluster_id, 200, &body)
}

/// A Route 53 (restXml) exchange on a path below [`R53`].
fn r53(method: &str, path: &str, request: &str, status: u16, response: &str) -> ReplayEvent {
    event(method, &format!("{R53}{path}"), request, status, response)
}

/// An SDK client answered by `$replay`, with test credentials in us-east-1. Without a
/// retry configuration the SDK does not retry: one response per request, since its
/// own retries would consume extra ones.
macro_rules! client {
    ($sdk:ident, $replay:expr) => {
        client!($sdk, $replay, $sdk::config::retry::RetryConfig::disabled())
    };
    ($sdk:ident, $replay:expr, $retry:expr) => {{
        let config = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .region($sdk::config::Region::from_static("us-east-1"))
            .credentials_provider($sdk::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .retry_config($retry)
            .http_client($replay.clone())
            .build();
        $sdk::Client::from_conf(config)
    }};
}

// ---------------------------------------------------------------- ElastiCache

const EC: &str = "https://elasticache.us-east-1.amazonaws.com/";

fn describe_groups_body() -> &'static str {
    r#"<DescribeReplicationGroupsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <DescribeReplicationGroupsResult>
    <ReplicationGroups>
      <ReplicationGroup>
        <ReplicationGroupId>orders</ReplicationGroupId>
        <Status>available</Status>
        <ClusterEnabled>false</ClusterEnabled>
        <MemberClusters>
          <ClusterId>orders-001</ClusterId>
          <ClusterId>orders-002</ClusterId>
          <ClusterId>orders-003</ClusterId>
        </MemberClusters>
        <NodeGroups>
          <NodeGroup>
            <NodeGroupId>0001</NodeGroupId>
            <Status>available</Status>
            <PrimaryEndpoint><Address>orders.abc.ng.0001.use1.cache.amazonaws.com</Address><Port>6379</Port></PrimaryEndpoint>
            <ReaderEndpoint><Address>orders-ro.abc.ng.0001.use1.cache.amazonaws.com</Address><Port>6379</Port></ReaderEndpoint>
            <NodeGroupMembers>
              <NodeGroupMember>
                <CacheClusterId>orders-001</CacheClusterId>
                <CacheNodeId>0001</CacheNodeId>
                <ReadEndpoint><Address>orders-001.abc.0001.use1.cache.amazonaws.com</Address><Port>6379</Port></ReadEndpoint>
                <PreferredAvailabilityZone>us-east-1a</PreferredAvailabilityZone>
                <CurrentRole>primary</CurrentRole>
              </NodeGroupMember>
              <NodeGroupMember>
                <CacheClusterId>orders-002</CacheClusterId>
                <CacheNodeId>0001</CacheNodeId>
                <ReadEndpoint><Address>orders-002.abc.0001.use1.cache.amazonaws.com</Address><Port>6379</Port></ReadEndpoint>
                <PreferredAvailabilityZone>us-east-1b</PreferredAvailabilityZone>
                <CurrentRole>replica</CurrentRole>
              </NodeGroupMember>
              <NodeGroupMember>
                <CacheClusterId>orders-003</CacheClusterId>
                <CacheNodeId>0001</CacheNodeId>
                <ReadEndpoint><Address>orders-003.abc.0001.use1.cache.amazonaws.com</Address><Port>6379</Port></ReadEndpoint>
                <PreferredAvailabilityZone>us-east-1c</PreferredAvailabilityZone>
                <CurrentRole>replica</CurrentRole>
              </NodeGroupMember>
            </NodeGroupMembers>
          </NodeGroup>
        </NodeGroups>
      </ReplicationGroup>
    </ReplicationGroups>
  </DescribeReplicationGroupsResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</DescribeReplicationGroupsResponse>"#
}

fn describe_cluster_body(id: &str, cluster_status: &str, node_status: &str) -> String {
    format!(
        r#"<DescribeCacheClustersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <DescribeCacheClustersResult>
    <CacheClusters>
      <CacheCluster>
        <CacheClusterId>{id}</CacheClusterId>
        <ReplicationGroupId>orders</ReplicationGroupId>
        <CacheClusterStatus>{cluster_status}</CacheClusterStatus>
        <Engine>valkey</Engine>
        <CacheNodes>
          <CacheNode>
            <CacheNodeId>0001</CacheNodeId>
            <CacheNodeStatus>{node_status}</CacheNodeStatus>
          </CacheNode>
        </CacheNodes>
      </CacheCluster>
    </CacheClusters>
  </DescribeCacheClustersResult>
  <ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata>
</DescribeCacheClustersResponse>"#
    )
}

fn ec_error(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>r-3</RequestId>
</ErrorResponse>"#
    )
}

fn describe_cluster_request(id: &str) -> String {
    format!("Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId={id}&ShowCacheNodeInfo=true")
}

#[tokio::test]
async fn describe_group_builds_topology_with_member_statuses() {
    // Issue 10 item 1: two requests whatever the group's size; the listing also holds
    // another group's member and a standalone cluster, which are not this group's.
    let replay = StaticReplayClient::new(vec![
        group_event("orders", 200, describe_groups_body()),
        listing_event(
            None,
            &[
                ("billing-001", Some("billing"), "modifying", "rebooting"),
                ("orders-001", Some("orders"), "available", "available"),
                ("orders-002", Some("orders"), "available", "available"),
                // Being replaced: the cluster reads available, the node does not.
                ("orders-003", Some("orders"), "available", "creating"),
                ("solo", None, "available", "available"),
            ],
            None,
        ),
    ]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    let topology = source.describe_group("orders").await.unwrap();

    replay.relaxed_requests_match();
    assert_eq!(replay.actual_requests().count(), 2);
    assert_eq!(topology.replication_group_id, "orders");
    assert_eq!(
        topology
            .primary_endpoint
            .as_ref()
            .map(|e| e.address.as_str()),
        Some("orders.abc.ng.0001.use1.cache.amazonaws.com")
    );
    let members: Vec<_> = topology
        .members
        .iter()
        .map(|m| {
            (
                m.cache_cluster_id.as_str(),
                m.role,
                m.availability_zone.as_deref(),
                m.cluster_status.as_str(),
                m.node_status.as_deref(),
                m.is_available(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            (
                "orders-001",
                Role::Primary,
                Some("us-east-1a"),
                "available",
                Some("available"),
                true
            ),
            (
                "orders-002",
                Role::Replica,
                Some("us-east-1b"),
                "available",
                Some("available"),
                true
            ),
            (
                "orders-003",
                Role::Replica,
                Some("us-east-1c"),
                "available",
                Some("creating"),
                false
            ),
        ]
    );
    assert_eq!(
        topology.members[1]
            .read_endpoint
            .as_ref()
            .map(|e| (e.address.as_str(), e.port)),
        Some(("orders-002.abc.0001.use1.cache.amazonaws.com", 6379))
    );
}

#[tokio::test]
async fn describe_group_reads_transit_encryption_and_auth_token_flags() {
    // As DescribeReplicationGroups reports a group created with
    // TransitEncryptionEnabled=true and an AuthToken.
    let secured = describe_groups_body().replace(
        "<ClusterEnabled>false</ClusterEnabled>",
        "<ClusterEnabled>false</ClusterEnabled>\n        \
         <AuthTokenEnabled>true</AuthTokenEnabled>\n        \
         <AuthTokenLastModifiedDate>2026-11-20T10:00:00.000Z</AuthTokenLastModifiedDate>\n        \
         <TransitEncryptionEnabled>true</TransitEncryptionEnabled>\n        \
         <TransitEncryptionMode>required</TransitEncryptionMode>\n        \
         <AtRestEncryptionEnabled>true</AtRestEncryptionEnabled>",
    );
    let replay = StaticReplayClient::new(vec![
        group_event("orders", 200, &secured),
        members_listing(),
        // The same group without the elements: both flags read as off.
        group_event("orders", 200, describe_groups_body()),
        members_listing(),
    ]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    let topology = source.describe_group("orders").await.unwrap();
    assert!(topology.transit_encryption_enabled);
    assert!(topology.auth_token_enabled);

    let topology = source.describe_group("orders").await.unwrap();
    replay.relaxed_requests_match();
    assert!(!topology.transit_encryption_enabled);
    assert!(!topology.auth_token_enabled);
}

#[tokio::test]
async fn describe_group_follows_the_listing_marker() {
    let replay = StaticReplayClient::new(vec![
        group_event("orders", 200, describe_groups_body()),
        listing_event(
            None,
            &[
                ("billing-001", Some("billing"), "available", "available"),
                ("orders-001", Some("orders"), "available", "available"),
            ],
            Some("orders-001"),
        ),
        listing_event(
            Some("orders-001"),
            &[
                ("orders-002", Some("orders"), "available", "available"),
                ("orders-003", Some("orders"), "modifying", "rebooting"),
            ],
            None,
        ),
    ]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    let topology = source.describe_group("orders").await.unwrap();

    replay.relaxed_requests_match();
    assert_eq!(replay.actual_requests().count(), 3);
    let statuses: Vec<_> = topology
        .members
        .iter()
        .map(|m| (m.cache_cluster_id.as_str(), m.cluster_status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("orders-001", "available"),
            ("orders-002", "available"),
            ("orders-003", "modifying")
        ]
    );
}

#[tokio::test]
async fn member_whose_cluster_is_gone_is_left_out() {
    // The listing lacks orders-002: asked for by id, ElastiCache says it is gone.
    let replay = StaticReplayClient::new(vec![
        group_event("orders", 200, describe_groups_body()),
        listing_event(
            None,
            &[
                ("orders-001", Some("orders"), "available", "available"),
                ("orders-003", Some("orders"), "available", "available"),
            ],
            None,
        ),
        cluster_event(
            "orders-002",
            404,
            &ec_error("CacheClusterNotFound", "CacheCluster not found: orders-002"),
        ),
    ]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    let topology = source.describe_group("orders").await.unwrap();

    replay.relaxed_requests_match();
    let ids: Vec<_> = topology
        .members
        .iter()
        .map(|m| m.cache_cluster_id.as_str())
        .collect();
    assert_eq!(ids, ["orders-001", "orders-003"]);
}

#[tokio::test]
async fn missing_group_is_not_found() {
    let replay = StaticReplayClient::new(vec![group_event(
        "nope",
        404,
        &ec_error(
            "ReplicationGroupNotFoundFault",
            "ReplicationGroup nope not found.",
        ),
    )]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    let err = source.describe_group("nope").await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.code(), Some("ReplicationGroupNotFoundFault"));
}

#[tokio::test]
async fn member_status_asks_for_that_one_cluster() {
    let replay = StaticReplayClient::new(vec![
        member_event("orders-003", "available", "creating"),
        member_event("orders-002", "available", "available"),
        cluster_event(
            "orders-004",
            404,
            &ec_error("CacheClusterNotFound", "CacheCluster not found: orders-004"),
        ),
    ]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    let replacing = source.member_status("orders-003").await.unwrap();
    assert_eq!(
        replacing,
        MemberStatus::Found {
            cluster_status: "available".into(),
            node_status: Some("creating".into())
        }
    );
    assert!(!replacing.is_available());
    assert!(source
        .member_status("orders-002")
        .await
        .unwrap()
        .is_available());
    assert_eq!(
        source.member_status("orders-004").await.unwrap(),
        MemberStatus::NotFound
    );
    replay.relaxed_requests_match();
}

#[tokio::test]
async fn group_of_cluster_reads_the_replication_group_field() {
    let replay = StaticReplayClient::new(vec![
        ec(
            "Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId=orders-002",
            200,
            &describe_cluster_body("orders-002", "available", "available"),
        ),
        ec(
            "Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId=gone-001",
            404,
            &ec_error("CacheClusterNotFound", "CacheCluster not found: gone-001"),
        ),
    ]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    assert_eq!(
        source.group_of_cluster("orders-002").await.unwrap(),
        ClusterMembership::Group("orders".into())
    );
    assert_eq!(
        source.group_of_cluster("gone-001").await.unwrap(),
        ClusterMembership::NotFound
    );
    replay.relaxed_requests_match();
}

// ---------------------------------------------------------------- Route 53

const R53: &str = "https://route53.amazonaws.com/2013-04-01";

fn rrset(name: &str, rr_type: &str, value: &str) -> String {
    format!(
        "<ResourceRecordSet><Name>{name}</Name><Type>{rr_type}</Type><TTL>10</TTL>\
         <ResourceRecords><ResourceRecord><Value>{value}</Value></ResourceRecord></ResourceRecords>\
         </ResourceRecordSet>"
    )
}

fn list_page(records: &[String], next: Option<(&str, &str)>) -> String {
    let tail = match next {
        Some((name, rr_type)) => format!(
            "<IsTruncated>true</IsTruncated><NextRecordName>{name}</NextRecordName>\
             <NextRecordType>{rr_type}</NextRecordType>"
        ),
        None => "<IsTruncated>false</IsTruncated>".to_owned(),
    };
    format!(
        r#"<?xml version="1.0"?>
<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
<ResourceRecordSets>{}</ResourceRecordSets>{tail}<MaxItems>300</MaxItems>
</ListResourceRecordSetsResponse>"#,
        records.concat()
    )
}

fn r53_error(code: &str, message: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-9</RequestId></ErrorResponse>"#
    )
}

#[tokio::test]
async fn listing_reads_every_page_and_decodes_names() {
    let replay = StaticReplayClient::new(vec![
        r53(
            "GET",
            "/hostedzone/Z123/rrset",
            "",
            200,
            &list_page(
                &[
                    rrset("cache.internal.", "NS", "ns-1.awsdns-00.com."),
                    rrset("\\052.cache.internal.", "CNAME", "catch-all.example.com"),
                ],
                Some(("replica1.cache.internal.", "CNAME")),
            ),
        ),
        r53(
            "GET",
            "/hostedzone/Z123/rrset?name=replica1.cache.internal.&type=CNAME",
            "",
            200,
            &list_page(
                &[
                    rrset(
                        "replica1.cache.internal.",
                        "CNAME",
                        "orders-002.abc.cache.amazonaws.com",
                    ),
                    rrset(
                        "_rdns.replica1.cache.internal.",
                        "TXT",
                        "\"replica-dns owner=o group=orders slot=1 home=orders-002\"",
                    ),
                ],
                None,
            ),
        ),
    ]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));

    let records = store.list_records("/hostedzone/Z123", None).await.unwrap();

    replay.relaxed_requests_match();
    let summary: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.record_type.as_str(),
                r.values[0].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("cache.internal.", "NS", "ns-1.awsdns-00.com."),
            ("*.cache.internal.", "CNAME", "catch-all.example.com"),
            (
                "replica1.cache.internal.",
                "CNAME",
                "orders-002.abc.cache.amazonaws.com"
            ),
            (
                "_rdns.replica1.cache.internal.",
                "TXT",
                "\"replica-dns owner=o group=orders slot=1 home=orders-002\""
            ),
        ]
    );
}

#[tokio::test]
async fn subtree_listing_starts_at_the_apex_and_stops_after_it() {
    let replay = StaticReplayClient::new(vec![r53(
        "GET",
        "/hostedzone/Z123/rrset?name=orders.cache.internal.",
        "",
        200,
        &list_page(
            &[
                rrset("replica1.orders.cache.internal.", "CNAME", "a."),
                rrset("replica2.orders.cache.internal.", "CNAME", "b."),
                // Sorts after the subtree: the listing ends here although the page
                // says more follow.
                rrset("payments.cache.internal.", "CNAME", "c."),
            ],
            Some(("x.payments.cache.internal.", "CNAME")),
        ),
    )]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));

    let records = store
        .list_records("Z123", Some("Orders.Cache.Internal"))
        .await
        .unwrap();

    replay.relaxed_requests_match();
    let names: Vec<_> = records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "replica1.orders.cache.internal.",
            "replica2.orders.cache.internal."
        ]
    );
}

fn cname(name: &str, value: &str) -> RecordSet {
    RecordSet {
        name: name.into(),
        record_type: RecordType::Cname,
        ttl: Some(10),
        values: vec![value.into()],
        set_identifier: None,
        weight: None,
    }
}

fn swap() -> Vec<Change> {
    vec![
        Change {
            action: ChangeAction::Delete,
            record: cname(
                "replica1.cache.internal.",
                "orders-002.abc.cache.amazonaws.com",
            ),
        },
        Change {
            action: ChangeAction::Create,
            record: cname(
                "replica1.cache.internal.",
                "orders-003.abc.cache.amazonaws.com",
            ),
        },
    ]
}

const SWAP_REQUEST: &str = r#"<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Comment>replica-dns: orders</Comment><Changes><Change><Action>DELETE</Action><ResourceRecordSet><Name>replica1.cache.internal.</Name><Type>CNAME</Type><TTL>10</TTL><ResourceRecords><ResourceRecord><Value>orders-002.abc.cache.amazonaws.com</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change><Change><Action>CREATE</Action><ResourceRecordSet><Name>replica1.cache.internal.</Name><Type>CNAME</Type><TTL>10</TTL><ResourceRecords><ResourceRecord><Value>orders-003.abc.cache.amazonaws.com</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#;

/// Submits [`swap`] to zone Z123 (the request [`SWAP_REQUEST`]) against Route 53
/// answering `status`, `response`.
async fn submit_swap(
    status: u16,
    response: &str,
) -> (StaticReplayClient, Result<String, replica_dns_aws::Error>) {
    let replay = StaticReplayClient::new(vec![r53(
        "POST",
        "/hostedzone/Z123/rrset",
        SWAP_REQUEST,
        status,
        response,
    )]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));
    let result = store
        .change_batch("Z123", &swap(), "replica-dns: orders")
        .await;
    (replay, result)
}

#[tokio::test]
async fn change_batch_sends_one_request_and_returns_the_bare_change_id() {
    let (replay, result) = submit_swap(
        200,
        r#"<?xml version="1.0"?>
<ChangeResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C0123ABC</Id><Status>PENDING</Status><SubmittedAt>2026-11-27T02:00:00.000Z</SubmittedAt><Comment>replica-dns: orders</Comment></ChangeInfo></ChangeResourceRecordSetsResponse>"#,
    )
    .await;
    let id = result.unwrap();

    replay.relaxed_requests_match();
    assert_eq!(id, "C0123ABC");
}

#[tokio::test]
async fn invalid_change_batch_is_a_conflict() {
    let (_, result) = submit_swap(
        400,
        &r53_error(
            "InvalidChangeBatch",
            "[Tried to delete resource record set [name='replica1.cache.internal.', type='CNAME'] but the values provided do not match the current values]",
        ),
    )
    .await;
    let err = result.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(
        err.to_string().contains("do not match the current values"),
        "{err}"
    );
}

#[tokio::test]
async fn throttling_is_transient() {
    let replay = StaticReplayClient::new(vec![r53(
        "GET",
        "/hostedzone/Z123/rrset",
        "",
        400,
        &r53_error("Throttling", "Rate exceeded"),
    )]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));

    let err = store.list_records("Z123", None).await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
    assert_eq!(err.code(), Some("Throttling"));
}

#[tokio::test]
async fn prior_request_not_complete_is_transient() {
    let (_, result) = submit_swap(
        400,
        &r53_error(
            "PriorRequestNotComplete",
            "The request was rejected because Route 53 was still processing a prior request.",
        ),
    )
    .await;
    let err = result.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
}

#[tokio::test]
async fn missing_zone_is_not_found() {
    let replay = StaticReplayClient::new(vec![r53(
        "GET",
        "/hostedzone/ZNOPE/rrset",
        "",
        404,
        &r53_error("NoSuchHostedZone", "No hosted zone found with ID: ZNOPE"),
    )]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));

    let err = store.list_records("ZNOPE", None).await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

/// A weighted record set as Route 53 lists it: SetIdentifier and Weight between Type and
/// TTL (the order of the ResourceRecordSet shape).
fn weighted(name: &str, rr_type: &str, set: &str, value: &str) -> String {
    format!(
        "<ResourceRecordSet><Name>{name}</Name><Type>{rr_type}</Type>\
         <SetIdentifier>{set}</SetIdentifier><Weight>1</Weight><TTL>10</TTL>\
         <ResourceRecords><ResourceRecord><Value>{value}</Value></ResourceRecord></ResourceRecords>\
         </ResourceRecordSet>"
    )
}

const POOL: &str = "pool.orders.cache.internal.";
const POOL_TXT: &str = "_rdns.pool.orders.cache.internal.";

#[tokio::test]
async fn a_page_ending_inside_a_weighted_set_continues_at_its_next_set_identifier() {
    // Issue 12 item 1: Route 53's NextRecordIdentifier is "the value of SetIdentifier for
    // the next resource record set that has the current DNS name and type", to be sent
    // back as StartRecordIdentifier (ListResourceRecordSets API reference). Without it
    // the second page would start again at the pool's first set.
    let truncated = list_page(
        &[weighted(POOL, "CNAME", "orders-002", "orders-002.abc.")],
        Some((POOL, "CNAME")),
    )
    .replace(
        "<NextRecordType>CNAME</NextRecordType>",
        "<NextRecordType>CNAME</NextRecordType><NextRecordIdentifier>orders-003</NextRecordIdentifier>",
    );
    let replay = StaticReplayClient::new(vec![
        r53(
            "GET",
            "/hostedzone/Z123/rrset?name=pool.orders.cache.internal.",
            "",
            200,
            &truncated,
        ),
        r53(
            "GET",
            "/hostedzone/Z123/rrset?name=pool.orders.cache.internal.&type=CNAME&identifier=orders-003",
            "",
            200,
            &list_page(
                &[
                    weighted(POOL, "CNAME", "orders-003", "orders-003.abc."),
                    weighted(POOL_TXT, "TXT", "orders-002", "\"pool=orders-002\""),
                    weighted(POOL_TXT, "TXT", "orders-003", "\"pool=orders-003\""),
                ],
                None,
            ),
        ),
    ]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));

    let records = store.list_records("Z123", Some(POOL)).await.unwrap();

    replay.relaxed_requests_match();
    let summary: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.record_type.as_str(),
                r.set_identifier.as_deref(),
                r.weight,
                r.values[0].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                POOL,
                "CNAME",
                Some("orders-002"),
                Some(1),
                "orders-002.abc."
            ),
            (
                POOL,
                "CNAME",
                Some("orders-003"),
                Some(1),
                "orders-003.abc."
            ),
            (
                POOL_TXT,
                "TXT",
                Some("orders-002"),
                Some(1),
                "\"pool=orders-002\""
            ),
            (
                POOL_TXT,
                "TXT",
                Some("orders-003"),
                Some(1),
                "\"pool=orders-003\""
            ),
        ]
    );
}

#[tokio::test]
async fn a_weighted_change_sends_set_identifier_and_weight() {
    // The pool's compare-and-swap: Route 53 finds a weighted set by name, type and
    // SetIdentifier, and an exact DELETE repeats its Weight.
    let pool = |set: &str, value: &str| RecordSet {
        set_identifier: Some(set.into()),
        weight: Some(1),
        ..cname(POOL, value)
    };
    let changes = [
        Change {
            action: ChangeAction::Delete,
            record: pool("orders-002", "orders-002.abc."),
        },
        Change {
            action: ChangeAction::Create,
            record: pool("orders-003", "orders-003.abc."),
        },
    ];
    let request = format!(
        r#"<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Comment>replica-dns: orders</Comment><Changes><Change><Action>DELETE</Action><ResourceRecordSet><Name>{POOL}</Name><Type>CNAME</Type><SetIdentifier>orders-002</SetIdentifier><Weight>1</Weight><TTL>10</TTL><ResourceRecords><ResourceRecord><Value>orders-002.abc.</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change><Change><Action>CREATE</Action><ResourceRecordSet><Name>{POOL}</Name><Type>CNAME</Type><SetIdentifier>orders-003</SetIdentifier><Weight>1</Weight><TTL>10</TTL><ResourceRecords><ResourceRecord><Value>orders-003.abc.</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#
    );
    let replay = StaticReplayClient::new(vec![r53(
        "POST",
        "/hostedzone/Z123/rrset",
        &request,
        200,
        r#"<?xml version="1.0"?>
<ChangeResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C0W</Id><Status>PENDING</Status><SubmittedAt>2026-11-27T02:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>"#,
    )]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));

    let id = store
        .change_batch("Z123", &changes, "replica-dns: orders")
        .await
        .unwrap();

    replay.relaxed_requests_match();
    assert_eq!(id, "C0W");
}

#[tokio::test]
async fn change_status_reads_pending_then_insync() {
    let body = |status: &str| {
        format!(
            r#"<?xml version="1.0"?>
<GetChangeResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C0123ABC</Id><Status>{status}</Status><SubmittedAt>2026-11-27T02:00:00.000Z</SubmittedAt></ChangeInfo></GetChangeResponse>"#
        )
    };
    let replay = StaticReplayClient::new(vec![
        r53("GET", "/change/C0123ABC", "", 200, &body("PENDING")),
        r53("GET", "/change/C0123ABC", "", 200, &body("INSYNC")),
    ]);
    let store = Route53Records::new(client!(aws_sdk_route53, replay));

    assert_eq!(
        store.change_status("/change/C0123ABC").await.unwrap(),
        ChangeStatus::Pending
    );
    assert_eq!(
        store.change_status("C0123ABC").await.unwrap(),
        ChangeStatus::InSync
    );
    replay.relaxed_requests_match();
}

// ---------------------------------------------------------------- Step Functions

const SFN: &str = "https://states.us-east-1.amazonaws.com/";
const SM_ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:replica-dns";
const MESSAGE_ID: &str = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";

fn start_request() -> String {
    format!(r#"{{"stateMachineArn":"{SM_ARN}","name":"{MESSAGE_ID}","input":"{{\"all\":true}}"}}"#)
}

/// Starts execution [`MESSAGE_ID`] of [`SM_ARN`] with input `{"all":true}` (the
/// request [`start_request`]) against Step Functions answering `status`, `response`.
async fn start_all(
    status: u16,
    response: &str,
) -> (
    StaticReplayClient,
    Result<StartOutcome, replica_dns_aws::Error>,
) {
    let replay =
        StaticReplayClient::new(vec![event("POST", SFN, &start_request(), status, response)]);
    let starter = SfnExecutions::new(client!(aws_sdk_sfn, replay));
    let result = starter
        .start_execution(SM_ARN, MESSAGE_ID, r#"{"all":true}"#)
        .await;
    (replay, result)
}

#[tokio::test]
async fn start_execution_returns_the_new_execution() {
    let arn = format!("arn:aws:states:us-east-1:123456789012:execution:replica-dns:{MESSAGE_ID}");
    let (replay, result) = start_all(
        200,
        &format!(r#"{{"executionArn":"{arn}","startDate":1.795E9}}"#),
    )
    .await;
    let outcome = result.unwrap();

    replay.relaxed_requests_match();
    assert_eq!(outcome, StartOutcome::Started { execution_arn: arn });
}

#[tokio::test]
async fn execution_already_exists_is_an_outcome_not_an_error() {
    let (_, result) = start_all(
        400,
        &format!(
            r#"{{"__type":"com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists","message":"Execution Already Exists: 'arn:aws:states:us-east-1:123456789012:execution:replica-dns:{MESSAGE_ID}'"}}"#
        ),
    )
    .await;
    let outcome = result.unwrap();

    match outcome {
        StartOutcome::AlreadyRunningOrDone {
            execution_arn,
            message,
        } => {
            assert_eq!(
                execution_arn.as_deref(),
                Some("arn:aws:states:us-east-1:123456789012:execution:replica-dns:95df01b4-ee98-5cb9-9903-4c221d41eb5e")
            );
            assert!(message.contains("Execution Already Exists"), "{message}");
        }
        other => panic!("expected AlreadyRunningOrDone, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_state_machine_is_not_found() {
    let (_, result) = start_all(
        400,
        r#"{"__type":"com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist","message":"State Machine Does Not Exist"}"#,
    )
    .await;
    let err = result.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn access_denied_is_fatal() {
    let (_, result) = start_all(
        400,
        r#"{"__type":"AccessDeniedException","message":"not authorized to perform: states:StartExecution"}"#,
    )
    .await;
    let err = result.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Fatal, "{err}");
}

#[tokio::test]
async fn sdk_retries_throttling_before_reporting_success() {
    // Retries on: one Throttling answer, then success. Guards the claim in ErrorKind
    // that the SDK retries throttling before the state machine ever sees it.
    let replay = StaticReplayClient::new(vec![
        r53(
            "GET",
            "/hostedzone/Z123/rrset",
            "",
            400,
            &r53_error("Throttling", "Rate exceeded"),
        ),
        r53(
            "GET",
            "/hostedzone/Z123/rrset",
            "",
            200,
            &list_page(&[rrset("a.cache.internal.", "CNAME", "x.")], None),
        ),
    ]);
    let retry = aws_sdk_route53::config::retry::RetryConfig::standard()
        .with_initial_backoff(std::time::Duration::from_millis(1))
        .with_max_backoff(std::time::Duration::from_millis(5));
    let store = Route53Records::new(client!(aws_sdk_route53, replay, retry));

    let records = store.list_records("Z123", None).await.unwrap();

    assert_eq!(records.len(), 1);
    replay.relaxed_requests_match();
}

#[tokio::test]
async fn a_change_batch_is_sent_once_even_when_the_client_retries_other_calls() {
    // One Throttling answer and nothing else: with the SDK's standard retries on, the
    // batch is still sent exactly once and the throttling reaches the caller (the state
    // machine retries apply, counting attempts for its lost-response check).
    let replay = StaticReplayClient::new(vec![r53(
        "POST",
        "/hostedzone/Z123/rrset",
        "",
        400,
        &r53_error("Throttling", "Rate exceeded"),
    )]);
    let retry = aws_sdk_route53::config::retry::RetryConfig::standard()
        .with_initial_backoff(std::time::Duration::from_millis(1))
        .with_max_backoff(std::time::Duration::from_millis(5));
    let store = Route53Records::new(client!(aws_sdk_route53, replay, retry));
    let change = replica_dns_core::plan::Change {
        action: replica_dns_core::plan::ChangeAction::Create,
        record: replica_dns_core::records::RecordSet::cname("a.cache.internal.", 10, "x."),
    };
    let err = store
        .change_batch("Z123", &[change], "test")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), replica_dns_aws::ErrorKind::Transient);
    assert_eq!(replay.actual_requests().count(), 1);
}

#[tokio::test]
async fn empty_cluster_answer_is_an_error_not_a_removed_member() {
    let empty = r#"<DescribeCacheClustersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <DescribeCacheClustersResult><CacheClusters></CacheClusters></DescribeCacheClustersResult>
  <ResponseMetadata><RequestId>r-4</RequestId></ResponseMetadata>
</DescribeCacheClustersResponse>"#;
    // Neither the listing nor the by-id answer has orders-001.
    let replay = StaticReplayClient::new(vec![
        group_event("orders", 200, describe_groups_body()),
        listing_event(
            None,
            &[
                ("orders-002", Some("orders"), "available", "available"),
                ("orders-003", Some("orders"), "available", "available"),
            ],
            None,
        ),
        cluster_event("orders-001", 200, empty),
    ]);
    let source = ElastiCacheTopology::new(client!(aws_sdk_elasticache, replay));

    let err = source.describe_group("orders").await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Fatal, "{err}");
    assert!(err.to_string().contains("orders-001"), "{err}");
}

// ---------------------------------------------------------------- Secrets Manager

const SM: &str = "https://secretsmanager.us-east-1.amazonaws.com/";
const SECRET_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3";
const TOKEN: &str = "Orders-Auth-Token-0123456789";

/// GetSecretValue of [`SECRET_ARN`] answered with `status`, `response`.
async fn get_secret(
    status: u16,
    response: &str,
) -> (StaticReplayClient, Result<String, replica_dns_aws::Error>) {
    let request = format!(r#"{{"SecretId":"{SECRET_ARN}"}}"#);
    let replay = StaticReplayClient::new(vec![event("POST", SM, &request, status, response)]);
    let secrets = SecretsManagerSecrets::new(client!(aws_sdk_secretsmanager, replay));
    let result = secrets
        .secret_string(SECRET_ARN)
        .await
        .map(|text| text.expose().to_owned());
    (replay, result)
}

#[tokio::test]
async fn get_secret_value_returns_the_secret_string_of_the_current_version() {
    let (replay, result) = get_secret(
        200,
        &format!(
            r#"{{"ARN":"{SECRET_ARN}","Name":"orders-auth","VersionId":"v-1","SecretString":"{TOKEN}","VersionStages":["AWSCURRENT"],"CreatedDate":1.795E9}}"#
        ),
    )
    .await;

    replay.relaxed_requests_match();
    assert_eq!(result.unwrap(), TOKEN);
}

#[tokio::test]
async fn a_binary_only_secret_is_a_fatal_missing_field_naming_the_secret() {
    let (_, result) = get_secret(
        200,
        &format!(r#"{{"ARN":"{SECRET_ARN}","Name":"orders-auth","VersionId":"v-1","SecretBinary":"AAEC","VersionStages":["AWSCURRENT"]}}"#),
    )
    .await;
    let err = result.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Fatal, "{err}");
    assert!(err.to_string().contains(SECRET_ARN), "{err}");
    assert!(err.to_string().contains("SecretString"), "{err}");
}

#[tokio::test]
async fn secrets_manager_errors_are_classified_and_never_carry_the_value() {
    let cases = [
        (400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.", ErrorKind::Fatal),
        (400, "AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/verify is not authorized to perform: secretsmanager:GetSecretValue", ErrorKind::Fatal),
        (400, "DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key.", ErrorKind::Fatal),
        (400, "InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.", ErrorKind::Fatal),
        (400, "ThrottlingException", "Rate exceeded", ErrorKind::Transient),
        (500, "InternalServiceError", "An error occurred on the server side.", ErrorKind::Transient),
    ];
    for (status, code, message, expected) in cases {
        let (_, result) = get_secret(
            status,
            &format!(r#"{{"__type":"{code}","Message":"{message}"}}"#),
        )
        .await;
        let err = result.unwrap_err();
        assert_eq!(err.kind(), expected, "{code}: {err}");
        assert_eq!(err.code(), Some(code));
        assert!(err.to_string().contains("GetSecretValue"), "{err}");
        assert!(!format!("{err} {err:?}").contains(TOKEN));
    }
}
