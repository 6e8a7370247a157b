"""The Lambda Runtime API (2018-06-01) served to one sandbox on its own loopback port.

Not the Invoke API (server.py). Matches what aws-lambda-rust-runtime's `lambda_runtime`
1.5 sends and expects: `GET /runtime/invocation/next` long-polls and answers 200 with the
event and the `Lambda-Runtime-*` headers; `POST …/{id}/response`, `…/{id}/error` and
`/runtime/init/error` answer 202. An unknown request id gets 400 `InvalidRequestID`, as
the real endpoint does.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from .http_util import Handler, Server

if TYPE_CHECKING:
    from .functions import Sandbox

PREFIX = "/2018-06-01/runtime"
_INVOCATION = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
_ACCEPTED = b'{"status":"OK"}'


class RuntimeServer:
    """HTTP server of one sandbox's Runtime API, running on a background thread."""

    def __init__(self, sandbox: "Sandbox") -> None:
        handler = type("BoundRuntimeHandler", (_RuntimeHandler,), {"sandbox": sandbox})
        self.server = Server(("127.0.0.1", 0), handler)
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"runtime-{sandbox.function.name}-{sandbox.number}",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        # shutdown() blocks until serve_forever returns; never call it from its own thread.
        threading.Thread(target=self._shutdown, daemon=True).start()

    def _shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _RuntimeHandler(Handler):
    sandbox: "Sandbox"

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        if self.path != f"{PREFIX}/invocation/next":
            self.send_json(404, {"errorType": "NotFound", "errorMessage": f"no route {self.path}"})
            return
        fn = self.sandbox.function
        inv = fn.next_invocation(self.sandbox)
        if inv is None:
            # The sandbox is being stopped; the process is about to be killed.
            self.send_json(410, {"errorType": "SandboxStopped", "errorMessage": "sandbox stopped"})
            return
        headers = {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": fn.arn,
            "Lambda-Runtime-Trace-Id": inv.trace_id,
        }
        if inv.client_context:
            headers["Lambda-Runtime-Client-Context"] = inv.client_context
        self.send(200, inv.payload, headers)

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        from .functions import Result

        body = self.read_body()
        fn = self.sandbox.function
        if self.path == f"{PREFIX}/init/error":
            fn.init_failed(self.sandbox, body)
            self.send(202, _ACCEPTED)
            return
        match = _INVOCATION.match(self.path)
        if not match:
            self.send_json(404, {"errorType": "NotFound", "errorMessage": f"no route {self.path}"})
            return
        request_id, kind = match.groups()
        result = Result(body, function_error=(kind == "error"))
        if kind == "error":
            fn.log(f"function error: {body.decode(errors='replace')}")
        if fn.finish(self.sandbox, request_id, result):
            self.send(202, _ACCEPTED)
        else:
            self.send_json(400, {"errorMessage": f"Invalid request ID: {request_id}",
                                 "errorType": "InvalidRequestID"})
