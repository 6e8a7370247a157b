"""No Nagle stalls on the stack's HTTP hops (Invoke API, Runtime API, emulator front,
emulator → Lambda host).

Not an AWS behaviour: a property of our servers. A response written as headers, then
body, on a socket with Nagle's algorithm on leaves the body waiting for the peer's ACK
of the headers, which the peer delays (~40 ms on Linux) on a kept-alive connection:
every Invoke of a trivial function took ~88 ms (median of 50 through the emulator),
~4-8 ms after the fix. Timings on a loaded 2-core machine are not a robust assertion,
so these tests assert the mechanism: every accepted and every client socket has
TCP_NODELAY, and the Lambda host writes each response in one send (the client's first
recv holds the whole response, on a kept-alive connection).
"""

from __future__ import annotations

import json
import socket
import sys
import textwrap
import threading
import urllib.request
from pathlib import Path

import pytest

from host_helpers import HostProcess, fake_binary

LOCALSTACK = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(LOCALSTACK))


def _one_recv(sock: socket.socket, request: bytes) -> tuple[bytes, bytes, int]:
    """Send `request`, then one recv: (head, body received so far, Content-Length)."""
    sock.sendall(request)
    data = sock.recv(1 << 20)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return head, body, length


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            "Content-Type: application/json\r\n\r\n").encode() + body


@pytest.fixture
def host(tmp_path):
    h = HostProcess(tmp_path)
    yield h
    h.stop()


def test_lambda_host_writes_each_invoke_and_control_response_in_one_send(host, tmp_path):
    host.register("fn", fake_binary(tmp_path), timeout=10)
    with socket.create_connection(("127.0.0.1", host.port), timeout=30) as sock:
        for i in range(5):  # one kept-alive connection: where delayed ACKs stalled
            head, body, length = _one_recv(sock, _request("POST", "/2015-03-31/functions/fn/invocations",
                                                          json.dumps({"echo": i}).encode()))
            assert head.startswith(b"HTTP/1.1 200"), head
            assert (len(body), json.loads(body)) == (length, i)
            head, body, length = _one_recv(sock, _request("GET", "/_host/health"))
            assert len(body) == length and json.loads(body)["status"] == "ok"


# A runtime that speaks the Runtime API over a raw socket and reports, as its result,
# whether each answer of the API (GET next, POST response) came in one recv.
_RAW_RUNTIME = textwrap.dedent('''\
    import json, os, socket
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    sock = socket.create_connection((host, int(port)))
    def call(method, path, body=b""):
        sock.sendall(f"{method} /2018-06-01/runtime{path} HTTP/1.1\\r\\nHost: x\\r\\n"
                     f"Content-Length: {len(body)}\\r\\n\\r\\n".encode() + body)
        data = sock.recv(1 << 20)
        head, _, rest = data.partition(b"\\r\\n\\r\\n")
        length = next(int(l.split(b":", 1)[1]) for l in head.split(b"\\r\\n")
                      if l.lower().startswith(b"content-length:"))
        while len(rest) < length:
            rest += sock.recv(1 << 20)
        return head, rest, len(data) == len(head) + 4 + length
    posted_whole = None
    while True:
        head, event, next_whole = call("GET", "/invocation/next")
        rid = next(l.split(b":", 1)[1].strip().decode() for l in head.split(b"\\r\\n")
                   if l.lower().startswith(b"lambda-runtime-aws-request-id:"))
        out = json.dumps({"nextWhole": next_whole, "previousPostWhole": posted_whole}).encode()
        _, _, posted_whole = call("POST", f"/invocation/{rid}/response", out)
''')


def test_runtime_api_writes_next_and_response_answers_in_one_send(host, tmp_path):
    script = tmp_path / "raw_runtime.py"
    script.write_text(_RAW_RUNTIME)
    binary = tmp_path / "raw-fn"
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {script}\n")
    binary.chmod(0o755)
    host.register("raw", str(binary), timeout=10)
    results = [json.loads(host.invoke("raw", {"n": i})[2]) for i in range(4)]
    assert all(r["nextWhole"] for r in results), results
    assert all(r["previousPostWhole"] for r in results[1:]), results


def test_lambda_host_server_sets_tcp_nodelay_on_accepted_connections():
    from lambda_host.http_util import Handler, Server

    class Probe(Handler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_json(200, {"nodelay": self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)})

    server = Server(("127.0.0.1", 0), Probe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/", timeout=10) as r:
            assert json.loads(r.read())["nodelay"] != 0
    finally:
        server.shutdown()
        server.server_close()


def test_emulator_http_server_sets_tcp_nodelay_on_accepted_connections():
    from werkzeug.serving import make_server

    from emulator.wsgi import request_handler

    def app(environ, start_response):
        sock = environ["werkzeug.socket"]
        out = json.dumps({"nodelay": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=request_handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=10) as r:
            assert json.loads(r.read())["nodelay"] != 0
    finally:
        server.shutdown()
        server.server_close()


def test_emulator_connections_to_the_lambda_host_set_tcp_nodelay():
    from emulator import lambda_client
    from emulator.settings import SETTINGS

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        saved = SETTINGS.lambda_host_url
        SETTINGS.lambda_host_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        try:
            conn, _ = lambda_client._connection(5)
            conn.connect()
            try:
                assert conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            finally:
                conn.close()
        finally:
            SETTINGS.lambda_host_url = saved
