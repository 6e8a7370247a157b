"""Entry point of the replica-dns local AWS emulator: one process serving moto (with
our extensions) on 127.0.0.1:PORT, a DNS server on 127.0.0.1:DNS_PORT (UDP+TCP), and
the redis-server children behind emulated ElastiCache nodes.

    python tests/localstack/emulator/main.py --host 127.0.0.1 --port P --dns-port D \
        --run-dir DIR [--lambda-host-url URL] [--route53-requests-per-second R --route53-request-burst B]

Ready when GET http://127.0.0.1:P/_replica_dns/health answers 200. TLS cache nodes
are signed by a CA generated at start-up: RUN_DIR/tls/ca.pem (GET /_replica_dns/tls). SIGTERM/SIGINT stop
everything it started (redis children by PID); children also carry PR_SET_PDEATHSIG.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only)")
    p.add_argument("--port", type=int, required=True, help="moto/control HTTP port")
    p.add_argument("--dns-port", type=int, required=True, help="DNS port (UDP and TCP)")
    p.add_argument("--run-dir", required=True, help="directory for redis data/logs (created if missing)")
    p.add_argument("--lambda-host-url", default=os.environ.get("REPLICA_DNS_LAMBDA_HOST_URL"),
                   help="Lambda host base URL (default: $REPLICA_DNS_LAMBDA_HOST_URL)")
    p.add_argument("--route53-insync-seconds", type=float, default=None)
    p.add_argument("--node-create-seconds", type=float, default=None)
    p.add_argument("--node-replace-seconds", type=float, default=None)
    p.add_argument("--node-delete-seconds", type=float, default=None)
    p.add_argument("--failover-seconds", type=float, default=None)
    p.add_argument("--route53-requests-per-second", type=float, default=None,
                   help="Route 53 throttling: token-bucket refill per second per account (0 = off, the default)")
    p.add_argument("--route53-request-burst", type=float, default=None,
                   help="Route 53 throttling: bucket capacity (default 50, AWS's account bucket)")
    p.add_argument("--log-level", default=os.environ.get("REPLICA_DNS_EMULATOR_LOG", "WARNING"))
    args = p.parse_args(argv)
    if not args.host.startswith("127.") and args.host != "localhost":
        p.error(f"--host must be a loopback address, got {args.host!r}")
    for name in ("route53_insync_seconds", "node_create_seconds", "node_replace_seconds", "node_delete_seconds",
                 "failover_seconds", "route53_requests_per_second"):
        value = getattr(args, name)
        if value is not None and not (value >= 0 and value != float("inf")):
            p.error(f"--{name.replace('_', '-')} must be a non-negative number")
    if args.route53_request_burst is not None and not 1 <= args.route53_request_burst < float("inf"):
        p.error("--route53-request-burst must be at least 1")
    for name in ("port", "dns_port"):
        if not 1 <= getattr(args, name) <= 65535:
            p.error(f"--{name.replace('_', '-')} must be a TCP/UDP port number (1-65535)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # moto's Step Functions interpreter calls AWS at http://localhost:$MOTO_PORT.
    if logging.getLogger().level > logging.INFO:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ["MOTO_PORT"] = str(args.port)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from emulator import elasticache_ext, route53_ext, sfn_ext, sns_ext, speedups
    from emulator.dns_server import DnsServers
    from emulator.procs import RedisProcesses, Spawner
    from emulator.settings import SETTINGS
    from emulator.tls import TlsMaterial
    from emulator.wsgi import FrontApp, base_routes, request_handler

    overrides = {k: v for k, v in {
        "route53_insync_seconds": args.route53_insync_seconds,
        "node_create_seconds": args.node_create_seconds,
        "node_replace_seconds": args.node_replace_seconds,
        "node_delete_seconds": args.node_delete_seconds,
        "failover_seconds": args.failover_seconds,
        "route53_requests_per_second": args.route53_requests_per_second,
        "route53_request_burst": args.route53_request_burst,
    }.items() if v is not None}
    overrides["lambda_host_url"] = args.lambda_host_url
    SETTINGS.update(overrides)

    import shutil

    if shutil.which("redis-server") is None:
        print("emulator: redis-server not found on PATH: run tests/localstack/setup", file=sys.stderr)
        return 2
    run_dir = os.path.abspath(args.run_dir)
    os.makedirs(run_dir, exist_ok=True)
    spawner = Spawner()
    procs = RedisProcesses(spawner, run_dir)
    route53_ext.install()
    sns_ext.install()
    sfn_ext.install()
    speedups.install()
    from emulator import secretsmanager_ext  # noqa: E402 - AWS status codes for its errors
    secretsmanager_ext.install()
    # The CA of every TLS cache node, generated afresh at each start (RUN_DIR/tls/ca.pem).
    tls = TlsMaterial(os.path.join(run_dir, "tls"))
    ec = elasticache_ext.install(procs, tls)

    routes = base_routes()
    routes.update(elasticache_ext.control_routes(ec))
    app = FrontApp(DomainDispatcherApplication(create_backend_app), routes)

    dns = DnsServers(args.dns_port, ec.resolve, address=args.host)
    dns.start()
    server = make_server(args.host, args.port, app, threaded=True, request_handler=request_handler())
    server_thread = threading.Thread(target=server.serve_forever, daemon=True, name="http")
    server_thread.start()

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"replica-dns emulator ready http://{args.host}:{args.port} dns {args.host}:{args.dns_port} "
          f"ca {tls.ca_file} pid {os.getpid()}", flush=True)
    try:
        spawner.run_until(stop)  # the main thread spawns every child (see procs.Spawner)
    finally:
        ec.close()
        procs.stop_all()
        server.shutdown()
        dns.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
