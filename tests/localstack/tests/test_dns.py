"""The loopback DNS server standing in for the VPC resolver: private-zone records
straight from the emulated Route 53, endpoint names of the emulated ElastiCache."""

from __future__ import annotations

import uuid

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from conftest import unique


def ask(emulator, name: str, qtype: str = "A", tcp: bool = False) -> DNSRecord:
    q = DNSRecord.question(name, qtype)
    return DNSRecord.parse(q.send("127.0.0.1", emulator.dns_port, tcp=tcp, timeout=3))


@pytest.fixture
def zone(emulator):
    r53 = emulator.client("route53")
    domain = f"{unique('z')}.internal"
    zid = r53.create_hosted_zone(Name=domain, CallerReference=str(uuid.uuid4()),
                                 HostedZoneConfig={"PrivateZone": True, "Comment": ""},
                                 VPC={"VPCRegion": "us-east-1", "VPCId": "vpc-1"})["HostedZone"]["Id"]

    def put(name: str, rtype: str, values: list[str], ttl: int = 60) -> None:
        r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": f"{name}.{domain}.", "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}}]})

    return domain, put


def test_cname_is_answered_with_its_chain_to_a_node_endpoint(emulator, zone):
    """A recursive resolver answers a CNAME query for A with the whole chain: the CNAME
    (TTL from the record) then the target's A record."""
    ec = emulator.client("elasticache")
    gid = unique("d")
    ec.create_replication_group(ReplicationGroupId=gid, ReplicationGroupDescription="t", NumCacheClusters=2,
                                CacheNodeType="cache.t4g.micro", Engine="redis")
    node = ec.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]["NodeGroups"][0][
        "NodeGroupMembers"][1]["ReadEndpoint"]["Address"]
    domain, put = zone
    put("replica1", "CNAME", [node], ttl=42)
    reply = ask(emulator, f"replica1.{domain}")
    assert reply.header.rcode == RCODE.NOERROR
    assert [(QTYPE[r.rtype], str(r.rdata), r.ttl) for r in reply.rr] == [
        ("CNAME", node + ".", 42), ("A", "127.0.0.1", 15)]


def test_cname_chain_within_the_zone_is_followed(emulator, zone):
    domain, put = zone
    put("a", "CNAME", [f"b.{domain}"])
    put("b", "A", ["10.1.2.3"], ttl=30)
    reply = ask(emulator, f"a.{domain}")
    assert [(QTYPE[r.rtype], str(r.rdata)) for r in reply.rr] == [("CNAME", f"b.{domain}."), ("A", "10.1.2.3")]


def test_txt_records_are_served_as_their_strings(emulator, zone):
    """Route 53 stores TXT values as quoted strings; DNS answers their contents."""
    domain, put = zone
    put("_rdns.replica1", "TXT", ['"heritage=replica-dns,owner=x,home=g-002"'])
    reply = ask(emulator, f"_rdns.replica1.{domain}", "TXT")
    assert [b"".join(r.rdata.data).decode() for r in reply.rr] == ["heritage=replica-dns,owner=x,home=g-002"]


def test_changes_are_visible_at_once_and_over_tcp(emulator, zone):
    domain, put = zone
    put("replica1", "CNAME", ["one.example."])
    put("replica1", "CNAME", ["two.example."])
    reply = ask(emulator, f"replica1.{domain}", "CNAME", tcp=True)
    assert [str(r.rdata) for r in reply.rr] == ["two.example."]


def test_unknown_names_are_nxdomain_and_other_types_nodata(emulator, zone):
    """NXDOMAIN for names nobody serves (inside or outside the zones); NOERROR with no
    answer for a name that exists with another type."""
    domain, put = zone
    put("x", "A", ["10.0.0.1"])
    assert ask(emulator, f"nothing.{domain}").header.rcode == RCODE.NXDOMAIN
    assert ask(emulator, "example.invalid").header.rcode == RCODE.NXDOMAIN
    nodata = ask(emulator, f"x.{domain}", "TXT")
    assert nodata.header.rcode == RCODE.NOERROR and nodata.rr == []


@pytest.fixture
def weighted(emulator):
    """A private zone of its own and a writer of weighted record sets into it."""
    r53 = emulator.client("route53")
    domain = f"{unique('w')}.internal"
    zid = r53.create_hosted_zone(Name=domain, CallerReference=str(uuid.uuid4()),
                                 HostedZoneConfig={"PrivateZone": True, "Comment": ""},
                                 VPC={"VPCRegion": "us-east-1", "VPCId": "vpc-1"})["HostedZone"]["Id"]

    def put(name: str, rtype: str, members: dict[str, tuple[str, int]], ttl: int = 30) -> None:
        r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
            {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"{name}.{domain}.", "Type": rtype, "TTL": ttl,
                                                       "SetIdentifier": sid, "Weight": weight,
                                                       "ResourceRecords": [{"Value": value}]}}
            for sid, (value, weight) in members.items()]})

    return domain, put


def answers(emulator, name: str, qtype: str, times: int) -> list[list[str]]:
    """The answer section of `times` queries, each as its list of rdata strings."""
    out = []
    for _ in range(times):
        reply = ask(emulator, name, qtype)
        assert reply.header.rcode == RCODE.NOERROR
        out.append([b"".join(r.rdata.data).decode() if r.rtype == QTYPE.TXT else str(r.rdata) for r in reply.rr])
    return out


def test_weighted_cnames_answer_one_member_per_query_chosen_by_weight(emulator, weighted):
    """Route 53 (ResourceRecordSet, Weight): "Route 53 calculates the sum of the weights for
    the resource record sets that have the same combination of DNS name and type. Route 53
    then responds to queries based on the ratio of a resource's weight to the total." So
    every query of a pool of equal weights is answered with exactly one member, every
    member is answered across many queries, and never a member of another name."""
    domain, put = weighted
    put("pool", "CNAME", {f"g-00{i}": (f"g-00{i}.example.", 1) for i in (2, 3, 4)})
    put("other", "CNAME", {"g-009": ("g-009.example.", 1)})
    got = answers(emulator, f"pool.{domain}", "CNAME", 60)
    assert all(len(a) == 1 for a in got), got
    assert {a[0] for a in got} == {"g-002.example.", "g-003.example.", "g-004.example."}
    assert answers(emulator, f"other.{domain}", "CNAME", 3) == [["g-009.example."]] * 3


def test_weight_zero_is_never_answered_unless_all_weights_are_zero(emulator, weighted):
    """Route 53 (ResourceRecordSet, Weight): "if you set Weight to 0 for a resource record
    set, Route 53 never responds to queries with the applicable value for that resource
    record set. However, if you set Weight to 0 for all resource record sets that have the
    same combination of DNS name and type, traffic is routed to all resources with equal
    probability." (Health checks, which change this, are not modelled.)"""
    domain, put = weighted
    put("drain", "CNAME", {"a": ("a.example.", 1), "b": ("b.example.", 0)})
    assert {a[0] for a in answers(emulator, f"drain.{domain}", "CNAME", 40)} == {"a.example."}
    put("zero", "CNAME", {"a": ("a.example.", 0), "b": ("b.example.", 0)})
    assert {a[0] for a in answers(emulator, f"zero.{domain}", "CNAME", 40)} == {"a.example.", "b.example."}


def test_weighted_txt_sets_answer_one_member_per_query(emulator, weighted):
    """The ownership TXTs of a pool are weighted sets too (one per member, same
    SetIdentifier as its CNAME): Route 53 answers a TXT query at that name like any
    weighted set, one member per query chosen by weight."""
    domain, put = weighted
    put("_rdns.pool", "TXT", {f"g-00{i}": (f'"owner=x,home=g-00{i}"', 1) for i in (2, 3)})
    got = answers(emulator, f"_rdns.pool.{domain}", "TXT", 40)
    assert all(len(a) == 1 for a in got), got
    assert {a[0] for a in got} == {"owner=x,home=g-002", "owner=x,home=g-003"}
