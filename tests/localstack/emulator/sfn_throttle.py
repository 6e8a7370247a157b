"""Step Functions ListExecutions throttling: one token bucket per AWS account, answering
AWS's throttling error beyond it. Off unless the setting
`sfn_list_executions_per_second` is above 0 (settings.py), so tests that do not ask for
it are unaffected.

AWS behaviour modelled (AWS Step Functions Developer Guide, "Step Functions service
quotas", section "Quotas related to API action throttling",
https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-api-action-throttling-general;
the guide's archived source, awsdocs/aws-step-functions-developer-guide
doc_source/limits.md, gives the table):
- "Some Step Functions API actions are throttled using a token bucket scheme"; the
  quotas are per account, per Region.
- ListExecutions: bucket size 200, refill 5 per second in US East (N. Virginia), US West
  (Oregon) and Europe (Ireland); 100 and 2 in all other Regions. `sfn_list_executions_burst`
  defaults to 200, so `sfn_list_executions_per_second: 5` is the first; set 100 and 2
  for the second.
- A throttled request gets HTTP 400 with the error `ThrottlingException` (API
  Reference, Common Errors: "The request was denied due to request throttling", HTTP
  400, https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html),
  in the JSON protocol's `__type`; botocore's retry handlers and the AWS SDK for Rust
  classify `ThrottlingException` as a throttling error.

Not modelled: the other Step Functions actions' buckets (replica-dns calls
StartExecution, whose bucket is 1,300/300 or 800/150, far above its rate, and
DescribeExecution only from the CLI), and state-transition throttling.
"""

from __future__ import annotations

import json
import uuid

from .settings import SETTINGS
from .throttle import TokenBuckets

LIST_EXECUTIONS = TokenBuckets(lambda: SETTINGS.sfn_list_executions_per_second,
                               lambda: SETTINGS.sfn_list_executions_burst)


def refuse(operation: str | None, x_moto_account_id: str | None, authorization: str | None) -> bool:
    """Whether this Step Functions request is throttled: only ListExecutions is, and
    only while its throttling is on."""
    return operation == "ListExecutions" and LIST_EXECUTIONS.refuse(x_moto_account_id, authorization)


def throttling_response() -> tuple[str, list[tuple[str, str]], bytes]:
    """AWS's answer to a throttled Step Functions request: HTTP 400, JSON error
    `ThrottlingException` (module docs)."""
    request_id = str(uuid.uuid4())
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
    return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", request_id),
                               ("Content-Length", str(len(body)))], body
