"""The emulator's HTTP front: a WSGI layer in front of moto's app that answers the
control API (/_replica_dns/...), applies fault-injection rules (faults.py) to AWS
requests, forwards Lambda Invoke to the Lambda host, and hands everything else to moto
unchanged.

Not an AWS router: anything not listed here is moto's business.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import re
import time
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from . import lambda_client
from . import route53_throttle, sfn_throttle
from .calls import CALLS, UnknownScope
from .faults import FAULTS, Rule, haystacks, recognise
from .settings import SETTINGS

log = logging.getLogger("emulator.http")

_INVOKE = re.compile(r"^/2015-03-31/functions/[^/]+/invocations/?$")
Handler = Callable[[dict[str, Any]], tuple[int, Any]]


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class FrontApp:
    def __init__(self, moto_app: Callable, routes: dict[tuple[str, str], Handler]) -> None:
        self.moto_app = moto_app
        self.routes = routes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/_replica_dns/"):
            return self._control(method, path, environ, start_response)
        if path.startswith("/moto-api"):
            return self.moto_app(environ, start_response)  # moto's own API: not an AWS call
        # Every AWS request: read its body once (moto reads it again from memory),
        # recognise service and operation, count it, throttle, apply fault rules.
        body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        query = environ.get("QUERY_STRING", "")
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or path).split("?", 1)[0]
        authorization = environ.get("HTTP_AUTHORIZATION")
        service, operation = recognise(method, path, query, environ.get("HTTP_X_AMZ_TARGET"), body, authorization)
        account_header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        throttler = None
        if service == "route53" and route53_throttle.refuse(account_header, authorization):
            throttler = route53_throttle
        elif service == "states" and sfn_throttle.refuse(operation, account_header, authorization):
            throttler = sfn_throttle
        CALLS.record(CALLS.key(service, operation, throttler is not None),
                     lambda: haystacks(path, query, body) + [raw_path])
        if throttler is not None:
            status, headers, out = throttler.throttling_response()
            start_response(status, headers)
            return [out]
        if FAULTS.active():
            return self._faulted(method, path, environ, start_response, operation, body, raw_path)
        return self._dispatch(method, path, environ, start_response)

    def _dispatch(self, method: str, path: str, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if method == "POST" and _INVOKE.match(path):
            return self._invoke(environ, start_response)
        return self.moto_app(environ, start_response)

    # ---- fault injection (faults.py) ----
    # (see _function_busy below: onlyWhileBusy rules ask the Lambda host)
    def _faulted(self, method: str, path: str, environ: dict, start_response: Callable, operation: str | None,
                 body: bytes, raw_path: str) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        rule = FAULTS.take(operation, haystacks(path, query, body) + [raw_path], busy=_function_busy)
        if rule is None:
            return self._dispatch(method, path, environ, start_response)
        log.warning("fault %s fired (%d/%d): %s %s on %s %s", rule.id, rule.fired, rule.times, rule.action,
                    rule.when or f"{rule.seconds}s", operation, path)
        if rule.action == "delay":
            time.sleep(rule.seconds or 0.0)
            return self._dispatch(method, path, environ, start_response)
        if rule.when == "before":
            # The request is dropped: moto never sees it; its caller is killed.
            self._kill(rule)
            msg = json.dumps({"message": f"replica-dns fault {rule.id}: {operation} dropped, caller killed"}).encode()
            start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                       ("x-amzn-ErrorType", "ServiceUnavailable"),
                                                       ("Content-Length", str(len(msg)))])
            return [msg]
        # after: applied by moto first, then the caller dies before it gets the response.
        captured: list[Any] = []

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured[:] = [status, headers]
            return lambda _data: None

        chunks = self._dispatch(method, path, environ, capture)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        self._kill(rule)
        start_response(*captured)
        return [data]

    @staticmethod
    def _kill(rule: Rule) -> None:
        try:
            killed = lambda_client.kill_function(rule.function or "")
            log.warning("fault %s killed %s sandbox(es): %s", rule.id, rule.function, killed)
        except (OSError, ConnectionError, ValueError) as exc:
            log.warning("fault %s could not kill %s: %s", rule.id, rule.function, exc)

    def _control(self, method: str, path: str, environ: dict, start_response: Callable) -> Iterable[bytes]:
        handler = self.routes.get((method, path.rstrip("/")))
        params: dict[str, str] = {}
        if handler is None:
            for (route_method, template), candidate in self.routes.items():
                if route_method == method and "{" in template:
                    rx = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
                    if m := re.fullmatch(rx, path.rstrip("/")):
                        handler, params = candidate, m.groupdict()
                        break
        status, payload = 404, {"error": f"no control route {method} {path}"}
        if handler is not None:
            try:
                body = _read_body(environ)
                data = json.loads(body) if body.strip() else {}
                if not isinstance(data, dict):
                    raise ControlError(400, "request body must be a JSON object")
                if params:
                    data = {**data, "_path": params}
                if environ.get("QUERY_STRING"):
                    query = parse_qs(environ["QUERY_STRING"], keep_blank_values=True)
                    data = {**data, "_query": {k: v[-1] for k, v in query.items()}}
                status, payload = handler(data)
            except json.JSONDecodeError as exc:
                status, payload = 400, {"error": f"request body is not JSON: {exc}"}
            except ControlError as exc:
                status, payload = exc.status, {"error": str(exc)}
            except ValueError as exc:
                status, payload = 400, {"error": str(exc)}
        out = json.dumps(payload).encode()
        start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]

    def _invoke(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        if "?" not in raw and environ.get("QUERY_STRING"):
            raw += "?" + environ["QUERY_STRING"]
        headers = [(k[5:].replace("_", "-").title(), v) for k, v in environ.items() if k.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        body = _read_body(environ)
        try:
            status, resp_headers, data = lambda_client.forward("POST", raw, headers, body)
        except (OSError, ConnectionError) as exc:
            log.warning("Lambda host unreachable: %s", exc)
            msg = json.dumps({"Type": "Service", "message": f"Lambda host unreachable: {exc}"}).encode()
            start_response("502 Bad Gateway", [("Content-Type", "application/json"),
                                               ("x-amzn-ErrorType", "ServiceException"),
                                               ("Content-Length", str(len(msg)))])
            return [msg]
        resp_headers = [(k, v) for k, v in resp_headers if k.lower() != "content-length"]
        resp_headers.append(("Content-Length", str(len(data))))
        start_response(f"{status} {http.client.responses.get(status, 'Unknown')}", resp_headers)
        return [data]


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if length > 0:
        return stream.read(length)
    if environ.get("wsgi.input_terminated"):
        return stream.read()  # chunked: werkzeug ends the stream at the last chunk
    return b""


def _fault_delete(data: dict) -> tuple[int, Any]:
    rule_id = data["_path"]["id"]
    if FAULTS.delete(rule_id):
        return 200, {"deleted": rule_id}
    raise ControlError(404, f"no fault rule {rule_id}")


def _calls_match(data: dict, allow_body: bool = False) -> str | None:
    query = data.get("_query", {})
    unknown = sorted(set(query) - {"match"})
    if unknown:
        raise ValueError(f"unknown query parameter(s) {unknown}; known: ['match']")
    match = query.get("match")
    if allow_body:
        extra = sorted(set(data) - {"match", "_query"})
        if extra:
            raise ValueError(f"unknown field(s) {extra}; known: ['match']")
        match = data.get("match", match)
    if match is not None and (not isinstance(match, str) or not match):
        raise ValueError("match must be a non-empty string (a substring of the request path, query or body)")
    return match


def _calls_reset(data: dict) -> tuple[int, Any]:
    match = _calls_match(data, allow_body=True)
    CALLS.reset(match)
    return 200, {"reset": match if match is not None else "all"}


def _calls_get(data: dict) -> tuple[int, Any]:
    match = _calls_match(data)
    try:
        return 200, CALLS.snapshot(match)
    except UnknownScope:
        raise ControlError(404, f"no call scope {match!r}: register it first with POST /_replica_dns/calls/reset "
                                f'{{"match": {json.dumps(match)}}}') from None


def _calls_delete(data: dict) -> tuple[int, Any]:
    match = _calls_match(data)
    if match is None:
        raise ValueError("DELETE /_replica_dns/calls needs ?match=<scope>")
    try:
        CALLS.drop(match)
    except UnknownScope:
        raise ControlError(404, f"no call scope {match!r}") from None
    return 200, {"deleted": match}


def base_routes() -> dict[tuple[str, str], Handler]:
    return {
        ("GET", "/_replica_dns/health"): lambda _d: (200, {"status": "ok"}),
        ("GET", "/_replica_dns/settings"): lambda _d: (200, SETTINGS.public()),
        ("POST", "/_replica_dns/settings"): lambda d: (200, SETTINGS.update(d)),
        ("POST", "/_replica_dns/faults"): lambda d: (200, {"id": FAULTS.add(d).id}),
        ("GET", "/_replica_dns/faults"): lambda _d: (200, {"faults": FAULTS.list()}),
        ("DELETE", "/_replica_dns/faults/{id}"): _fault_delete,
        ("POST", "/_replica_dns/calls/reset"): _calls_reset,
        ("GET", "/_replica_dns/calls"): _calls_get,
        ("DELETE", "/_replica_dns/calls"): _calls_delete,
    }


def request_handler() -> type:
    """The HTTP request handler of the emulator's server: moto's, with TCP_NODELAY on
    every accepted connection (socketserver.StreamRequestHandler.setup). werkzeug writes
    a response's headers and body in separate sends; with Nagle on, the body waits for
    the client's ACK of the headers, which a client may delay by ~40 ms."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class RequestHandler(MotoRequestHandler):
        disable_nagle_algorithm = True

    return RequestHandler


def _function_busy(function_name: str) -> bool:
    try:
        return lambda_client.function_busy(function_name)
    except (OSError, ValueError) as exc:
        log.warning("cannot ask the Lambda host whether %s is busy: %s", function_name, exc)
        return False
