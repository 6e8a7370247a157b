"""Route 53 request-rate throttling, as the Amazon Route 53 Developer Guide describes it
("Throttling for Amazon Route 53 API requests",
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html):
one token bucket per account across all Route 53 API requests (refill = sustained
requests per second, capacity = burst); a throttled request gets HTTP 400 with Code
`Throttling` and Message `Rate exceeded`. Off unless `route53_requests_per_second` > 0.

Every test runs on an emulator of this module's own (the setting is global to an
emulator), started with the CLI flags off and set per test through /settings.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import boto3
import botocore.config
import botocore.retries.standard as standard
import pytest
from botocore.exceptions import ClientError

from conftest import REGION, Emulator, throttle_setting, unique

NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def emu(tmp_path_factory, lambda_stub):
    e = Emulator(tmp_path_factory.mktemp("throttle"), lambda_stub.url)
    yield e
    e.stop()


@pytest.fixture
def throttle(emu):
    """Set rate/burst for one test; throttling is off again afterwards."""
    yield from throttle_setting(emu, "route53_requests_per_second", "route53_request_burst", 50)


def r53(emu, account: str | None = None):
    client = boto3.client("route53", endpoint_url=emu.url, region_name=REGION, config=NO_RETRY,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    if account:
        client.meta.events.register("before-sign.route53.*",
                                    lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    return client


def burst(client, n: int) -> tuple[list[dict], list[ClientError], float]:
    ok, errors = [], []
    started = time.monotonic()
    for _ in range(n):
        try:
            ok.append(client.list_hosted_zones())
        except ClientError as exc:
            errors.append(exc)
    return ok, errors, time.monotonic() - started


def test_throttling_is_off_by_default(emu):
    """Tests that do not ask for throttling are never throttled."""
    settings = emu.control("GET", "/settings")[1]
    assert settings["route53_requests_per_second"] == 0
    assert settings["route53_request_burst"] == 50
    ok, errors, _ = burst(r53(emu), 60)
    assert (len(ok), errors) == (60, [])


def test_requests_within_rate_and_burst_all_succeed(emu, throttle):
    """AWS: the bucket starts full (the burst is absorbed at once) and refilled tokens
    can be used as they arrive, so a client at or below the sustained rate is never
    throttled."""
    throttle(rate=5, burst=5)
    client = r53(emu)
    ok, errors, _ = burst(client, 5)
    assert (len(ok), errors) == (5, [])
    time.sleep(1.0)  # refills 5 tokens
    for _ in range(6):  # 4 per second, below the rate of 5 (slower is always fine)
        client.list_hosted_zones()
        time.sleep(0.25)


def test_burst_above_the_bucket_gets_http_400_throttling_rate_exceeded(emu, throttle):
    """AWS: beyond the bucket a request is refused with HTTP 400 (Bad request), Code
    Throttling, Message "Rate exceeded" — a standard Route 53 ErrorResponse."""
    throttle(rate=1, burst=3)
    client = r53(emu)
    ok, errors, elapsed = burst(client, 12)
    # At most the burst plus what refilled meanwhile succeeded; the rest were refused.
    assert 3 <= len(ok) <= 3 + int(elapsed * 1) + 1, (len(ok), elapsed)
    assert errors, "no request was throttled"
    err = errors[0].response
    assert err["Error"]["Code"] == "Throttling"
    assert err["Error"]["Message"] == "Rate exceeded"
    assert err["Error"]["Type"] == "Sender"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["ResponseMetadata"]["RequestId"]


def test_throttling_error_is_classified_as_throttling_by_botocore_retry_handlers(emu, throttle):
    """AWS SDKs retry Route 53's `Throttling` with backoff: botocore's standard retry
    mode classifies the parsed error as a throttling error (the AWS SDK for Rust's
    classifier lists the same code)."""
    throttle(rate=0.5, burst=1)
    client = r53(emu)
    client.list_hosted_zones()
    with pytest.raises(ClientError) as info:
        client.list_hosted_zones()
    context = standard.RetryContext(attempt_number=1, parsed_response=info.value.response,
                                    operation_model=client.meta.service_model.operation_model("ListHostedZones"))
    assert standard.ThrottledRetryableChecker().is_retryable(context)
    assert standard.StandardRetryConditions().is_retryable(context)


def test_throttled_response_wire_shape(emu, throttle):
    """The raw answer: 400, text/xml ErrorResponse in the 2013-04-01 namespace with
    Error/Type, Code, Message and a RequestId echoed in x-amzn-RequestId."""
    throttle(rate=0.5, burst=1)
    client = r53(emu)
    client.list_hosted_zones()
    captured = {}
    client.meta.events.register("after-call.route53.ListHostedZones",
                                lambda http_response, **_: captured.update(r=http_response))
    with pytest.raises(ClientError):
        client.list_hosted_zones()
    resp = captured["r"]
    assert resp.status_code == 400
    assert resp.headers["Content-Type"].startswith("text/xml")
    ns = "{https://route53.amazonaws.com/doc/2013-04-01/}"
    root = ET.fromstring(resp.content)
    assert root.tag == ns + "ErrorResponse"
    assert [(e.tag, e.text) for e in root.find(ns + "Error")] == [
        (ns + "Type", "Sender"), (ns + "Code", "Throttling"), (ns + "Message", "Rate exceeded")]
    assert root.find(ns + "RequestId").text == resp.headers["x-amzn-RequestId"]


def test_the_bucket_spans_every_route53_operation(emu, throttle):
    """AWS: at the account level all Route 53 API requests draw from one bucket."""
    throttle(rate=0.5, burst=2)
    client = r53(emu)
    zid = client.create_hosted_zone(Name=f"{unique('t')}.test.", CallerReference=unique("r"))["HostedZone"]["Id"]
    client.get_hosted_zone(Id=zid)
    with pytest.raises(ClientError) as info:
        client.list_resource_record_sets(HostedZoneId=zid)
    assert info.value.response["Error"]["Code"] == "Throttling"


def test_buckets_are_per_account_and_other_services_are_not_throttled(emu, throttle):
    """AWS: Route 53 throttles per account; other services' calls are not counted in
    Route 53's bucket."""
    throttle(rate=0.5, burst=1)
    mine = r53(emu)
    mine.list_hosted_zones()
    with pytest.raises(ClientError):
        mine.list_hosted_zones()
    r53(emu, account="210987654321").list_hosted_zones()  # another account's bucket is full
    for _ in range(5):
        emu.client("elasticache").describe_cache_clusters()


def test_throttled_requests_are_counted_as_throttled_and_never_reach_route53(emu, throttle):
    name = f"{unique('cnt')}.test."
    client = r53(emu)
    zid = client.create_hosted_zone(Name=name, CallerReference=unique("r"))["HostedZone"]["Id"].split("/")[-1]
    emu.control("POST", "/calls/reset", {"match": zid})
    throttle(rate=0.5, burst=1)
    change = {"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": f"a.{name}", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]}}]}
    client.change_resource_record_sets(HostedZoneId=zid, ChangeBatch=change)
    with pytest.raises(ClientError) as info:
        client.change_resource_record_sets(HostedZoneId=zid, ChangeBatch=change)
    # Refused before Route 53 saw it: not "already exists" (InvalidChangeBatch).
    assert info.value.response["Error"]["Code"] == "Throttling"
    assert emu.control("GET", f"/calls?match={zid}")[1]["calls"] == {
        "route53:ChangeResourceRecordSets": 1, "route53:ChangeResourceRecordSets:throttled": 1}


def test_settings_validation(emu):
    for bad in ({"route53_requests_per_second": -1}, {"route53_requests_per_second": "5"},
                {"route53_request_burst": 0.5}, {"route53_request_burst": True}):
        status, body = emu.control("POST", "/settings", bad)
        assert status == 400, (bad, body)
    assert emu.control("GET", "/settings")[1]["route53_requests_per_second"] == 0


def test_cli_flags_set_rate_and_burst(tmp_path, lambda_stub):
    e = Emulator(tmp_path, lambda_stub.url, ["--route53-requests-per-second", "0.5", "--route53-request-burst", "2"])
    try:
        settings = e.control("GET", "/settings")[1]
        assert (settings["route53_requests_per_second"], settings["route53_request_burst"]) == (0.5, 2)
        ok, errors, elapsed = burst(r53(e), 4)
        assert 2 <= len(ok) <= 2 + int(elapsed * 0.5), elapsed
        assert errors and {x.response["Error"]["Code"] for x in errors} == {"Throttling"}
    finally:
        e.stop()
