"""Fault injection for end-to-end tests: rules that match AWS requests on the wire and
then kill the calling Lambda's sandbox (before or after the request is applied) or delay
the request. Control API (wsgi.py): POST/GET /_replica_dns/faults, DELETE
/_replica_dns/faults/<id>.

Not an AWS behaviour: a test tool that makes real AWS failure modes happen on demand —
a Lambda that dies mid-call (its write dropped, or delivered with the response lost)
and a slow dependency. The killed invocation then fails the way Lambda reports a dead
runtime (`Runtime.ExitError`, "signal: killed"), which a Step Functions lambda:invoke
Task reports as `Lambda.Unknown` (sfn_ext.py).

A request's operation is recognised from the wire, per protocol:
- REST (Route 53 rest-xml, Lambda rest-json): method + path against the `requestUri`
  templates of botocore's service models (e.g. POST /2013-04-01/hostedzone/{Id}/rrset =
  ChangeResourceRecordSets, GET …/rrset = ListResourceRecordSets, GET
  /2013-04-01/change/{Id} = GetChange, POST /2015-03-31/functions/{Name}/invocations =
  Invoke);
- query protocol (ElastiCache, SNS, …): the `Action` parameter (query string or form body);
- JSON protocol (Step Functions, Secrets Manager, …): the operation after the last "." of
  `X-Amz-Target`.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, unquote_plus

ACTIONS = ("kill-caller", "delay")
WHENS = ("before", "after")
# REST services served here whose operations are recognised by path.
_REST_SERVICES = ("route53", "lambda")


@dataclass
class Rule:
    id: str
    operation: str
    match: str | None
    action: str
    when: str | None
    function: str | None
    seconds: float | None
    times: int
    only_while_busy: bool = False
    fired: int = 0

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "operation": self.operation, "match": self.match, "action": self.action,
                "when": self.when, "function": self.function, "seconds": self.seconds,
                "times": self.times, "onlyWhileBusy": self.only_while_busy, "fired": self.fired,
                "remaining": self.times - self.fired}


def parse_rule(doc: dict[str, Any]) -> Rule:
    """A rule from its JSON; ValueError naming the field on bad input."""
    known = {"operation", "match", "action", "when", "function", "seconds", "times", "onlyWhileBusy"}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; known: {sorted(known)}")
    operation = doc.get("operation")
    if not isinstance(operation, str) or not re.fullmatch(r"[A-Za-z0-9]+", operation):
        raise ValueError("operation must be an AWS operation name such as ChangeResourceRecordSets")
    match = doc.get("match")
    if match is not None and (not isinstance(match, str) or not match):
        raise ValueError("match must be a non-empty string (a substring of the request path, query or body)")
    action = doc.get("action")
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {list(ACTIONS)}")
    times = doc.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError("times must be a positive integer")
    when = doc.get("when")
    function = doc.get("function")
    seconds = doc.get("seconds")
    only_while_busy = doc.get("onlyWhileBusy", False)
    if not isinstance(only_while_busy, bool):
        raise ValueError("onlyWhileBusy must be true or false")
    if only_while_busy and action != "kill-caller":
        raise ValueError("onlyWhileBusy applies to kill-caller only")
    if action == "kill-caller":
        if when not in WHENS:
            raise ValueError(f"when must be one of {list(WHENS)} for kill-caller")
        if not isinstance(function, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", function):
            raise ValueError("function must be the Lambda function name whose busy sandboxes are killed")
        if seconds is not None:
            raise ValueError("seconds applies to delay only")
    else:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError("seconds must be a non-negative number for delay")
        seconds = float(seconds)
        if when is not None:
            raise ValueError("when applies to kill-caller only")
        if function is not None:
            raise ValueError("function applies to kill-caller only")
    return Rule(id=secrets.token_hex(6), operation=operation, match=match, action=action, when=when,
                function=function, seconds=seconds, times=times, only_while_busy=only_while_busy)


class Faults:
    """The rules, shared by every request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []

    def active(self) -> bool:
        # Read without the lock: a stale answer only delays a just-added rule by one request.
        return any(r.fired < r.times for r in self._rules)

    def add(self, doc: dict[str, Any]) -> Rule:
        rule = parse_rule(doc)
        with self._lock:
            self._rules.append(rule)
        return rule

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.public() for r in self._rules]

    def delete(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def take(self, operation: str | None, haystacks: list[str],
             busy: Callable[[str], bool] | None = None) -> Rule | None:
        """The first live rule for this request, counted as fired (atomically, so
        concurrent requests never fire a rule more than `times`). A rule with
        `onlyWhileBusy` matches only while `busy(function)` says its function is handling
        an invocation: the request then comes from that function when the test runs one
        pipeline at a time (the steps run one after another), so e.g. the verify step's
        ListResourceRecordSets can be faulted without consuming the rule on plan's."""
        if operation is None:
            return None
        with self._lock:
            for rule in self._rules:
                if rule.fired >= rule.times or rule.operation != operation:
                    continue
                if rule.match is not None and not any(rule.match in h for h in haystacks):
                    continue
                if rule.only_while_busy and not (busy is not None and busy(rule.function or "")):
                    continue
                rule.fired += 1
                return rule
        return None


FAULTS = Faults()


@dataclass
class _RestOps:
    loaded: bool = False
    routes: list[tuple[str, re.Pattern[str], str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> list[tuple[str, re.Pattern[str], str, str]]:
        with self.lock:
            if not self.loaded:
                self.routes = _load_rest_routes()
                self.loaded = True
            return self.routes


def _load_rest_routes() -> list[tuple[str, re.Pattern[str], str, str]]:
    """(method, path pattern, operation, service) per REST operation."""
    import botocore.loaders

    loader = botocore.loaders.create_loader()
    found: list[tuple[int, str, re.Pattern[str], str, str]] = []
    for service in _REST_SERVICES:
        model = loader.load_service_model(service, "service-2")
        for name, op in model["operations"].items():
            uri = op["http"]["requestUri"].split("?", 1)[0].rstrip("/") or "/"
            literal = len(re.sub(r"\{[^}]+\}", "", uri))
            pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            found.append((literal, op["http"]["method"], re.compile(f"^{pattern}/?$"), name, service))
    # The most literal template first (…/hostedzone/{Id}/rrset before …/hostedzone/{Id}).
    found.sort(key=lambda t: -t[0])
    return [(method, rx, name, service) for _, method, rx, name, service in found]


_REST = _RestOps()
# X-Amz-Target prefixes of the JSON-protocol services served here -> IAM service prefix.
_TARGET_SERVICES = {"AWSStepFunctions": "states", "secretsmanager": "secretsmanager"}
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def signing_service(authorization: str | None) -> str | None:
    """The service of a SigV4-signed request, from its credential scope
    (`Credential=AKID/20240101/us-east-1/route53/aws4_request`): the IAM service prefix
    for every service served here (route53, elasticache, sns, states, lambda, …)."""
    m = _CREDENTIAL_SCOPE.search(authorization or "")
    return m.group(1) if m else None


def recognise(method: str, path: str, query: str, target: str | None, body: bytes,
              authorization: str | None = None) -> tuple[str | None, str | None]:
    """(service, operation) of a request; either is None when not recognised. The
    service comes from the SigV4 credential scope, else from the protocol (REST model,
    X-Amz-Target prefix)."""
    service = signing_service(authorization)
    if target:
        prefix, _, operation = target.rpartition(".")
        return service or _TARGET_SERVICES.get(prefix.split("_", 1)[0]), operation
    if service is None or service in _REST_SERVICES:
        for rest_method, rx, name, rest_service in _REST.get():
            if rest_method == method and rx.match(path) and service in (None, rest_service):
                return rest_service, name
    for source in (query, body.decode("utf-8", errors="replace") if body else ""):
        if "Action=" in source:
            action = parse_qs(source).get("Action")
            if action:
                return service, action[0]
    return service, None


def operation_of(method: str, path: str, query: str, target: str | None, body: bytes) -> str | None:
    """The AWS operation name of a request, or None if it is not recognised."""
    return recognise(method, path, query, target, body)[1]


def haystacks(path: str, query: str, body: bytes) -> list[str]:
    """What `match` is looked for in: path, query and body, raw and URL-decoded."""
    text = body.decode("utf-8", errors="replace") if body else ""
    raw = [path, query, text]
    return raw + [unquote_plus(s) for s in raw if "%" in s or "+" in s]
