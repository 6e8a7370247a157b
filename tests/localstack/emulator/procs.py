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
import subprocess
import threading
import time
from concurrent.futures import Future
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


def redis_command(port: int, *args: str, timeout: float = 2.0) -> bytes:
    """Send one command in RESP and return the raw first reply line(s)."""
    payload = f"*{len(args)}\r\n".encode()
    for a in args:
        b = a.encode()
        payload += b"$%d\r\n%s\r\n" % (len(b), b)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        deadline = time.monotonic() + timeout
        while b"\r\n" not in data and time.monotonic() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        # read a little more for bulk/array replies
        s.settimeout(0.05)
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        return data


class RedisProcesses:
    """Starts and stops redis-server children; remembers every PID it started."""

    def __init__(self, spawner: Spawner, run_dir: str, binary: str | None = None) -> None:
        self.spawner = spawner
        self.run_dir = run_dir
        self.binary = binary or shutil.which("redis-server") or "/usr/bin/redis-server"
        self._procs: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self._created_dirs: list[str] = []

    def start(self, name: str, port: int, replicaof: int | None) -> subprocess.Popen:
        node_dir = os.path.join(self.run_dir, "redis", name)
        if not os.path.isdir(node_dir):
            os.makedirs(node_dir, exist_ok=True)
        args = [
            self.binary,
            "--port", str(port),
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
        self._wait_ready(proc, port)
        log.info("redis %s pid=%s port=%s replicaof=%s", name, proc.pid, port, replicaof)
        return proc

    def _wait_ready(self, proc: subprocess.Popen, port: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server on port {port} exited with {proc.returncode}")
            try:
                if redis_command(port, "PING", timeout=0.5).startswith(b"+PONG"):
                    return
            except OSError:
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
