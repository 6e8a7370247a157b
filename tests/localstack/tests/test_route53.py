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
