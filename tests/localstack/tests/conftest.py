"""Fixtures of the emulator's tests: a stdlib Lambda-host stub, and the emulator
process itself on free loopback ports (started once, stopped by PID)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest

HERE = Path(__file__).resolve().parent
MAIN = HERE.parent / "emulator" / "main.py"
REGION = "us-east-1"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_tcp_udp_port() -> int:
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free for both TCP and UDP")


class LambdaStub:
    """A tiny Lambda host: answers Invoke like AWS for registered Python handlers.

    A handler returning normally -> 200 + JSON payload; raising FunctionError(type,
    msg) -> 200 + X-Amz-Function-Error: Unhandled + {errorType, errorMessage};
    unknown function -> 404 ResourceNotFoundException."""

    class FunctionError(Exception):
        def __init__(self, error_type: str, message: str) -> None:
            super().__init__(message)
            self.error_type = error_type

    def __init__(self) -> None:
        self.functions: dict[str, Callable[[Any], Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        stub = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = self.path.split("?")[0].split("/")
                name = urllib.request.unquote(parts[3]) if len(parts) > 3 else ""
                name = name.split(":")[-1] if name.startswith("arn:") else name
                with stub.cond:
                    stub.calls.append({"name": name, "path": self.path, "headers": dict(self.headers),
                                       "body": body})
                    stub.cond.notify_all()
                fn = stub.functions.get(name)
                if fn is None:
                    out = json.dumps({"Type": "User", "message": f"Function not found: {name}"}).encode()
                    self._send(404, out, {"x-amzn-ErrorType": "ResourceNotFoundException"})
                    return
                if self.headers.get("X-Amz-Invocation-Type") == "Event":
                    self._send(202, b"", {})
                    threading.Thread(target=lambda: fn(json.loads(body or b"{}")), daemon=True).start()
                    return
                try:
                    result = fn(json.loads(body or b"{}"))
                    self._send(200, json.dumps(result).encode(), {"X-Amz-Executed-Version": "$LATEST"})
                except LambdaStub.FunctionError as exc:
                    out = json.dumps({"errorType": exc.error_type, "errorMessage": str(exc)}).encode()
                    self._send(200, out, {"X-Amz-Function-Error": "Unhandled",
                                          "X-Amz-Executed-Version": "$LATEST"})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-RequestId", "req-" + str(len(stub.calls)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_calls(self, name: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [c for c in self.calls if c["name"] == name]
                if len(got) >= count or time.monotonic() > deadline:
                    return got
                self.cond.wait(timeout=0.1)


class Emulator:
    def __init__(self, run_dir: Path, lambda_url: str | None, extra: list[str] | None = None) -> None:
        self.port = free_port()
        self.dns_port = free_tcp_udp_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, str(MAIN), "--host", "127.0.0.1", "--port", str(self.port),
                "--dns-port", str(self.dns_port), "--run-dir", str(run_dir)]
        if lambda_url:
            args += ["--lambda-host-url", lambda_url]
        args += extra or []
        self.log = open(run_dir / "emulator.log", "wb")
        started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        while True:
            try:
                with urllib.request.urlopen(self.url + "/_replica_dns/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited: {(run_dir / 'emulator.log').read_text()}")
            if time.monotonic() - started > 10:
                self.stop()
                raise RuntimeError("emulator not ready within 10 s")
            time.sleep(0.05)
        self.startup_seconds = time.monotonic() - started

    def control(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/_replica_dns" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def lambda_stub() -> LambdaStub:
    stub = LambdaStub()
    yield stub
    stub.server.shutdown()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory, lambda_stub) -> Emulator:
    emu = Emulator(tmp_path_factory.mktemp("emulator"), lambda_stub.url)
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def fast_settings(request):
    """Every test starts with zero delays unless it sets its own."""
    if "emulator" in request.fixturenames:
        emu = request.getfixturevalue("emulator")
        emu.control("POST", "/settings", {"route53_insync_seconds": 0, "node_create_seconds": 0,
                                          "node_replace_seconds": 0, "node_delete_seconds": 0,
                                          "failover_seconds": 0})
    yield


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.1fs" % timeout)
        time.sleep(interval)


def throttle_setting(emu: Emulator, rate_key: str, burst_key: str, default_burst: float):
    """The body of a per-test throttle fixture (`yield from` it): yields `set_(rate,
    burst)`, and afterwards turns that throttle off again with its default burst."""

    def set_(rate: float, burst: float) -> None:
        status, body = emu.control("POST", "/settings", {rate_key: rate, burst_key: burst})
        assert status == 200, body

    yield set_
    emu.control("POST", "/settings", {rate_key: 0, burst_key: default_burst})


def unique(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10_000_000}{os.getpid() % 100}"


class LiveStack:
    """The emulator wired to a real Lambda host (as `run` wires them): Invoke, Step
    Functions Lambda tasks and the functions' own AWS calls all cross the real hops."""

    def __init__(self, run_dir: Path) -> None:
        from host_helpers import HostProcess

        (run_dir / "lambda").mkdir(parents=True, exist_ok=True)
        self.emulator = Emulator(run_dir, None)
        try:
            self.host = HostProcess(run_dir / "lambda", endpoint=self.emulator.url)
        except Exception:
            self.emulator.stop()
            raise
        status, body = self.emulator.control("POST", "/settings", {"lambda_host_url": f"http://127.0.0.1:{self.host.port}"})
        assert status == 200, body
        self.run_dir = run_dir

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{REGION}:123456789012:function:{name}"

    def stop(self) -> None:
        self.host.stop()
        self.emulator.stop()


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory) -> LiveStack:
    stack = LiveStack(tmp_path_factory.mktemp("live"))
    yield stack
    stack.stop()


@pytest.fixture
def live(live_stack):
    """The live stack with zero emulator delays for this test."""
    live_stack.emulator.control("POST", "/settings", {"route53_insync_seconds": 0, "node_create_seconds": 0,
                                                      "node_replace_seconds": 0, "node_delete_seconds": 0,
                                                      "failover_seconds": 0})
    return live_stack
