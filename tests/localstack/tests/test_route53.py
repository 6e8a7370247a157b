"""Route 53 semantics the replica-dns apply step relies on (compare-and-swap batches,
change ids), reproduced by the emulator's route53_ext."""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def zone(emulator):
    r53 = emulator.client("route53")
    z = r53.create_hosted_zone(
        Name="cache.internal", CallerReference=str(uuid.uuid4()),
        HostedZoneConfig={"PrivateZone": True, "Comment": "test"},
        VPC={"VPCRegion": "us-east-1", "VPCId": "vpc-12345678"},
    )
    return r53, z["HostedZone"]["Id"]


def rr(action, name, rtype, value, ttl=60, **extra):
    rrset = {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": value}], **extra}
    return {"Action": action, "ResourceRecordSet": rrset}


def change(r53, zid, *changes):
    return r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": list(changes)})


def records(r53, zid):
    out = {}
    for r in r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]:
        if r["Type"] in ("NS", "SOA"):
            continue
        out[(r["Name"], r["Type"])] = (r.get("TTL"), [v["Value"] for v in r.get("ResourceRecords", [])])
    return out


def expect_invalid_change_batch(fn, *fragments):
    with pytest.raises(ClientError) as info:
        fn()
    err = info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Code"] == "InvalidChangeBatch"
    for f in fragments:
        assert f in err["Message"], err["Message"]
    return err["Message"]


def test_delete_with_stale_value_rejects_whole_batch_and_applies_nothing(zone):
    """AWS: DELETE must match the current record exactly; when it does not, the whole
    batch fails with InvalidChangeBatch ("...but the values provided do not match the
    current values") and none of its changes is applied (batches are atomic)."""
    r53, zid = zone
    change(r53, zid, rr("CREATE", "replica1.cache.internal.", "CNAME", "node-a.example."))
    before = records(r53, zid)
    expect_invalid_change_batch(
        lambda: change(
            r53, zid,
            rr("CREATE", "replica9.cache.internal.", "CNAME", "node-z.example."),
            rr("DELETE", "replica1.cache.internal.", "CNAME", "node-OLD.example."),
            rr("CREATE", "replica1.cache.internal.", "CNAME", "node-b.example."),
        ),
        "Tried to delete resource record set [name='replica1.cache.internal.', type='CNAME'] "
        "but the values provided do not match the current values",
    )
    assert records(r53, zid) == before




def test_delete_with_other_ttl_is_rejected(zone):
    """AWS: the TTL is part of what a DELETE must repeat exactly."""
    r53, zid = zone
    change(r53, zid, rr("CREATE", "replica1.cache.internal.", "CNAME", "node-a.example.", ttl=60))
    expect_invalid_change_batch(
        lambda: change(r53, zid, rr("DELETE", "replica1.cache.internal.", "CNAME", "node-a.example.", ttl=30)),
        "do not match the current values",
    )


def test_delete_of_missing_record_is_rejected(zone):
    """AWS: deleting a record set that does not exist fails with "...but it was not found"."""
    r53, zid = zone
    expect_invalid_change_batch(
        lambda: change(r53, zid, rr("DELETE", "ghost.cache.internal.", "CNAME", "x.example.")),
        "Tried to delete resource record set [name='ghost.cache.internal.', type='CNAME'] but it was not found",
    )


def test_create_of_existing_record_is_rejected_even_with_another_value(zone):
    """AWS: CREATE of an existing name+type fails ("...but it already exists"); every
    problem in the batch is listed in the one bracketed message."""
    r53, zid = zone
    change(r53, zid, rr("CREATE", "replica1.cache.internal.", "CNAME", "node-a.example."))
    msg = expect_invalid_change_batch(
        lambda: change(
            r53, zid,
            rr("DELETE", "replica1.cache.internal.", "CNAME", "node-x.example."),
            rr("CREATE", "replica1.cache.internal.", "CNAME", "node-b.example."),
        ),
        "Tried to create resource record set [name='replica1.cache.internal.', type='CNAME'] but it already exists",
    )
    assert msg.startswith("[") and msg.endswith("]") and msg.count("Tried to") == 2
    assert records(r53, zid)[("replica1.cache.internal.", "CNAME")] == (60, ["node-a.example."])


def test_delete_plus_create_in_one_batch_is_a_compare_and_swap(zone):
    """AWS: DELETE(exact old) + CREATE(new) in one batch succeeds atomically."""
    r53, zid = zone
    change(r53, zid, rr("CREATE", "replica1.cache.internal.", "CNAME", "node-a.example."),
           rr("CREATE", "_rdns.replica1.cache.internal.", "TXT", '"owner=x"'))
    change(
        r53, zid,
        rr("DELETE", "replica1.cache.internal.", "CNAME", "node-a.example."),
        rr("CREATE", "replica1.cache.internal.", "CNAME", "node-b.example."),
        rr("DELETE", "_rdns.replica1.cache.internal.", "TXT", '"owner=x"'),
        rr("CREATE", "_rdns.replica1.cache.internal.", "TXT", '"owner=x home=b"'),
    )
    got = records(r53, zid)
    assert got[("replica1.cache.internal.", "CNAME")] == (60, ["node-b.example."])
    assert got[("_rdns.replica1.cache.internal.", "TXT")] == (60, ['"owner=x home=b"'])


def test_cname_must_be_alone_at_its_name(zone):
    """AWS (RFC 1034): a CNAME cannot coexist with another type at the same name, in
    either order of creation; UPSERT is no loophole."""
    r53, zid = zone
    change(r53, zid, rr("CREATE", "replica1.cache.internal.", "CNAME", "node-a.example."))
    expect_invalid_change_batch(
        lambda: change(r53, zid, rr("UPSERT", "replica1.cache.internal.", "TXT", '"owner=x"')),
        "RRSet of type TXT with DNS name replica1.cache.internal. is not permitted because a conflicting RRSet of type",
    )
    change(r53, zid, rr("CREATE", "txtfirst.cache.internal.", "TXT", '"x"'))
    expect_invalid_change_batch(
        lambda: change(r53, zid, rr("CREATE", "txtfirst.cache.internal.", "CNAME", "node-a.example.")),
        "RRSet of type CNAME with DNS name txtfirst.cache.internal. is not permitted as it conflicts",
    )


def test_weighted_records_with_distinct_set_ids_coexist_and_delete_needs_the_set_id(zone):
    """AWS: weighted record sets are keyed by name, type and SetIdentifier."""
    r53, zid = zone
    change(r53, zid,
           rr("CREATE", "pool.cache.internal.", "CNAME", "a.example.", SetIdentifier="a", Weight=1),
           rr("CREATE", "pool.cache.internal.", "CNAME", "b.example.", SetIdentifier="b", Weight=1))
    expect_invalid_change_batch(
        lambda: change(r53, zid, rr("DELETE", "pool.cache.internal.", "CNAME", "a.example.", SetIdentifier="a", Weight=5)),
        "set-identifier='a'", "do not match",
    )
    change(r53, zid, rr("DELETE", "pool.cache.internal.", "CNAME", "a.example.", SetIdentifier="a", Weight=1))
    names = [r.get("SetIdentifier") for r in r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]
             if r["Name"] == "pool.cache.internal."]
    assert names == ["b"]


def test_each_change_has_its_own_id_pending_then_insync(emulator, zone):
    """AWS: every ChangeResourceRecordSets returns a new change id whose GetChange
    status is PENDING until the change has propagated, then INSYNC."""
    emulator.control("POST", "/settings", {"route53_insync_seconds": 1.5})
    r53, zid = zone
    a = change(r53, zid, rr("CREATE", "a.cache.internal.", "A", "10.0.0.1"))["ChangeInfo"]
    b = change(r53, zid, rr("CREATE", "b.cache.internal.", "A", "10.0.0.2"))["ChangeInfo"]
    assert a["Id"] != b["Id"] and a["Id"].startswith("/change/")
    assert a["Status"] == "PENDING"
    assert r53.get_change(Id=a["Id"])["ChangeInfo"]["Status"] == "PENDING"
    time.sleep(1.7)
    assert r53.get_change(Id=a["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    assert r53.get_change(Id=b["Id"].split("/")[-1])["ChangeInfo"]["Status"] == "INSYNC"


def test_get_change_of_unknown_id_is_no_such_change(zone):
    """AWS: GetChange of an id it never issued answers NoSuchChange (404)."""
    r53, _ = zone
    with pytest.raises(ClientError) as info:
        r53.get_change(Id="CDOESNOTEXIST")
    assert info.value.response["Error"]["Code"] == "NoSuchChange"


# ChangeResourceRecordSets request maximums (Route 53 Developer Guide, "Quotas",
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests-changeresourcerecordsets).

def many(action, name, rtype, values, ttl=60):
    rrset = {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}
    return {"Action": action, "ResourceRecordSet": rrset}


def ips(block: int, count: int) -> list[str]:
    return [f"10.{block}.{i // 256}.{i % 256}" for i in range(count)]


def txt(length: int, tag: int) -> str:
    """A TXT value of exactly `length` characters (spaces included), distinct per `tag`:
    one quoted string of at most 255 characters, as DNS allows."""
    assert 8 <= length <= 257
    body = (f"v{tag} " + "x " * length)[: length - 2]
    return f'"{body}"'


def test_batch_of_exactly_1000_resource_records_is_accepted_1001_rejected_and_nothing_applied(zone):
    """AWS: "A request cannot contain more than 1,000 ResourceRecord elements." A batch
    of exactly 1,000 is applied; one more is InvalidChangeBatch (HTTP 400) "[Number of
    records limit of 1000 exceeded.]" and none of the batch's changes is applied."""
    r53, zid = zone
    change(r53, zid, *[many("CREATE", f"pool{b}.cache.internal.", "A", ips(b, 250)) for b in range(4)])
    got = records(r53, zid)
    assert sum(len(got[(f"pool{b}.cache.internal.", "A")][1]) for b in range(4)) == 1000
    before = records(r53, zid)
    msg = expect_invalid_change_batch(lambda: change(
        r53, zid,
        *[many("CREATE", f"more{b}.cache.internal.", "A", ips(b, 250)) for b in range(4)],
        rr("CREATE", "one-more.cache.internal.", "A", "10.9.9.9"),
    ))
    assert msg == "[Number of records limit of 1000 exceeded.]"
    assert records(r53, zid) == before


def test_upsert_counts_each_resource_record_twice_create_and_delete_once(zone):
    """AWS: "When the value of the Action element is UPSERT, each ResourceRecord element
    is counted twice": an UPSERT of 500 values fits, of 501 does not; CREATE and DELETE
    count each once (a DELETE + CREATE compare-and-swap of 500 values each fits)."""
    r53, zid = zone
    change(r53, zid, many("UPSERT", "up.cache.internal.", "A", ips(1, 500)))
    before = records(r53, zid)
    msg = expect_invalid_change_batch(lambda: change(r53, zid, many("UPSERT", "up2.cache.internal.", "A", ips(2, 501))))
    assert msg == "[Number of records limit of 1000 exceeded.]"
    expect_invalid_change_batch(
        lambda: change(r53, zid, many("UPSERT", "up2.cache.internal.", "A", ips(2, 500)),
                       rr("CREATE", "one-more.cache.internal.", "A", "10.9.9.9")),
        "Number of records limit of 1000 exceeded.")
    assert records(r53, zid) == before
    change(r53, zid, many("CREATE", "created.cache.internal.", "A", ips(3, 501)))
    change(r53, zid, many("DELETE", "up.cache.internal.", "A", ips(1, 500)),
           many("CREATE", "up.cache.internal.", "A", ips(4, 500)))
    assert records(r53, zid)[("up.cache.internal.", "A")][1][0] == "10.4.0.0"


def test_batch_of_exactly_32000_value_characters_is_accepted_32001_rejected_and_nothing_applied(zone):
    """AWS: "The sum of the number of characters (including spaces) in all Value elements
    in a request cannot exceed 32,000 characters." 125 TXT values of 256 characters are
    applied; one character more is InvalidChangeBatch (HTTP 400) "[RDATA character limit
    of 32000 exceeded.]" and nothing of the batch is applied."""
    r53, zid = zone
    values = [txt(256, i) for i in range(125)]
    assert sum(map(len, values)) == 32000 and len(set(values)) == 125 and " " in values[0]
    change(r53, zid, *[many("CREATE", f"t{k}.cache.internal.", "TXT", values[k * 25:(k + 1) * 25]) for k in range(5)])
    before = records(r53, zid)
    over = values[:-1] + [txt(257, 124)]
    assert sum(map(len, over)) == 32001
    msg = expect_invalid_change_batch(lambda: change(
        r53, zid, *[many("CREATE", f"u{k}.cache.internal.", "TXT", over[k * 25:(k + 1) * 25]) for k in range(5)]))
    assert msg == "[RDATA character limit of 32000 exceeded.]"
    assert records(r53, zid) == before


def test_upsert_counts_each_value_character_twice(zone):
    """AWS: "When the value of the Action element is UPSERT, each character in a Value
    element is counted twice": UPSERTs of 16,000 characters fit, of 16,001 do not (and
    change nothing), while a CREATE of 16,001 does."""
    r53, zid = zone
    values = [txt(128, i) for i in range(125)]
    assert sum(map(len, values)) == 16000 and len(set(values)) == 125
    change(r53, zid, many("UPSERT", "v.cache.internal.", "TXT", values))
    before = records(r53, zid)
    over = values[:-1] + [txt(129, 124)]
    msg = expect_invalid_change_batch(lambda: change(r53, zid, many("UPSERT", "w.cache.internal.", "TXT", over)))
    assert msg == "[RDATA character limit of 32000 exceeded.]"
    assert records(r53, zid) == before
    change(r53, zid, many("CREATE", "w.cache.internal.", "TXT", over))
    assert len(records(r53, zid)[("w.cache.internal.", "TXT")][1]) == 125
