"""Token buckets per AWS account, as AWS throttles API requests: each request takes a
token, the bucket refills at a fixed rate up to its capacity (the burst), a request
finding no token is refused. One bucket set per throttled API (route53_throttle.py: all
of Route 53; sfn_throttle.py: Step Functions ListExecutions), each off unless its rate
setting is above 0. Each module cites the AWS page whose numbers and error it models.
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Callable

from .settings import SETTINGS

_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")

# The access key of the test driver's own observation (tests/driver/stack.rs: the Step
# Functions client that lists and describes executions to wait for them). Its requests
# are never throttled: in AWS that bookkeeping would not exist, and polling the bucket it
# watches would starve the product it measures. Same account as every other key.
OBSERVER_ACCESS_KEY = "replica-dns-observer"


def access_key_of(authorization: str | None) -> str:
    """The access key a request was signed with ("" when unsigned)."""
    m = _ACCESS_KEY.search(authorization or "")
    return m.group(1) if m else ""


def account_of(headers: dict[str, str], access_key: str) -> str:
    """The account of a request, as moto decides it (MOTO_ACCOUNT_ID, the
    x-moto-account-id header, the account owning the access key, else the default)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if headers.get("x-moto-account-id"):
        return headers["x-moto-account-id"]
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


class TokenBuckets:
    """One bucket per account, with the rate and burst its settings give; a bucket starts
    full, and all start full again after every settings update that sets a throttling
    key (even to the same value), so each test that turns throttling on starts from
    full buckets."""

    def __init__(self, rate: Callable[[], float], burst: Callable[[], float]) -> None:
        self._rate = rate
        self._burst = burst
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._buckets: dict[str, tuple[float, float]] = {}

    def on(self) -> bool:
        return self._rate() > 0

    def take(self, account: str, now: float | None = None) -> bool:
        """True if the request may proceed (a token was taken), False if throttled."""
        rate = self._rate()
        if rate <= 0:
            return True
        burst = self._burst()
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._generation != SETTINGS.generation:
                self._generation = SETTINGS.generation
                self._buckets.clear()
            tokens, last = self._buckets.get(account, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[account] = (tokens, now)
            return allowed

    def refuse(self, x_moto_account_id: str | None, authorization: str | None) -> bool:
        """Whether this request is throttled (takes a token from its account's bucket
        otherwise); always False while throttling is off."""
        if not self.on():
            return False
        access_key = access_key_of(authorization)
        if access_key == OBSERVER_ACCESS_KEY:
            return False
        account = account_of({"x-moto-account-id": x_moto_account_id or ""}, access_key)
        return not self.take(account)
