"""Step Functions ListExecutions throttling, as the Step Functions Developer Guide
describes it ("Step Functions service quotas", "Quotas related to API action
throttling"): a token bucket per account and Region (ListExecutions: 200 tokens,
5 per second in us-east-1, us-west-2 and eu-west-1; 100 and 2 elsewhere); a throttled
request gets HTTP 400 with the error `ThrottlingException` (API Reference, Common
Errors). Only ListExecutions is throttled here, and only when
`sfn_list_executions_per_second` > 0.

Every test runs on an emulator of this module's own (the setting is global to an
emulator), set per test through /settings.
"""

from __future__ import annotations

import json

import boto3
import botocore.config
import botocore.retries.standard as standard
import pytest
from botocore.exceptions import ClientError

from conftest import REGION, Emulator, throttle_setting, unique

NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1})
ROLE = "arn:aws:iam::123456789012:role/sfn"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


@pytest.fixture(scope="module")
def emu(tmp_path_factory, lambda_stub):
    e = Emulator(tmp_path_factory.mktemp("sfn-throttle"), lambda_stub.url)
    yield e
    e.stop()


@pytest.fixture
def throttle(emu):
    """Set rate/burst for one test; throttling is off again afterwards."""
    yield from throttle_setting(emu, "sfn_list_executions_per_second", "sfn_list_executions_burst", 200)


def sfn(emu, access_key: str = "testing"):
    return boto3.client("stepfunctions", endpoint_url=emu.url, region_name=REGION, config=NO_RETRY,
                        aws_access_key_id=access_key, aws_secret_access_key="testing")


def state_machine(client) -> str:
    return client.create_state_machine(name=unique("sm"), definition=json.dumps(PASS),
                                       roleArn=ROLE)["stateMachineArn"]


def listings(client, sm: str, n: int) -> tuple[int, list[ClientError]]:
    ok, errors = 0, []
    for _ in range(n):
        try:
            client.list_executions(stateMachineArn=sm)
            ok += 1
        except ClientError as exc:
            errors.append(exc)
    return ok, errors


def test_list_executions_is_not_throttled_by_default(emu):
    """Tests that do not ask for throttling are never throttled; the defaults are AWS's
    bucket of the large Regions (200) with throttling off."""
    settings = emu.control("GET", "/settings")[1]
    assert settings["sfn_list_executions_per_second"] == 0
    assert settings["sfn_list_executions_burst"] == 200
    client = sfn(emu)
    assert listings(client, state_machine(client), 30) == (30, [])


def test_beyond_the_bucket_list_executions_gets_http_400_throttling_exception(emu, throttle):
    """AWS: beyond its bucket a ListExecutions is refused with HTTP 400 and the error
    ThrottlingException; other actions (StartExecution, DescribeStateMachine) are not
    affected by ListExecutions' bucket."""
    client = sfn(emu)
    sm = state_machine(client)
    throttle(rate=0.01, burst=3)
    ok, errors = listings(client, sm, 8)
    assert ok == 3, ok
    assert len(errors) == 5
    err = errors[0].response
    assert err["Error"]["Code"] == "ThrottlingException"
    assert err["Error"]["Message"] == "Rate exceeded"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    for _ in range(5):
        client.start_execution(stateMachineArn=sm, input="{}")
        client.describe_state_machine(stateMachineArn=sm)


def test_the_bucket_refills_at_its_rate(emu, throttle):
    """AWS: refilled tokens can be used as they arrive."""
    import time

    client = sfn(emu)
    sm = state_machine(client)
    throttle(rate=10, burst=1)
    client.list_executions(stateMachineArn=sm)
    with pytest.raises(ClientError):
        client.list_executions(stateMachineArn=sm)
    time.sleep(0.25)  # 2.5 tokens at 10 per second, capped at the bucket's 1
    client.list_executions(stateMachineArn=sm)


def test_throttling_exception_is_classified_as_throttling_by_botocore_retry_handlers(emu, throttle):
    """SDKs retry Step Functions' ThrottlingException with backoff: botocore's standard
    retry mode classifies it as a throttling error (the AWS SDK for Rust's classifier
    lists the same code)."""
    client = sfn(emu)
    sm = state_machine(client)
    throttle(rate=0.01, burst=1)
    client.list_executions(stateMachineArn=sm)
    with pytest.raises(ClientError) as info:
        client.list_executions(stateMachineArn=sm)
    context = standard.RetryContext(attempt_number=1, parsed_response=info.value.response,
                                    operation_model=client.meta.service_model.operation_model("ListExecutions"))
    assert standard.ThrottledRetryableChecker().is_retryable(context)


def test_a_burst_below_one_token_is_refused_with_its_name(emu):
    status, body = emu.control("POST", "/settings", {"sfn_list_executions_burst": 0.5})
    assert status == 400
    assert "sfn_list_executions_burst must be at least 1" in json.dumps(body)


def test_the_test_drivers_observer_key_is_never_throttled_and_sees_the_same_account(emu, throttle):
    """Not AWS: the driver's own polling (tests/driver/stack.rs) signs with the observer
    key, which the buckets let through, so watching executions does not take the
    product's tokens; it sees the same account's state machines."""
    client = sfn(emu)
    sm = state_machine(client)
    throttle(rate=0.01, burst=1)
    observer = sfn(emu, "replica-dns-observer")
    assert listings(observer, sm, 10) == (10, [])
    assert sm in [m["stateMachineArn"] for m in observer.list_state_machines()["stateMachines"]]
    client.list_executions(stateMachineArn=sm)
    with pytest.raises(ClientError):
        client.list_executions(stateMachineArn=sm)
