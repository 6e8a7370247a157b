"""SNS -> Lambda delivery and Lambda Invoke forwarding, as replica-dns's trigger and
the Step Functions tasks see them on AWS."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import LambdaStub, unique


def test_sns_lambda_subscription_delivers_the_aws_sns_event(emulator, lambda_stub):
    """AWS: a `lambda` subscription invokes the function asynchronously (Event) with
    {"Records":[{"EventSource":"aws:sns","EventVersion":"1.0","EventSubscriptionArn",
    "Sns":{Type, MessageId, TopicArn, Subject, Message, Timestamp, SignatureVersion,
    Signature, SigningCertUrl, UnsubscribeUrl, MessageAttributes}}]}."""
    name = unique("trigger")
    lambda_stub.functions[name] = lambda event: None
    sns = emulator.client("sns")
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda",
                        Endpoint=f"arn:aws:lambda:us-east-1:123456789012:function:{name}")["SubscriptionArn"]
    msg_id = sns.publish(TopicArn=topic, Message='{"ElastiCache:FailoverComplete":"g1"}',
                         MessageAttributes={"kind": {"DataType": "String", "StringValue": "failover"}})["MessageId"]
    calls = lambda_stub.wait_calls(name, 1)
    assert len(calls) == 1
    assert calls[0]["headers"].get("X-Amz-Invocation-Type") == "Event"
    event = json.loads(calls[0]["body"])
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == sub
    s = record["Sns"]
    assert set(s) == {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                      "Signature", "SigningCertUrl", "UnsubscribeUrl", "MessageAttributes"}
    assert (s["Type"], s["MessageId"], s["TopicArn"], s["Subject"]) == ("Notification", msg_id, topic, None)
    assert s["Message"] == '{"ElastiCache:FailoverComplete":"g1"}'
    assert s["MessageAttributes"] == {"kind": {"Type": "String", "Value": "failover"}}


def test_sns_filter_policy_on_message_body_drops_unmatched_messages(emulator, lambda_stub):
    """AWS: with FilterPolicyScope=MessageBody only messages whose body matches are
    delivered (prefix matching on keys works through `exists`)."""
    name = unique("filtered")
    lambda_stub.functions[name] = lambda event: None
    sns = emulator.client("sns")
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda",
                        Endpoint=f"arn:aws:lambda:us-east-1:123456789012:function:{name}")["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"ElastiCache:FailoverComplete": [{"exists": True}]}))
    sns.publish(TopicArn=topic, Message='{"ElastiCache:SnapshotComplete":"g1"}')
    sns.publish(TopicArn=topic, Message='{"ElastiCache:FailoverComplete":"g1"}')
    calls = lambda_stub.wait_calls(name, 1)
    time.sleep(0.5)
    calls = [c for c in lambda_stub.calls if c["name"] == name]
    assert [json.loads(json.loads(c["body"])["Records"][0]["Sns"]["Message"]) for c in calls] == [
        {"ElastiCache:FailoverComplete": "g1"}]


def test_sns_filter_policy_on_attributes_drops_unmatched_messages(emulator, lambda_stub):
    """AWS: the default scope (MessageAttributes) filters on message attributes."""
    name = unique("attrs")
    lambda_stub.functions[name] = lambda event: None
    sns = emulator.client("sns")
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                  Attributes={"FilterPolicy": json.dumps({"kind": ["failover"]})})
    sns.publish(TopicArn=topic, Message="a", MessageAttributes={"kind": {"DataType": "String", "StringValue": "other"}})
    sns.publish(TopicArn=topic, Message="b", MessageAttributes={"kind": {"DataType": "String", "StringValue": "failover"}})
    lambda_stub.wait_calls(name, 1)
    time.sleep(0.5)
    assert [json.loads(c["body"])["Records"][0]["Sns"]["Message"] for c in lambda_stub.calls if c["name"] == name] == ["b"]


def test_invoke_on_the_moto_endpoint_is_forwarded_to_the_lambda_host(emulator, lambda_stub):
    """AWS Invoke: 200 with the function's payload; by name or by ARN."""
    name = unique("echo")
    lambda_stub.functions[name] = lambda event: {"echo": event}
    lam = emulator.client("lambda")
    r = lam.invoke(FunctionName=name, Payload=b'{"x":1}')
    assert r["StatusCode"] == 200 and "FunctionError" not in r
    assert json.loads(r["Payload"].read()) == {"echo": {"x": 1}}
    r = lam.invoke(FunctionName=f"arn:aws:lambda:us-east-1:123456789012:function:{name}", Payload=b"{}")
    assert json.loads(r["Payload"].read()) == {"echo": {}}
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-amz-executed-version"] == "$LATEST"


def test_invoke_function_error_headers_pass_through_unchanged(emulator, lambda_stub):
    """AWS: a function error is HTTP 200 with X-Amz-Function-Error and a payload
    {errorType, errorMessage}; the request id header comes back too."""
    name = unique("fails")

    def boom(event):
        raise LambdaStub.FunctionError("TransientAwsError", "throttled")

    lambda_stub.functions[name] = boom
    r = emulator.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    assert json.loads(r["Payload"].read()) == {"errorType": "TransientAwsError", "errorMessage": "throttled"}
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"].startswith("req-")


def test_invoke_of_unknown_function_is_resource_not_found(emulator):
    """AWS: Invoke of a function that does not exist is 404 ResourceNotFoundException."""
    with pytest.raises(ClientError) as info:
        emulator.client("lambda").invoke(FunctionName=unique("missing"), Payload=b"{}")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
