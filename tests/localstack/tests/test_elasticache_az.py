"""Where ElastiCache places the members of a replication group (cluster mode disabled),
as the emulator's elasticache_ext reproduces it: the AZ asked for, otherwise spread over
the cache subnet group's AZs; a member keeps its AZ through failover and replacement; and
DescribeReplicationGroups / DescribeCacheClusters report it for every member."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import unique, wait_until


def create(ec, n: int = 3, **kw) -> str:
    gid = unique("az")
    ec.create_replication_group(ReplicationGroupId=gid, ReplicationGroupDescription="az", CacheNodeType="cache.t4g.micro",
                                Engine="redis", AutomaticFailoverEnabled=True, **kw)
    return gid


def group(ec, gid: str) -> dict:
    return ec.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]


def member_azs(ec, gid: str) -> dict[str, str]:
    """NodeGroupMembers[].PreferredAvailabilityZone, the figure replica-dns reads."""
    return {m["CacheClusterId"]: m["PreferredAvailabilityZone"] for m in group(ec, gid)["NodeGroups"][0]["NodeGroupMembers"]}


def cluster_azs(ec, gid: str) -> dict[str, tuple[str, str]]:
    """DescribeCacheClusters: (PreferredAvailabilityZone, CacheNodes[0].CustomerAvailabilityZone)."""
    out = {}
    for c in ec.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]:
        if c.get("ReplicationGroupId") == gid:
            out[c["CacheClusterId"]] = (c["PreferredAvailabilityZone"], c["CacheNodes"][0]["CustomerAvailabilityZone"])
    return out


def available(ec, gid: str) -> bool:
    return group(ec, gid)["Status"] == "available"


def subnet_group(emulator, azs: list[str]) -> str:
    """A VPC with one subnet per AZ (moto EC2) and a cache subnet group over them."""
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
               for i, az in enumerate(azs)]
    name = unique("sng-")
    emulator.client("elasticache").create_cache_subnet_group(CacheSubnetGroupName=name,
                                                             CacheSubnetGroupDescription="az test", SubnetIds=subnets)
    return name


def test_preferred_cache_cluster_azs_place_each_member_primary_first(emulator):
    """AWS (CreateReplicationGroup, PreferredCacheClusterAZs): "The order of the
    Availability Zones in the list is the order in which clusters are allocated. The
    primary cluster is created in the first AZ in the list." Repeating an AZ is allowed.
    DescribeCacheClusters reports the AZ per cluster (PreferredAvailabilityZone) and per
    node (CustomerAvailabilityZone, "The Availability Zone where this node was created and
    now resides")."""
    ec = emulator.client("elasticache")
    gid = create(ec, NumCacheClusters=3, PreferredCacheClusterAZs=["us-east-1c", "us-east-1a", "us-east-1c"])
    assert member_azs(ec, gid) == {f"{gid}-001": "us-east-1c", f"{gid}-002": "us-east-1a", f"{gid}-003": "us-east-1c"}
    assert cluster_azs(ec, gid) == {f"{gid}-001": ("us-east-1c", "us-east-1c"), f"{gid}-002": ("us-east-1a", "us-east-1a"),
                                    f"{gid}-003": ("us-east-1c", "us-east-1c")}
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in group(ec, gid)["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles[f"{gid}-001"] == "primary"


def test_preferred_cache_cluster_azs_must_name_one_az_per_cluster(emulator):
    """AWS (same parameter): "The number of Availability Zones listed must equal the value
    of NumCacheClusters." Refused with InvalidParameterValue, nothing created."""
    ec = emulator.client("elasticache")
    gid = unique("az")
    with pytest.raises(ClientError) as info:
        ec.create_replication_group(ReplicationGroupId=gid, ReplicationGroupDescription="az", CacheNodeType="cache.t4g.micro",
                                    Engine="redis", NumCacheClusters=3, PreferredCacheClusterAZs=["us-east-1a"])
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as info:
        group(ec, gid)
    assert info.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_node_group_configuration_places_primary_and_replicas(emulator):
    """AWS (NodeGroupConfiguration): PrimaryAvailabilityZone is "The Availability Zone where
    the primary node of this node group (shard) is launched", ReplicaAvailabilityZones "A
    list of Availability Zones to be used for the read replicas"."""
    ec = emulator.client("elasticache")
    gid = create(ec, NodeGroupConfiguration=[{"ReplicaCount": 2, "PrimaryAvailabilityZone": "us-east-1b",
                                              "ReplicaAvailabilityZones": ["us-east-1c", "us-east-1a"]}])
    assert member_azs(ec, gid) == {f"{gid}-001": "us-east-1b", f"{gid}-002": "us-east-1c", f"{gid}-003": "us-east-1a"}


def test_without_a_preference_members_spread_over_the_subnet_groups_azs(emulator):
    """AWS: "Default: system chosen Availability Zones", and "If you are creating your
    replication group in an Amazon VPC (recommended), you can only locate clusters in
    Availability Zones associated with the subnets in the selected subnet group"
    (CreateReplicationGroup). How AWS chooses is not documented; the emulator spreads
    (fewest members first), as the Multi-AZ guide recommends ("create the primary node and
    read replicas in different Availability Zones"). An AZ outside the subnet group is
    refused; an unknown subnet group is CacheSubnetGroupNotFoundFault. Without a subnet
    group (default VPC) the emulator uses the region's a, b and c."""
    ec = emulator.client("elasticache")
    sng = subnet_group(emulator, ["us-east-1d", "us-east-1f"])
    gid = create(ec, NumCacheClusters=3, CacheSubnetGroupName=sng)
    assert member_azs(ec, gid) == {f"{gid}-001": "us-east-1d", f"{gid}-002": "us-east-1f", f"{gid}-003": "us-east-1d"}
    assert ec.describe_cache_clusters(CacheClusterId=f"{gid}-001")["CacheClusters"][0]["CacheSubnetGroupName"] == sng
    with pytest.raises(ClientError) as info:
        create(ec, NumCacheClusters=2, CacheSubnetGroupName=sng, PreferredCacheClusterAZs=["us-east-1d", "us-east-1a"])
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "us-east-1a" in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        create(ec, NumCacheClusters=2, CacheSubnetGroupName="no-such-subnet-group")
    assert info.value.response["Error"]["Code"] == "CacheSubnetGroupNotFoundFault"
    default = create(ec, NumCacheClusters=3)
    assert sorted(member_azs(ec, default).values()) == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_increase_replica_count_puts_the_new_replica_in_the_az_asked_for(emulator):
    """AWS (IncreaseReplicaCount, ConfigureShard PreferredAvailabilityZones): "A list of
    PreferredAvailabilityZone strings that specify which availability zones the
    replication group's nodes are to be in. The number of PreferredAvailabilityZone values
    must equal the value of NewReplicaCount plus 1 to account for the primary node."
    Existing members stay where they are, so the new replica takes the last entry: how a
    test adds a replica in an AZ the group did not span. A list of another length is
    InvalidParameterValue. Omitted: "ElastiCache selects the availability zone for each of
    the replicas" (here: the subnet group's least used AZ)."""
    ec = emulator.client("elasticache")
    sng = subnet_group(emulator, ["us-east-1a", "us-east-1b", "us-east-1e"])
    gid = create(ec, NumCacheClusters=2, CacheSubnetGroupName=sng, PreferredCacheClusterAZs=["us-east-1a", "us-east-1b"])
    with pytest.raises(ClientError) as info:
        ec.increase_replica_count(ReplicationGroupId=gid, ApplyImmediately=True, ReplicaConfiguration=[
            {"NodeGroupId": "0001", "NewReplicaCount": 2, "PreferredAvailabilityZones": ["us-east-1e"]}])
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"
    ec.increase_replica_count(ReplicationGroupId=gid, ApplyImmediately=True, ReplicaConfiguration=[
        {"NodeGroupId": "0001", "NewReplicaCount": 2,
         "PreferredAvailabilityZones": ["us-east-1a", "us-east-1b", "us-east-1e"]}])
    wait_until(lambda: available(ec, gid))
    assert member_azs(ec, gid) == {f"{gid}-001": "us-east-1a", f"{gid}-002": "us-east-1b", f"{gid}-003": "us-east-1e"}
    assert cluster_azs(ec, gid)[f"{gid}-003"] == ("us-east-1e", "us-east-1e")
    # Without a preference: the subnet group's least used AZ... all three hold one member,
    # so the first of them in subnet order.
    ec.increase_replica_count(ReplicationGroupId=gid, NewReplicaCount=3, ApplyImmediately=True)
    wait_until(lambda: available(ec, gid))
    assert member_azs(ec, gid)[f"{gid}-004"] == "us-east-1a"


def test_a_replaced_node_and_the_failed_over_primary_keep_their_az_and_id(emulator):
    """AWS (Multi-AZ guide, "When only the primary node fails"): "a replacement read replica
    is created and provisioned in the same Availability Zone as the failed primary" and
    "The replacement read replica is launched in the Availability Zone that the failed
    primary node was in so that the distribution of nodes is maintained"; "each of the
    replacement nodes will have the same endpoint as the node it is replacing". So after
    TestFailover and after a replica's replacement every cluster id keeps its AZ; the
    promoted replica's AZ is now the primary's."""
    ec = emulator.client("elasticache")
    gid = create(ec, NumCacheClusters=3, PreferredCacheClusterAZs=["us-east-1a", "us-east-1b", "us-east-1c"])
    before = member_azs(ec, gid)
    ec.test_failover(ReplicationGroupId=gid, NodeGroupId="0001")
    wait_until(lambda: available(ec, gid))
    members = {m["CacheClusterId"]: m for m in group(ec, gid)["NodeGroups"][0]["NodeGroupMembers"]}
    assert members[f"{gid}-001"]["CurrentRole"] == "replica" and members[f"{gid}-002"]["CurrentRole"] == "primary"
    assert member_azs(ec, gid) == before
    status, body = emulator.control("POST", "/elasticache/replace-node", {"cacheClusterId": f"{gid}-003", "seconds": 0})
    assert status == 200, body
    wait_until(lambda: available(ec, gid))
    assert member_azs(ec, gid) == before
    assert {c: azs[0] for c, azs in cluster_azs(ec, gid).items()} == before
    _, nodes = emulator.control("GET", "/elasticache/nodes")
    assert {n["cacheClusterId"]: n["availabilityZone"] for n in nodes["nodes"] if n["replicationGroupId"] == gid} == before
