"""ElastiCache's SNS notifications as AWS delivers them: only to a topic whose access
policy lets ElastiCache publish (otherwise the topic turns `inactive`, silently), with
the message shapes ElastiCache uses, per cluster or per group."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import unique, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emulator.sns_ext import policy_allows_service_publish  # noqa: E402

ACCOUNT = "123456789012"  # moto's default account


def documented_policy(topic_arn: str, **override) -> str:
    """The statement the ElastiCache guide asks for ("Managing ElastiCache Amazon SNS
    notifications", SNS topic access policy requirement)."""
    st = {"Sid": "AllowElastiCachePublish", "Effect": "Allow", "Principal": {"AWS": "*"},
          "Action": "SNS:Publish", "Resource": topic_arn,
          "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}}
    st.update(override)
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})


@pytest.fixture
def topics(emulator):
    """make() -> (topic ARN, read-messages function): an SNS topic with an SQS queue
    subscribed, optionally with a Policy / KmsMasterKeyId."""
    sns, sqs = emulator.client("sns"), emulator.client("sqs")

    def make(policy=None, kms: str | None = None):
        attrs = {"KmsMasterKeyId": kms} if kms else {}
        topic = sns.create_topic(Name=unique("ecn-"), Attributes=attrs)["TopicArn"]
        if policy is not None:
            sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy",
                                     AttributeValue=policy(topic) if callable(policy) else policy)
        q = sqs.create_queue(QueueName=unique("ecn-"))["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)

        def messages() -> list[dict]:
            out = []
            while True:
                got = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10).get("Messages", [])
                if not got:
                    return out
                for m in got:
                    out.append(json.loads(json.loads(m["Body"])["Message"]))
                    sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])

        return topic, messages

    return make


def create(ec, topic: str | None, n: int = 2) -> str:
    gid = unique("n")
    args = dict(ReplicationGroupId=gid, ReplicationGroupDescription="t", CacheNodeType="cache.t4g.micro",
                Engine="redis", AutomaticFailoverEnabled=True, NumCacheClusters=n)
    if topic:
        args["NotificationTopicArn"] = topic
    ec.create_replication_group(**args)
    wait_until(lambda: ec.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]["Status"]
               == "available")
    return gid


def configs(ec, gid: str) -> dict[str, dict | None]:
    out = {}
    for c in ec.describe_cache_clusters()["CacheClusters"]:
        if c.get("ReplicationGroupId") == gid:
            out[c["CacheClusterId"]] = c.get("NotificationConfiguration")
    return out


def events(emulator, gid: str) -> list[dict]:
    _, body = emulator.control("GET", "/elasticache/events")
    return [e for e in body["events"] if e["sourceId"] == gid or e["sourceId"].startswith(gid + "-")]


def wait_event(emulator, gid: str, event: str, count: int = 1) -> list[dict]:
    """The group's recorded `event`s, once there are at least `count` of them."""
    def found() -> list[dict] | None:
        got = [e for e in events(emulator, gid) if e["event"] == f"ElastiCache:{event}"]
        return got if len(got) >= count else None

    return wait_until(found)


def failover(emulator, ec, gid: str) -> None:
    ec.test_failover(ReplicationGroupId=gid, NodeGroupId="0001")
    wait_until(lambda: ec.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]["Status"]
               == "available")


# -- who may publish --------------------------------------------------------------------

def test_documented_topic_policy_is_notified_and_reported_active(emulator, topics):
    """AWS ("Managing ElastiCache Amazon SNS notifications"): a topic whose policy allows
    Principal {"AWS": "*"} SNS:Publish with StringEquals AWS:SourceOwner = account id
    receives ElastiCache's notifications; DescribeCacheClusters reports every member's
    NotificationConfiguration {TopicArn, TopicStatus: active}."""
    ec = emulator.client("elasticache")
    topic, messages = topics(documented_policy)
    gid = create(ec, topic)
    got = wait_until(lambda: messages() or None)
    assert {"ElastiCache:CacheClusterProvisioningComplete": f"{gid}-001"} in got
    assert configs(ec, gid) == {f"{gid}-001": {"TopicArn": topic, "TopicStatus": "active"},
                                f"{gid}-002": {"TopicArn": topic, "TopicStatus": "active"}}


def test_default_topic_policy_with_source_owner_is_notified(emulator, topics):
    """AWS: the legacy default topic policy (Principal AWS "*", the SNS:* actions,
    StringEquals AWS:SourceOwner = owner), which moto gives every topic, lets
    ElastiCache publish."""
    ec = emulator.client("elasticache")
    topic, messages = topics()
    gid = create(ec, topic)
    assert wait_until(lambda: messages() or None)
    assert set(c["TopicStatus"] for c in configs(ec, gid).values()) == {"active"}


@pytest.mark.parametrize("policy", [
    pytest.param(lambda arn: documented_policy(arn, Principal={"Service": "elasticache.amazonaws.com"},
                                               Condition=None), id="service-principal"),
    pytest.param(lambda arn: documented_policy(arn, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
                 id="aws-SourceAccount"),
    pytest.param(lambda arn: documented_policy(arn, Condition={"StringEquals": {"AWS:SourceOwner": "999999999999"}}),
                 id="other-owner"),
    pytest.param(lambda arn: documented_policy(arn, Action="SNS:Subscribe"), id="no-publish-action"),
])
def test_topic_elasticache_cannot_publish_to_turns_inactive_silently(emulator, topics, policy):
    """AWS ("Managing ElastiCache Amazon SNS notifications"): if the topic's policy does
    not allow ElastiCache to publish - a service principal, aws:SourceAccount instead of
    aws:SourceOwner, ... - ElastiCache cannot publish and sets the topic status to
    inactive: nothing arrives, and DescribeCacheClusters shows TopicStatus inactive."""
    ec = emulator.client("elasticache")
    topic, messages = topics(policy)
    gid = create(ec, topic)
    first = wait_event(emulator, gid, "CacheClusterProvisioningComplete")[0]
    assert first["published"] is False and "inactive" in first["reason"]
    assert configs(ec, gid) == {f"{gid}-001": {"TopicArn": topic, "TopicStatus": "inactive"},
                                f"{gid}-002": {"TopicArn": topic, "TopicStatus": "inactive"}}
    assert messages() == []


def test_kms_encrypted_topic_turns_inactive(emulator, topics):
    """AWS ("Event Notifications and Amazon SNS"): the topic cannot be encrypted; an
    encrypted (at-rest) topic shows as inactive."""
    ec = emulator.client("elasticache")
    topic, messages = topics(kms="alias/aws/sns")
    gid = create(ec, topic)
    wait_event(emulator, gid, "CacheClusterProvisioningComplete")
    assert set(c["TopicStatus"] for c in configs(ec, gid).values()) == {"inactive"}
    assert messages() == []


def test_explicit_deny_beats_the_documented_allow(emulator, topics):
    """AWS (IAM policy evaluation logic): an explicit Deny of SNS:Publish to everyone
    overrides the documented Allow, so ElastiCache cannot publish (topic inactive)."""
    ec = emulator.client("elasticache")

    def policy(arn: str) -> str:
        doc = json.loads(documented_policy(arn))
        doc["Statement"].append({"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "sns:*",
                                 "Resource": arn})
        return json.dumps(doc)

    topic, messages = topics(policy)
    gid = create(ec, topic)
    wait_event(emulator, gid, "CacheClusterProvisioningComplete")
    assert set(c["TopicStatus"] for c in configs(ec, gid).values()) == {"inactive"}
    assert messages() == []


def test_inactive_topic_stays_inactive_until_the_configuration_is_modified(emulator, topics):
    """AWS ("Managing ElastiCache Amazon SNS notifications"): after fixing an inactive
    topic's policy (aws:SourceAccount -> aws:SourceOwner) notifications stay off until
    they are re-enabled (ModifyReplicationGroup NotificationTopicStatus=active); then
    ElastiCache publishes again."""
    ec, sns = emulator.client("elasticache"), emulator.client("sns")
    topic, messages = topics(lambda arn: documented_policy(
        arn, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
    gid = create(ec, topic)
    wait_event(emulator, gid, "CacheClusterProvisioningComplete")
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=documented_policy(topic))
    failover(emulator, ec, gid)
    wait_event(emulator, gid, "CacheNodeReplaceComplete")
    assert messages() == []
    assert set(c["TopicStatus"] for c in configs(ec, gid).values()) == {"inactive"}
    ec.modify_replication_group(ReplicationGroupId=gid, NotificationTopicStatus="active", ApplyImmediately=True)
    assert set(c["TopicStatus"] for c in configs(ec, gid).values()) == {"active"}
    failover(emulator, ec, gid)
    wait_event(emulator, gid, "CacheNodeReplaceComplete", count=2)
    assert {"ElastiCache:FailoverComplete": gid, "Cache Cluster ID": f"{gid}-001",
            "Replication Group ID": gid} in messages()


def test_notification_topic_status_inactive_turns_notifications_off(emulator, topics):
    """AWS ("Managing ElastiCache Amazon SNS notifications", disabling): a configuration
    set NotificationTopicStatus=inactive publishes nothing; an invalid status is
    InvalidParameterValue."""
    ec = emulator.client("elasticache")
    topic, messages = topics()
    gid = create(ec, topic)
    wait_until(lambda: messages() or None)
    ec.modify_replication_group(ReplicationGroupId=gid, NotificationTopicStatus="inactive", ApplyImmediately=True)
    failover(emulator, ec, gid)
    wait_event(emulator, gid, "CacheNodeReplaceComplete")
    assert messages() == []
    with pytest.raises(ClientError) as info:
        ec.modify_replication_group(ReplicationGroupId=gid, NotificationTopicStatus="paused", ApplyImmediately=True)
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_members_of_one_group_can_notify_different_topics(emulator, topics):
    """AWS: the notification configuration belongs to each cache cluster
    (ModifyCacheCluster NotificationTopicArn, "Managing ElastiCache Amazon SNS
    notifications"); a member's events go to its topic, the group's events (here
    FailoverComplete) to the group's; an unknown cluster is CacheClusterNotFound."""
    ec = emulator.client("elasticache")
    topic_a, messages_a = topics()
    topic_b, messages_b = topics()
    gid = create(ec, topic_a, n=3)
    wait_until(lambda: messages_a() or None)
    out = ec.modify_cache_cluster(CacheClusterId=f"{gid}-002", NotificationTopicArn=topic_b, ApplyImmediately=True)
    assert out["CacheCluster"]["NotificationConfiguration"] == {"TopicArn": topic_b, "TopicStatus": "active"}
    assert configs(ec, gid) == {f"{gid}-001": {"TopicArn": topic_a, "TopicStatus": "active"},
                                f"{gid}-002": {"TopicArn": topic_b, "TopicStatus": "active"},
                                f"{gid}-003": {"TopicArn": topic_a, "TopicStatus": "active"}}
    status, _ = emulator.control("POST", "/elasticache/replace-node", {"cacheClusterId": f"{gid}-002", "seconds": 0})
    assert status == 200
    wait_event(emulator, gid, "CacheNodeReplaceComplete")
    assert messages_b() == [{"ElastiCache:CacheNodeReplaceStarted": f"{gid}-002"},
                            {"ElastiCache:CacheNodeReplaceComplete": f"{gid}-002"}]
    failover(emulator, ec, gid)  # promotes -002; -001 is replaced
    wait_event(emulator, gid, "CacheNodeReplaceComplete", count=2)
    assert messages_a() == [
        {"ElastiCache:FailoverComplete": gid, "Cache Cluster ID": f"{gid}-002", "Replication Group ID": gid},
        {"ElastiCache:CacheNodeReplaceStarted": f"{gid}-001"},
        {"ElastiCache:CacheNodeReplaceComplete": f"{gid}-001"},
    ]
    assert messages_b() == []
    with pytest.raises(ClientError) as info:
        ec.modify_cache_cluster(CacheClusterId=f"{gid}-009", NotificationTopicStatus="inactive")
    assert info.value.response["Error"]["Code"] == "CacheClusterNotFound"


# -- what is published ---------------------------------------------------------------

def test_messages_of_create_failover_and_replica_count_changes(emulator, topics):
    """AWS ("Event Notifications and Amazon SNS"; "Testing Multi-AZ with Automatic
    Failover"): creation publishes CacheClusterProvisioningComplete per cluster and
    CreateReplicationGroupComplete; TestFailover publishes FailoverComplete (group id,
    with "Cache Cluster ID" and "Replication Group ID" beside it, as delivered), then
    CacheNodeReplaceStarted / CacheNodeReplaceComplete for the old primary ("Recovering
    cache nodes", "Finished recovery") - no SNS event exists for "Test Failover API
    called"; IncreaseReplicaCount publishes ...IncreaseReplicaCountStarted,
    CacheClusterProvisioningComplete per new cluster, ...IncreaseReplicaCountFinished;
    DecreaseReplicaCount DeleteCacheClusterComplete per removed cluster."""
    ec = emulator.client("elasticache")
    topic, messages = topics(documented_policy)
    gid = create(ec, topic, n=2)
    wait_event(emulator, gid, "CreateReplicationGroupComplete")
    assert messages() == [{"ElastiCache:CacheClusterProvisioningComplete": f"{gid}-001"},
                          {"ElastiCache:CacheClusterProvisioningComplete": f"{gid}-002"},
                          {"ElastiCache:CreateReplicationGroupComplete": gid}]
    failover(emulator, ec, gid)
    wait_event(emulator, gid, "CacheNodeReplaceComplete")
    assert messages() == [
        {"ElastiCache:FailoverComplete": gid, "Cache Cluster ID": f"{gid}-002", "Replication Group ID": gid},
        {"ElastiCache:CacheNodeReplaceStarted": f"{gid}-001"},
        {"ElastiCache:CacheNodeReplaceComplete": f"{gid}-001"},
    ]
    ec.increase_replica_count(ReplicationGroupId=gid, NewReplicaCount=2, ApplyImmediately=True)
    wait_event(emulator, gid, "ReplicationGroupIncreaseReplicaCountFinished")
    assert messages() == [{"ElastiCache:ReplicationGroupIncreaseReplicaCountStarted": gid},
                          {"ElastiCache:CacheClusterProvisioningComplete": f"{gid}-003"},
                          {"ElastiCache:ReplicationGroupIncreaseReplicaCountFinished": gid}]
    wait_until(lambda: ec.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]["Status"]
               == "available")
    ec.decrease_replica_count(ReplicationGroupId=gid, ReplicasToRemove=[f"{gid}-003"], ApplyImmediately=True)
    wait_event(emulator, gid, "DeleteCacheClusterComplete")
    assert messages() == [{"ElastiCache:DeleteCacheClusterComplete": f"{gid}-003"}]


# -- the policy evaluation itself (in-process) ----------------------------------------

ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"
CTX = {"AWS:SourceOwner": ACCOUNT}
REQ = ("aws:SourceOwner",)


def allows(*statements: dict) -> bool:
    return policy_allows_service_publish({"Statement": list(statements)}, ARN, CTX, REQ)[0]


def allow(**kw) -> dict:
    st = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish", "Resource": ARN,
          "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}}
    st.update(kw)
    return {k: v for k, v in st.items() if v is not None}


def test_policy_action_names_are_case_insensitive_and_take_wildcards():
    """AWS (IAM "Action" element): action names are not case-sensitive and `*` matches;
    SNS:Publish, sns:publish, SNS:*, * and a list holding one of them all cover
    Publish; SNS:Subscribe does not."""
    for action in ("SNS:Publish", "sns:publish", "SNS:*", "*", ["SNS:Subscribe", "sns:Publish"], "sns:Pub*"):
        assert allows(allow(Action=action)), action
    assert not allows(allow(Action="SNS:Subscribe"))
    assert not allows(allow(Action=None, NotAction="sns:Publish"))
    assert allows(allow(Action=None, NotAction="sns:Subscribe"))


def test_policy_principal_must_be_everyone():
    """AWS ("Managing ElastiCache Amazon SNS notifications"): the statement's principal
    is {"AWS": "*"} (or "*"); an account or service principal does not cover ElastiCache."""
    assert allows(allow(Principal="*"))
    assert allows(allow(Principal={"AWS": ["*"]}))
    assert not allows(allow(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    assert not allows(allow(Principal={"Service": "elasticache.amazonaws.com"}))


def test_policy_needs_a_source_owner_condition_that_holds():
    """AWS ("Managing ElastiCache Amazon SNS notifications"): the policy must use the
    AWS:SourceOwner condition key (key names are not case-sensitive, StringLike works
    too); without it, with aws:SourceAccount or another owner, ElastiCache cannot publish."""
    assert allows(allow(Condition={"StringLike": {"aws:sourceowner": "1234*"}}))
    assert allows(allow(Condition={"StringEquals": {"AWS:SourceOwner": [ACCOUNT, "111111111111"]}}))
    assert not allows(allow(Condition=None))
    assert not allows(allow(Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert not allows(allow(Condition={"StringEquals": {"AWS:SourceOwner": ACCOUNT,
                                                        "aws:SourceAccount": ACCOUNT}}))
    assert not allows(allow(Condition={"StringNotEquals": {"AWS:SourceOwner": "1"}}))


def test_policy_resource_and_deny():
    """AWS (IAM evaluation logic): the Resource must cover the topic (wildcards allowed);
    an applicable explicit Deny overrides every Allow."""
    assert allows(allow(Resource="arn:aws:sns:us-east-1:*:*"))
    assert not allows(allow(Resource="arn:aws:sns:us-east-1:123456789012:other"))
    assert not allows(allow(), {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                                "Resource": "*"})
    assert allows(allow(), {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                            "Resource": "*", "Condition": {"StringEquals": {"AWS:SourceOwner": "1"}}})
