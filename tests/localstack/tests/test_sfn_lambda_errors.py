"""Lambda failures as a Step Functions `arn:aws:states:::lambda:invoke` Task reports them,
over the real Lambda host (fake runtime functions).

AWS, Step Functions Developer Guide "Handle Lambda service exceptions"
(https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html):
unhandled errors in Lambda, including out-of-memory errors and function timeouts, are
reported as `Lambda.Unknown` (matched by Lambda.Unknown, States.ALL or States.TaskFailed);
an error the function itself raised keeps its errorType as the error name.
"""

from __future__ import annotations

import json

import pytest

from conftest import unique, wait_until
from host_helpers import fake_binary

ROLE = "arn:aws:iam::123456789012:role/sfn"


def retrying_machine(sfn, live, fn: str, errors: list[str], max_attempts: int = 2) -> str:
    definition = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": live.function_arn(fn), "Payload.$": "$"},
        "ResultSelector": {"result.$": "$.Payload"},
        "Retry": [{"ErrorEquals": errors, "IntervalSeconds": 1, "MaxAttempts": max_attempts, "BackoffRate": 1.0}],
        "End": True}}}
    return sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition),
                                    roleArn=ROLE)["stateMachineArn"]


def run(sfn, machine: str, event: dict, timeout: float = 40) -> tuple[dict, list[dict]]:
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(event))["executionArn"]
    done = wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      timeout=timeout)
    return done, sfn.get_execution_history(executionArn=arn)["events"]


def failures(events: list[dict]) -> list[dict]:
    return [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]


@pytest.mark.parametrize("first,function_error,extra", [
    ({"sleep": 30}, "Sandbox.Timedout", {}),
    ({"exit": 2}, "Runtime.ExitError", {}),
    ({"alloc_mb": 200, "sleep": 30}, "Runtime.OutOfMemory", {"memorySize": 128}),
])
def test_platform_failure_is_lambda_unknown_and_retry_on_it_recovers(live, tmp_path, first, function_error, extra):
    """AWS: a function timeout, a runtime exit or an out-of-memory kill fails the
    lambda:invoke Task with error Lambda.Unknown (Cause: the Lambda error payload); a
    Retry on Lambda.Unknown runs the Task again, and the execution succeeds."""
    fn = unique("flaky")
    live.host.register(fn, fake_binary(tmp_path), timeout=1 if "sleep" in first else 10, **extra)
    sfn = live.emulator.client("stepfunctions")
    machine = retrying_machine(sfn, live, fn, ["Lambda.Unknown"])
    marker = str(tmp_path / f"{fn}.once")
    done, events = run(sfn, machine, {"once": marker, "first": first, "then": {"echo": "recovered"}})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"result": "recovered"}
    failed = failures(events)
    assert [f["error"] for f in failed] == ["Lambda.Unknown"]
    cause = json.loads(failed[0]["cause"])
    assert cause["errorType"] == function_error
    assert cause["errorMessage"].startswith("RequestId: ")
    assert [e["type"] for e in events if e["type"].startswith("Task") and e["type"] != "TaskStateEntered"][-3:] == \
        ["TaskStarted", "TaskSucceeded", "TaskStateExited"]


def test_uncaught_platform_failure_fails_the_execution_with_lambda_unknown(live, tmp_path):
    """AWS: without a matching Retry/Catch the execution fails with error Lambda.Unknown;
    States.TaskFailed also matches it."""
    fn = unique("crash")
    live.host.register(fn, fake_binary(tmp_path))
    sfn = live.emulator.client("stepfunctions")
    done, _ = run(sfn, retrying_machine(sfn, live, fn, ["ReplicaDns.Transient"]), {"exit": 9})
    assert (done["status"], done["error"]) == ("FAILED", "Lambda.Unknown")
    assert json.loads(done["cause"])["errorType"] == "Runtime.ExitError"
    marker = str(tmp_path / "task-failed.once")
    done, events = run(sfn, retrying_machine(sfn, live, fn, ["States.TaskFailed"]),
                       {"once": marker, "first": {"exit": 9}})
    assert done["status"] == "SUCCEEDED" and [f["error"] for f in failures(events)] == ["Lambda.Unknown"]


@pytest.mark.parametrize("error_type", ["ReplicaDns.Transient", "Runtime.ExitError"])
def test_error_the_runtime_posted_keeps_its_error_type(live, tmp_path, error_type):
    """AWS: an error the function reported (posted to /runtime/invocation/{id}/error) is
    the Task's error under its own errorType, so Retry/Catch can tell transient from
    fatal — even if the name looks like a platform error; it is not Lambda.Unknown."""
    fn = unique("posted")
    live.host.register(fn, fake_binary(tmp_path))
    sfn = live.emulator.client("stepfunctions")
    marker = str(tmp_path / f"{fn}.once")
    machine = retrying_machine(sfn, live, fn, [error_type])
    done, events = run(sfn, machine, {"once": marker, "first": {"error": [error_type, "throttled"]}})
    assert done["status"] == "SUCCEEDED", done
    failed = failures(events)
    assert [f["error"] for f in failed] == [error_type]
    assert json.loads(failed[0]["cause"]) == {"errorType": error_type, "errorMessage": "throttled"}
    # Not matched by a Retry on Lambda.Unknown: it fails the execution under its own name.
    done, _ = run(sfn, retrying_machine(sfn, live, fn, ["Lambda.Unknown"]), {"error": [error_type, "fatal"]})
    assert (done["status"], done["error"]) == ("FAILED", error_type)
