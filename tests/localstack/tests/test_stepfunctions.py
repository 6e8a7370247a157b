"""Step Functions execution as replica-dns's state machine needs it: real Lambda calls
through the Invoke forwarder, Retry/Catch by errorType, many executions per machine,
idempotent StartExecution by name, JSONata, Wait states taking real time."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import LambdaStub, unique, wait_until

ROLE = "arn:aws:iam::123456789012:role/sfn"


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def machine(sfn, definition: dict) -> str:
    return sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


def finish(sfn, arn: str, timeout: float = 20) -> dict:
    return wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      timeout=timeout)


def test_lambda_task_retries_on_error_type_then_succeeds(emulator, lambda_stub):
    """AWS: a Task's Retry matches the function error's errorType (from
    X-Amz-Function-Error + payload); after the retry succeeds the execution succeeds
    with the function's output."""
    name = unique("flaky")
    attempts = []

    def flaky(event):
        attempts.append(event)
        if len(attempts) < 2:
            raise LambdaStub.FunctionError("TransientAwsError", "try again")
        return {"ok": True, "seen": event["n"]}

    lambda_stub.functions[name] = flaky
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": fn_arn(name), "End": True,
        "Retry": [{"ErrorEquals": ["TransientAwsError"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}],
    }}})
    ex = sfn.start_execution(stateMachineArn=sm, input='{"n": 7}')["executionArn"]
    d = finish(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"ok": True, "seen": 7}
    assert len(attempts) == 2


def test_lambda_task_catch_routes_fatal_error_type(emulator, lambda_stub):
    """AWS: Catch by errorType routes to the handler state with {Error, Cause}; an
    errorType not listed in Retry is not retried."""
    name = unique("fatal")
    calls = []

    def fatal(event):
        calls.append(event)
        raise LambdaStub.FunctionError("FatalConfigError", "bad config")

    lambda_stub.functions[name] = fatal
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": fn_arn(name), "Next": "Done",
                 "Retry": [{"ErrorEquals": ["TransientAwsError"], "IntervalSeconds": 1, "MaxAttempts": 3}],
                 "Catch": [{"ErrorEquals": ["FatalConfigError"], "ResultPath": "$.error", "Next": "Handled"}]},
        "Handled": {"Type": "Pass", "End": True},
        "Done": {"Type": "Succeed"},
    }})
    d = finish(sfn, sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"])
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["error"]["Error"] == "FatalConfigError"
    assert json.loads(out["error"]["Cause"])["errorMessage"] == "bad config"
    assert len(calls) == 1


def test_uncaught_function_error_fails_the_execution_with_its_error_type(emulator, lambda_stub):
    """AWS: an uncaught function error fails the execution; error = errorType."""
    name = unique("uncaught")

    def bad(event):
        raise LambdaStub.FunctionError("FatalConfigError", "nope")

    lambda_stub.functions[name] = bad
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": fn_arn(name), "End": True}}})
    d = finish(sfn, sfn.start_execution(stateMachineArn=sm)["executionArn"])
    assert d["status"] == "FAILED"
    assert d["error"] == "FatalConfigError"


def test_one_state_machine_runs_many_executions(emulator):
    """AWS: a Standard state machine runs any number of executions (moto < 5.2.5 failed
    the second StartExecution deep-copying a lock)."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    arns = [sfn.start_execution(stateMachineArn=sm, name=f"run-{i}", input=json.dumps({"i": i}))["executionArn"]
            for i in range(4)]
    assert len(set(arns)) == 4
    for i, arn in enumerate(arns):
        d = finish(sfn, arn)
        assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"i": i}


def test_start_execution_is_idempotent_by_name(emulator):
    """AWS Standard: StartExecution with the name and input of a running execution
    returns that execution; same name with other input is ExecutionAlreadyExists (so an
    SNS MessageId used as the name makes redelivery harmless)."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "End": True}}})
    first = sfn.start_execution(stateMachineArn=sm, name="msg-1", input='{"a":1}')["executionArn"]
    again = sfn.start_execution(stateMachineArn=sm, name="msg-1", input='{"a":1}')["executionArn"]
    assert again == first
    with pytest.raises(ClientError) as info:
        sfn.start_execution(stateMachineArn=sm, name="msg-1", input='{"a":2}')
    assert info.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
    assert len(sfn.list_executions(stateMachineArn=sm)["executions"]) == 1


def test_start_execution_without_a_name_gets_a_unique_generated_name(emulator):
    """AWS: StartExecution's name is optional; without one Step Functions generates a
    UUID, so two unnamed starts are two executions (moto's execution mode named both
    "None", and the second failed with ExecutionAlreadyExists)."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    first = sfn.start_execution(stateMachineArn=sm, input='{"a": 1}')["executionArn"]
    second = sfn.start_execution(stateMachineArn=sm, input='{"a": 2}')["executionArn"]
    assert first != second
    for arn in (first, second):
        name = arn.rsplit(":", 1)[-1]
        assert name != "None" and len(name) == 36, arn
        assert finish(sfn, arn)["status"] == "SUCCEEDED"


def test_wait_state_takes_real_time(emulator):
    """AWS: a Wait state of N seconds delays the execution by N seconds."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}})
    t0 = time.monotonic()
    d = finish(sfn, sfn.start_execution(stateMachineArn=sm, input='{"s": 2}')["executionArn"])
    assert d["status"] == "SUCCEEDED"
    assert time.monotonic() - t0 >= 2.0


def test_jsonata_query_language_is_evaluated(emulator, lambda_stub):
    """AWS: QueryLanguage JSONata evaluates {% %} expressions (Arguments/Output) with
    $states.input and $states.result."""
    name = unique("double")
    lambda_stub.functions[name] = lambda event: {"v": event["x"] * 2}
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"QueryLanguage": "JSONata", "StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Arguments": {"FunctionName": fn_arn(name), "Payload": {"x": "{% $states.input.n + 1 %}"}},
                 "Output": {"result": "{% $states.result.Payload.v %}", "names": "{% $count($states.input.list) %}"},
                 "End": True}}})
    d = finish(sfn, sfn.start_execution(stateMachineArn=sm, input='{"n": 4, "list": [1,2,3]}')["executionArn"])
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"result": 10, "names": 3}
