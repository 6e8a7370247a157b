"""Route 53 weighted record sets as replica-dns's pooled name uses them (one weighted CNAME
per available replica, SetIdentifier = member id, and a weighted ownership TXT beside each
at the `_rdns.` name, same SetIdentifier), reproduced by the emulator's route53_ext."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from test_route53 import change, expect_invalid_change_batch, rr

POOL = "pool.cache.internal."
OWNER = "_rdns.pool.cache.internal."


@pytest.fixture
def zone(emulator):
    r53 = emulator.client("route53")
    z = r53.create_hosted_zone(Name="cache.internal", CallerReference=str(uuid.uuid4()),
                               HostedZoneConfig={"PrivateZone": True, "Comment": "weighted"},
                               VPC={"VPCRegion": "us-east-1", "VPCId": "vpc-12345678"})
    return r53, z["HostedZone"]["Id"]


def sets(r53, zid, name):
    return sorted((r["Type"], r.get("SetIdentifier"), r.get("Weight"), r.get("TTL"),
                   [v["Value"] for v in r.get("ResourceRecords", [])])
                  for r in r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"] if r["Name"] == name)


def w(action, name, rtype, value, sid, weight=1, ttl=60):
    return rr(action, name, rtype, value, ttl=ttl, SetIdentifier=sid, Weight=weight)


def test_weighted_cnames_and_weighted_txts_of_one_pool_coexist(zone):
    """AWS: weighted record sets are "records that have the same name and type"; the
    SetIdentifier "differentiates among multiple resource record sets that have the same
    combination of name and type" and "must be unique for each resource record set"
    (ResourceRecordSet API reference). TXT is a valid type for weighted sets ("Values for
    weighted, latency, geolocation, and failover resource record sets: A | AAAA | CAA |
    CNAME | MX | NAPTR | PTR | SPF | SRV | TXT"). So the pool's CNAMEs and its ownership
    TXTs (another name) are written in one batch; a second CREATE of a SetIdentifier is
    "...but it already exists"."""
    r53, zid = zone
    change(r53, zid,
           w("CREATE", POOL, "CNAME", "g-002.example.", "g-002"), w("CREATE", OWNER, "TXT", '"owner=x,home=g-002"', "g-002"),
           w("CREATE", POOL, "CNAME", "g-003.example.", "g-003"), w("CREATE", OWNER, "TXT", '"owner=x,home=g-003"', "g-003"))
    assert sets(r53, zid, POOL) == [("CNAME", "g-002", 1, 60, ["g-002.example."]),
                                    ("CNAME", "g-003", 1, 60, ["g-003.example."])]
    assert sets(r53, zid, OWNER) == [("TXT", "g-002", 1, 60, ['"owner=x,home=g-002"']),
                                     ("TXT", "g-003", 1, 60, ['"owner=x,home=g-003"'])]
    expect_invalid_change_batch(
        lambda: change(r53, zid, w("CREATE", POOL, "CNAME", "g-009.example.", "g-002")),
        f"Tried to create resource record set [name='{POOL}', type='CNAME', set-identifier='g-002'] but it already exists")


def test_exact_delete_of_a_weighted_set_repeats_its_weight_and_set_identifier(zone):
    """AWS: a DELETE must match the record set exactly, routing fields included; the
    weighted set is found by name, type and SetIdentifier ("...but it was not found"
    otherwise) and its Weight must match ("...do not match the current values")."""
    r53, zid = zone
    change(r53, zid, w("CREATE", POOL, "CNAME", "g-002.example.", "g-002"), w("CREATE", POOL, "CNAME", "g-003.example.", "g-003"))
    expect_invalid_change_batch(lambda: change(r53, zid, w("DELETE", POOL, "CNAME", "g-002.example.", "g-002", weight=2)),
                                "set-identifier='g-002'", "do not match the current values")
    expect_invalid_change_batch(lambda: change(r53, zid, w("DELETE", POOL, "CNAME", "g-002.example.", "g-004")),
                                "set-identifier='g-004'] but it was not found")
    expect_invalid_change_batch(lambda: change(r53, zid, rr("DELETE", POOL, "CNAME", "g-002.example.")),
                                f"[name='{POOL}', type='CNAME'] but it was not found")
    change(r53, zid, w("DELETE", POOL, "CNAME", "g-002.example.", "g-002"))
    assert [s[1] for s in sets(r53, zid, POOL)] == ["g-003"]


def test_a_weighted_and_a_non_weighted_set_of_one_name_and_type_cannot_coexist(zone):
    """AWS (Developer Guide, values for weighted records, Weight): "You can't create
    non-weighted records that have the same values for Name and Type as weighted records."
    Both orders are InvalidChangeBatch, with the messages Route 53 gives (quoted by users:
    "...SetIdentifier foobar cannot be created as a non-weighted set exists with the same
    name and type." / "...type CNAME cannot be created as other RRSets exist with the same
    name and type."). UPSERT is no way round it; DELETE of the one and CREATE of the other
    in one batch is (the batch is checked in order)."""
    r53, zid = zone
    change(r53, zid, rr("CREATE", "simple.cache.internal.", "CNAME", "a.example."))
    expect_invalid_change_batch(
        lambda: change(r53, zid, w("UPSERT", "simple.cache.internal.", "CNAME", "b.example.", "b")),
        "RRSet with DNS name simple.cache.internal., type CNAME, SetIdentifier b cannot be created as a "
        "non-weighted set exists with the same name and type.")
    change(r53, zid, w("CREATE", POOL, "CNAME", "g-002.example.", "g-002"))
    for action in ("CREATE", "UPSERT"):
        expect_invalid_change_batch(
            lambda: change(r53, zid, rr(action, POOL, "CNAME", "g-009.example.")),
            f"RRSet with DNS name {POOL}, type CNAME cannot be created as other RRSets exist with the same name and type.")
    # Another routing policy is not a weighted set either (ResourceRecordSet, Weight: "You
    # can't create latency, failover, or geolocation resource record sets that have the
    # same values for the Name and Type elements as weighted resource record sets").
    expect_invalid_change_batch(
        lambda: change(r53, zid, rr("CREATE", POOL, "CNAME", "g-009.example.", SetIdentifier="east", Region="us-east-1")),
        "SetIdentifier east cannot be created as a non-latency set exists with the same name and type.")
    assert sets(r53, zid, POOL) == [("CNAME", "g-002", 1, 60, ["g-002.example."])]
    change(r53, zid, rr("DELETE", "simple.cache.internal.", "CNAME", "a.example."),
           w("CREATE", "simple.cache.internal.", "CNAME", "b.example.", "b"))
    assert sets(r53, zid, "simple.cache.internal.") == [("CNAME", "b", 1, 60, ["b.example."])]


def test_a_cname_is_alone_at_its_name_even_weighted(zone):
    """AWS (RFC 1034, Route 53 rule): a CNAME cannot share its name with another type; this
    holds for weighted sets too, so a weighted TXT at the pool's own name is refused (the
    pool's ownership TXTs live at the `_rdns.` name), and a weighted CNAME cannot join a
    name holding a TXT."""
    r53, zid = zone
    change(r53, zid, w("CREATE", POOL, "CNAME", "g-002.example.", "g-002"))
    expect_invalid_change_batch(
        lambda: change(r53, zid, w("CREATE", POOL, "TXT", '"owner=x"', "g-002")),
        f"RRSet of type TXT with DNS name {POOL} is not permitted because a conflicting RRSet of type")
    change(r53, zid, w("CREATE", "txtfirst.cache.internal.", "TXT", '"x"', "a"))
    expect_invalid_change_batch(
        lambda: change(r53, zid, w("CREATE", "txtfirst.cache.internal.", "CNAME", "g-002.example.", "a")),
        "RRSet of type CNAME with DNS name txtfirst.cache.internal. is not permitted as it conflicts")


def all_pages(r53, zid, max_items):
    """Every record set of the zone, read page by page as replica-dns's adapter reads it
    (NextRecordName / NextRecordType / NextRecordIdentifier into the next request), and
    the (name, type, identifier) each truncated page pointed at."""
    out, pointers, start = [], [], {}
    while True:
        page = r53.list_resource_record_sets(HostedZoneId=zid, MaxItems=str(max_items), **start)
        out.extend((r["Name"], r["Type"], r.get("SetIdentifier")) for r in page["ResourceRecordSets"])
        if not page["IsTruncated"]:
            return out, pointers
        pointer = (page["NextRecordName"], page["NextRecordType"], page.get("NextRecordIdentifier"))
        pointers.append(pointer)
        start = {"StartRecordName": pointer[0], "StartRecordType": pointer[1]}
        if pointer[2] is not None:
            start["StartRecordIdentifier"] = pointer[2]
        assert len(pointers) < 100, "listing does not advance"


def test_a_page_that_ends_inside_a_weighted_set_continues_at_its_next_set_identifier(zone):
    """AWS (ListResourceRecordSets API reference): NextRecordIdentifier is, for "Resource
    record sets that have a routing policy other than simple: If results were truncated for
    a given DNS name and type, the value of SetIdentifier for the next resource record set
    that has the current DNS name and type", and StartRecordIdentifier is where to "specify
    the value of NextRecordIdentifier from the previous response to get the next resource
    record set that has the current DNS name and type". So a listing in pages (300 by
    default) returns each weighted set of the pool exactly once, even when a page ends
    between two sets of one name and type. (moto 5.2 ignores StartRecordIdentifier and
    returns no NextRecordIdentifier: the next page restarted at the name's first set.)
    Which order Route 53 gives the sets of one name and type is not documented; the
    emulator sorts them by SetIdentifier."""
    r53, zid = zone
    members = ["g-003", "g-001", "g-002"]
    change(r53, zid, *[w("CREATE", POOL, "CNAME", f"{m}.example.", m) for m in members],
           *[w("CREATE", OWNER, "TXT", f'"pool={m}"', m) for m in members])
    whole = r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]
    expected = [(r["Name"], r["Type"], r.get("SetIdentifier")) for r in whole]
    assert [e for e in expected if e[0] == POOL] == [(POOL, "CNAME", m) for m in ["g-001", "g-002", "g-003"]]
    for max_items in (1, 2, 4):
        listed, pointers = all_pages(r53, zid, max_items)
        assert listed == expected, max_items
        assert any(p[2] is not None for p in pointers), (max_items, pointers)
    # A page ending inside the pool names the next set of the same name and type.
    first = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=POOL, StartRecordType="CNAME", MaxItems="1")
    assert [r.get("SetIdentifier") for r in first["ResourceRecordSets"]] == ["g-001"]
    assert (first["NextRecordName"], first["NextRecordType"], first["NextRecordIdentifier"]) == (POOL, "CNAME", "g-002")
    # A simple record set has no identifier to point at.
    change(r53, zid, rr("CREATE", "simple.cache.internal.", "CNAME", "a.example."))
    page = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName="simple.cache.internal.",
                                         StartRecordType="A", MaxItems="1")
    assert page["ResourceRecordSets"][0]["Name"] == "simple.cache.internal."
    assert "NextRecordIdentifier" not in page or page["NextRecordIdentifier"] is None
