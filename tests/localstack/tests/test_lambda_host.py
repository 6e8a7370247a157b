"""The Lambda host answers Invoke as AWS Lambda does and runs functions over the Runtime API.

Each test states the AWS behaviour it reproduces. Functions are the fake runtime
(fake_runtime.py), which speaks the Runtime API the way lambda_runtime 1.5 does; the
end-to-end smoke test (tests/e2e/stack_smoke.rs) runs a real lambda_runtime binary.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from urllib.parse import quote

import pytest

from host_helpers import HostProcess, alive, fake_binary, wait_until

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture
def host(tmp_path):
    h = HostProcess(tmp_path)
    yield h
    h.stop()


@pytest.fixture
def fn(host, tmp_path):
    host.register("fn", fake_binary(tmp_path), {"GREETING": "hello"}, timeout=5)
    return "fn"


def test_request_response_returns_payload_with_request_id_and_version(host, fn):
    # AWS: 200, the function's JSON, x-amzn-RequestId and X-Amz-Executed-Version: $LATEST.
    status, headers, body = host.invoke(fn, {"echo": {"a": 1}})
    assert status == 200
    assert json.loads(body) == {"a": 1}
    assert headers["x-amz-executed-version"] == "$LATEST"
    assert len(headers["x-amzn-requestid"]) == 36
    assert "x-amz-function-error" not in headers


def test_function_error_is_200_with_unhandled_header_and_posted_body(host, fn):
    # AWS: a function error is not an HTTP error; X-Amz-Function-Error: Unhandled and the
    # error document the runtime posted, so Step Functions can match errorType.
    status, headers, body = host.invoke(fn, {"error": ["TransientRoute53", "throttled"]})
    assert status == 200
    assert headers["x-amz-function-error"] == "Unhandled"
    assert json.loads(body) == {"errorType": "TransientRoute53", "errorMessage": "throttled"}
    assert headers["x-amzn-requestid"]


@pytest.mark.parametrize("ident", ["nope", ARN + "nope", quote(ARN + "nope", safe="")])
def test_unknown_function_is_404_resource_not_found_with_arn(host, ident):
    # AWS: 404, x-amzn-ErrorType ResourceNotFoundException, {"Type":"User","message":...}.
    status, headers, body = host.invoke(ident, {})
    assert status == 404
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert json.loads(body) == {"Type": "User", "message": f"Function not found: {ARN}nope"}


@pytest.mark.parametrize("ident", [ARN + "fn", quote(ARN + "fn", safe=""), ARN + "fn:$LATEST",
                                   "123456789012:function:fn", "fn:$LATEST"])
def test_function_is_invoked_by_name_arn_partial_arn_and_latest_qualifier(host, fn, ident):
    status, _, body = host.invoke(ident, {"echo": "ok"})
    assert (status, json.loads(body)) == (200, "ok")


def test_unknown_qualifier_or_other_account_is_not_found(host, fn):
    # AWS: only published versions/aliases exist; the host publishes none.
    status, _, body = host.invoke(ARN + "fn:prod", {})
    assert status == 404 and json.loads(body)["message"] == f"Function not found: {ARN}fn:prod"
    status, _, _ = host.invoke("arn:aws:lambda:us-east-1:999999999999:function:fn", {})
    assert status == 404


def test_runtime_gets_aws_headers_and_environment(host, fn):
    status, headers, body = host.invoke(fn, {"context": True})
    ctx = json.loads(body)
    assert ctx["lambda-runtime-aws-request-id"] == headers["x-amzn-requestid"]
    assert ctx["lambda-runtime-invoked-function-arn"] == ARN + "fn"
    assert ctx["lambda-runtime-trace-id"].startswith("Root=1-")
    assert abs(int(ctx["lambda-runtime-deadline-ms"]) - (time.time() + 5) * 1000) < 3000
    names = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
             "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "GREETING",
             "AWS_LAMBDA_RUNTIME_API"]
    _, _, body = host.invoke(fn, {"env": names})
    env = json.loads(body)
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["GREETING"] == "hello"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")


def test_event_invocation_is_202_and_runs_in_background(host, fn, tmp_path):
    # AWS: InvocationType Event answers 202 with no body once the event is queued.
    marker = tmp_path / "ran"
    status, headers, body = host.invoke(fn, {"touch": str(marker), "sleep": 0.3}, "Event", timeout=1)
    assert status == 202 and body == b""
    assert wait_until(marker.exists, 5)
    assert marker.read_text().strip() == headers["x-amzn-requestid"]


def test_failed_event_invocation_is_retried_twice(tmp_path):
    # AWS: an async invocation that fails is retried twice (3 attempts, same request id).
    h = HostProcess(tmp_path, extra=["--async-retry-delay", "0.1"])
    try:
        h.register("fn", fake_binary(tmp_path))
        marker = tmp_path / "attempts"
        status, _, _ = h.invoke("fn", {"touch": str(marker), "error": ["Boom", "x"]}, "Event")
        assert status == 202
        assert wait_until(lambda: marker.exists() and len(marker.read_text().split()) == 3, 5)
        time.sleep(0.5)
        attempts = marker.read_text().split()
        assert len(attempts) == 3 and len(set(attempts)) == 1
    finally:
        h.stop()


def test_dry_run_is_204(host, fn):
    assert host.invoke(fn, {}, "DryRun")[0] == 204


def test_invalid_json_payload_is_400_invalid_request_content(host, fn):
    status, headers, _ = host.call("POST", "/2015-03-31/functions/fn/invocations", b"{not json")
    assert status == 400 and headers["x-amzn-errortype"] == "InvalidRequestContentException"


def test_timeout_is_sandbox_timedout_and_the_function_recovers(host, tmp_path):
    # AWS: the sandbox is killed; the caller gets a function error Sandbox.Timedout.
    host.register("slow", fake_binary(tmp_path), timeout=1)
    started = time.monotonic()
    status, headers, body = host.invoke("slow", {"sleep": 30})
    assert time.monotonic() - started < 5
    err = json.loads(body)
    assert (status, headers["x-amz-function-error"], err["errorType"]) == (200, "Unhandled", "Sandbox.Timedout")
    assert err["errorMessage"] == f"RequestId: {headers['x-amzn-requestid']} Error: Task timed out after 1.00 seconds"
    assert json.loads(host.invoke("slow", {"echo": 2})[2]) == 2


def test_crash_is_runtime_exit_error_and_the_function_restarts(host, fn):
    first = host.pids(fn)
    status, headers, body = host.invoke(fn, {"exit": 7})
    err = json.loads(body)
    assert (status, headers["x-amz-function-error"]) == (200, "Unhandled")
    assert err == {"errorType": "Runtime.ExitError",
                   "errorMessage": f"RequestId: {headers['x-amzn-requestid']} Error: "
                                   "Runtime exited with error: exit status 7"}
    assert json.loads(host.invoke(fn, {"echo": 3})[2]) == 3
    assert not set(first) & set(host.pids(fn))


def test_init_error_is_returned_to_the_waiting_invocation(host, tmp_path):
    host.register("broken", fake_binary(tmp_path), {"FAKE_INIT_ERROR": "1"})
    status, headers, body = host.invoke("broken", {})
    assert (status, headers["x-amz-function-error"]) == (200, "Unhandled")
    assert json.loads(body) == {"errorType": "InitBroken", "errorMessage": "no config"}


def test_concurrent_invocations_run_in_parallel_sandboxes(host, fn):
    import concurrent.futures

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda i: host.invoke(fn, {"sleep": 1, "echo": i}), range(3)))
    assert [json.loads(r[2]) for r in results] == [0, 1, 2]
    assert time.monotonic() - started < 2.5
    assert len(host.pids(fn)) == 3


def test_max_concurrency_one_serializes(host, tmp_path):
    import concurrent.futures

    host.register("single", fake_binary(tmp_path), maxConcurrency=1)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda i: host.invoke("single", {"sleep": 0.5}), range(2)))
    assert time.monotonic() - started >= 1.0
    assert len(host.pids("single")) == 1


def test_log_tail_and_function_log_file(host, fn, tmp_path):
    _, headers, _ = host.call("POST", "/2015-03-31/functions/fn/invocations", {"echo": 1},
                              {"X-Amz-Log-Type": "Tail"})
    tail = base64.b64decode(headers["x-amz-log-result"]).decode()
    assert f"REPORT RequestId: {headers['x-amzn-requestid']}" in tail
    assert "fake runtime ready" in (tmp_path / "fn.log").read_text()


@pytest.mark.parametrize("spec,problem", [
    ({"binary": "relative/bin"}, "absolute path"),
    ({"binary": "/nonexistent/bin"}, "does not exist"),
    ({"binary": "/bin/sh", "environment": {"AWS_REGION": "x"}}, "Reserved keys used in this request: AWS_REGION"),
    ({"binary": "/bin/sh", "timeoutSeconds": 0}, "timeoutSeconds must be an integer from 1 to 900"),
    ({"binary": "/bin/sh", "bogus": 1}, "unknown field"),
])
def test_bad_registration_is_400_naming_the_problem(host, spec, problem):
    status, _, body = host.call("PUT", "/_host/functions/x", spec)
    assert status == 400
    assert problem in json.loads(body)["message"]


def test_reregistration_replaces_processes_and_delete_stops_them(host, fn, tmp_path):
    _, _, body = host.invoke(fn, {"fork": True})
    forked = json.loads(body)
    old = host.pids(fn)
    assert host.register(fn, fake_binary(tmp_path))["FunctionName"] == fn
    # The whole process group goes, the grandchild included.
    assert wait_until(lambda: not any(alive(p) for p in old + [forked["child"]]), 5)
    new = host.pids(fn)
    assert new and not set(new) & set(old)
    assert host.call("DELETE", f"/_host/functions/{fn}")[0] == 204
    assert wait_until(lambda: not any(alive(p) for p in new), 5)
    assert host.invoke(fn, {})[0] == 404
    assert host.call("DELETE", f"/_host/functions/{fn}")[0] == 404


def test_host_sigterm_stops_every_function_process(tmp_path):
    h = HostProcess(tmp_path)
    h.register("a", fake_binary(tmp_path))
    _, _, body = h.invoke("a", {"fork": True})
    pids = h.pids("a") + [json.loads(body)["child"]]
    h.stop()
    assert h.proc.returncode == 0
    assert wait_until(lambda: not any(alive(p) for p in pids), 5)


def test_functions_die_with_a_sigkilled_host(tmp_path):
    # PR_SET_PDEATHSIG: even an uncatchable kill of the host leaves no sandbox behind.
    h = HostProcess(tmp_path)
    h.register("a", fake_binary(tmp_path))
    h.register("b", fake_binary(tmp_path))
    time.sleep(0.5)  # the registering request threads have exited by now
    pids = h.pids("a") + h.pids("b")
    os.kill(h.proc.pid, signal.SIGKILL)
    h.proc.wait()
    assert wait_until(lambda: not any(alive(p) for p in pids), 5)
    h.stop()
