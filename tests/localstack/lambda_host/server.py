"""The host's main HTTP endpoint: the control API (/_host/…) and the Lambda Invoke API.

Not the Runtime API (runtime_api.py) and not sandbox management (functions.py).

Invoke answers as AWS Lambda does (REST-JSON protocol of service `lambda`, 2015-03-31):
- RequestResponse: 200, payload as the function returned it, `x-amzn-RequestId`,
  `X-Amz-Executed-Version: $LATEST`; a function error adds `X-Amz-Function-Error:
  Unhandled` and the body is the error document (the one the runtime posted, or the
  host's own for timeouts, exits and out-of-memory kills). Not AWS: every function error
  also carries `X-Replica-Dns-Error-Source: function` (posted by the runtime) or
  `platform` (detected by the host), which the emulator's Step Functions integration
  needs to report platform errors as `Lambda.Unknown`; AWS clients ignore the header;
- Event: 202 once queued (retried on function error like AWS's async invocation);
- DryRun: 204;
- unknown function or qualifier: 404 `ResourceNotFoundException`,
  body `{"Type":"User","message":"Function not found: <arn>"}`;
- bad parameters: 400 `InvalidParameterValueException` / `InvalidRequestContentException`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

from .functions import FunctionGone, Invocation, Registry, Result, decode_client_context, not_found
from .http_util import Handler, Server

_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
_CONTROL_FN = re.compile(r"^/_host/functions/([^/]+)$")
_KILL_FN = re.compile(r"^/_host/functions/([^/]+)/kill$")
# Not an AWS header: tells a platform error (timeout, exit, out of memory) from one the
# runtime posted; see functions.py.
ERROR_SOURCE_HEADER = "X-Replica-Dns-Error-Source"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Environment keys Lambda reserves (CreateFunction rejects them); the host sets them itself.
RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})


class BadRequest(Exception):
    """A control or Invoke request that names its problem; answered with 400."""

    def __init__(self, message: str, code: str = "InvalidParameterValueException") -> None:
        super().__init__(message)
        self.code = code


class Host:
    """The registry plus the settings the HTTP handler needs."""

    def __init__(self, registry: Registry, async_retry_delay: float) -> None:
        self.registry = registry
        self.async_retry_delay = async_retry_delay

    def log(self, line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


def parse_function_id(raw: str, region: str, account: str) -> tuple[str, str | None, str, str]:
    """(name, qualifier, region, account) from a name, `name:qualifier`, a partial or full ARN."""
    ident = unquote(raw)
    parts = ident.split(":")
    if ident.startswith("arn:"):
        # arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
        if len(parts) not in (7, 8) or parts[2] != "lambda" or parts[5] != "function":
            raise BadRequest(f"1 validation error detected: Value '{ident}' at 'functionName' failed to "
                             "satisfy constraint: not a Lambda function ARN")
        return parts[6], (parts[7] if len(parts) == 8 else None), parts[3], parts[4]
    if len(parts) >= 3 and parts[1] == "function":
        # ACCOUNT:function:NAME[:QUALIFIER]
        return parts[2], (parts[3] if len(parts) == 4 else None), region, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1], region, account
    return ident, None, region, account


def _arn(region: str, account: str, name: str, qualifier: str | None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def make_handler(host: Host) -> type[Handler]:
    registry = host.registry

    class HostHandler(Handler):
        def _route(self, method: str) -> None:
            path = urlsplit(self.path).path
            try:
                if path == "/_host/health" and method == "GET":
                    self.send_json(200, {"status": "ok", "functions": registry.names()})
                elif path == "/_host/functions" and method == "GET":
                    self.send_json(200, {"functions": [registry.functions[n].describe()
                                                       for n in registry.names() if n in registry.functions]})
                elif (m := _CONTROL_FN.match(path)) and method in ("PUT", "GET", "DELETE"):
                    self._control(method, unquote(m.group(1)))
                elif (m := _KILL_FN.match(path)) and method == "POST":
                    self._kill(unquote(m.group(1)))
                elif (m := _INVOKE.match(path)) and method == "POST":
                    self._invoke(m.group(1))
                else:
                    self.send_json(404, {"Type": "User", "message": f"no route {method} {path}"},
                                   {"x-amzn-ErrorType": "UnknownOperationException"})
            except BadRequest as exc:
                self.send_json(400, {"Type": "User", "message": str(exc)},
                               {"x-amzn-ErrorType": exc.code, "x-amzn-RequestId": str(uuid.uuid4())})

        def do_GET(self) -> None:  # noqa: N802
            self._route("GET")

        def do_PUT(self) -> None:  # noqa: N802
            self._route("PUT")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

        def do_DELETE(self) -> None:  # noqa: N802
            self._route("DELETE")

        # ---- control API ----
        def _control(self, method: str, name: str) -> None:
            if method == "GET":
                fn = registry.get(name)
                if fn is None:
                    self.send_json(404, {"message": f"function {name} is not registered"})
                else:
                    self.send_json(200, fn.describe())
                return
            if method == "DELETE":
                self.read_body()
                if registry.delete(name):
                    host.log(f"deleted {name}")
                    self.send(204)
                else:
                    self.send_json(404, {"message": f"function {name} is not registered"})
                return
            spec = self._function_spec(name)
            try:
                fn, created = registry.put(name, **spec)
            except OSError as exc:
                raise BadRequest(f"cannot start {spec['binary']}: {exc}") from exc
            host.log(f"{'registered' if created else 're-registered'} {name} -> {spec['binary']}")
            self.send_json(201 if created else 200, fn.describe())

        def _kill(self, name: str) -> None:
            """SIGKILL the function's busy sandboxes (fault injection: the caller dies
            mid-invocation); answers once each killed invocation has failed."""
            self.read_body()
            fn = registry.get(name)
            if fn is None:
                self.send_json(404, {"message": f"function {name} is not registered"})
                return
            killed = fn.kill_busy()
            host.log(f"killed {len(killed)} busy sandbox(es) of {name}")
            self.send_json(200, {"killed": killed})

        def _function_spec(self, name: str) -> dict[str, object]:
            if not _NAME.match(name):
                raise BadRequest(f"function name {name!r} must be 1-64 letters, digits, '-' or '_'")
            try:
                doc = json.loads(self.read_body() or b"{}")
            except json.JSONDecodeError as exc:
                raise BadRequest(f"body is not JSON: {exc}") from exc
            if not isinstance(doc, dict):
                raise BadRequest("body must be a JSON object")
            unknown = set(doc) - {"binary", "environment", "timeoutSeconds", "memorySize", "maxConcurrency"}
            if unknown:
                raise BadRequest(f"unknown field(s) {sorted(unknown)}")
            binary = doc.get("binary")
            if not isinstance(binary, str) or not os.path.isabs(binary):
                raise BadRequest("binary must be an absolute path")
            if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
                raise BadRequest(f"binary {binary} does not exist or is not executable "
                                 "(build the Lambdas first: cargo build --workspace --bins)")
            env = doc.get("environment", {})
            if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in env.items()):
                raise BadRequest("environment must be an object of string values")
            reserved = sorted(set(env) & RESERVED_ENV)
            if reserved:
                raise BadRequest(f"Lambda was unable to configure your environment variables because the "
                                 f"environment variables you have provided contains reserved keys that are "
                                 f"currently not supported for modification. Reserved keys used in this "
                                 f"request: {', '.join(reserved)}")
            timeout = _int_field(doc, "timeoutSeconds", 3, 1, 900)
            memory = _int_field(doc, "memorySize", 128, 128, 10240)
            concurrency = _int_field(doc, "maxConcurrency", 0, 1, 1000) if "maxConcurrency" in doc else None
            return {"binary": binary, "environment": env, "timeout_seconds": timeout,
                    "memory_size": memory, "max_concurrency": concurrency}

        # ---- Invoke API ----
        def _invoke(self, raw_id: str) -> None:
            payload = self.read_body()
            query = parse_qs(urlsplit(self.path).query)
            name, qualifier, region, account = parse_function_id(raw_id, registry.region, registry.account_id)
            if "Qualifier" in query:
                qualifier = query["Qualifier"][0]
            invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if invocation_type not in ("RequestResponse", "Event", "DryRun"):
                raise BadRequest(f"1 validation error detected: Value '{invocation_type}' at 'invocationType' "
                                 "failed to satisfy constraint: Member must satisfy enum value set: "
                                 "[Event, RequestResponse, DryRun]")
            fn = registry.get(name)
            if (fn is None or region != registry.region or account != registry.account_id
                    or qualifier not in (None, "$LATEST")):
                self._answer(not_found(_arn(region, account, name, qualifier)), str(uuid.uuid4()))
                return
            if payload:
                try:
                    json.loads(payload)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise BadRequest(f"Could not parse request body into json: {exc}",
                                     "InvalidRequestContentException") from exc
            else:
                payload = b"{}"
            inv = Invocation(payload, decode_client_context(self.headers.get("X-Amz-Client-Context")))
            if invocation_type == "DryRun":
                self.send(204, headers={"x-amzn-RequestId": inv.request_id})
                return
            try:
                fn.submit(inv)
            except FunctionGone:
                self._answer(not_found(fn.arn), inv.request_id)
                return
            if invocation_type == "Event":
                threading.Thread(target=self._follow_async, args=(fn.name, inv, 0), daemon=True).start()
                self.send(202, headers={"x-amzn-RequestId": inv.request_id})
                return
            inv.done.wait()
            assert inv.result is not None
            tail = self.headers.get("X-Amz-Log-Type") == "Tail"
            self._answer(inv.result, inv.request_id, fn.log_path if tail else None)

        def _answer(self, result: Result, request_id: str, log_path: str | None = None) -> None:
            headers = {"x-amzn-RequestId": request_id}
            if result.status == 200:
                headers["X-Amz-Executed-Version"] = "$LATEST"
                if result.function_error:
                    headers["X-Amz-Function-Error"] = "Unhandled"
                    headers[ERROR_SOURCE_HEADER] = "platform" if result.platform else "function"
                if log_path:
                    headers["X-Amz-Log-Result"] = _log_tail(log_path)
            if result.error_code:
                headers["x-amzn-ErrorType"] = result.error_code
            self.send(result.status, result.body, headers)

        @staticmethod
        def _follow_async(name: str, inv: Invocation, attempt: int) -> None:
            """Async invocation: on a function error retry twice, as Lambda does by default."""
            inv.done.wait()
            result = inv.result
            if result is None or not result.function_error or attempt >= 2:
                if result is not None and result.function_error:
                    host.log(f"async invocation {inv.request_id} of {name} failed after {attempt + 1} attempts")
                return
            delay = host.async_retry_delay * (attempt + 1)
            host.log(f"async invocation {inv.request_id} of {name} failed; retry in {delay:.1f}s")
            time.sleep(delay)
            fn = registry.get(name)
            if fn is None:
                return
            retry = Invocation(inv.payload, inv.client_context, request_id=inv.request_id)
            try:
                fn.submit(retry)
            except FunctionGone:
                return
            HostHandler._follow_async(name, retry, attempt + 1)

    return HostHandler


def _int_field(doc: dict[str, object], key: str, default: int, low: int, high: int) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{key} must be an integer from {low} to {high}, got {value!r}")
    return value


def _log_tail(path: str) -> str:
    """The last 4 KB of the function's log, base64 (what `LogType: Tail` returns)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            return base64.b64encode(f.read()).decode()
    except OSError:
        return ""


def serve(host: Host, address: str, port: int) -> Server:
    return Server((address, port), make_handler(host))
