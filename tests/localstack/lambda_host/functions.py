"""Registered functions, their sandboxes (processes) and invocations, with AWS's semantics.

Not the HTTP layer (server.py) and not the Runtime API wire format (runtime_api.py).

Concurrency model (as AWS): each sandbox is one process running one runtime loop, so it
handles one invocation at a time. An invocation waits in the function's queue; if no
sandbox is free and the function has fewer than `max_concurrency` sandboxes, a new one is
started (a "cold start"). One sandbox is started at registration so a broken binary shows
up in the function's log at once.

Failure semantics (what the Invoke caller sees, as on AWS):
- the runtime posts /error: a function error carrying the posted body;
- the invocation outlives `timeout_seconds`: `Sandbox.Timedout`, the sandbox is killed;
- the sandbox (process and descendants) uses more resident memory than `memory_size` MB
  while handling an invocation: `Runtime.OutOfMemory`, the sandbox is killed;
- the process exits (or is killed, e.g. by `kill_busy`) while handling an invocation:
  `Runtime.ExitError`;
- the process exits before taking one (init failed): the oldest queued invocation gets the
  error the runtime posted to /init/error, else `Runtime.ExitError`.
Errors the host itself produces (every case above except the runtime's own /error and
/init/error bodies) are *platform* errors (`Result.platform`): Lambda detected them, the
function did not report them. The Invoke answer is the same for both (AWS has no wire
difference); server.py adds `X-Replica-Dns-Error-Source: platform|function` so the
emulator's Step Functions integration can report platform errors as `Lambda.Unknown`
(see emulator/sfn_ext.py).
A sandbox that dies after a successful init is replaced at once (restart); one that
never got through init is replaced only when an invocation needs it (no crash loop).
"""

from __future__ import annotations

import base64
import collections
import json
import os
import secrets
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from . import procs

DEFAULT_MAX_CONCURRENCY = 10


def _now_ms() -> int:
    return int(time.time() * 1000)


def trace_id() -> str:
    """An X-Ray trace header value in AWS's format (tracing is never sampled here)."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


@dataclass
class Result:
    """The outcome of an invocation as the Invoke API reports it."""

    body: bytes
    function_error: bool = False
    # Not 200 only when the Invoke itself fails (e.g. the function was deleted meanwhile).
    status: int = 200
    error_code: str | None = None
    # A function error the host detected (timeout, exit, out of memory, ...), not one the
    # runtime posted to /error or /init/error.
    platform: bool = False


@dataclass
class Invocation:
    """One request to a function: queued, then handled by exactly one sandbox."""

    payload: bytes
    client_context: str | None = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    trace_id: str = field(default_factory=trace_id)
    deadline_ms: int = 0
    started: float = 0.0
    result: Result | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def complete(self, result: Result) -> bool:
        """Record the first outcome only (a late response after a timeout is dropped)."""
        if self.done.is_set():
            return False
        self.result = result
        self.done.set()
        return True


def error_result(error_type: str, message: str) -> Result:
    """A platform error in the shape Lambda answers it: {"errorType", "errorMessage"}."""
    return Result(json.dumps({"errorType": error_type, "errorMessage": message}).encode(), True,
                  platform=True)


def out_of_memory(request_id: str) -> Result:
    # AWS Lambda Developer Guide, "Configure Lambda function memory"
    # (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): MemorySize
    # is the memory available to the function at runtime; a function that exceeds it is
    # stopped, and the invocation fails with errorType "Runtime.OutOfMemory" and the
    # message of a killed runtime ("Runtime exited with error: signal: killed"), as Lambda
    # reports it today (older reports show the same message under Runtime.ExitError).
    return error_result("Runtime.OutOfMemory",
                        f"RequestId: {request_id} Error: Runtime exited with error: signal: killed")


def tree_rss_kib(pid: int) -> int:
    """Resident memory (VmRSS, KiB) of `pid` and all its descendants; 0 if it is gone.

    Descendants come from /proc/PID/task/TID/children (every thread's children)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def not_found(arn: str) -> Result:
    """AWS's answer for a function (or qualifier) that does not exist."""
    body = json.dumps({"Type": "User", "message": f"Function not found: {arn}"}).encode()
    return Result(body, status=404, error_code="ResourceNotFoundException")


class Sandbox:
    """One process of a function with its own Runtime API endpoint."""

    def __init__(self, function: "Function", number: int) -> None:
        self.function = function
        self.number = number
        self.proc: subprocess.Popen[bytes] | None = None
        self.runtime_server = None  # runtime_api.RuntimeServer, set by Function.start_sandbox
        self.state = "starting"  # starting -> idle <-> busy -> dead
        self.current: Invocation | None = None
        self.handled = 0
        self.init_error: bytes | None = None
        self.kill_reason: Result | None = None

    @property
    def alive(self) -> bool:
        return self.state != "dead"


class Function:
    """A registered function: binary, environment, limits, queue and sandboxes."""

    def __init__(self, name: str, binary: str, environment: dict[str, str], timeout_seconds: int,
                 memory_size: int, max_concurrency: int, registry: "Registry") -> None:
        self.name = name
        self.binary = binary
        self.environment = environment
        self.timeout_seconds = timeout_seconds
        self.memory_size = memory_size
        self.max_concurrency = max_concurrency
        self.registry = registry
        self.arn = f"arn:aws:lambda:{registry.region}:{registry.account_id}:function:{name}"
        self.cond = threading.Condition()
        self.queue: collections.deque[Invocation] = collections.deque()
        self.sandboxes: list[Sandbox] = []
        self.stopped = False
        self._numbers = 0
        self.log_path = os.path.join(registry.run_dir, f"{name}.log")
        self._log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    # ---- logging (CloudWatch-style START/END/REPORT lines in the function's log) ----
    def log(self, line: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        try:
            os.write(self._log_fd, f"{stamp}Z [lambda-host] {line}\n".encode())
        except OSError:
            pass

    def describe(self) -> dict[str, object]:
        with self.cond:
            return {
                "FunctionName": self.name,
                "FunctionArn": self.arn,
                "Binary": self.binary,
                "Timeout": self.timeout_seconds,
                "MemorySize": self.memory_size,
                "MaxConcurrency": self.max_concurrency,
                "LogPath": self.log_path,
                "Sandboxes": [
                    {"pid": s.proc.pid if s.proc else None, "state": s.state,
                     "port": s.runtime_server.port if s.runtime_server else None}
                    for s in self.sandboxes
                ],
                "Queued": len(self.queue),
            }

    # ---- sandboxes ----
    def start_sandbox(self) -> Sandbox:
        """Start one more process (caller holds self.cond)."""
        from .runtime_api import RuntimeServer

        self._numbers += 1
        sandbox = Sandbox(self, self._numbers)
        server = RuntimeServer(sandbox)
        sandbox.runtime_server = server
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": os.path.dirname(self.binary),
            "_HANDLER": os.path.basename(self.binary),
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.port}",
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": self.registry.region,
            "AWS_DEFAULT_REGION": self.registry.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }
        if self.registry.aws_endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.registry.aws_endpoint_url
        env.update(self.environment)
        try:
            sandbox.proc = self.registry.spawner.spawn(
                args=[self.binary], env=env, cwd=env["LAMBDA_TASK_ROOT"],
                stdout=self._log_fd, stderr=self._log_fd,
            )
        except OSError as exc:
            server.close()
            sandbox.state = "dead"
            self.log(f"cannot start {self.binary}: {exc}")
            raise
        self.log(f"sandbox {sandbox.number} started: pid {sandbox.proc.pid}, runtime API 127.0.0.1:{server.port}")
        self.sandboxes.append(sandbox)
        return sandbox

    def _scale_for_queue(self) -> None:
        """Start sandboxes until every queued invocation has one (caller holds cond)."""
        free = sum(1 for s in self.sandboxes if s.state in ("starting", "idle"))
        while len(self.queue) > free and len(self.sandboxes) < self.max_concurrency and not self.stopped:
            try:
                self.start_sandbox()
            except OSError as exc:
                inv = self.queue.popleft()
                inv.complete(error_result("Runtime.InvalidEntrypoint",
                                          f"RequestId: {inv.request_id} Error: {exc}"))
                continue
            free += 1

    # ---- Runtime API callbacks (from runtime_api.py request threads) ----
    def next_invocation(self, sandbox: Sandbox) -> Invocation | None:
        """Block until an invocation is queued; None once the sandbox is being stopped."""
        with self.cond:
            if sandbox.current is not None and not sandbox.current.done.is_set():
                # The runtime asked for the next event without answering this one.
                sandbox.current.complete(error_result(
                    "Runtime.InvalidResponse",
                    f"RequestId: {sandbox.current.request_id} Error: runtime polled /next without a response"))
            sandbox.current = None
            while sandbox.alive and not self.stopped:
                if sandbox.state != "busy":
                    sandbox.state = "idle"
                if self.queue:
                    inv = self.queue.popleft()
                    inv.started = time.monotonic()
                    inv.deadline_ms = _now_ms() + self.timeout_seconds * 1000
                    sandbox.current = inv
                    sandbox.state = "busy"
                    self.log(f"START RequestId: {inv.request_id} Version: $LATEST")
                    return inv
                self.cond.wait(0.5)
            return None

    def finish(self, sandbox: Sandbox, request_id: str, result: Result) -> bool:
        """The runtime answered; False if `request_id` is not the sandbox's current one."""
        with self.cond:
            inv = sandbox.current
            if inv is None or inv.request_id != request_id:
                return False
            self._log_end(inv, "error" if result.function_error else "ok")
            inv.complete(result)
            sandbox.handled += 1
            sandbox.state = "idle"
            sandbox.current = None
            self.cond.notify_all()
            return True

    def init_failed(self, sandbox: Sandbox, body: bytes) -> None:
        with self.cond:
            sandbox.init_error = body
        self.log(f"init error: {body.decode(errors='replace')}")

    def _log_end(self, inv: Invocation, outcome: str) -> None:
        ms = (time.monotonic() - inv.started) * 1000
        self.log(f"END RequestId: {inv.request_id}")
        self.log(f"REPORT RequestId: {inv.request_id} Duration: {ms:.2f} ms Outcome: {outcome}")

    # ---- Invoke ----
    def submit(self, inv: Invocation) -> None:
        with self.cond:
            if self.stopped:
                raise FunctionGone(self.name)
            self.queue.append(inv)
            self._scale_for_queue()
            self.cond.notify_all()

    # ---- reaper (called periodically by Registry) ----
    def reap(self) -> None:
        with self.cond:
            now = time.monotonic()
            for sandbox in list(self.sandboxes):
                inv = sandbox.current
                if (sandbox.state == "busy" and inv is not None and not inv.done.is_set()
                        and now - inv.started > self.timeout_seconds):
                    sandbox.kill_reason = error_result(
                        "Sandbox.Timedout",
                        f"RequestId: {inv.request_id} Error: Task timed out after {self.timeout_seconds:.2f} seconds")
                    self.log(f"{inv.request_id} Task timed out after {self.timeout_seconds:.2f} seconds")
                    if sandbox.proc is not None:
                        procs.kill_group(sandbox.proc)
                elif (sandbox.state == "busy" and inv is not None and not inv.done.is_set()
                        and sandbox.kill_reason is None and sandbox.proc is not None
                        and sandbox.proc.poll() is None):
                    rss = tree_rss_kib(sandbox.proc.pid)
                    if rss > self.memory_size * 1024:
                        sandbox.kill_reason = out_of_memory(inv.request_id)
                        self.log(f"{inv.request_id} out of memory: {rss // 1024} MB resident, "
                                 f"Memory Size: {self.memory_size} MB")
                        procs.kill_group(sandbox.proc)
                if sandbox.proc is not None and sandbox.proc.poll() is not None:
                    self._sandbox_exited(sandbox)
            if not self.stopped:
                self._scale_for_queue()

    def _sandbox_exited(self, sandbox: Sandbox) -> None:
        """Account for a dead process (caller holds cond)."""
        code = sandbox.proc.returncode if sandbox.proc else None
        how = f"signal: {_signal_name(-code)}" if code is not None and code < 0 else f"exit status {code}"
        was_ready = sandbox.handled > 0 or sandbox.state in ("idle", "busy")
        sandbox.state = "dead"
        self.sandboxes.remove(sandbox)
        if sandbox.runtime_server is not None:
            sandbox.runtime_server.close()
        self.log(f"sandbox {sandbox.number} (pid {sandbox.proc.pid if sandbox.proc else '?'}) exited: {how}")
        inv = sandbox.current
        if inv is not None and not inv.done.is_set():
            result = sandbox.kill_reason or error_result(
                "Runtime.ExitError", f"RequestId: {inv.request_id} Error: Runtime exited with error: {how}")
            self._log_end(inv, _outcome(sandbox.kill_reason))
            inv.complete(result)
        elif not was_ready and self.queue and not self.stopped:
            # Init failed: the invocation that was waiting for this sandbox gets the error.
            inv = self.queue.popleft()
            if sandbox.init_error:
                inv.complete(Result(sandbox.init_error, True))
            else:
                inv.complete(error_result(
                    "Runtime.ExitError", f"RequestId: {inv.request_id} Error: Runtime exited with error: {how}"))
        if was_ready and not self.stopped and not self.sandboxes:
            try:
                self.start_sandbox()  # restart: keep one warm sandbox
            except OSError:
                pass
        self.cond.notify_all()

    def kill_busy(self, wait: float = 5.0) -> list[dict[str, object]]:
        """SIGKILL every busy sandbox (its whole process group) and wait until each killed
        invocation has its outcome (`Runtime.ExitError`, signal: killed) recorded; returns
        [{"pid", "requestId"}]. Idle and starting sandboxes are left alone."""
        with self.cond:
            victims = [(s, s.current) for s in self.sandboxes
                       if s.state == "busy" and s.proc is not None and s.current is not None
                       and not s.current.done.is_set()]
            for sandbox, inv in victims:
                self.log(f"{inv.request_id} sandbox {sandbox.number} killed (control API)")
                procs.kill_group(sandbox.proc)
        deadline = time.monotonic() + wait
        for sandbox, inv in victims:
            while sandbox.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            with self.cond:
                if sandbox in self.sandboxes and sandbox.proc.poll() is not None:
                    self._sandbox_exited(sandbox)
            inv.done.wait(max(0.0, deadline - time.monotonic()))
        return [{"pid": s.proc.pid, "requestId": inv.request_id} for s, inv in victims]

    def stop(self) -> list[Invocation]:
        """Stop every sandbox; returns the invocations still queued (not yet started)."""
        with self.cond:
            self.stopped = True
            sandboxes = list(self.sandboxes)
            pending = list(self.queue)
            self.queue.clear()
            self.cond.notify_all()
        for sandbox in sandboxes:
            if sandbox.proc is not None:
                procs.stop(sandbox.proc)
        with self.cond:
            for sandbox in sandboxes:
                if sandbox in self.sandboxes:
                    self._sandbox_exited(sandbox)
        try:
            os.close(self._log_fd)
        except OSError:
            pass
        return pending


def _outcome(kill_reason: Result | None) -> str:
    if kill_reason is None:
        return "exit"
    return "out of memory" if b"Runtime.OutOfMemory" in kill_reason.body else "timeout"


def _signal_name(num: int) -> str:
    import signal

    try:
        return signal.Signals(num).name.removeprefix("SIG").lower().replace("kill", "killed")
    except ValueError:
        return str(num)


class FunctionGone(Exception):
    """The function was deleted (or replaced) while an invocation was being submitted."""


class Registry:
    """All registered functions; a reaper thread enforces timeouts and notices exits."""

    def __init__(self, run_dir: str, aws_endpoint_url: str | None, region: str, account_id: str,
                 default_max_concurrency: int = DEFAULT_MAX_CONCURRENCY) -> None:
        self.run_dir = run_dir
        self.aws_endpoint_url = aws_endpoint_url
        self.region = region
        self.account_id = account_id
        self.default_max_concurrency = default_max_concurrency
        self.spawner = procs.Spawner()
        self.lock = threading.Lock()
        self.functions: dict[str, Function] = {}
        self._closing = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="reaper", daemon=True)
        self._reaper.start()

    def _reap_loop(self) -> None:
        while not self._closing.wait(0.05):
            with self.lock:
                functions = list(self.functions.values())
            for fn in functions:
                fn.reap()

    def get(self, name: str) -> Function | None:
        with self.lock:
            return self.functions.get(name)

    def put(self, name: str, binary: str, environment: dict[str, str], timeout_seconds: int,
            memory_size: int, max_concurrency: int | None) -> tuple[Function, bool]:
        """(Re)register a function and start its first sandbox; True if it was new."""
        fn = Function(name, binary, environment, timeout_seconds, memory_size,
                      max_concurrency or self.default_max_concurrency, self)
        with self.lock:
            old = self.functions.get(name)
            self.functions[name] = fn
        pending: list[Invocation] = []
        if old is not None:
            pending = old.stop()
        with fn.cond:
            fn.log(f"registered {binary} (timeout {timeout_seconds}s)")
            fn.queue.extend(pending)
            fn.start_sandbox()
            fn._scale_for_queue()
            fn.cond.notify_all()
        return fn, old is None

    def delete(self, name: str) -> bool:
        with self.lock:
            fn = self.functions.pop(name, None)
        if fn is None:
            return False
        for inv in fn.stop():
            inv.complete(not_found(fn.arn))
        return True

    def close(self) -> None:
        self._closing.set()
        with self.lock:
            names = list(self.functions)
        for name in names:
            self.delete(name)

    def names(self) -> list[str]:
        with self.lock:
            return sorted(self.functions)


def decode_client_context(header: str | None) -> str | None:
    """X-Amz-Client-Context is base64 JSON; the runtime receives the decoded JSON."""
    if not header:
        return None
    try:
        return base64.b64decode(header).decode()
    except (ValueError, UnicodeDecodeError):
        return None


LogFn = Callable[[str], None]
