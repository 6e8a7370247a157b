"""Platform-level failures of a Lambda invocation as AWS Lambda reports them: out of memory,
a sandbox killed mid-invocation, and how the host tells them from errors the runtime
posted itself (the emulator's Step Functions integration relies on that mark).

AWS references: Lambda Developer Guide "Configure Lambda function memory"
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html); Step Functions
Developer Guide "Handle Lambda service exceptions"
(https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from host_helpers import HostProcess, alive, fake_binary, wait_until

SOURCE = "x-replica-dns-error-source"


@pytest.fixture
def host(tmp_path):
    h = HostProcess(tmp_path)
    yield h
    h.stop()


def test_exceeding_memory_size_fails_the_invocation_with_runtime_out_of_memory(host, tmp_path):
    """AWS: a function that uses more memory than its MemorySize is stopped; Invoke answers
    200, X-Amz-Function-Error: Unhandled, errorType Runtime.OutOfMemory, message
    "RequestId: … Error: Runtime exited with error: signal: killed"; the next invocation
    gets a fresh sandbox."""
    host.register("hog", fake_binary(tmp_path), timeout=20, memorySize=128)
    first = host.pids("hog")
    started = time.monotonic()
    status, headers, body = host.invoke("hog", {"alloc_mb": 200, "sleep": 15})
    assert time.monotonic() - started < 10
    err = json.loads(body)
    assert (status, headers["x-amz-function-error"], headers[SOURCE]) == (200, "Unhandled", "platform")
    assert err == {"errorType": "Runtime.OutOfMemory",
                   "errorMessage": f"RequestId: {headers['x-amzn-requestid']} Error: "
                                   "Runtime exited with error: signal: killed"}
    assert json.loads(host.invoke("hog", {"echo": 1})[2]) == 1
    assert not set(first) & set(host.pids("hog"))
    assert "out of memory" in (tmp_path / "hog.log").read_text()


def test_memory_of_child_processes_counts_towards_memory_size(host, tmp_path):
    """AWS: MemorySize bounds the whole execution environment, so memory held by a process
    the handler started counts too; the child dies with the sandbox."""
    host.register("forker", fake_binary(tmp_path), timeout=20, memorySize=128)
    _, headers, body = host.invoke("forker", {"alloc_child_mb": 200, "sleep": 15})
    assert json.loads(body)["errorType"] == "Runtime.OutOfMemory"


def test_memory_within_memory_size_is_left_alone(host, tmp_path):
    """AWS: a function below its MemorySize runs to completion."""
    host.register("modest", fake_binary(tmp_path), timeout=10, memorySize=256)
    status, headers, body = host.invoke("modest", {"alloc_mb": 60, "sleep": 0.5, "echo": "done"})
    assert (status, json.loads(body)) == (200, "done")
    assert "x-amz-function-error" not in headers


@pytest.mark.parametrize("event,error_type", [
    ({"sleep": 30}, "Sandbox.Timedout"),
    ({"exit": 3}, "Runtime.ExitError"),
])
def test_errors_the_host_detects_are_marked_platform(host, tmp_path, event, error_type):
    """AWS: timeouts and runtime exits are errors Lambda detects (Step Functions reports
    them as Lambda.Unknown); the wire answer is the usual function error. The host adds
    X-Replica-Dns-Error-Source: platform (not an AWS header) so the emulator can tell."""
    host.register("p", fake_binary(tmp_path), timeout=1)
    status, headers, body = host.invoke("p", event)
    assert (status, headers["x-amz-function-error"], headers[SOURCE]) == (200, "Unhandled", "platform")
    assert json.loads(body)["errorType"] == error_type


def test_errors_the_runtime_posts_are_marked_function_whatever_their_type(host, tmp_path):
    """AWS: an error the runtime posts to /runtime/invocation/{id}/error is the function's
    own, errorType unchanged, even if it is named like a platform error."""
    host.register("f", fake_binary(tmp_path))
    for kind in ("ReplicaDns.Transient", "Sandbox.Timedout"):
        _, headers, body = host.invoke("f", {"error": [kind, "posted"]})
        assert headers[SOURCE] == "function"
        assert json.loads(body) == {"errorType": kind, "errorMessage": "posted"}


def test_kill_endpoint_kills_busy_sandboxes_and_the_invocation_fails_runtime_exit_error(host, tmp_path):
    """AWS: a runtime killed mid-invocation fails it with Runtime.ExitError "Runtime exited
    with error: signal: killed". POST /_host/functions/{name}/kill answers once the killed
    invocations have failed, with the pids and request ids it killed."""
    host.register("victim", fake_binary(tmp_path), timeout=30)
    answer: dict = {}
    t = threading.Thread(target=lambda: answer.update(r=host.invoke("victim", {"sleep": 20})))
    t.start()
    assert wait_until(lambda: any(s["state"] == "busy" for s in json.loads(
        host.call("GET", "/_host/functions/victim")[2])["Sandboxes"]), 5)
    pids = host.pids("victim")
    status, _, body = host.call("POST", "/_host/functions/victim/kill")
    t.join(5)
    assert status == 200
    killed = json.loads(body)["killed"]
    _, headers, inv_body = answer["r"]
    assert killed == [{"pid": pids[0], "requestId": headers["x-amzn-requestid"]}]
    assert json.loads(inv_body) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {headers['x-amzn-requestid']} Error: Runtime exited with error: signal: killed"}
    assert headers[SOURCE] == "platform"
    assert not alive(pids[0])
    assert json.loads(host.invoke("victim", {"echo": 2})[2]) == 2


def test_kill_endpoint_spares_idle_sandboxes_and_404s_unknown_functions(host, tmp_path):
    host.register("idle", fake_binary(tmp_path))
    assert wait_until(lambda: [s["state"] for s in json.loads(
        host.call("GET", "/_host/functions/idle")[2])["Sandboxes"]] == ["idle"], 5)
    pids = host.pids("idle")
    status, _, body = host.call("POST", "/_host/functions/idle/kill")
    assert (status, json.loads(body)) == (200, {"killed": []})
    assert all(alive(p) for p in pids)
    assert host.call("POST", "/_host/functions/nope/kill")[0] == 404
