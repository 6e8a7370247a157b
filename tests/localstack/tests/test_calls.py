"""API call counting (`/_replica_dns/calls`): every AWS call the emulator serves, by
`service:Operation`, globally or per registered scope (a substring of the request such
as a hosted zone or group id).

Not an AWS behaviour: a measuring tool. Keys use the IAM service prefix (the SigV4
signing name: route53, elasticache, states, lambda, …) and the API operation name.
Global counts are checked on an emulator of this module's own, so no other test's
background work (Step Functions executions) can mix in.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import Emulator, unique, wait_until

ROLE = "arn:aws:iam::123456789012:role/sfn"


@pytest.fixture(scope="module")
def own(tmp_path_factory, lambda_stub):
    emu = Emulator(tmp_path_factory.mktemp("calls"), lambda_stub.url)
    emu.control("POST", "/settings", {"route53_insync_seconds": 0, "node_create_seconds": 0})
    yield emu
    emu.stop()


def zone(emu) -> str:
    return emu.client("route53").create_hosted_zone(
        Name=f"{unique('c')}.test.", CallerReference=unique("ref"))["HostedZone"]["Id"].split("/")[-1]


def upsert(emu, zid: str, value: str = "10.0.0.1") -> None:
    name = emu.client("route53").get_hosted_zone(Id=zid)["HostedZone"]["Name"]
    emu.client("route53").change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"a.{name}", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": value}]}}]})


def test_global_counts_by_service_and_operation_and_skip_control_and_health(own):
    assert own.control("POST", "/calls/reset", {}) == (200, {"reset": "all"})
    zid = zone(own)
    r53 = own.client("route53")
    for _ in range(3):
        r53.list_resource_record_sets(HostedZoneId=zid)
    r53.get_change(Id=r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "x." + r53.get_hosted_zone(Id=zid)["HostedZone"]["Name"],
                                                   "Type": "TXT", "TTL": 60,
                                                   "ResourceRecords": [{"Value": '"v"'}]}}]})["ChangeInfo"]["Id"])
    own.client("elasticache").describe_cache_clusters()
    own.client("stepfunctions").list_state_machines()
    own.client("sns").list_topics()
    # Control API and health are not AWS calls.
    own.control("GET", "/health")
    own.control("GET", "/settings")
    own.control("GET", "/faults")
    status, body = own.control("GET", "/calls")
    assert status == 200
    assert body["calls"] == {
        "elasticache:DescribeCacheClusters": 1,
        "route53:ChangeResourceRecordSets": 1,
        "route53:CreateHostedZone": 1,
        "route53:GetChange": 1,
        "route53:GetHostedZone": 1,
        "route53:ListResourceRecordSets": 3,
        "sns:ListTopics": 1,
        "states:ListStateMachines": 1,
    }
    assert body["total"] == 10
    assert "match" not in body
    own.control("POST", "/calls/reset", {})
    assert own.control("GET", "/calls") == (200, {"calls": {}, "total": 0})


def test_scope_counts_only_requests_containing_its_match(own):
    """Two zones used at once: each scope counts only the requests naming its zone (in
    the path here), so parallel tests can measure their own calls."""
    a, b = zone(own), zone(own)
    assert own.control("POST", "/calls/reset", {"match": a}) == (200, {"reset": a})
    assert own.control("POST", "/calls/reset?match=" + b)[0] == 200
    upsert(own, a)
    upsert(own, b)
    upsert(own, b, "10.0.0.2")
    own.client("route53").list_resource_record_sets(HostedZoneId=b)
    status, body = own.control("GET", "/calls?match=" + a)
    assert (status, body) == (200, {"calls": {"route53:ChangeResourceRecordSets": 1, "route53:GetHostedZone": 1},
                                    "total": 2, "match": a})
    status, body = own.control("GET", "/calls?match=" + b)
    assert body["calls"] == {"route53:ChangeResourceRecordSets": 2, "route53:GetHostedZone": 2,
                             "route53:ListResourceRecordSets": 1}
    # Re-registering zeroes the scope; DELETE drops it.
    own.control("POST", "/calls/reset", {"match": a})
    assert own.control("GET", "/calls?match=" + a)[1]["total"] == 0
    assert own.control("DELETE", "/calls?match=" + a) == (200, {"deleted": a})
    assert own.control("GET", "/calls?match=" + a)[0] == 404
    assert own.control("DELETE", "/calls?match=" + a)[0] == 404


def test_scope_matches_query_protocol_bodies_url_decoded(own):
    """An ElastiCache (query protocol) request names its group id in the form body."""
    gid = unique("grp")
    own.control("POST", "/calls/reset", {"match": gid})
    ec = own.client("elasticache")
    with pytest.raises(ec.exceptions.ReplicationGroupNotFoundFault):
        ec.describe_replication_groups(ReplicationGroupId=gid)
    ec.describe_cache_clusters()  # names no group: not in the scope
    assert own.control("GET", "/calls?match=" + gid)[1]["calls"] == {"elasticache:DescribeReplicationGroups": 1}


def test_unregistered_scope_and_bad_input_are_refused(own):
    status, body = own.control("GET", "/calls?match=" + unique("never"))
    assert status == 404 and "register it first" in body["error"]
    assert own.control("GET", "/calls?other=1")[0] == 400
    assert own.control("POST", "/calls/reset", {"match": ""})[0] == 400
    assert own.control("POST", "/calls/reset", {"match": 5})[0] == 400
    assert own.control("POST", "/calls/reset", {"zone": "x"})[0] == 400
    assert own.control("DELETE", "/calls")[0] == 400


def test_step_functions_lambda_invokes_count_as_lambda_invoke(own, lambda_stub):
    """The Invokes moto's Step Functions interpreter sends back into the emulator are
    counted like any caller's: `lambda:Invoke`, in the scope of the execution input."""
    name = unique("counted")
    lambda_stub.functions[name] = lambda event: {"seen": event["marker"]}
    marker = unique("mark")
    own.control("POST", "/calls/reset", {"match": marker})
    sfn = own.client("stepfunctions")
    sm = sfn.create_state_machine(name=unique("sm"), roleArn=ROLE, definition=json.dumps({
        "StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "B",
                  "Parameters": {"FunctionName": name, "Payload.$": "$"}, "ResultSelector": {"marker.$": "$.Payload.seen"}},
            "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                  "Parameters": {"FunctionName": name, "Payload.$": "$"}}}}))["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"marker": marker}))["executionArn"]
    wait_until(lambda: sfn.describe_execution(executionArn=ex)["status"] != "RUNNING", timeout=20)
    assert sfn.describe_execution(executionArn=ex)["status"] == "SUCCEEDED"
    assert own.control("GET", "/calls?match=" + marker)[1]["calls"] == {"lambda:Invoke": 2,
                                                                        "states:StartExecution": 1}


def test_direct_lambda_invoke_counts_and_unsigned_requests_are_unknown(own, lambda_stub):
    name = unique("direct")
    lambda_stub.functions[name] = lambda event: event
    own.control("POST", "/calls/reset", {"match": name})
    own.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    # Not an AWS API request (unsigned, no operation recognised): counted as unknown.
    req = urllib.request.Request(f"{own.url}/{name}/nothing", method="GET")
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except urllib.error.HTTPError:
        pass
    assert own.control("GET", "/calls?match=" + name)[1]["calls"] == {"lambda:Invoke": 1, "unknown:unknown": 1}
