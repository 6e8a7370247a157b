"""Runtime settings of the emulator (delays, the Lambda host URL), shared by every
extension and changeable at run time through the control API.

Not configuration of moto itself (see sfn_ext for the Step Functions switch).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, fields

# Settings of the throttling token buckets (throttle.py): unitless, and a change refills
# every bucket.
_THROTTLE_KEYS = ("route53_request", "sfn_list_executions")


@dataclass
class Settings:
    # Route 53: seconds a change stays PENDING before GetChange answers INSYNC
    # (AWS: usually under 60 s).
    route53_insync_seconds: float = 2.0
    # ElastiCache: seconds a new cache cluster stays 'creating'.
    node_create_seconds: float = 2.0
    # ElastiCache: seconds a replaced node stays unavailable ('modifying'/'rebooting').
    node_replace_seconds: float = 5.0
    # ElastiCache: seconds a removed replica stays 'deleting'.
    node_delete_seconds: float = 1.0
    # ElastiCache: seconds between TestFailover and FailoverComplete.
    failover_seconds: float = 1.0
    # Route 53 request-rate throttling (route53_throttle.py): token-bucket refill per
    # second for each account, 0 = off (the default: tests that do not ask are never
    # throttled); AWS's account bucket refills 10 per second.
    route53_requests_per_second: float = 0.0
    # Route 53 bucket capacity (the burst); AWS's account bucket holds 50.
    route53_request_burst: float = 50.0
    # Step Functions ListExecutions throttling (sfn_throttle.py): refill per second per
    # account, 0 = off (the default); AWS: 5 in us-east-1, us-west-2, eu-west-1, else 2.
    sfn_list_executions_per_second: float = 0.0
    # Its bucket capacity; AWS: 200 in those three Regions, else 100.
    sfn_list_executions_burst: float = 200.0
    # Where Lambda Invoke and SNS `lambda` deliveries go (None: answer 502/drop).
    lambda_host_url: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # Incremented by every update that sets a throttling key (throttle.py refills its
    # buckets when it changes).
    _generation: int = field(default=0, repr=False, compare=False)

    @property
    def generation(self) -> int:
        return self._generation

    def public(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def update(self, values: dict) -> dict:
        """Apply a partial update; unknown keys or wrong types raise ValueError."""
        names = {f.name for f in fields(self) if not f.name.startswith("_")}
        with self._lock:
            for key, value in values.items():
                if key not in names:
                    raise ValueError(f"unknown setting {key!r}; known: {sorted(names)}")
                if key == "lambda_host_url":
                    if value is not None and not isinstance(value, str):
                        raise ValueError("lambda_host_url must be a string or null")
                    setattr(self, key, value.rstrip("/") if value else None)
                    continue
                unit = "" if key.startswith(_THROTTLE_KEYS) else " of seconds"
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                        or value < 0:
                    raise ValueError(f"{key} must be a non-negative number{unit}")
                if key in ("route53_request_burst", "sfn_list_executions_burst") and value < 1:
                    raise ValueError(f"{key} must be at least 1 (a bucket below one token "
                                     "would refuse every request)")
                setattr(self, key, float(value))
            if any(key.startswith(_THROTTLE_KEYS) for key in values):
                self._generation += 1
        return self.public()


SETTINGS = Settings()
