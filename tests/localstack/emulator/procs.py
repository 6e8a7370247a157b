"""Child processes of the emulator: redis-server nodes, started from ONE long-lived
thread so that PR_SET_PDEATHSIG (which fires when the *thread* that forked dies) only
fires when the emulator itself dies. Every child is tracked and stopped by PID.

Not a general process supervisor: no restarts, no output capture beyond a log file.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable

log = logging.getLogger("emulator.procs")

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """preexec_fn: ask the kernel to SIGKILL the child when its parent dies, so a
    SIGKILLed emulator leaves no redis-server behind."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


class Spawner:
    """Runs process-creating jobs on the thread that calls `run_forever` (the main
    thread), which lives as long as the emulator."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], object], Future] | None] = queue.Queue()
        self._thread_id: int | None = None

    def submit(self, fn: Callable[[], object]) -> object:
        if threading.get_ident() == self._thread_id:
            return fn()
        fut: Future = Future()
        self._jobs.put((fn, fut))
        return fut.result(timeout=30)

    def run_until(self, stop: threading.Event) -> None:
        self._thread_id = threading.get_ident()
        while not stop.is_set():
            try:
                item = self._jobs.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is None:
                break
            fn, fut = item
            try:
                fut.set_result(fn())
            except BaseException as exc:  # handed back to the submitter
                fut.set_exception(exc)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


EPHEMERAL_RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
# Node ports are taken from here up to just below the ephemeral range.
LOWEST_NODE_PORT = 10000


def ephemeral_low(path: str = EPHEMERAL_RANGE_FILE) -> int:
    """The first port of the kernel's ephemeral range (Linux default 32768)."""
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


class NodePorts:
    """Ports for cache nodes, below the kernel's ephemeral range.

    A node's port is fixed when the node is created (DescribeCacheClusters reports it),
    but its redis-server binds it seconds later (creation, replacement, a failover's
    restart). A port from bind(0) lies in the ephemeral range, where any outgoing
    connection in between (the stack makes hundreds a second under load) may take it as
    its local port; a bench run lost a node to "bind: Address already in use" that way.
    Outgoing connections never take a port outside that range, so these stay free for
    the node; a test bind skips ports another program listens on. Each port is handed
    out once per process."""

    def __init__(self, low: int = LOWEST_NODE_PORT, high: int | None = None) -> None:
        self.low = low
        self.high = (ephemeral_low() - 1) if high is None else high
        self._given: set[int] = set()
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            if self.high - self.low < 1000:  # no room under the ephemeral range
                return free_port()
            for _ in range(200):
                port = self.low + int.from_bytes(os.urandom(2), "big") % (self.high - self.low + 1)
                if port in self._given or not _bindable(port):
                    continue
                self._given.add(port)
                return port
        raise RuntimeError(f"no free node port in {self.low}-{self.high}")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class NodeSecurity:
    """How a node is secured, and so how to talk to it: TLS only (server certificate,
    key and the CA that signed it) and/or a password (AUTH / requirepass).

    `hostname` is the name the emulator's own connections verify the certificate
    against (the node's endpoint address), as a client inside the VPC would."""

    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None
    password: str | None = None
    hostname: str | None = None
    client_context: ssl.SSLContext | None = field(default=None, compare=False, repr=False)

    @property
    def tls(self) -> bool:
        return self.cert_file is not None

    def __repr__(self) -> str:  # never show the password
        return f"NodeSecurity(tls={self.tls}, auth={self.password is not None}, hostname={self.hostname!r})"


def _resp(*args: str) -> bytes:
    out = b"*%d\r\n" % len(args)
    for a in args:
        b = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def _read_reply(f) -> bytes:
    """One complete RESP2 reply, raw (the type byte included)."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed before a complete reply")
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-", b":"):
        return line
    if kind == b"$":
        n = int(rest)
        return line if n < 0 else line + f.read(n + 2)
    if kind == b"*":
        n = int(rest)
        return line + b"".join(_read_reply(f) for _ in range(max(n, 0)))
    raise ConnectionError(f"not a RESP reply: {line[:40]!r}")


def redis_command(port: int, *args: str, timeout: float = 2.0, security: NodeSecurity | None = None) -> bytes:
    """Send one command in RESP and return its raw reply. With `security`, the
    connection speaks TLS (verifying the node's certificate and host name) and sends
    AUTH first; an AUTH error reply is returned instead of the command's."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock: socket.socket = raw
        if security is not None and security.tls:
            ctx = security.client_context
            if ctx is None:
                ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=security.ca_file)
            sock = ctx.wrap_socket(raw, server_hostname=security.hostname)
        payload = b""
        if security is not None and security.password is not None:
            payload += _resp("AUTH", security.password)
        payload += _resp(*args)
        sock.sendall(payload)
        with sock.makefile("rb") as f:
            if security is not None and security.password is not None:
                auth = _read_reply(f)
                if not auth.startswith(b"+"):
                    return auth
            return _read_reply(f)
    finally:
        try:
            sock.close()
        except OSError:
            pass
        raw.close()


class RedisProcesses:
    """Starts and stops redis-server children; remembers every PID it started."""

    def __init__(self, spawner: Spawner, run_dir: str, binary: str | None = None) -> None:
        self.spawner = spawner
        self.run_dir = run_dir
        self.binary = binary or shutil.which("redis-server") or "/usr/bin/redis-server"
        self._procs: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self._created_dirs: list[str] = []

    def start(self, name: str, port: int, replicaof: int | None,
              security: NodeSecurity | None = None) -> subprocess.Popen:
        """Start a node on `port` (a replica of `replicaof` if given). With TLS in
        `security`, the node serves TLS only on `port` (`--port 0 --tls-port port`) and
        replicates over TLS; with a password, clients must AUTH and replicas
        authenticate to their primary with it (`requirepass` / `masterauth`)."""
        node_dir = os.path.join(self.run_dir, "redis", name)
        if not os.path.isdir(node_dir):
            os.makedirs(node_dir, exist_ok=True)
        args = [self.binary]
        if security is not None and security.password is not None:
            # The password goes into a file only this user can read, not onto the
            # command line (visible to every process in /proc/<pid>/cmdline).
            conf = os.path.join(node_dir, "auth.conf")
            quoted = '"' + security.password.replace("\\", "\\\\").replace('"', '\\"') + '"'
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f"requirepass {quoted}\nmasterauth {quoted}\n")
            args.append(conf)  # a config file must be the first argument
        if security is not None and security.tls:
            args += [
                "--port", "0",
                "--tls-port", str(port),
                "--tls-cert-file", str(security.cert_file),
                "--tls-key-file", str(security.key_file),
                "--tls-ca-cert-file", str(security.ca_file),
                "--tls-auth-clients", "no",
                "--tls-replication", "yes",
            ]
        else:
            args += ["--port", str(port)]
        args += [
            "--bind", "127.0.0.1",
            "--protected-mode", "no",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", node_dir,
            "--logfile", os.path.join(node_dir, "redis.log"),
            "--loglevel", "warning",
            "--replica-announce-ip", "127.0.0.1",
        ]
        if replicaof is not None:
            args += ["--replicaof", "127.0.0.1", str(replicaof)]

        def spawn() -> subprocess.Popen:
            return subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
                close_fds=True,
            )

        proc = self.spawner.submit(spawn)
        assert isinstance(proc, subprocess.Popen)
        with self._lock:
            self._procs[proc.pid] = proc
        self._wait_ready(proc, port, security)
        log.info("redis %s pid=%s port=%s replicaof=%s %s", name, proc.pid, port, replicaof, security)
        return proc

    def _wait_ready(self, proc: subprocess.Popen, port: int, security: NodeSecurity | None,
                    timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server on port {port} exited with {proc.returncode}")
            try:
                if redis_command(port, "PING", timeout=0.5, security=security).startswith(b"+PONG"):
                    return
            except (OSError, ConnectionError):
                pass
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {port} not ready after {timeout}s")

    def stop(self, proc: subprocess.Popen | None) -> None:
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=3)
        with self._lock:
            self._procs.pop(proc.pid, None)

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(self._procs)

    def stop_all(self) -> None:
        with self._lock:
            procs = list(self._procs.values())
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=3)
        with self._lock:
            self._procs.clear()
