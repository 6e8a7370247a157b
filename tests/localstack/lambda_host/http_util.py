"""HTTP/1.1 plumbing shared by the host's servers (keep-alive, bodies, JSON replies).

Not a web framework: just enough for the control, Invoke and Runtime APIs.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Server(ThreadingHTTPServer):
    """Threaded server on loopback; request threads never keep the process alive."""

    daemon_threads = True
    allow_reuse_address = True
    # Many runtimes long-poll at once; the default backlog of 5 drops connections.
    request_queue_size = 128


class Handler(BaseHTTPRequestHandler):
    """Base handler: HTTP/1.1 keep-alive (hyper and the AWS SDK reuse connections).

    Every response leaves in one send, on a TCP_NODELAY socket. The stdlib default (an
    unbuffered writer, Nagle on) sends the headers, then holds the body until the peer
    ACKs them; on a kept-alive connection the peer delays that ACK (~40 ms on Linux), so
    every Runtime API long-poll answer and every Invoke answer stalled: measured 90 ms
    per Invoke of a trivial function through the emulator before, see README."""

    protocol_version = "HTTP/1.1"
    # socketserver.StreamRequestHandler.setup: TCP_NODELAY on every accepted connection.
    disable_nagle_algorithm = True
    # A buffered writer (instead of the unbuffered default 0): headers and body of a
    # response are written into it and leave together when send() flushes.
    wbufsize = 1 << 16
    server_version = "replica-dns-lambda-host"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # Request lines would drown the useful log; errors are logged where they happen.
        return

    def handle_expect_100(self) -> bool:
        # The interim "100 Continue" must leave now, not wait in the buffered writer.
        ok = super().handle_expect_100()
        self.wfile.flush()
        return ok

    def read_body(self) -> bytes:
        """Read the request body, whether sized by Content-Length or chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline().strip()
                size = int(size_line.split(b";", 1)[0] or b"0", 16)
                if size == 0:
                    # Trailers (if any) end with an empty line.
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
             content_type: str = "application/json") -> None:
        self.send_response(status)
        if body or status not in (202, 204):
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        self.send(status, json.dumps(doc).encode(), headers)
