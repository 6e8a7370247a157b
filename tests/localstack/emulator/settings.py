"""Runtime settings of the emulator (delays, the Lambda host URL), shared by every
extension and changeable at run time through the control API.

Not configuration of moto itself (see sfn_ext for the Step Functions switch).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields


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
    # Where Lambda Invoke and SNS `lambda` deliveries go (None: answer 502/drop).
    lambda_host_url: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

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
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"{key} must be a non-negative number of seconds")
                setattr(self, key, float(value))
        return self.public()


SETTINGS = Settings()
