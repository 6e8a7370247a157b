"""API call counting: every AWS request the emulator serves, counted by
`service:Operation` (operation recognised on the wire as for fault rules, faults.py).
Control API (wsgi.py): POST /_replica_dns/calls/reset, GET and DELETE
/_replica_dns/calls.

Not an AWS behaviour: a measuring tool for tests (how many Route 53 / ElastiCache calls
a pipeline run costs). Counted: every request that reaches the emulator's HTTP front
except /_replica_dns/* (control, health) and moto's own /moto-api/ — including the
Lambda Invokes moto's Step Functions interpreter sends back into this process, requests
a fault rule drops or delays, and requests Route 53 throttling refuses (counted as
`route53:<Operation>:throttled` instead of `route53:<Operation>`). SNS → Lambda
deliveries go straight to the Lambda host and are not AWS API calls of the account:
not counted. An unrecognised request counts as `<service>:unknown` (service `unknown`
when unsigned and not recognised by protocol).

Scopes keep parallel tests apart: `POST /calls/reset {"match": "Z123"}` registers (or
zeroes) the scope "Z123"; from then on every request whose path, query or body (raw or
URL-decoded) contains "Z123" is also counted in that scope, read back with
`GET /calls?match=Z123`. Counting per registered scope (not a log of recent requests)
keeps memory bounded and counts exact; at most MAX_SCOPES scopes are kept, the oldest
registration is dropped beyond that, and `DELETE /calls?match=Z123` drops one.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Callable

MAX_SCOPES = 1000


class UnknownScope(KeyError):
    pass


class Calls:
    """Counters shared by every request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all: Counter[str] = Counter()
        self._scopes: dict[str, Counter[str]] = {}

    @staticmethod
    def key(service: str | None, operation: str | None, throttled: bool = False) -> str:
        key = f"{service or 'unknown'}:{operation or 'unknown'}"
        return key + ":throttled" if throttled else key

    def record(self, key: str, haystacks: Callable[[], list[str]]) -> None:
        """Count one request; `haystacks` (path, query, body…) is only computed when a
        scope is registered."""
        scopes = self._scopes  # read without the lock: a stale view misses at most this request
        texts = haystacks() if scopes else []
        with self._lock:
            self._all[key] += 1
            for match, counter in self._scopes.items():
                if any(match in t for t in texts):
                    counter[key] += 1

    def reset(self, match: str | None = None) -> None:
        """Zero the global counters (match None) or register/zero the scope `match`."""
        with self._lock:
            if match is None:
                self._all = Counter()
                return
            self._scopes.pop(match, None)
            self._scopes[match] = Counter()
            while len(self._scopes) > MAX_SCOPES:
                del self._scopes[next(iter(self._scopes))]

    def drop(self, match: str) -> None:
        with self._lock:
            if self._scopes.pop(match, None) is None:
                raise UnknownScope(match)

    def snapshot(self, match: str | None = None) -> dict:
        with self._lock:
            if match is None:
                counter = self._all
            elif match in self._scopes:
                counter = self._scopes[match]
            else:
                raise UnknownScope(match)
            calls = dict(sorted(counter.items()))
        out: dict = {"calls": calls, "total": sum(calls.values())}
        if match is not None:
            out["match"] = match
        return out


CALLS = Calls()
