"""Child processes of the Lambda host: start them so they cannot outlive it, stop them by PID.

Not a process manager in general: only what the host needs for function sandboxes.

Every child gets its own process group (so a stop reaches anything it forked) and
PR_SET_PDEATHSIG=SIGKILL (so it dies with the host even if the host is SIGKILLed).
Linux delivers the death signal when the *thread* that forked the child exits, not the
process, so all children are forked by one long-lived thread (`Spawner`), never by a
short-lived HTTP request thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import queue
import signal
import subprocess
import threading
import time
from typing import Any

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _child_setup(parent_pid: int) -> None:
    """Runs in the forked child before exec: own process group, die with the parent."""
    os.setpgid(0, 0)
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died between fork and prctl: then nobody would signal us.
    if os.getppid() != parent_pid:
        os._exit(1)


class Spawner:
    """Forks children from one dedicated thread that lives as long as the host."""

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[dict[str, Any], queue.Queue[Any]]] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="spawner", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            kwargs, reply = self._requests.get()
            try:
                parent = os.getpid()
                proc = subprocess.Popen(
                    preexec_fn=lambda: _child_setup(parent),  # noqa: PLW0108
                    close_fds=True,
                    stdin=subprocess.DEVNULL,
                    **kwargs,
                )
                reply.put(proc)
            except Exception as exc:  # reported to the caller, who decides
                reply.put(exc)

    def spawn(self, **kwargs: Any) -> subprocess.Popen[bytes]:
        """Start a child (Popen keyword arguments); raises what Popen raised."""
        reply: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._requests.put((kwargs, reply))
        result = reply.get()
        if isinstance(result, BaseException):
            raise result
        return result


def kill_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal the child's process group (its PID is the group id); ignore if gone."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen[bytes], grace: float = 2.0) -> None:
    """SIGTERM the group, wait up to `grace` seconds, then SIGKILL it, and reap the child."""
    if proc.poll() is None:
        kill_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    kill_group(proc, signal.SIGKILL)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
