#!/usr/bin/env python3
"""Per-function footprint (issue 10 item 8): for each of the seven Lambda binaries in a
directory, its init time, peak RSS and zipped size. Python standard library only.

    bench/footprint.py [BIN_DIR] [--runs N]

BIN_DIR holds replica-dns-<function> (default: the x86_64 release build cargo-lambda
makes, else target/release, else target/debug, under $CARGO_TARGET_DIR). Each function
is started N times (default 5) against a one-shot Lambda Runtime API on 127.0.0.1 (a
thread of this script), as the Lambda service starts a sandbox:

- init: from the exec of the binary until its first GET /runtime/invocation/next, i.e.
  what Lambda reports as Init Duration (configuration parsed and validated, SDK clients
  built); median of the runs.
- peak RSS: the process's VmHWM (/proc/<pid>/status) once it has answered one event and
  polls for the next; maximum of the runs. The event is the one cdk/scripts/
  measure-functions uses; AWS calls go to AWS_ENDPOINT_URL when set (inside the local
  stack) or to 127.0.0.1:9, where nothing listens, so a function that calls AWS measures
  its init plus a failed call: the memory that sizes the function, not a latency.
- zip: the binary stored as `bootstrap` in a zip (deflate, level 9), as the CDK asset is.

Every process started here is stopped by its PID. Not a test: it prints figures.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUNCTIONS = ["trigger", "filter", "snapshot", "await-nodes", "plan", "apply", "verify"]


def default_bin_dir() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", "/root/.cache/replica-dns/target"))
    for d in (target / "x86_64-unknown-linux-gnu" / "release", target / "release", target / "debug"):
        if all((d / f"replica-dns-{f}").is_file() for f in FUNCTIONS):
            return d
    return target / "debug"


def events() -> dict[str, bytes]:
    group = (REPO / "statemachine/samples/group/fresh.json").read_bytes()
    sns = (REPO / "statemachine/samples/trigger/sns-event.json").read_bytes()
    manual = json.dumps({"input": {"all": True},
                         "executionId": "arn:aws:states:us-east-1:123456789012:execution:replica-dns:footprint"})
    return {"trigger": sns, "filter": manual.encode(), **{f: group for f in FUNCTIONS[2:]}}


class Runtime:
    """A Runtime API serving one event; records when the first `next` arrived and when
    the function asked for the second (it answered the first)."""

    def __init__(self, event: bytes) -> None:
        self.event = event
        self.first_next: float | None = None
        self.answered = threading.Event()
        self.outcome = "none"
        runtime = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_a: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                if runtime.first_next is not None:
                    runtime.answered.set()
                    time.sleep(5)  # the function is stopped meanwhile
                    return
                runtime.first_next = time.monotonic()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:123456789012:function:footprint")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(runtime.event)))
                self.end_headers()
                self.wfile.write(runtime.event)

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.endswith("/response"):
                    runtime.outcome = "response"
                elif self.path.endswith("/error"):
                    runtime.outcome = "error"
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(binary: Path, event: bytes, config: str) -> tuple[float, int, str]:
    runtime = Runtime(event)
    env = {
        "PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{runtime.port}",
        "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        "AWS_LAMBDA_FUNCTION_NAME": binary.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "1", "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "REPLICA_DNS_CONFIG": config,
        "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:replica-dns",
    }
    started = time.monotonic()
    proc = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        runtime.answered.wait(timeout=60)
        rss = vm_hwm_kib(proc.pid)
    finally:
        proc.kill()
        proc.wait()
        runtime.close()
    init_ms = (runtime.first_next - started) * 1000 if runtime.first_next else float("nan")
    return init_ms, rss, runtime.outcome


def zipped_size(binary: Path) -> int:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, binary.read_bytes())
    return len(buf.getvalue())


def main() -> int:
    args = sys.argv[1:]
    runs = 5
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    bin_dir = Path(args[0]) if args else default_bin_dir()
    config = json.dumps(json.loads((REPO / "cdk/config/example.json").read_text()))
    evs = events()
    print(f"footprint of {bin_dir} ({runs} starts each; targets: init <= 20 ms, peak RSS <= 16 MB, zip <= 5 MB)")
    print(f"{'function':<12} {'init p50':>9} {'init max':>9} {'peak RSS':>9} {'zip':>8}  outcome")
    for f in FUNCTIONS:
        binary = bin_dir / f"replica-dns-{f}"
        if not binary.is_file():
            print(f"{f:<12} (no binary {binary})")
            continue
        inits, rsss, outcomes = [], [], set()
        for _ in range(runs):
            init_ms, rss, outcome = measure(binary, evs[f], config)
            inits.append(init_ms)
            rsss.append(rss)
            outcomes.add(outcome)
        print(f"{f:<12} {statistics.median(inits):7.1f}ms {max(inits):7.1f}ms {max(rsss) / 1024:6.1f} MB "
              f"{zipped_size(binary) / 1e6:5.2f} MB  {'/'.join(sorted(outcomes))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
