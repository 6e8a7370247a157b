"""CLI of the Lambda host: `python tests/localstack/lambda_host/main.py --port P --run-dir DIR …`.

Not the logic (server.py, functions.py): parses arguments, serves until SIGTERM/SIGINT,
then stops every function process it started before exiting.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

if __package__ in (None, ""):
    # Run as a script: make the package importable from its parent folder.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "lambda_host"  # noqa: A001

from lambda_host.functions import Registry  # noqa: E402
from lambda_host.server import Host, serve  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Runs Lambda function binaries behind the Lambda Invoke API.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only)")
    p.add_argument("--port", type=int, required=True, help="port of the control and Invoke API (0 = any)")
    p.add_argument("--run-dir", required=True, help="folder for the functions' logs (<name>.log)")
    p.add_argument("--aws-endpoint-url", default=None,
                   help="AWS_ENDPOINT_URL given to every function (the emulator)")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--account-id", default="123456789012")
    p.add_argument("--max-concurrency", type=int, default=10,
                   help="default cap on sandboxes (processes) per function")
    p.add_argument("--async-retry-delay", type=float, default=60.0,
                   help="seconds before the first retry of a failed Event invocation (second: twice that)")
    args = p.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        p.error(f"--host {args.host}: the host binds loopback only")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.makedirs(args.run_dir, exist_ok=True)
    registry = Registry(os.path.abspath(args.run_dir), args.aws_endpoint_url, args.region, args.account_id,
                        args.max_concurrency)
    host = Host(registry, args.async_retry_delay)
    server = serve(host, args.host, args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    host.log(f"lambda host listening on http://{args.host}:{server.server_address[1]} "
             f"(logs in {args.run_dir}, endpoint {args.aws_endpoint_url})")
    while not stop.wait(0.5):
        pass
    host.log("stopping: terminating every function process")
    registry.close()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
