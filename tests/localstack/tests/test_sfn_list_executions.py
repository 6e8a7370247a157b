"""ListExecutions, as snapshot and await-nodes ask it (core supersede): without a status
filter, newest first, and (the tests' own reads) with statusFilter RUNNING.

AWS: Step Functions API Reference, ListExecutions
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html):
"Lists all executions of a state machine"; `statusFilter` — "If specified, only list
the executions whose current execution status matches the given filter"; each item has
`executionArn`, `name` and `startDate`; `maxResults` — "The default is 100 and the
maximum allowed page size is 1000"; "If nextToken is returned, there are more results
available"; "Results are sorted by time, with the most recent execution first", each
item with its `status`. (Also: "This operation is eventually consistent" — not
modelled: the product treats a missing or stale entry as harmless, see core
supersede.rs.)
"""

from __future__ import annotations

import json

from conftest import unique, wait_until

ROLE = "arn:aws:iam::123456789012:role/sfn"
WAITING = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}


def running(sfn, sm: str, page: int = 1000) -> list[dict]:
    out, token = [], None
    while True:
        kwargs = {"stateMachineArn": sm, "statusFilter": "RUNNING", "maxResults": page}
        if token:
            kwargs["nextToken"] = token
        answer = sfn.list_executions(**kwargs)
        out.extend(answer["executions"])
        token = answer.get("nextToken")
        if not token:
            return out


def test_only_running_executions_are_listed_with_name_arn_and_start_date(emulator):
    """AWS: statusFilter RUNNING lists the running executions only, each with its name,
    ARN and start date; a stopped one is no longer listed."""
    sfn = emulator.client("stepfunctions")
    sm = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(WAITING), roleArn=ROLE)["stateMachineArn"]
    older = sfn.start_execution(stateMachineArn=sm, name="orders--m1", input="{}")["executionArn"]
    newer = sfn.start_execution(stateMachineArn=sm, name="orders-002--m2", input="{}")["executionArn"]
    listed = running(sfn, sm)
    assert {e["name"] for e in listed} == {"orders--m1", "orders-002--m2"}
    assert {e["executionArn"] for e in listed} == {older, newer}
    by_name = {e["name"]: e for e in listed}
    assert by_name["orders--m1"]["startDate"] <= by_name["orders-002--m2"]["startDate"]
    sfn.stop_execution(executionArn=older)
    wait_until(lambda: sfn.describe_execution(executionArn=older)["status"] == "ABORTED", timeout=10)
    assert [e["name"] for e in running(sfn, sm)] == ["orders-002--m2"]
    sfn.stop_execution(executionArn=newer)


def test_running_executions_page_with_next_token(emulator):
    """AWS: a listing longer than maxResults comes in pages joined by nextToken."""
    sfn = emulator.client("stepfunctions")
    sm = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(WAITING), roleArn=ROLE)["stateMachineArn"]
    arns = [sfn.start_execution(stateMachineArn=sm, name=f"g--m{i}", input="{}")["executionArn"] for i in range(3)]
    assert {e["executionArn"] for e in running(sfn, sm, page=2)} == set(arns)
    for arn in arns:
        sfn.stop_execution(executionArn=arn)


PASSING = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_without_a_filter_every_execution_is_listed_newest_first_with_its_status(emulator):
    """AWS: without statusFilter ListExecutions lists every execution of the state
    machine, running and ended, "sorted by time, with the most recent execution first",
    each with its status; pages of maxResults keep that order."""
    sfn = emulator.client("stepfunctions")
    sm = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(PASSING), roleArn=ROLE)["stateMachineArn"]
    names = [f"g--m{i}" for i in range(3)]
    for name in names:
        arn = sfn.start_execution(stateMachineArn=sm, name=name, input="{}")["executionArn"]
        wait_until(lambda arn=arn: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED", timeout=10)
    waiting = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(WAITING), roleArn=ROLE)["stateMachineArn"]
    assert waiting != sm
    listed = sfn.list_executions(stateMachineArn=sm)["executions"]
    assert [e["name"] for e in listed] == list(reversed(names))
    assert {e["status"] for e in listed} == {"SUCCEEDED"}
    starts = [e["startDate"] for e in listed]
    assert starts == sorted(starts, reverse=True)
    first = sfn.list_executions(stateMachineArn=sm, maxResults=2)
    rest = sfn.list_executions(stateMachineArn=sm, maxResults=2, nextToken=first["nextToken"])
    assert [e["name"] for e in first["executions"] + rest["executions"]] == list(reversed(names))
    running = sfn.start_execution(stateMachineArn=waiting, name="g--m9", input="{}")["executionArn"]
    listed = sfn.list_executions(stateMachineArn=waiting)["executions"]
    assert [(e["name"], e["status"]) for e in listed] == [("g--m9", "RUNNING")]
    sfn.stop_execution(executionArn=running)
