"""Step Functions payload limits: 256 KiB (262,144 bytes of UTF-8 JSON) for execution
input, each state's input and output, and task results.

AWS: Step Functions Developer Guide, "Step Functions service quotas"
(https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); API Reference
"StartExecution" (`input`: maximum length 262144, bytes in UTF-8); Developer Guide
"Handling errors in Step Functions workflows"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
States.DataLimitExceeded, a terminal error that States.ALL does not catch.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import unique, wait_until

ROLE = "arn:aws:iam::123456789012:role/sfn"
LIMIT = 262_144
CAUSE = "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit."


def machine(sfn, definition: dict) -> str:
    return sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


def finish(sfn, arn: str, timeout: float = 20) -> dict:
    return wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      timeout=timeout)


def sized_input(total_bytes: int, char: str = "a") -> str:
    """'{"s":"<chars>"}' of exactly `total_bytes` UTF-8 bytes."""
    room = total_bytes - len('{"s":""}')
    width = len(char.encode())
    assert room % width == 0
    return '{"s":"' + char * (room // width) + '"}'


def test_start_execution_input_over_256_kib_is_a_validation_exception(emulator):
    """AWS: StartExecution `input` is at most 262,144 bytes in UTF-8; one byte more is
    rejected with ValidationException ("Member must have length less than or equal to
    262144") and no execution starts; exactly the limit is accepted (and passes a state)."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    with pytest.raises(ClientError) as info:
        sfn.start_execution(stateMachineArn=sm, input=sized_input(LIMIT + 1))
    err = info.value.response["Error"]
    assert err["Code"] == "ValidationException"
    assert err["Message"] == ("1 validation error detected: Value at 'input' failed to satisfy constraint: "
                              "Member must have length less than or equal to 262144")
    assert sfn.list_executions(stateMachineArn=sm)["executions"] == []
    ok = sfn.start_execution(stateMachineArn=sm, input=sized_input(LIMIT))["executionArn"]
    assert finish(sfn, ok)["status"] == "SUCCEEDED"


def test_start_execution_limit_counts_utf8_bytes_not_characters(emulator):
    """AWS: "Length constraints apply to the payload size, and are expressed as bytes in
    UTF-8 encoding": 131,069 two-byte characters (262,146 bytes) are too many."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    too_big = sized_input(LIMIT + 2, "é")
    assert len(too_big) < LIMIT
    with pytest.raises(ClientError) as info:
        sfn.start_execution(stateMachineArn=sm, input=too_big)
    assert info.value.response["Error"]["Code"] == "ValidationException"


def test_state_output_over_256_kib_fails_the_execution_with_data_limit_exceeded(emulator):
    """AWS: a state whose output is larger than the quota fails with
    States.DataLimitExceeded (a Pass state has no Catch: the execution fails)."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "Double", "States": {"Double": {
        "Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": True}}})
    d = finish(sfn, sfn.start_execution(stateMachineArn=sm, input=json.dumps({"s": "x" * 150_000}))["executionArn"])
    assert (d["status"], d["error"]) == ("FAILED", "States.DataLimitExceeded")


def test_state_size_is_utf8_json_not_ascii_escaped(emulator):
    """AWS: sizes are of the data "as a UTF-8 encoded string": 2 x 50,000 "é" is about
    200 KB and fits (moto counted each as a 6-byte \\u00e9 escape, about 600 KB)."""
    sfn = emulator.client("stepfunctions")
    sm = machine(sfn, {"StartAt": "Double", "States": {"Double": {
        "Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": True}}})
    text = json.dumps({"s": "é" * 50_000}, ensure_ascii=False)
    d = finish(sfn, sfn.start_execution(stateMachineArn=sm, input=text)["executionArn"])
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"])["a"] == "é" * 50_000


def _big_lambda_machine(sfn, name: str, catch_errors: list[str], retry_errors: list[str] | None = None) -> str:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": f"arn:aws:lambda:us-east-1:123456789012:function:{name}", "Payload": {}},
            "Catch": [{"ErrorEquals": catch_errors, "Next": "Handled"}], "Next": "Done"}
    if retry_errors:
        task["Retry"] = [{"ErrorEquals": retry_errors, "IntervalSeconds": 1, "MaxAttempts": 2}]
    return machine(sfn, {"StartAt": "Call", "States": {
        "Call": task, "Handled": {"Type": "Pass", "End": True}, "Done": {"Type": "Succeed"}}})


def test_task_result_over_256_kib_is_data_limit_exceeded_and_a_catch_naming_it_catches_it(emulator, lambda_stub):
    """AWS: a lambda:invoke Task whose result exceeds the quota fails (TaskFailed) with
    States.DataLimitExceeded, Cause "The state/task 'lambda' returned a result with a size
    exceeding the maximum number of bytes service limit."; a Catch that names
    States.DataLimitExceeded catches it."""
    name = unique("big")
    lambda_stub.functions[name] = lambda event: "x" * 300_000
    sfn = emulator.client("stepfunctions")
    sm = _big_lambda_machine(sfn, name, ["States.DataLimitExceeded"])
    arn = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
    d = finish(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"Error": "States.DataLimitExceeded", "Cause": CAUSE}
    failed = [e["taskFailedEventDetails"] for e in sfn.get_execution_history(executionArn=arn)["events"]
              if e["type"] == "TaskFailed"]
    assert [(f["error"], f["cause"]) for f in failed] == [("States.DataLimitExceeded", CAUSE)]


def test_states_all_does_not_catch_or_retry_data_limit_exceeded(emulator, lambda_stub):
    """AWS (documented): States.DataLimitExceeded is a terminal error that the States.ALL
    error type cannot catch; with only States.ALL in Retry and Catch, the execution fails
    with States.DataLimitExceeded after one attempt."""
    name = unique("big")
    calls = []
    lambda_stub.functions[name] = lambda event: calls.append(1) or "x" * 300_000
    sfn = emulator.client("stepfunctions")
    sm = _big_lambda_machine(sfn, name, ["States.ALL"], retry_errors=["States.ALL"])
    d = finish(sfn, sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"])
    assert (d["status"], d["error"], d["cause"]) == ("FAILED", "States.DataLimitExceeded", CAUSE)
    assert len(calls) == 1


def test_task_result_under_the_limit_is_delivered(emulator, lambda_stub):
    """AWS: a result below 256 KiB is the task's result as usual."""
    name = unique("medium")
    lambda_stub.functions[name] = lambda event: "x" * 200_000
    sfn = emulator.client("stepfunctions")
    sm = _big_lambda_machine(sfn, name, ["States.DataLimitExceeded"])
    arn = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
    d = finish(sfn, arn)
    assert d["status"] == "SUCCEEDED"
    assert json.loads(d["output"])["Payload"] == "x" * 200_000
