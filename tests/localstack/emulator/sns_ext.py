"""SNS extension: a subscription of protocol `lambda` delivers AWS's SNS Lambda event
to the Lambda host (asynchronously, like an Event invocation), after moto's own
filter-policy matching (MessageAttributes or MessageBody scope).

Not covered: delivery retries / DLQ of failed async deliveries.
"""

from __future__ import annotations

import json
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


def install() -> None:
    Subscription.publish = _publish  # type: ignore[method-assign]
