"""Choice rules on a field that may be absent, as replica-dns's FleetNext Choice uses them.

AWS: Step Functions Developer Guide, "Choice workflow state"
(https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html), Choice Rules
(JSONPath): the data-test operator IsPresent tests whether the field `Variable` names is
in the state's input; Step Functions evaluates the rules in order and takes the first
that is true, else `Default`. FleetNext's first rule ({"Variable": "$.fleet",
"IsPresent": false}) sends a per-group execution (no `fleet` in the filter's output) to
the Groups Map before any rule reads `$.fleet.next`.
"""

from __future__ import annotations

import json

import pytest

from conftest import unique, wait_until

ROLE = "arn:aws:iam::123456789012:role/sfn"

FLEET_NEXT = {
    "StartAt": "Next",
    "States": {
        "Next": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.fleet", "IsPresent": False, "Next": "Groups"},
                {"Variable": "$.fleet.next", "StringEquals": "plan", "Next": "Plan"},
            ],
            "Default": "Groups",
        },
        "Groups": {"Type": "Pass", "Result": {"reached": "groups"}, "End": True},
        "Plan": {"Type": "Pass", "Result": {"reached": "plan"}, "End": True},
    },
}


def run(sfn, definition: dict, input_json: str) -> dict:
    sm = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=sm, input=input_json)["executionArn"]
    return wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      timeout=20)


@pytest.mark.parametrize(
    ("state_input", "reached"),
    [
        ({"noop": False, "groups": []}, "groups"),
        ({"noop": False, "groups": [], "fleet": {"next": "plan"}}, "plan"),
        ({"noop": False, "groups": [], "fleet": {"next": "end"}}, "groups"),
    ],
)
def test_is_present_false_matches_an_absent_field_and_rules_run_in_order(emulator, state_input, reached):
    """AWS: IsPresent false is true for an input without the field; the first true rule
    wins, and Default when none is."""
    d = run(emulator.client("stepfunctions"), FLEET_NEXT, json.dumps(state_input))
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"reached": reached}
