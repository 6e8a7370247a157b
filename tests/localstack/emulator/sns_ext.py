"""SNS extension: a subscription of protocol `lambda` delivers AWS's SNS Lambda event
to the Lambda host (asynchronously, like an Event invocation), after moto's own
filter-policy matching (MessageAttributes or MessageBody scope).

Also: `policy_allows_service_publish`, the topic access-policy check an AWS service
makes before it publishes (used by elasticache_ext for ElastiCache's notifications).

Not covered: delivery retries / DLQ of failed async deliveries; policy variables
(`${aws:username}`), numeric/date/IP/boolean condition operators (a statement that uses
one is treated as not matching).
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.sns.models import Subscription

from . import lambda_client

_orig_publish = Subscription.publish


def _lambda_event(sub: Subscription, message: str, message_id: str, subject: str | None,
                  message_attributes: dict[str, Any] | None) -> dict[str, Any]:
    post = sub.get_post_data(message, message_id, subject, message_attributes=message_attributes)
    attrs = {}
    for name, attr in (message_attributes or {}).items():
        attrs[name] = {"Type": attr.get("Type"), "Value": attr.get("Value")}
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": sub.arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": sub.topic.arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": post["Timestamp"],
                    "SignatureVersion": post.get("SignatureVersion", "1"),
                    "Signature": post["Signature"],
                    "SigningCertUrl": post["SigningCertURL"],
                    "UnsubscribeUrl": post["UnsubscribeURL"],
                    "MessageAttributes": attrs,
                },
            }
        ]
    }


def _publish(self: Subscription, message: str, message_id: str, subject: str | None = None,
             message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
             deduplication_id: str | None = None, message_structure: str | None = None) -> None:
    if self.protocol != "lambda":
        return _orig_publish(self, message, message_id, subject=subject,
                             message_attributes=message_attributes, group_id=group_id,
                             deduplication_id=deduplication_id, message_structure=message_structure)
    if self._filter_policy_matcher is not None:
        if not self._filter_policy_matcher.matches(message_attributes, message):
            return None
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    parts = self.endpoint.split(":")
    if len(parts) < 7 or parts[5] != "function":
        return None
    function_name = parts[6]
    qualifier = parts[7] if len(parts) > 7 else None
    event = _lambda_event(self, message, message_id, subject, message_attributes)
    lambda_client.invoke_async(function_name, qualifier, event)
    return None


# -- topic access policy, as evaluated for a service that publishes to the topic --------
#
# IAM semantics applied (each has its AWS page):
# - explicit Deny beats Allow; nothing allowed = implicit deny ("Policy evaluation
#   logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
# - Action / NotAction, Resource / NotResource take `*` and `?` wildcards; action names are
#   not case-sensitive ("IAM JSON policy elements: Action",
#   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html);
# - condition key names are not case-sensitive; a key missing from the request context
#   makes a condition false, except the negated operators (StringNotEquals, ...), which
#   are then true, ...IfExists (true when missing) and Null ("IAM JSON policy elements:
#   Condition operators",
#   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).

def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE if ignore_case else 0)


def _any_principal(principal: Any) -> bool:
    """True for `"*"` or `{"AWS": "*"}` (or a list holding "*"): the only principals that
    match a service publishing on its own behalf."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _condition(op: str, key: str, values: list[Any], ctx: dict[str, str]) -> bool:
    base = op
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if base.startswith(prefix):
            base = base[len(prefix):]
    wanted = [str(v) for v in values]
    if base == "Null":
        missing = key not in ctx
        return any(v.lower() == ("true" if missing else "false") for v in wanted)
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    negated = base.startswith(("StringNot", "ArnNot"))
    if key not in ctx:
        return if_exists or negated
    actual = ctx[key]
    if base in ("StringEquals", "StringNotEquals"):
        hit = actual in wanted
    elif base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        hit = actual.lower() in [v.lower() for v in wanted]
    elif base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"):
        hit = any(_wildcard(v, ignore_case=False).fullmatch(actual) for v in wanted)
    else:
        return False  # an operator not modelled here never matches
    return not hit if negated else hit


def _statement_applies(st: dict[str, Any], action: str, resource: str, ctx: dict[str, str]) -> bool:
    if "Principal" in st and not _any_principal(st["Principal"]):
        return False
    if "NotPrincipal" in st and _any_principal(st["NotPrincipal"]):
        return False
    if "Principal" not in st and "NotPrincipal" not in st:
        return False
    if "Action" in st:
        if not any(_wildcard(str(a), ignore_case=True).fullmatch(action) for a in _as_list(st["Action"])):
            return False
    elif "NotAction" in st:
        if any(_wildcard(str(a), ignore_case=True).fullmatch(action) for a in _as_list(st["NotAction"])):
            return False
    else:
        return False
    if "Resource" in st and not any(_wildcard(str(r), ignore_case=False).fullmatch(resource)
                                    for r in _as_list(st["Resource"])):
        return False
    if "NotResource" in st and any(_wildcard(str(r), ignore_case=False).fullmatch(resource)
                                   for r in _as_list(st["NotResource"])):
        return False
    for op, pairs in (st.get("Condition") or {}).items():
        if not isinstance(pairs, dict):
            return False
        for key, values in pairs.items():
            if not _condition(op, key.lower(), _as_list(values), ctx):
                return False
    return True


_POSITIVE_OPS = ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")


def _constrains(st: dict[str, Any], key: str) -> bool:
    """True if the statement's Condition tests `key` with a positive string/ARN
    operator (not a negated one, not Null)."""
    for op, pairs in (st.get("Condition") or {}).items():
        base = op.split(":", 1)[1] if op.startswith(("ForAnyValue:", "ForAllValues:")) else op
        base = base[: -len("IfExists")] if base.endswith("IfExists") else base
        if base in _POSITIVE_OPS and isinstance(pairs, dict) and any(k.lower() == key for k in pairs):
            return True
    return False


def policy_allows_service_publish(policy: str | dict[str, Any], topic_arn: str, context: dict[str, str],
                                  required_keys: tuple[str, ...] = ()) -> tuple[bool, str]:
    """Whether a topic access policy lets a service publish (`SNS:Publish` on
    `topic_arn`) as an anonymous `{"AWS": "*"}` principal whose request carries
    `context` (condition keys, e.g. {"aws:SourceOwner": "123456789012"}). With
    `required_keys`, an Allow statement counts only if its Condition tests each of them
    (and holds). Returns the decision and a one-line reason."""
    try:
        doc = json.loads(policy) if isinstance(policy, str) else policy
    except json.JSONDecodeError as exc:
        return False, f"the topic policy is not JSON: {exc}"
    if not isinstance(doc, dict):
        return False, "the topic policy is not a JSON object"
    ctx = {k.lower(): v for k, v in context.items()}
    allowed_by = None
    for i, st in enumerate(_as_list(doc.get("Statement"))):
        if not isinstance(st, dict) or not _statement_applies(st, "sns:Publish", topic_arn, ctx):
            continue
        sid = st.get("Sid", f"#{i}")
        if st.get("Effect") == "Deny":
            return False, f"statement {sid} denies SNS:Publish"
        if st.get("Effect") == "Allow" and allowed_by is None and all(
                _constrains(st, k.lower()) for k in required_keys):
            allowed_by = sid
    if allowed_by is None:
        keys = ", ".join(sorted(context)) or "none"
        need = f" and a condition on {', '.join(required_keys)}" if required_keys else ""
        return False, ("no statement allows SNS:Publish to Principal {\"AWS\": \"*\"}" + need +
                       f" that holds for the condition keys the service sends ({keys})")
    return True, f"allowed by statement {allowed_by}"


def install() -> None:
    Subscription.publish = _publish  # type: ignore[method-assign]
