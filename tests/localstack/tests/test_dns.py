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
