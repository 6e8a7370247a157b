"""ResultPath into a state input that is not a JSON object.

AWS: Step Functions Developer Guide, "Handling errors in Step Functions workflows"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
States.Runtime — "An execution failed due to some exception that it couldn't process.
Often these are caused by errors at runtime, such as attempting to apply InputPath or
OutputPath on a null JSON payload." ResultPath "$.field" needs an object to insert into;
on a string, array, number or null input the execution fails with States.Runtime, and
States.ALL does not catch it (the same page: States.ALL does not match terminal errors).
replica-dns's Filter state therefore catches with ResultPath "$" (tests/e2e/pipeline_inputs.rs).
"""

from __future__ import annotations

import json

import pytest

from conftest import unique, wait_until

ROLE = "arn:aws:iam::123456789012:role/sfn"


def run(sfn, definition: dict, input_json: str) -> dict:
    sm = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=sm, input=input_json)["executionArn"]
    return wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      timeout=20)


INSERT = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "End": True}}}
REPLACE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$", "End": True}}}


# null is left out: the guide does not say what inserting into a null input does (moto
# creates the object); replica-dns's Filter catches with ResultPath "$" either way.
@pytest.mark.parametrize("input_json", ['"orders"', "[1]", "7"])
def test_result_path_into_a_non_object_input_fails_with_states_runtime(emulator, input_json):
    """AWS: inserting a result at $.r into a string, array or number fails the
    execution with States.Runtime."""
    d = run(emulator.client("stepfunctions"), INSERT, input_json)
    assert d["status"] == "FAILED", d
    assert d.get("error") == "States.Runtime", d


@pytest.mark.parametrize("input_json", ['"orders"', "null", "[1]", "7"])
def test_result_path_dollar_replaces_any_input(emulator, input_json):
    """AWS: ResultPath "$" replaces the state's input with its result, whatever it was."""
    d = run(emulator.client("stepfunctions"), REPLACE, input_json)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"a": 1}
