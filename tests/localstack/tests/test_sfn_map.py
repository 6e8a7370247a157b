"""An inline Map over an empty array.

AWS: Step Functions Developer Guide, "Map state" / "Using Map state in Inline mode"
(https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html): the Map
state runs its ItemProcessor once per element of the array ItemsPath selects and its
result is the array of the iterations' outputs, one element per item, in item order;
with ResultPath that array is inserted into the state's input. An empty array therefore
runs no iteration and yields []. replica-dns relies on it: a no-op's filter output has
`groups: []`, and the Groups Map then runs nothing and leaves the filter's output (with
its noOp reason) as the execution's output (statemachine/replica-dns.asl.json).
"""

from __future__ import annotations

import json

from conftest import unique, wait_until

ROLE = "arn:aws:iam::123456789012:role/sfn"

GROUPS_MAP = {
    "StartAt": "Groups",
    "States": {
        "Groups": {
            "Type": "Map",
            "ItemsPath": "$.groups",
            "MaxConcurrency": 5,
            "ResultPath": "$.groups",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Report",
                "States": {"Report": {"Type": "Pass", "OutputPath": "$.report", "End": True}},
            },
            "End": True,
        }
    },
}


def run(sfn, input_doc: dict) -> dict:
    sm = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(GROUPS_MAP), roleArn=ROLE)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps(input_doc))["executionArn"]
    done = wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      timeout=20)
    return done | {"events": sfn.get_execution_history(executionArn=arn)["events"]}


def test_a_map_over_an_empty_array_runs_no_iteration_and_keeps_the_rest_of_its_input(emulator):
    """AWS: no item, no iteration; the result [] goes to ResultPath, the rest of the input stays."""
    noop = {"noop": True, "reason": "not ours", "noOp": {"reason": {"kind": "otherGroup"}}, "groups": []}
    d = run(emulator.client("stepfunctions"), noop)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == noop
    assert not [e for e in d["events"] if e["type"] == "MapIterationStarted"], d["events"]


def test_a_map_returns_one_result_per_item_in_item_order(emulator):
    """AWS: the result is the array of the iterations' outputs, in item order."""
    items = [{"report": {"group": g}} for g in ("a", "b", "c")]
    d = run(emulator.client("stepfunctions"), {"groups": items})
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"])["groups"] == [{"group": "a"}, {"group": "b"}, {"group": "c"}]
