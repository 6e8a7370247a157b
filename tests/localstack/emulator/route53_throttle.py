"""Route 53 request-rate throttling: one token bucket per AWS account across every
Route 53 API operation, answering AWS's throttling error beyond it. Off unless the
setting `route53_requests_per_second` is above 0 (settings.py, CLI
`--route53-requests-per-second`), so tests that do not ask for it are unaffected.

AWS behaviour modelled (Amazon Route 53 Developer Guide, "Throttling for Amazon Route 53
API requests", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html):
- Route 53 throttles API requests per account with a token bucket: each request
  removes a token, the bucket refills at a fixed rate (the sustained requests per
  second) up to its maximum capacity (the burst); refill tokens beyond capacity are
  discarded, and refilled tokens can be used as they arrive.
- At the account level all Route 53 API requests draw from one bucket: capacity 50,
  refill 10 per second (the current defaults; `route53_request_burst` defaults to 50, so
  `route53_requests_per_second: 10` is AWS's account bucket). Earlier guides (and the
  "Quotas" page, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html)
  gave five requests per second per account: set 5 to model that.
- A throttled request gets HTTP 400 (Bad request) with Code `Throttling` and Message
  `Rate exceeded` — a standard Route 53 ErrorResponse; botocore's retry handlers and the
  AWS SDK for Rust classify `Throttling` as a throttling error (retried with backoff).

Not modelled (see README "Known gaps"): the per-operation buckets (the defaults of the
operations replica-dns calls — ChangeResourceRecordSets, ListResourceRecordSets,
GetChange, GetHostedZone — equal the account bucket, so the account bucket always binds
first), the change-throughput limit introduced with change-based throttling (number of
record changes per second; its bucket values were not verifiable here), and
PriorRequestNotComplete.
"""

from __future__ import annotations

import uuid

from .settings import SETTINGS
from .throttle import TokenBuckets

BUCKETS = TokenBuckets(lambda: SETTINGS.route53_requests_per_second, lambda: SETTINGS.route53_request_burst)


def refuse(x_moto_account_id: str | None, authorization: str | None) -> bool:
    """Whether this Route 53 request is throttled; always False while throttling is off."""
    return BUCKETS.refuse(x_moto_account_id, authorization)


def throttling_response() -> tuple[str, list[tuple[str, str]], bytes]:
    """AWS's answer to a throttled Route 53 request: HTTP 400, ErrorResponse with Code
    Throttling and Message "Rate exceeded" (Developer Guide page above)."""
    request_id = str(uuid.uuid4())
    body = ('<?xml version="1.0"?>\n'
            '<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
            "<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
    return "400 Bad Request", [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id),
                               ("Content-Length", str(len(body)))], body
