"""The supervisor with the real emulator: the whole stack is up in under 10 s, the
exported environment (REPLICA_DNS_CA_FILE included) reaches every part, and no process (Redis nodes and Lambda
sandboxes included) outlives a run, whether it succeeds, fails or is interrupted.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from host_helpers import LOCALSTACK, alive, fake_binary, wait_until

RUN = LOCALSTACK / "run"

# Runs inside the stack: a replication group (real redis-server nodes), a function on the
# Lambda host invoked through the emulator's endpoint, then `exit EXIT` (or a long sleep).
CLIENT = textwrap.dedent("""
    import json, os, sys, time, urllib.request
    import boto3
    binary, exit_code, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ec = boto3.client("elasticache")
    ec.create_replication_group(ReplicationGroupId="g1", ReplicationGroupDescription="t",
                                Engine="redis", CacheNodeType="cache.t4g.micro", NumCacheClusters=2)
    for _ in range(100):
        g = ec.describe_replication_groups(ReplicationGroupId="g1")["ReplicationGroups"][0]
        if g["Status"] == "available":
            break
        time.sleep(0.1)
    host = os.environ["REPLICA_DNS_LAMBDA_HOST_URL"]
    req = urllib.request.Request(host + "/_host/functions/fn", method="PUT",
                                 data=json.dumps({"binary": binary}).encode())
    urllib.request.urlopen(req).read()
    invoke = urllib.request.Request(
        os.environ["AWS_ENDPOINT_URL"]
        + "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:fn/invocations",
        method="POST", data=json.dumps({"env": ["AWS_ENDPOINT_URL"]}).encode())
    with urllib.request.urlopen(invoke) as r:
        answer = json.loads(r.read())
    json.dump({"group": g["Status"], "fn_endpoint": answer["AWS_ENDPOINT_URL"],
               "endpoint": os.environ["AWS_ENDPOINT_URL"],
               "ca_file": os.environ.get("REPLICA_DNS_CA_FILE")}, open(marker, "w"))
    if exit_code < 0:
        time.sleep(120)
    sys.exit(exit_code)
""")


def start(tmp_path: Path, exit_code: int) -> tuple[subprocess.Popen[str], Path, Path]:
    run_dir, marker = tmp_path / "run", tmp_path / "marker.json"
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    proc = subprocess.Popen(
        [str(RUN), "--run-dir", str(run_dir), "--", sys.executable, str(script),
         fake_binary(tmp_path), str(exit_code), str(marker)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, run_dir, marker


def recorded(run_dir: Path) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for line in (run_dir / "pids").read_text().splitlines():
        name, pid = line.split()
        out.setdefault(name, []).append(int(pid))
    return out


def test_whole_stack_runs_a_command_and_leaves_nothing_behind(tmp_path):
    proc, run_dir, marker = start(tmp_path, 5)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode == 5, stderr
    up = float(re.search(r"stack up in ([\d.]+)s", stderr).group(1))
    assert up < 10, stderr
    seen = json.loads(marker.read_text())
    assert seen["group"] == "available"
    # The function got the emulator as its endpoint, and was reached through it.
    assert seen["fn_endpoint"] == seen["endpoint"]
    # The CA of TLS cache nodes is exported (the run directory is kept: exit 5).
    assert seen["ca_file"] == str((run_dir / "tls" / "ca.pem").resolve())
    assert (run_dir / "tls" / "ca.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    pids = recorded(run_dir)
    # Redis nodes and the function's sandbox were found as descendants and stopped.
    assert len(pids.get("emulator-descendant", [])) >= 2, pids
    assert pids.get("lambda-host-descendant"), pids
    assert not [p for ps in pids.values() for p in ps if alive(p)]


def test_interrupted_whole_stack_leaves_nothing_behind(tmp_path):
    proc, run_dir, marker = start(tmp_path, -1)
    assert wait_until(marker.exists, 60), proc.stderr
    before = recorded(run_dir)
    proc.send_signal(signal.SIGINT)
    stderr = proc.communicate(timeout=30)[1]
    assert proc.returncode == 130, stderr
    pids = recorded(run_dir)
    assert len(pids.get("emulator-descendant", [])) >= 2, pids
    everything = {p for ps in list(pids.values()) + list(before.values()) for p in ps}
    assert not [p for p in everything if alive(p)]
