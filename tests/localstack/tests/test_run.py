"""The supervisor (tests/localstack/run) propagates the command's status and leaves nothing running.

Most tests use a stand-in emulator (stub_emulator.py, same CLI) so that they test the
supervisor alone; test_run_stack.py runs the real emulator.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from host_helpers import LOCALSTACK, alive, wait_until

RUN = LOCALSTACK / "run"
STUB = Path(__file__).resolve().parent / "stub_emulator.py"


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e["REPLICA_DNS_VENV"] = sys.prefix  # the interpreter running these tests has what the stack needs
    e["REPLICA_DNS_EMULATOR_MAIN"] = str(STUB)
    e.update(extra)
    return e


def recorded_pids(run_dir: Path) -> list[int]:
    return [int(line.split()[1]) for line in (run_dir / "pids").read_text().splitlines()]


def all_gone(run_dir: Path) -> bool:
    pids = recorded_pids(run_dir) + [int((run_dir / "stub-node.pid").read_text())]
    return not any(alive(p) for p in pids)


def supervise(run_dir: Path, *command: str, keep: bool = True, **extra: str) -> subprocess.CompletedProcess[str]:
    args = [str(RUN), "--run-dir", str(run_dir)] + (["--keep-logs"] if keep else []) + ["--", *command]
    return subprocess.run(args, env=env(**extra), capture_output=True, text=True, timeout=60)


def test_command_exit_status_is_propagated_and_nothing_outlives_a_failed_run(tmp_path):
    run_dir = tmp_path / "run"
    result = supervise(run_dir, "sh", "-c", "exit 3", keep=False)
    assert result.returncode == 3, result.stderr
    # A failed run keeps its logs and says where they are.
    assert f"logs: {run_dir}" in result.stderr
    assert len(recorded_pids(run_dir)) >= 3
    assert all_gone(run_dir)


def test_successful_run_exports_the_stack_environment(tmp_path):
    run_dir = tmp_path / "run"
    out = tmp_path / "env.json"
    script = f"import json, os; json.dump(dict(os.environ), open({str(out)!r}, 'w'))"
    result = supervise(run_dir, sys.executable, "-c", script, AWS_PROFILE="someone", AWS_SESSION_TOKEN="real")
    assert result.returncode == 0, result.stderr
    e = json.loads(out.read_text())
    port = re.search(r"http://127\.0\.0\.1:(\d+)$", e["AWS_ENDPOINT_URL"]).group(1)
    assert e["REPLICA_DNS_CONTROL_URL"] == f"http://127.0.0.1:{port}/_replica_dns"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", e["REPLICA_DNS_DNS_ADDR"])
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", e["REPLICA_DNS_LAMBDA_HOST_URL"])
    assert (e["AWS_ACCESS_KEY_ID"], e["AWS_SECRET_ACCESS_KEY"]) == ("testing", "testing")
    assert e["AWS_REGION"] == e["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in e and "AWS_SESSION_TOKEN" not in e
    assert e["REPLICA_DNS_RUN_DIR"] == str(run_dir)
    assert all_gone(run_dir)


def test_successful_run_removes_its_logs_unless_asked_to_keep_them(tmp_path):
    run_dir = tmp_path / "run"
    assert supervise(run_dir, "true", keep=False).returncode == 0
    assert not run_dir.exists()


def test_stack_is_up_quickly(tmp_path):
    result = supervise(tmp_path / "run", "true")
    up = float(re.search(r"stack up in ([\d.]+)s", result.stderr).group(1))
    assert up < 10


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_command_and_stack(tmp_path, sig):
    run_dir = tmp_path / "run"
    marker = tmp_path / "started"
    proc = subprocess.Popen([str(RUN), "--run-dir", str(run_dir), "--", "sh", "-c",
                             f"touch {marker}; sleep 60"], env=env(), stderr=subprocess.PIPE, text=True)
    assert wait_until(marker.exists, 20)
    proc.send_signal(sig)
    stderr = proc.communicate(timeout=20)[1]
    assert proc.returncode == 128 + sig, stderr
    assert all_gone(run_dir), (run_dir / "pids").read_text()


def test_sigkilled_supervisor_takes_its_children_along(tmp_path):
    # PR_SET_PDEATHSIG: even `kill -9` of the supervisor stops emulator, host and command.
    run_dir = tmp_path / "run"
    marker = tmp_path / "started"
    proc = subprocess.Popen([str(RUN), "--run-dir", str(run_dir), "--", "sh", "-c",
                             f"touch {marker}; sleep 60"], env=env(), stderr=subprocess.DEVNULL)
    assert wait_until(marker.exists, 20)
    pids = recorded_pids(run_dir)
    proc.kill()
    proc.wait()
    assert wait_until(lambda: not any(alive(p) for p in pids), 5)
    os.kill(int((run_dir / "stub-node.pid").read_text()), signal.SIGKILL)


def test_emulator_failing_at_start_fails_fast_with_its_log(tmp_path):
    run_dir = tmp_path / "run"
    started = time.monotonic()
    result = supervise(run_dir, "true", STUB_EMULATOR_FAIL="1")
    assert result.returncode == 125
    assert time.monotonic() - started < 10
    assert "emulator exited with status 4" in result.stderr
    assert "stub emulator: configured to fail" in result.stderr
    assert not any(alive(p) for p in recorded_pids(run_dir))


def test_missing_command_is_a_usage_error(tmp_path):
    result = subprocess.run([str(RUN)], env=env(), capture_output=True, text=True, timeout=10)
    assert result.returncode == 2 and "no command given" in result.stderr
