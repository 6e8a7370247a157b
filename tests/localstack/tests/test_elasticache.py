"""ElastiCache (cluster mode disabled) as replica-dns sees it on AWS, reproduced by the
emulator's elasticache_ext with real redis-server nodes."""

from __future__ import annotations

import json
import socket

import pytest
from botocore.exceptions import ClientError
from dnslib import QTYPE, DNSRecord

from conftest import unique, wait_until


def redis(port: int, *args: str) -> bytes:
    payload = f"*{len(args)}\r\n".encode()
    for a in args:
        payload += f"${len(a.encode())}\r\n{a}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(payload)
        s.settimeout(0.3)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
    return data


def role(port: int) -> str:
    reply = redis(port, "ROLE").split(b"\r\n")
    return reply[2].decode()  # *N, $len, master|slave


def members(group: dict) -> dict[str, dict]:
    return {m["CacheClusterId"]: m for m in group["NodeGroups"][0]["NodeGroupMembers"]}


def describe(ec, gid: str) -> dict:
    return ec.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]


@pytest.fixture
def topic_queue(emulator):
    """The group's SNS topic with an SQS queue subscribed, to read what ElastiCache published."""
    sns, sqs = emulator.client("sns"), emulator.client("sqs")
    topic = sns.create_topic(Name=unique("ec-events-"))["TopicArn"]
    q = sqs.create_queue(QueueName=unique("ec-events-"))["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)

    def messages() -> list[dict]:
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return out
            for m in got:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])

    return topic, messages


def create(ec, topic: str | None, n: int = 3, **kw) -> str:
    gid = unique("g")
    args = dict(ReplicationGroupId=gid, ReplicationGroupDescription="test", CacheNodeType="cache.t4g.micro",
                Engine="redis", AutomaticFailoverEnabled=True, NumCacheClusters=n, **kw)
    if topic:
        args["NotificationTopicArn"] = topic
    ec.create_replication_group(**args)
    return gid


def events_of(emulator, source_ids: set[str]) -> list[tuple[str, str]]:
    _, body = emulator.control("GET", "/elasticache/events")
    return [(e["event"], e["sourceId"]) for e in body["events"] if e["sourceId"] in source_ids]


def test_create_makes_primary_and_replicas_backed_by_real_redis(emulator, topic_queue):
    """AWS: NumCacheClusters=3 gives <gid>-001 (primary) and -002/-003 (replicas), each
    with its own ReadEndpoint, plus PrimaryEndpoint and ReaderEndpoint; each cluster
    publishes CacheClusterProvisioningComplete when ready."""
    ec = emulator.client("elasticache")
    topic, messages = topic_queue
    gid = create(ec, topic, n=3)
    g = describe(ec, gid)
    assert g["Status"] == "available"
    assert g["MemberClusters"] == [f"{gid}-001", f"{gid}-002", f"{gid}-003"]
    ms = members(g)
    assert [ms[c]["CurrentRole"] for c in g["MemberClusters"]] == ["primary", "replica", "replica"]
    assert len({ms[c]["PreferredAvailabilityZone"] for c in ms}) == 3
    ng = g["NodeGroups"][0]
    assert ng["PrimaryEndpoint"]["Address"] != ng["ReaderEndpoint"]["Address"]
    assert role(ms[f"{gid}-001"]["ReadEndpoint"]["Port"]) == "master"
    for cid in (f"{gid}-002", f"{gid}-003"):
        assert role(ms[cid]["ReadEndpoint"]["Port"]) == "slave"
    # The stable endpoints reach the primary / a replica.
    assert role(ng["PrimaryEndpoint"]["Port"]) == "master"
    assert role(ng["ReaderEndpoint"]["Port"]) == "slave"
    # Data written to the primary replicates (REPLICAOF is real).
    redis(ms[f"{gid}-001"]["ReadEndpoint"]["Port"], "SET", "k", "v")
    wait_until(lambda: b"v" in redis(ms[f"{gid}-003"]["ReadEndpoint"]["Port"], "GET", "k"))
    got = wait_until(lambda: messages() or None)
    assert got[0]["Type"] == "Notification" and got[0]["TopicArn"] == topic
    assert json.loads(got[0]["Message"]) == {"ElastiCache:CacheClusterProvisioningComplete": f"{gid}-001"}


def test_replicas_per_node_group_also_sizes_the_group(emulator):
    """AWS: ReplicasPerNodeGroup=R (cluster mode disabled) gives 1 primary + R replicas."""
    ec = emulator.client("elasticache")
    gid = unique("r")
    ec.create_replication_group(ReplicationGroupId=gid, ReplicationGroupDescription="t",
                                CacheNodeType="cache.t4g.micro", Engine="redis", ReplicasPerNodeGroup=2)
    assert len(describe(ec, gid)["MemberClusters"]) == 3


def test_describe_cache_clusters_returns_members_with_node_status_and_endpoint(emulator):
    """AWS: DescribeCacheClusters lists the member clusters with ReplicationGroupId and
    CacheClusterStatus; CacheNodes (status, endpoint) only with ShowCacheNodeInfo;
    filtering by an unknown CacheClusterId is CacheClusterNotFound."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    c = ec.describe_cache_clusters(CacheClusterId=f"{gid}-002", ShowCacheNodeInfo=True)["CacheClusters"]
    assert len(c) == 1 and c[0]["ReplicationGroupId"] == gid and c[0]["CacheClusterStatus"] == "available"
    node = c[0]["CacheNodes"][0]
    assert node["CacheNodeStatus"] == "available"
    assert node["Endpoint"] == members(describe(ec, gid))[f"{gid}-002"]["ReadEndpoint"]
    plain = ec.describe_cache_clusters(CacheClusterId=f"{gid}-001")["CacheClusters"][0]
    assert "CacheNodes" not in plain
    all_ids = {x["CacheClusterId"] for x in ec.describe_cache_clusters()["CacheClusters"]}
    assert {f"{gid}-001", f"{gid}-002"} <= all_ids
    with pytest.raises(ClientError) as info:
        ec.describe_cache_clusters(CacheClusterId=f"{gid}-009")
    assert info.value.response["Error"]["Code"] == "CacheClusterNotFound"


def test_describe_cache_clusters_pages_by_max_records_with_a_marker(emulator):
    """AWS (DescribeCacheClusters API reference): MaxRecords defaults to 100, must be 20 to
    100, and a longer listing carries a Marker; a request with that Marker returns only
    the records beyond it. Paging through yields every cluster exactly once, group
    members (ReplicationGroupId set) and standalone clusters alike."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    base = unique("solo")
    solo = [f"{base}-{i:02d}" for i in range(25)]
    for cid in solo:
        ec.create_cache_cluster(CacheClusterId=cid, Engine="redis", CacheNodeType="cache.t4g.micro",
                                NumCacheNodes=1)
    pages, marker = [], None
    while True:
        kw = {"MaxRecords": 20, "ShowCacheNodeInfo": True}
        if marker:
            kw["Marker"] = marker
        out = ec.describe_cache_clusters(**kw)
        pages.append([c["CacheClusterId"] for c in out["CacheClusters"]])
        marker = out.get("Marker")
        if not marker:
            break
    assert len(pages) >= 2 and all(len(p) == 20 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 20
    listed = [cid for p in pages for cid in p]
    assert len(listed) == len(set(listed)), "a cluster listed twice"
    assert {f"{gid}-001", f"{gid}-002", *solo} <= set(listed)
    whole = ec.describe_cache_clusters()
    assert len(whole["CacheClusters"]) == min(len(listed), 100)
    assert ("Marker" in whole) == (len(listed) > 100)
    for bad in (19, 101):
        with pytest.raises(ClientError) as info:
            ec.describe_cache_clusters(MaxRecords=bad)
        assert info.value.response["Error"]["Code"] == "InvalidParameterValue", bad


def list_groups(ec, max_records: int) -> tuple[list[list[dict]], list[str | None]]:
    """Every page of DescribeReplicationGroups (no id), and the Marker of each page."""
    pages, markers, marker = [], [], None
    while True:
        kw = {"MaxRecords": max_records}
        if marker:
            kw["Marker"] = marker
        out = ec.describe_replication_groups(**kw)
        pages.append(out["ReplicationGroups"])
        marker = out.get("Marker")
        markers.append(marker)
        if not marker:
            return pages, markers


def test_describe_replication_groups_without_id_lists_every_group_paged_by_max_records_with_a_marker(emulator):
    """AWS (DescribeReplicationGroups API reference): without ReplicationGroupId
    "information about all replication groups is returned"; MaxRecords defaults to 100
    and must be 20 to 100 (InvalidParameterValue otherwise); when more records exist a
    Marker is included, and a request with it "includes only records beyond the marker".
    Paging yields every group exactly once (emulated groups and moto's cluster-mode
    ones), each listed exactly as a by-id describe shows it; the by-id describe is
    unchanged (ReplicationGroupNotFoundFault for an unknown id)."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=3)
    base = unique("cm")
    moto_own = [f"{base}-{i:02d}" for i in range(21)]
    for g in moto_own:  # cluster mode enabled: left to moto, no redis processes
        ec.create_replication_group(ReplicationGroupId=g, ReplicationGroupDescription="t",
                                    CacheNodeType="cache.t4g.micro", Engine="redis", ClusterMode="enabled",
                                    NumNodeGroups=2, ReplicasPerNodeGroup=1)
    pages, markers = list_groups(ec, 20)
    assert len(pages) >= 2 and all(len(p) == 20 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 20
    # The marker is the last group of its page (opaque to clients; stable here).
    assert markers[:-1] == [p[-1]["ReplicationGroupId"] for p in pages[:-1]] and markers[-1] is None
    listed = [g["ReplicationGroupId"] for p in pages for g in p]
    assert len(listed) == len(set(listed)), "a group listed twice"
    assert listed == sorted(listed, key=str.lower)
    assert {gid, *moto_own} <= set(listed)
    # An emulated group is listed with the fields a by-id describe returns.
    entry = next(g for p in pages for g in p if g["ReplicationGroupId"] == gid)
    assert entry == describe(ec, gid)
    assert entry["MemberClusters"] == [f"{gid}-001", f"{gid}-002", f"{gid}-003"]
    assert [m["CurrentRole"] for m in entry["NodeGroups"][0]["NodeGroupMembers"]] == ["primary", "replica", "replica"]
    assert entry["NodeGroups"][0]["PrimaryEndpoint"]["Address"].startswith(f"{gid}.")
    # Only records beyond the marker.
    after = ec.describe_replication_groups(MaxRecords=20, Marker=moto_own[9])["ReplicationGroups"]
    assert after and all(g["ReplicationGroupId"].lower() > moto_own[9].lower() for g in after)
    assert [g["ReplicationGroupId"] for g in after][:11] == moto_own[10:]
    # A group deleted between two pages does not break the listing.
    first = ec.describe_replication_groups(MaxRecords=20, Marker=moto_own[0])
    ec.delete_replication_group(ReplicationGroupId=moto_own[1])
    assert first["ReplicationGroups"][0]["ReplicationGroupId"] == moto_own[1]
    rest = ec.describe_replication_groups(MaxRecords=20, Marker=moto_own[1])["ReplicationGroups"]
    assert rest[0]["ReplicationGroupId"] == moto_own[2]
    # Default page size 100.
    whole = ec.describe_replication_groups()
    assert len(whole["ReplicationGroups"]) == min(len(listed) - 1, 100)
    assert ("Marker" in whole) == (len(listed) - 1 > 100)
    for bad in (19, 101, 0):
        with pytest.raises(ClientError) as info:
            ec.describe_replication_groups(MaxRecords=bad)
        assert info.value.response["Error"]["Code"] == "InvalidParameterValue", bad
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as info:
        describe(ec, unique("nope"))
    assert info.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_creation_takes_time_then_nodes_become_available(emulator):
    """AWS: a new group is 'creating' (nodes not reachable) until provisioning ends."""
    emulator.control("POST", "/settings", {"node_create_seconds": 1.5})
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    assert describe(ec, gid)["Status"] == "creating"
    assert ec.describe_cache_clusters(CacheClusterId=f"{gid}-001")["CacheClusters"][0]["CacheClusterStatus"] == "creating"
    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    assert role(members(describe(ec, gid))[f"{gid}-002"]["ReadEndpoint"]["Port"]) == "slave"


def test_failover_promotes_a_replica_and_replaces_the_old_primary(emulator, topic_queue):
    """AWS TestFailover: a replica is promoted (FailoverComplete), the old primary is
    replaced (CacheNodeReplaceStarted, unavailable meanwhile) and comes back with the
    SAME endpoint as a replica (CacheNodeReplaceComplete). A second TestFailover while
    the group is modifying is InvalidReplicationGroupState."""
    emulator.control("POST", "/settings", {"node_replace_seconds": 1.5})
    ec = emulator.client("elasticache")
    topic, messages = topic_queue
    gid = create(ec, topic, n=3)
    before = members(describe(ec, gid))
    ec.test_failover(ReplicationGroupId=gid, NodeGroupId="0001")
    g = describe(ec, gid)
    ms = members(g)
    assert g["Status"] == "modifying"
    assert ms[f"{gid}-001"]["CurrentRole"] == "replica"
    assert ms[f"{gid}-002"]["CurrentRole"] == "primary"
    assert role(ms[f"{gid}-002"]["ReadEndpoint"]["Port"]) == "master"
    assert role(ms[f"{gid}-003"]["ReadEndpoint"]["Port"]) == "slave"
    assert role(g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]) == "master"
    old = ec.describe_cache_clusters(CacheClusterId=f"{gid}-001", ShowCacheNodeInfo=True)["CacheClusters"][0]
    assert old["CacheClusterStatus"] == "modifying" and old["CacheNodes"][0]["CacheNodeStatus"] == "rebooting"
    with pytest.raises(OSError):
        redis(ms[f"{gid}-001"]["ReadEndpoint"]["Port"], "PING")
    with pytest.raises(ClientError) as info:
        ec.test_failover(ReplicationGroupId=gid, NodeGroupId="0001")
    assert info.value.response["Error"]["Code"] == "InvalidReplicationGroupState"

    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    after = members(describe(ec, gid))
    assert after[f"{gid}-001"]["ReadEndpoint"] == before[f"{gid}-001"]["ReadEndpoint"]
    assert role(after[f"{gid}-001"]["ReadEndpoint"]["Port"]) == "slave"
    assert events_of(emulator, {gid, f"{gid}-001"})[-3:] == [
        ("ElastiCache:FailoverComplete", gid),
        ("ElastiCache:CacheNodeReplaceStarted", f"{gid}-001"),
        ("ElastiCache:CacheNodeReplaceComplete", f"{gid}-001"),
    ]
    bodies = [json.loads(m["Message"]) for m in wait_until(lambda: messages() or None)]
    assert {"ElastiCache:FailoverComplete": gid, "Cache Cluster ID": f"{gid}-002",
            "Replication Group ID": gid} in bodies


def test_failover_of_unknown_node_group_or_group_is_rejected(emulator):
    """AWS: TestFailover names the node group; unknown ones are NodeGroupNotFoundFault,
    unknown groups ReplicationGroupNotFoundFault."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    with pytest.raises(ClientError) as info:
        ec.test_failover(ReplicationGroupId=gid, NodeGroupId="0002")
    assert info.value.response["Error"]["Code"] == "NodeGroupNotFoundFault"
    with pytest.raises(ClientError) as info:
        ec.test_failover(ReplicationGroupId="nope", NodeGroupId="0001")
    assert info.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_increase_replica_count_adds_creating_then_available_replicas(emulator):
    """AWS IncreaseReplicaCount: new clusters appear 'creating', then 'available' as
    replicas of the primary (CacheClusterProvisioningComplete each), between
    ReplicationGroupIncreaseReplicaCountStarted and ...Finished."""
    emulator.control("POST", "/settings", {"node_create_seconds": 1.5})
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    ec.increase_replica_count(ReplicationGroupId=gid, NewReplicaCount=3, ApplyImmediately=True)
    g = describe(ec, gid)
    assert g["MemberClusters"] == [f"{gid}-00{i}" for i in range(1, 5)]
    assert ec.describe_cache_clusters(CacheClusterId=f"{gid}-004")["CacheClusters"][0]["CacheClusterStatus"] == "creating"
    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    for cid in (f"{gid}-003", f"{gid}-004"):
        assert role(members(describe(ec, gid))[cid]["ReadEndpoint"]["Port"]) == "slave"
    assert events_of(emulator, {gid, f"{gid}-003", f"{gid}-004"})[-4:] == [
        ("ElastiCache:ReplicationGroupIncreaseReplicaCountStarted", gid),
        ("ElastiCache:CacheClusterProvisioningComplete", f"{gid}-003"),
        ("ElastiCache:CacheClusterProvisioningComplete", f"{gid}-004"),
        ("ElastiCache:ReplicationGroupIncreaseReplicaCountFinished", gid),
    ]
    with pytest.raises(ClientError) as info:
        ec.increase_replica_count(ReplicationGroupId=gid, NewReplicaCount=6, ApplyImmediately=True)
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_decrease_replica_count_removes_replicas_never_the_primary(emulator):
    """AWS DecreaseReplicaCount: named replicas are 'deleting', then gone
    (DeleteCacheClusterComplete); naming the primary is InvalidParameterValue."""
    emulator.control("POST", "/settings", {"node_delete_seconds": 1.5})
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=4)
    with pytest.raises(ClientError) as info:
        ec.decrease_replica_count(ReplicationGroupId=gid, ReplicasToRemove=[f"{gid}-001"], ApplyImmediately=True)
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"
    port = members(describe(ec, gid))[f"{gid}-002"]["ReadEndpoint"]["Port"]
    ec.decrease_replica_count(ReplicationGroupId=gid, ReplicasToRemove=[f"{gid}-002"], ApplyImmediately=True)
    assert ec.describe_cache_clusters(CacheClusterId=f"{gid}-002")["CacheClusters"][0]["CacheClusterStatus"] == "deleting"
    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    assert describe(ec, gid)["MemberClusters"] == [f"{gid}-001", f"{gid}-003", f"{gid}-004"]
    with pytest.raises(OSError):
        redis(port, "PING")
    ec.decrease_replica_count(ReplicationGroupId=gid, NewReplicaCount=1, ApplyImmediately=True)
    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    assert describe(ec, gid)["MemberClusters"] == [f"{gid}-001", f"{gid}-003"]
    assert ("ElastiCache:DeleteCacheClusterComplete", f"{gid}-004") in events_of(emulator, {f"{gid}-004"})


def test_replace_node_control_makes_a_replica_unavailable_then_back_same_endpoint(emulator):
    """AWS node replacement (host failure/maintenance): the node is unavailable for a
    while (CacheNodeReplaceStarted), then back with the same endpoint as a replica
    (CacheNodeReplaceComplete). The control API triggers it on demand."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=3)
    ep = members(describe(ec, gid))[f"{gid}-003"]["ReadEndpoint"]
    status, body = emulator.control("POST", "/elasticache/replace-node", {"cacheClusterId": f"{gid}-003", "seconds": 1.5})
    assert status == 200, body
    c = ec.describe_cache_clusters(CacheClusterId=f"{gid}-003", ShowCacheNodeInfo=True)["CacheClusters"][0]
    assert (c["CacheClusterStatus"], c["CacheNodes"][0]["CacheNodeStatus"]) == ("modifying", "rebooting")
    wait_until(lambda: ec.describe_cache_clusters(CacheClusterId=f"{gid}-003")["CacheClusters"][0]["CacheClusterStatus"] == "available")
    assert members(describe(ec, gid))[f"{gid}-003"]["ReadEndpoint"] == ep
    assert role(ep["Port"]) == "slave"
    assert events_of(emulator, {f"{gid}-003"})[-2:] == [
        ("ElastiCache:CacheNodeReplaceStarted", f"{gid}-003"),
        ("ElastiCache:CacheNodeReplaceComplete", f"{gid}-003"),
    ]
    assert emulator.control("POST", "/elasticache/replace-node", {"cacheClusterId": "nope-001"})[0] == 404
    assert emulator.control("POST", "/elasticache/replace-node", {})[0] == 400


def test_replacing_the_primary_fails_over_first(emulator):
    """AWS (Multi-AZ): when the primary's node is replaced, a replica is promoted
    (FailoverComplete) and the old primary returns as a replica."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    status, body = emulator.control("POST", "/elasticache/replace-node", {"cacheClusterId": f"{gid}-001", "seconds": 0})
    assert status == 200 and body["failover"] is True
    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    ms = members(describe(ec, gid))
    assert (ms[f"{gid}-001"]["CurrentRole"], ms[f"{gid}-002"]["CurrentRole"]) == ("replica", "primary")
    assert role(ms[f"{gid}-001"]["ReadEndpoint"]["Port"]) == "slave"


def test_endpoint_names_resolve_to_loopback(emulator):
    """Node, primary and reader endpoint names resolve (to 127.0.0.1 here) through the
    emulator's DNS server, as they do inside the VPC on AWS."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    g = describe(ec, gid)
    names = [m["ReadEndpoint"]["Address"] for m in g["NodeGroups"][0]["NodeGroupMembers"]]
    names += [g["NodeGroups"][0]["PrimaryEndpoint"]["Address"], g["NodeGroups"][0]["ReaderEndpoint"]["Address"]]
    for name in names:
        reply = DNSRecord.parse(DNSRecord.question(name, "A").send("127.0.0.1", emulator.dns_port, timeout=3))
        assert [str(r.rdata) for r in reply.rr if r.rtype == QTYPE.A] == ["127.0.0.1"], name


def test_modify_replication_group_sets_the_notification_topic(emulator, topic_queue):
    """AWS: ModifyReplicationGroup(NotificationTopicArn) makes later events go to that topic."""
    ec = emulator.client("elasticache")
    topic, messages = topic_queue
    gid = create(ec, None, n=2)
    ec.modify_replication_group(ReplicationGroupId=gid, NotificationTopicArn=topic, ApplyImmediately=True)
    ec.test_failover(ReplicationGroupId=gid, NodeGroupId="0001")
    wait_until(lambda: describe(ec, gid)["Status"] == "available")
    bodies = [json.loads(m["Message"]) for m in wait_until(lambda: messages() or None)]
    assert {"ElastiCache:FailoverComplete": gid, "Cache Cluster ID": f"{gid}-002",
            "Replication Group ID": gid} in bodies


def test_delete_replication_group_removes_its_nodes(emulator):
    """AWS: DeleteReplicationGroup deletes every member cluster; here their redis
    processes stop and the group is no longer described."""
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=2)
    ports = [m["ReadEndpoint"]["Port"] for m in members(describe(ec, gid)).values()]
    ec.delete_replication_group(ReplicationGroupId=gid)
    for port in ports:
        with pytest.raises(OSError):
            redis(port, "PING")
    with pytest.raises(ClientError) as info:
        describe(ec, gid)
    assert info.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"
    _, body = emulator.control("GET", "/elasticache/nodes")
    assert not [n for n in body["nodes"] if n["replicationGroupId"] == gid]


def test_settings_control_api_validates_its_input(emulator):
    """The control API refuses unknown settings and negative delays with 400."""
    assert emulator.control("POST", "/settings", {"no_such_delay": 1})[0] == 400
    assert emulator.control("POST", "/settings", {"node_replace_seconds": -1})[0] == 400
    status, body = emulator.control("POST", "/settings", {"node_replace_seconds": 3})
    assert status == 200 and body["node_replace_seconds"] == 3.0
    assert emulator.control("GET", "/settings")[1]["node_replace_seconds"] == 3.0


def test_events_can_be_asked_for_one_source_and_one_event(emulator):
    """Control API (not AWS): GET /elasticache/events?sourceId=&event= keeps only the
    recorded notifications of that source and that event name."""
    ec = emulator.client("elasticache")
    first, second = create(ec, None, n=2), create(ec, None, n=2)
    wait_until(lambda: describe(ec, first)["Status"] == "available" and describe(ec, second)["Status"] == "available",
               timeout=30)
    _, everything = emulator.control("GET", "/elasticache/events")
    mine = [e for e in everything["events"]
            if e["sourceId"] == f"{first}-002" and e["event"] == "ElastiCache:CacheClusterProvisioningComplete"]
    assert len(mine) == 1, everything
    _, one = emulator.control("GET", f"/elasticache/events?sourceId={first}-002"
                                     "&event=ElastiCache:CacheClusterProvisioningComplete")
    assert one["events"] == mine
    _, by_source = emulator.control("GET", f"/elasticache/events?sourceId={second}-001")
    assert by_source["events"] and all(e["sourceId"] == f"{second}-001" for e in by_source["events"])
