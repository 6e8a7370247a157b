"""Fault injection (`/_replica_dns/faults`): a Lambda dies mid-call or a dependency is slow,
on demand, over the real Lambda host. What the functions and Step Functions then see is
AWS's behaviour for those failures: a killed runtime fails the invocation with
Runtime.ExitError ("signal: killed"), a lambda:invoke Task reports it as Lambda.Unknown
(Step Functions Developer Guide "Handle Lambda service exceptions",
https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html),
and a function that outlives its timeout fails with Sandbox.Timedout.
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import unique, wait_until
from host_helpers import fake_binary

ROLE = "arn:aws:iam::123456789012:role/sfn"


def zone(live) -> tuple[str, str]:
    """A new hosted zone: (bare id as it appears in request paths, name)."""
    name = f"{unique('z')}.test."
    zid = live.emulator.client("route53").create_hosted_zone(
        Name=name, CallerReference=unique("ref"))["HostedZone"]["Id"].split("/")[-1]
    return zid, name


def upsert(zid: str, name: str, value: str = "10.0.0.1") -> dict:
    return {"boto": ["route53", "change_resource_record_sets", {"HostedZoneId": zid, "ChangeBatch": {"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"a.{name}", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": value}]}}]}}]}


def a_records(live, zid: str) -> list[dict]:
    sets = live.emulator.client("route53").list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]
    return [s for s in sets if s["Type"] == "A"]


def add_fault(live, rule: dict) -> str:
    status, body = live.emulator.control("POST", "/faults", rule)
    assert status == 200, body
    return body["id"]


def fault(live, rule_id: str) -> dict:
    return next(f for f in live.emulator.control("GET", "/faults")[1]["faults"] if f["id"] == rule_id)


def invoke(live, fn: str, event: dict) -> tuple[str | None, object]:
    resp = live.emulator.client("lambda").invoke(FunctionName=fn, Payload=json.dumps(event).encode())
    return resp.get("FunctionError"), json.loads(resp["Payload"].read())


@pytest.fixture
def writer(live, tmp_path):
    fn = unique("writer")
    live.host.register(fn, fake_binary(tmp_path), timeout=30)
    return fn


def test_kill_caller_before_drops_the_write_and_the_invocation_fails_runtime_exit_error(live, writer):
    """AWS: a Lambda runtime killed while its call is in flight fails the invocation with
    Runtime.ExitError "Runtime exited with error: signal: killed"; here the call never
    reached Route 53, so nothing was written."""
    zid, name = zone(live)
    rule = add_fault(live, {"operation": "ChangeResourceRecordSets", "match": zid, "action": "kill-caller",
                            "when": "before", "function": writer})
    error, payload = invoke(live, writer, upsert(zid, name))
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    assert a_records(live, zid) == []
    assert (fault(live, rule)["fired"], fault(live, rule)["remaining"]) == (1, 0)
    # times=1: the next call goes through.
    assert invoke(live, writer, upsert(zid, name))[0] is None
    assert [r["ResourceRecords"] for r in a_records(live, zid)] == [[{"Value": "10.0.0.1"}]]


def test_kill_caller_after_delivers_the_write_and_loses_the_response(live, writer):
    """AWS: a runtime killed after its request reached the service: the change is applied,
    the invocation still fails with Runtime.ExitError (signal: killed)."""
    zid, name = zone(live)
    add_fault(live, {"operation": "ChangeResourceRecordSets", "match": zid, "action": "kill-caller",
                     "when": "after", "function": writer})
    error, payload = invoke(live, writer, upsert(zid, name, "10.0.0.2"))
    assert (error, payload["errorType"]) == ("Unhandled", "Runtime.ExitError")
    assert "signal: killed" in payload["errorMessage"]
    assert [r["ResourceRecords"] for r in a_records(live, zid)] == [[{"Value": "10.0.0.2"}]]


def test_only_while_busy_fires_only_for_calls_made_while_the_function_runs(live, writer):
    """Not an AWS behaviour but a test aid: an onlyWhileBusy kill-caller rule is not
    consumed by the same call made by someone else (here the test itself, while the
    function is idle), and fires once the named function makes it."""
    zid, name = zone(live)
    rule = add_fault(live, {"operation": "ChangeResourceRecordSets", "match": zid, "action": "kill-caller",
                            "when": "before", "function": writer, "onlyWhileBusy": True})
    route53 = live.emulator.client("route53")
    route53.change_resource_record_sets(**upsert(zid, name, "10.0.0.7")["boto"][2])
    assert fault(live, rule)["fired"] == 0
    error, payload = invoke(live, writer, upsert(zid, name, "10.0.0.8"))
    assert (error, payload["errorType"]) == ("Unhandled", "Runtime.ExitError")
    assert fault(live, rule)["fired"] == 1
    assert [r["ResourceRecords"] for r in a_records(live, zid)] == [[{"Value": "10.0.0.7"}]]


def test_delay_past_the_function_timeout_is_sandbox_timedout(live, tmp_path):
    """AWS: a function still waiting on a slow call when its timeout expires fails with
    Sandbox.Timedout "Task timed out after N.00 seconds"."""
    fn = unique("reader")
    live.host.register(fn, fake_binary(tmp_path), timeout=1)
    zid, _ = zone(live)
    add_fault(live, {"operation": "ListResourceRecordSets", "match": zid, "action": "delay", "seconds": 3})
    error, payload = invoke(live, fn, {"boto": ["route53", "list_resource_record_sets", {"HostedZoneId": zid}]})
    assert (error, payload["errorType"]) == ("Unhandled", "Sandbox.Timedout")
    assert payload["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")


def test_times_bounds_how_often_a_rule_fires(live):
    """A rule fires on its first `times` matching requests only; GET lists how often."""
    zid, _ = zone(live)
    r53 = live.emulator.client("route53")
    rule = add_fault(live, {"operation": "ListResourceRecordSets", "match": zid, "action": "delay",
                            "seconds": 0.5, "times": 2})
    took = []
    for _ in range(3):
        t0 = time.monotonic()
        r53.list_resource_record_sets(HostedZoneId=zid)
        took.append(time.monotonic() - t0)
    assert took[0] >= 0.5 and took[1] >= 0.5 and took[2] < 0.4, took
    assert (fault(live, rule)["fired"], fault(live, rule)["times"]) == (2, 2)


def test_match_isolates_parallel_tests(live):
    """A rule only applies to requests whose path, query or body contains `match`."""
    (zid_a, _), (zid_b, _) = zone(live), zone(live)
    r53 = live.emulator.client("route53")
    rule = add_fault(live, {"operation": "ListResourceRecordSets", "match": zid_a, "action": "delay", "seconds": 0.6})
    t0 = time.monotonic()
    r53.list_resource_record_sets(HostedZoneId=zid_b)
    assert time.monotonic() - t0 < 0.5
    assert fault(live, rule)["fired"] == 0
    t0 = time.monotonic()
    r53.list_resource_record_sets(HostedZoneId=zid_a)
    assert time.monotonic() - t0 >= 0.6
    assert fault(live, rule)["fired"] == 1


@pytest.mark.parametrize("operation,call", [
    ("GetChange", lambda e, uid: e.client("route53").get_change(Id=uid)),
    ("DescribeReplicationGroups", lambda e, uid: e.client("elasticache").describe_replication_groups(
        ReplicationGroupId=uid)),
    ("DescribeCacheClusters", lambda e, uid: e.client("elasticache").describe_cache_clusters(CacheClusterId=uid)),
    ("DescribeStateMachine", lambda e, uid: e.client("stepfunctions").describe_state_machine(
        stateMachineArn=f"arn:aws:states:us-east-1:123456789012:stateMachine:{uid}")),
])
def test_operation_is_recognised_on_the_wire_for_rest_query_and_json_protocols(live, operation, call):
    """Route 53 by REST path, ElastiCache by query `Action`, Step Functions by
    `X-Amz-Target`; the delayed request is then handled normally (here: AWS's not-found
    error)."""
    uid = unique("op")
    rule = add_fault(live, {"operation": operation, "match": uid, "action": "delay", "seconds": 0.5})
    t0 = time.monotonic()
    with pytest.raises(ClientError):
        call(live.emulator, uid)
    assert time.monotonic() - t0 >= 0.5
    assert fault(live, rule)["fired"] == 1


def test_step_functions_retry_on_lambda_unknown_recovers_from_a_killed_caller(live, writer):
    """AWS: the killed invocation fails the lambda:invoke Task with Lambda.Unknown (Cause:
    Runtime.ExitError, signal: killed); a Retry on Lambda.Unknown runs it again and the
    second attempt writes the record."""
    zid, name = zone(live)
    add_fault(live, {"operation": "ChangeResourceRecordSets", "match": zid, "action": "kill-caller",
                     "when": "before", "function": writer})
    sfn = live.emulator.client("stepfunctions")
    sm = sfn.create_state_machine(name=unique("sm"), roleArn=ROLE, definition=json.dumps({
        "StartAt": "Apply", "States": {"Apply": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": live.function_arn(writer), "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["Lambda.Unknown"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "End": True}}}))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps(upsert(zid, name)))["executionArn"]
    done = wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d, 40)
    assert done["status"] == "SUCCEEDED", done
    failed = [e["taskFailedEventDetails"] for e in sfn.get_execution_history(executionArn=arn)["events"]
              if e["type"] == "TaskFailed"]
    assert [f["error"] for f in failed] == ["Lambda.Unknown"]
    cause = json.loads(failed[0]["cause"])
    assert cause["errorType"] == "Runtime.ExitError" and "signal: killed" in cause["errorMessage"]
    assert len(a_records(live, zid)) == 1


@pytest.mark.parametrize("rule,field", [
    ({"match": "x", "action": "delay", "seconds": 1}, "operation"),
    ({"operation": "GetChange", "action": "explode"}, "action"),
    ({"operation": "GetChange", "action": "delay"}, "seconds"),
    ({"operation": "GetChange", "action": "delay", "seconds": -1}, "seconds"),
    ({"operation": "GetChange", "action": "kill-caller", "function": "f"}, "when"),
    ({"operation": "GetChange", "action": "kill-caller", "when": "during", "function": "f"}, "when"),
    ({"operation": "GetChange", "action": "kill-caller", "when": "before"}, "function"),
    ({"operation": "GetChange", "action": "delay", "seconds": 1, "times": 0}, "times"),
    ({"operation": "GetChange", "action": "delay", "seconds": 1, "match": ""}, "match"),
    ({"operation": "GetChange", "action": "delay", "seconds": 1, "when": "before"}, "when"),
    ({"operation": "GetChange", "action": "delay", "seconds": 1, "bogus": 1}, "bogus"),
])
def test_bad_rule_is_400_naming_the_field(live, rule, field):
    status, body = live.emulator.control("POST", "/faults", rule)
    assert status == 400
    assert field in body["error"]


def test_delete_removes_a_rule(live):
    rule = add_fault(live, {"operation": "GetChange", "match": unique("never"), "action": "delay", "seconds": 1})
    assert live.emulator.control("DELETE", f"/faults/{rule}") == (200, {"deleted": rule})
    assert rule not in [f["id"] for f in live.emulator.control("GET", "/faults")[1]["faults"]]
    assert live.emulator.control("DELETE", f"/faults/{rule}")[0] == 404
