"""Helpers for the Lambda host and supervisor tests: free ports, HTTP calls, process checks.

Not fixtures (each test module declares its own) and not used by the stack itself.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

LOCALSTACK = Path(__file__).resolve().parent.parent
FAKE_RUNTIME = Path(__file__).resolve().parent / "fake_runtime.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body: object | bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def fake_binary(tmp: Path, name: str = "fake-fn") -> str:
    """An executable that runs the fake runtime with this interpreter (like a Lambda binary)."""
    path = tmp / name
    path.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE_RUNTIME} \"$@\"\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def wait_until(predicate, timeout: float = 10, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class HostProcess:
    """The Lambda host started as the supervisor starts it, on a free port."""

    def __init__(self, run_dir: Path, endpoint: str = "http://127.0.0.1:1", extra: list[str] | None = None):
        self.port = free_port()
        self.run_dir = run_dir
        self.log = open(run_dir / "lambda-host.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(LOCALSTACK / "lambda_host" / "main.py"), "--host", "127.0.0.1",
             "--port", str(self.port), "--run-dir", str(run_dir), "--aws-endpoint-url", endpoint,
             *(extra or [])],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_until(self._healthy, 10):
            self.stop()
            raise RuntimeError("lambda host did not become healthy: "
                               + (run_dir / "lambda-host.log").read_text())

    def _healthy(self) -> bool:
        try:
            return request(self.port, "GET", "/_host/health", timeout=1)[0] == 200
        except OSError:
            return False

    def call(self, method: str, path: str, body=None, headers=None, timeout: float = 30):
        return request(self.port, method, path, body, headers, timeout)

    def register(self, name: str, binary: str, environment: dict[str, str] | None = None,
                 timeout: int = 10, **extra) -> dict:
        status, _, body = self.call("PUT", f"/_host/functions/{name}",
                                    {"binary": binary, "environment": environment or {},
                                     "timeoutSeconds": timeout, **extra})
        assert status in (200, 201), body
        return json.loads(body)

    def invoke(self, name: str, event: object, invocation_type: str | None = None, timeout: float = 30):
        headers = {"X-Amz-Invocation-Type": invocation_type} if invocation_type else {}
        return self.call("POST", f"/2015-03-31/functions/{name}/invocations", event, headers, timeout)

    def pids(self, name: str) -> list[int]:
        status, _, body = self.call("GET", f"/_host/functions/{name}")
        assert status == 200, body
        return [s["pid"] for s in json.loads(body)["Sandboxes"]]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.log.close()
