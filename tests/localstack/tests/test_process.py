"""The emulator process itself: fast start-up, loopback only, and no redis-server
outliving it (SIGTERM stops children by PID; SIGKILL reaches them via PDEATHSIG)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import MAIN, Emulator, unique, wait_until


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\nState:\tZ" not in f.read()
    except FileNotFoundError:
        return False


def group_pids(emu: Emulator) -> list[int]:
    ec = emu.client("elasticache")
    ec.create_replication_group(ReplicationGroupId=unique("p"), ReplicationGroupDescription="t",
                                NumCacheClusters=3, CacheNodeType="cache.t4g.micro", Engine="redis")
    _, body = emu.control("GET", "/elasticache/nodes")
    pids = [n["pid"] for n in body["nodes"]]
    assert len(pids) == 3 and all(alive(p) for p in pids)
    return pids


def test_starts_well_under_ten_seconds(emulator):
    assert emulator.startup_seconds < 10


def test_sigterm_stops_every_redis_it_started(tmp_path):
    emu = Emulator(tmp_path, None, ["--node-create-seconds", "0"])
    pids = group_pids(emu)
    emu.stop()
    assert emu.proc.returncode == 0
    assert not [p for p in pids if alive(p)]


def test_sigkill_of_the_emulator_takes_its_redis_children_down(tmp_path):
    emu = Emulator(tmp_path, None, ["--node-create-seconds", "0"])
    pids = group_pids(emu)
    os.kill(emu.proc.pid, signal.SIGKILL)
    emu.proc.wait()
    wait_until(lambda: not [p for p in pids if alive(p)], timeout=5)
    emu.log.close()


def test_rejects_a_non_loopback_bind_address(tmp_path):
    r = subprocess.run([sys.executable, str(MAIN), "--host", "0.0.0.0", "--port", "1", "--dns-port", "1",
                        "--run-dir", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "loopback" in r.stderr
