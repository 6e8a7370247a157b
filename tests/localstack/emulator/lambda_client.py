"""Talks to the Lambda host (REPLICA_DNS_LAMBDA_HOST_URL): forwards Invoke requests
that reach the moto endpoint verbatim, and delivers SNS events asynchronously.

Not a Lambda implementation: moto's own Lambda backend (docker) is never used.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from .settings import SETTINGS

log = logging.getLogger("emulator.lambda")

_async_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sns-lambda")
# Hop-by-hop headers that must not be copied across the proxy.
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
        "proxy-authorization", "proxy-authenticate", "host", "content-length"}


class _Connection(http.client.HTTPConnection):
    """http.client sends a request's headers and its body in two sends: harmless only
    with TCP_NODELAY (without it the body waits for the host's delayed ACK of the
    headers, ~40 ms). http.client sets it since Python 3.5; set explicitly so this
    never depends on that."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _connection(timeout: float) -> tuple[http.client.HTTPConnection, str]:
    base = SETTINGS.lambda_host_url
    if not base:
        raise ConnectionError("no Lambda host configured (--lambda-host-url / REPLICA_DNS_LAMBDA_HOST_URL)")
    u = urllib.parse.urlsplit(base)
    conn = _Connection(u.hostname or "127.0.0.1", u.port or 80, timeout=timeout)
    return conn, u.path.rstrip("/")


def forward(method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes,
            timeout: float = 900.0) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send the request as it came and return the host's status, headers and body."""
    conn, prefix = _connection(timeout)
    try:
        out_headers = {k: v for k, v in headers if k.lower() not in _HOP}
        out_headers["Content-Length"] = str(len(body))
        conn.request(method, prefix + raw_path, body=body, headers=out_headers)
        resp = conn.getresponse()
        data = resp.read()
        resp_headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP]
        return resp.status, resp_headers, data
    finally:
        conn.close()


def function_busy(function_name: str, timeout: float = 5.0) -> bool:
    """Whether the function has a sandbox handling an invocation (Lambda host control API)."""
    conn, prefix = _connection(timeout)
    try:
        conn.request("GET", f"{prefix}/_host/functions/{urllib.parse.quote(function_name, safe='')}")
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            return False
        return any(s.get("state") == "busy" for s in json.loads(data).get("Sandboxes", []))
    finally:
        conn.close()


def kill_function(function_name: str, timeout: float = 30.0) -> list[dict]:
    """Ask the Lambda host to SIGKILL the function's busy sandboxes (fault injection);
    returns what it killed ([{"pid", "requestId"}]) once those invocations have failed."""
    conn, prefix = _connection(timeout)
    try:
        conn.request("POST", f"{prefix}/_host/functions/{urllib.parse.quote(function_name, safe='')}/kill",
                     body=b"", headers={"Content-Length": "0"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise ConnectionError(f"Lambda host answered {resp.status} to kill {function_name}: {data[:200]!r}")
        return json.loads(data)["killed"]
    finally:
        conn.close()


def invoke_async(function_name: str, qualifier: str | None, event: dict) -> None:
    """Deliver `event` like an Event-type invocation (fire and forget, as SNS does)."""

    def send() -> None:
        path = f"/2015-03-31/functions/{urllib.parse.quote(function_name, safe='')}/invocations"
        if qualifier:
            path += "?Qualifier=" + urllib.parse.quote(qualifier, safe="")
        body = json.dumps(event).encode()
        try:
            status, _, data = forward(
                "POST", path,
                [("Content-Type", "application/json"), ("X-Amz-Invocation-Type", "Event")],
                body, timeout=30,
            )
            if status >= 300:
                log.warning("SNS delivery to %s answered %s: %s", function_name, status, data[:500])
        except OSError as exc:
            log.warning("SNS delivery to %s failed: %s", function_name, exc)

    _async_pool.submit(send)
