//! Event parsing and group resolution: AWS-format fixtures (tests/fixtures/events/),
//! manual resync inputs, the state-machine input the trigger writes, and which
//! configured groups a request affects.

// Tests unwrap freely: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use aws_lambda_events::event::sns::SnsEvent;
use proptest::prelude::*;
use replica_dns_core::config::Config;
use replica_dns_core::event::{
    execution_name, execution_source, ids_to_look_up, member_by_naming_convention,
    parse_elasticache_message, resolve, sns_execution_name, EventError, EventName, NoOpReason,
    Origin, Request, ResyncTarget, SkipReason, SnsExecutionInput, MAX_PAYLOAD_BYTES,
};
use serde_json::{json, Value};

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("fixtures/events/", $name, ".json")).as_slice(),
        )
    };
}

/// Every well-formed fixture, with the event and id it must yield and whether it is
/// worth a resync.
fn good_fixtures() -> Vec<(&'static str, &'static [u8], EventName, &'static str, bool)> {
    use EventName::*;
    let table = [
        (
            fixture!("failover-complete"),
            FailoverComplete,
            "orders",
            true,
        ),
        (
            fixture!("cache-node-replace-started"),
            CacheNodeReplaceStarted,
            "orders-002",
            true,
        ),
        (
            fixture!("cache-node-replace-complete"),
            CacheNodeReplaceComplete,
            "orders-002",
            true,
        ),
        (
            fixture!("cache-cluster-provisioning-complete"),
            CacheClusterProvisioningComplete,
            "orders-004",
            true,
        ),
        (
            fixture!("add-cache-node-complete"),
            AddCacheNodeComplete,
            "orders-004",
            true,
        ),
        (
            fixture!("remove-cache-node-complete"),
            RemoveCacheNodeComplete,
            "orders-003",
            true,
        ),
        (
            fixture!("delete-cache-cluster-complete"),
            DeleteCacheClusterComplete,
            "orders-003",
            true,
        ),
        (
            fixture!("replication-group-increase-replica-count-finished"),
            ReplicationGroupIncreaseReplicaCountFinished,
            "orders",
            true,
        ),
        (
            fixture!("replication-group-scaling-complete"),
            ReplicationGroupScalingComplete,
            "orders",
            true,
        ),
        (
            fixture!("cache-nodes-rebooted"),
            CacheNodesRebooted,
            "orders-001",
            true,
        ),
        (
            fixture!("test-failover-api-called"),
            TestFailoverApiCalled,
            "orders",
            false,
        ),
        (
            fixture!("unknown-event-parameters-changed"),
            Other("CacheClusterParametersChanged".into()),
            "orders-001",
            false,
        ),
        (
            fixture!("failover-complete-aws-keys"),
            FailoverComplete,
            "orders",
            true,
        ),
        (
            fixture!("extra-keys-ignored"),
            FailoverComplete,
            "orders",
            true,
        ),
    ];
    table
        .into_iter()
        .map(|((file, bytes), name, id, relevant)| (file, bytes, name, id, relevant))
        .collect()
}

#[test]
fn every_fixture_parses_to_the_event_and_id_it_carries() {
    for (file, bytes, name, id, relevant) in good_fixtures() {
        let request = Request::from_slice(bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let ResyncTarget::Events { events } = &request.target else {
            panic!("{file}: expected events, got {:?}", request.target);
        };
        assert_eq!(events.len(), 1, "{file}");
        assert_eq!(events[0].name, name, "{file}");
        assert_eq!(events[0].source_id, id, "{file}");
        assert_eq!(events[0].name.relevance().is_relevant(), relevant, "{file}");
        let event: SnsEvent = serde_json::from_slice(bytes).unwrap();
        let input = SnsExecutionInput::from_sns_record(&event.records[0]);
        assert_eq!(input.worth_an_execution().is_ok(), relevant, "{file}");
        assert!(!request.dry_run, "{file}: SNS requests are never dry runs");
        let Origin::Sns {
            message_id,
            topic_arn,
            timestamp,
        } = &request.origin
        else {
            panic!("{file}: expected SNS origin");
        };
        assert_eq!(message_id.len(), 36, "{file}: MessageId is a UUID");
        assert_eq!(
            topic_arn.as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:elasticache-events"),
            "{file}"
        );
        assert!(
            timestamp
                .as_deref()
                .is_some_and(|t| t.starts_with("2026-11-27T02:")),
            "{file}"
        );
    }
}

#[test]
fn fixtures_round_trip_through_the_aws_sns_types() {
    for (file, bytes, ..) in good_fixtures() {
        let event: SnsEvent =
            serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let reserialized = serde_json::to_value(&event).unwrap();
        let again: SnsEvent = serde_json::from_value(reserialized.clone()).unwrap();
        assert_eq!(event, again, "{file}");
        // The fields the pipeline relies on survive unchanged.
        let original: Value = serde_json::from_slice(bytes).unwrap();
        for field in ["MessageId", "TopicArn", "Message", "Type"] {
            assert_eq!(
                original["Records"][0]["Sns"][field], reserialized["Records"][0]["Sns"][field],
                "{file}: {field}"
            );
        }
    }
}

#[test]
fn malformed_fixtures_fail_with_their_exact_error() {
    type Check = fn(&EventError) -> bool;
    type Fixture = (&'static str, &'static [u8]);
    let table: [(Fixture, &str, Check); 10] = [
        (
            fixture!("malformed-message-not-json"),
            "SNS Message is not JSON",
            |e| matches!(e, EventError::MessageNotJson(_)),
        ),
        (
            fixture!("malformed-message-array"),
            "SNS Message must be a JSON object, found an array",
            |e| matches!(e, EventError::MessageNotObject { .. }),
        ),
        (
            fixture!("malformed-no-elasticache-key"),
            "SNS Message has no `ElastiCache:` key",
            |e| matches!(e, EventError::NoElastiCacheKey),
        ),
        (
            fixture!("malformed-value-not-string"),
            "`ElastiCache:FailoverComplete` must be a string naming a cluster or replication group, found a number",
            |e| matches!(e, EventError::EventValueNotString { .. }),
        ),
        (
            fixture!("malformed-value-empty"),
            "`ElastiCache:FailoverComplete` names no cluster or replication group (empty value)",
            |e| matches!(e, EventError::EmptyEventValue { .. }),
        ),
        (
            fixture!("malformed-empty-event-name"),
            "`ElastiCache:` has no event name after `ElastiCache:`",
            |e| matches!(e, EventError::EmptyEventName { .. }),
        ),
        (
            fixture!("malformed-empty-records"),
            "SNS event has no Records",
            |e| matches!(e, EventError::EmptyRecords),
        ),
        (
            fixture!("malformed-records-not-array"),
            "SNS event is malformed (expected the Lambda SNS event shape)",
            |e| matches!(e, EventError::MalformedSnsEvent(_)),
        ),
        (
            fixture!("malformed-message-not-string"),
            "SNS event is malformed (expected the Lambda SNS event shape)",
            |e| matches!(e, EventError::MalformedSnsEvent(_)),
        ),
        (
            fixture!("malformed-two-records"),
            "SNS event has 2 Records; Lambda delivers exactly one, start one execution per record",
            |e| matches!(e, EventError::MultipleRecords { count: 2 }),
        ),
    ];
    for ((file, bytes), message, check) in table {
        let error = Request::from_slice(bytes).expect_err(file);
        assert_eq!(error.to_string(), message, "{file}");
        assert!(check(&error), "{file}: wrong variant {error:?}");
    }
}

/// The failover fixture with its Message padded (inside the JSON object, so only the
/// size is wrong) to `size` bytes.
fn padded_failover(size: usize) -> Value {
    let mut event: Value =
        serde_json::from_slice(include_bytes!("fixtures/events/failover-complete.json")).unwrap();
    let head = r#"{"ElastiCache:FailoverComplete":"orders","pad":""#;
    let message = format!("{head}{}\"}}", "x".repeat(size - head.len() - 2));
    assert_eq!(message.len(), size);
    event["Records"][0]["Sns"]["Message"] = Value::String(message);
    event
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let bytes = serde_json::to_vec(&padded_failover(MAX_PAYLOAD_BYTES + 1)).unwrap();
    let error = Request::from_slice(&bytes).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "input is {} bytes, over the 262144-byte limit (SNS's maximum message size)",
            bytes.len()
        )
    );
}

#[test]
fn oversized_message_is_refused_even_when_the_envelope_arrives_decoded() {
    let error = Request::from_value(padded_failover(MAX_PAYLOAD_BYTES + 1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "SNS Message is 262145 bytes, over the 262144-byte limit (SNS's maximum message size)"
    );
    assert!(Request::from_value(padded_failover(MAX_PAYLOAD_BYTES)).is_ok());
}

#[test]
fn trigger_execution_input_has_the_documented_shape_and_parses_to_the_same_request() {
    let (_, bytes) = fixture!("failover-complete");
    let event: SnsEvent = serde_json::from_slice(bytes).unwrap();
    let inputs = SnsExecutionInput::from_sns_event(&event).unwrap();
    assert_eq!(inputs.len(), 1);
    let input_json = serde_json::to_value(&inputs[0]).unwrap();
    assert_eq!(
        input_json,
        json!({
            "source": "sns",
            "messageId": "ced6bfe1-f650-f6b3-3859-4d37eb7850d2",
            "topicArn": "arn:aws:sns:us-east-1:123456789012:elasticache-events",
            "timestamp": "2026-11-27T02:00:00.123Z",
            "message": "{\"ElastiCache:FailoverComplete\":\"orders\"}"
        })
    );
    assert_eq!(
        inputs[0].execution_name(),
        "orders--ced6bfe1-f650-f6b3-3859-4d37eb7850d2"
    );
    let via_input = Request::from_slice(&serde_json::to_vec(&input_json).unwrap()).unwrap();
    let direct = Request::from_slice(bytes).unwrap();
    assert_eq!(via_input, direct);
}

#[test]
fn trigger_splits_every_record_and_refuses_an_empty_event() {
    let (_, bytes) = fixture!("malformed-two-records");
    let event: SnsEvent = serde_json::from_slice(bytes).unwrap();
    let inputs = SnsExecutionInput::from_sns_event(&event).unwrap();
    let messages: Vec<&str> = inputs.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            r#"{"ElastiCache:FailoverComplete":"orders"}"#,
            r#"{"ElastiCache:CacheNodeReplaceComplete":"orders-002"}"#
        ]
    );
    let (_, empty) = fixture!("malformed-empty-records");
    let event: SnsEvent = serde_json::from_slice(empty).unwrap();
    assert!(matches!(
        SnsExecutionInput::from_sns_event(&event),
        Err(EventError::EmptyRecords)
    ));
}

#[test]
fn replayed_execution_input_may_ask_for_a_dry_run() {
    let request = Request::from_value(json!({
        "source": "sns", "messageId": "m", "topicArn": "arn:aws:sns:us-east-1:1:t",
        "timestamp": "2026-11-27T02:00:00Z",
        "message": "{\"ElastiCache:FailoverComplete\":\"orders\"}", "dryRun": true
    }))
    .unwrap();
    assert!(request.dry_run);
}

#[test]
fn execution_input_with_unknown_fields_or_source_is_rejected() {
    let base = json!({"source": "sns", "messageId": "m", "topicArn": "t",
        "timestamp": "2026-11-27T02:00:00Z", "message": "{\"ElastiCache:FailoverComplete\":\"orders\"}"});
    for (name, mutate) in [
        ("unknown field", ("extra", json!(1))),
        ("other source", ("source", json!("eventbridge"))),
        (
            "message not a string",
            ("message", json!({"ElastiCache:FailoverComplete": "orders"})),
        ),
    ] {
        let mut input = base.clone();
        input[mutate.0] = mutate.1;
        let error = Request::from_value(input).unwrap_err();
        assert!(
            matches!(error, EventError::MalformedExecutionInput(_)),
            "{name}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            "state-machine input is malformed (expected source, messageId, topicArn, timestamp, message)",
            "{name}"
        );
    }
}

#[test]
fn an_sns_execution_is_named_after_its_source_and_message_and_the_source_reads_back() {
    let id = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";
    let cases = [
        (
            "a group",
            Some("orders"),
            "orders--95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        ),
        (
            "a cluster",
            Some("orders-002"),
            "orders-002--95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        ),
        ("no source", None, id),
        ("not an ElastiCache id", Some("Orders/x"), id),
    ];
    for (why, source, expected) in cases {
        let name = sns_execution_name(source, id);
        assert_eq!(name, expected, "{why}");
        assert_eq!(
            execution_source(&name),
            source.filter(|_| name != id),
            "{why}"
        );
    }
    // Past 80 characters with the source, the MessageId alone (still deterministic).
    let long = "a".repeat(50);
    assert_eq!(sns_execution_name(Some(&long), id), id);
    assert_eq!(execution_source("replica-dns-cli-all-1700000000000"), None);
}

#[test]
fn execution_name_is_the_message_id_made_valid_deterministically() {
    let cases = [
        (
            "uuid passes through",
            "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        ),
        (
            "invalid characters become underscores",
            "a b/c:d",
            "a_b_c_d",
        ),
        ("empty becomes one underscore", "", "_"),
    ];
    for (name, id, expected) in cases {
        assert_eq!(execution_name(id), expected, "{name}");
    }
    assert_eq!(
        execution_name(&"x".repeat(200)).len(),
        80,
        "truncated to 80"
    );
}

#[test]
fn single_sns_record_and_bare_sns_message_are_accepted() {
    let (_, bytes) = fixture!("cache-node-replace-complete");
    let event: Value = serde_json::from_slice(bytes).unwrap();
    let expected = Request::from_slice(bytes).unwrap();
    let record = event["Records"][0].clone();
    let message = record["Sns"].clone();
    assert_eq!(Request::from_value(record).unwrap(), expected, "one record");
    assert_eq!(
        Request::from_value(message).unwrap(),
        expected,
        "one message"
    );
}

#[test]
fn elasticache_message_is_parsed_leniently_but_not_guessed() {
    type Expected = Result<Vec<(&'static str, &'static str)>, &'static str>;
    let cases: [(&str, &str, Expected); 6] = [
        (
            "several ElastiCache keys give several events, sorted",
            r#"{"ElastiCache:FailoverComplete":"orders","ElastiCache:CacheNodeReplaceStarted":"orders-002"}"#,
            Ok(vec![("FailoverComplete", "orders"), ("CacheNodeReplaceStarted", "orders-002")]),
        ),
        (
            "other keys of any type are ignored",
            r#"{"x":null,"y":[1],"ElastiCache:FailoverComplete":"orders"}"#,
            Ok(vec![("FailoverComplete", "orders")]),
        ),
        (
            "value is trimmed and only its first word is the id",
            r#"{"ElastiCache:CacheNodesRebooted":" orders-001 0001 "}"#,
            Ok(vec![("CacheNodesRebooted", "orders-001")]),
        ),
        (
            "key prefix is case-sensitive",
            r#"{"elasticache:FailoverComplete":"orders"}"#,
            Err("SNS Message has no `ElastiCache:` key"),
        ),
        (
            "empty object",
            "{}",
            Err("SNS Message has no `ElastiCache:` key"),
        ),
        (
            "null value",
            r#"{"ElastiCache:FailoverComplete":null}"#,
            Err("`ElastiCache:FailoverComplete` must be a string naming a cluster or replication group, found null"),
        ),
    ];
    for (name, message, expected) in cases {
        let got = parse_elasticache_message(message)
            .map(|events| {
                events
                    .into_iter()
                    .map(|e| (e.name.to_string(), e.source_id))
                    .collect::<Vec<_>>()
            })
            .map_err(|e| e.to_string());
        let expected = expected
            .map(|v| {
                v.into_iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect()
            })
            .map_err(str::to_string);
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn manual_inputs_parse_or_fail_precisely() {
    type Expected = Result<(ResyncTarget, bool), &'static str>;
    let cases: [(&str, &str, Expected); 15] = [
        ("one group", r#"{"replicationGroupId":"orders"}"#, Ok((group("orders"), false))),
        ("one group, dry run", r#"{"replicationGroupId":"orders","dryRun":true}"#, Ok((group("orders"), true))),
        ("all groups", r#"{"all":true}"#, Ok((ResyncTarget::All, false))),
        ("all groups, explicit no dry run", r#"{"all":true,"dryRun":false}"#, Ok((ResyncTarget::All, false))),
        ("group id is trimmed", r#"{"replicationGroupId":" orders "}"#, Ok((group("orders"), false))),
        ("both keys", r#"{"replicationGroupId":"orders","all":true}"#, Err("manual input names both `replicationGroupId` and `all`: give one")),
        ("neither key", r#"{}"#, Err("manual input needs `replicationGroupId` (one group) or `\"all\": true` (every configured group)")),
        ("only dryRun", r#"{"dryRun":true}"#, Err("manual input needs `replicationGroupId` (one group) or `\"all\": true` (every configured group)")),
        ("misspelt key", r#"{"replicationGroupID":"orders"}"#, Err("manual input has unknown field `replicationGroupID` (expected replicationGroupId, all, dryRun)")),
        ("extra key", r#"{"all":true,"force":true}"#, Err("manual input has unknown field `force` (expected replicationGroupId, all, dryRun)")),
        ("all false", r#"{"all":false}"#, Err("manual input `all` must be true; to resync one group give `replicationGroupId`")),
        ("all as string", r#"{"all":"true"}"#, Err("manual input field `all` must be true, found a string")),
        ("group id as number", r#"{"replicationGroupId":7}"#, Err("manual input field `replicationGroupId` must be a string, found a number")),
        ("dryRun as string", r#"{"all":true,"dryRun":"yes"}"#, Err("manual input field `dryRun` must be a boolean, found a string")),
        ("empty group id", r#"{"replicationGroupId":"  "}"#, Err("manual input `replicationGroupId` is empty")),
    ];
    for (name, input, expected) in cases {
        let got = Request::from_slice(input.as_bytes())
            .map(|r| {
                assert_eq!(r.origin, Origin::Manual, "{name}");
                (r.target, r.dry_run)
            })
            .map_err(|e| e.to_string());
        assert_eq!(got, expected.map_err(str::to_string), "{name}");
    }
}

#[test]
fn input_that_is_not_a_json_object_is_rejected() {
    let cases = [
        ("not JSON", "replicationGroupId=orders", "input is not JSON"),
        ("array", "[]", "input must be a JSON object, found an array"),
        (
            "string",
            "\"orders\"",
            "input must be a JSON object, found a string",
        ),
        ("null", "null", "input must be a JSON object, found null"),
    ];
    for (name, input, message) in cases {
        let error = Request::from_slice(input.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), message, "{name}");
    }
}

#[test]
fn request_survives_the_trip_between_states() {
    for (file, bytes, ..) in good_fixtures() {
        let request = Request::from_slice(bytes).unwrap();
        let json = serde_json::to_string(&request).unwrap();
        let back: Request = serde_json::from_str(&json).unwrap();
        assert_eq!(back, request, "{file}");
    }
    let manual = Request::from_slice(br#"{"all":true,"dryRun":true}"#).unwrap();
    assert_eq!(
        serde_json::to_value(&manual).unwrap(),
        json!({"origin": {"kind": "manual"}, "target": {"kind": "all"}, "dryRun": true})
    );
}

// ---------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------

fn group(id: &str) -> ResyncTarget {
    ResyncTarget::Group {
        replication_group_id: id.to_string(),
    }
}

fn config(ids: &[&str]) -> Config {
    let groups: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "replicationGroupId": id,
                "hostedZoneId": "Z0123456789ABCDEFGHIJ",
                "zoneName": "cache.internal.",
                "nameTemplate": format!("replica{{n}}.{id}.cache.internal."),
            })
        })
        .collect();
    Config::from_json(&json!({"ownerId": "test", "groups": groups}).to_string()).unwrap()
}

fn sns(message: &str) -> Request {
    Request::from_value(json!({
        "source": "sns", "messageId": "m", "topicArn": "arn:aws:sns:us-east-1:1:t",
        "timestamp": "2026-11-27T02:00:00Z", "message": message
    }))
    .unwrap()
}

#[test]
fn resolution_matches_exact_ids_only() {
    let config = config(&["grp-1", "grp-10", "orders"]);
    let lookup: BTreeMap<&str, &str> = [
        ("grp-10-001", "grp-10"),
        ("grp-1-002", "grp-1"),
        ("custom-replica", "orders"),
        ("other-001", "other"),
    ]
    .into();
    let looked_up = |id: &str| lookup.get(id).map(|g| g.to_string());
    let nobody = |_: &str| None;

    struct Case<'a> {
        name: &'a str,
        request: Request,
        lookup: &'a dyn Fn(&str) -> Option<String>,
        groups: &'a [&'a str],
        no_op: Option<NoOpReason>,
        skipped: &'a [SkipReason],
    }
    let cases = [
        Case {
            name: "failover names the group id",
            request: sns(r#"{"ElastiCache:FailoverComplete":"orders"}"#),
            lookup: &looked_up,
            groups: &["orders"],
            no_op: None,
            skipped: &[],
        },
        Case {
            name: "a cluster of grp-10 never claims grp-1 (prefix)",
            request: sns(r#"{"ElastiCache:CacheNodeReplaceComplete":"grp-10-001"}"#),
            lookup: &looked_up,
            groups: &["grp-10"],
            no_op: None,
            skipped: &[],
        },
        Case {
            name: "naming convention for a deleted member of grp-10 never claims grp-1",
            request: sns(r#"{"ElastiCache:DeleteCacheClusterComplete":"grp-10-001"}"#),
            lookup: &nobody,
            groups: &["grp-10"],
            no_op: None,
            skipped: &[],
        },
        Case {
            name: "lookup places a custom-named cluster",
            request: sns(r#"{"ElastiCache:CacheClusterProvisioningComplete":"custom-replica"}"#),
            lookup: &looked_up,
            groups: &["orders"],
            no_op: None,
            skipped: &[],
        },
        Case {
            name: "cluster-mode-enabled naming is not a member",
            request: sns(r#"{"ElastiCache:CacheNodeReplaceComplete":"grp-1-0001-001"}"#),
            lookup: &nobody,
            groups: &[],
            no_op: Some(NoOpReason::NoManagedGroup),
            skipped: &[SkipReason::UnknownSource],
        },
        Case {
            name: "cluster of an unmanaged group",
            request: sns(r#"{"ElastiCache:CacheNodeReplaceComplete":"other-001"}"#),
            lookup: &looked_up,
            groups: &[],
            no_op: Some(NoOpReason::NoManagedGroup),
            skipped: &[SkipReason::UnmanagedGroup {
                replication_group_id: "other".into(),
            }],
        },
        Case {
            name: "lookup is authoritative over the naming convention",
            request: sns(r#"{"ElastiCache:CacheNodeReplaceComplete":"orders-001"}"#),
            lookup: &|_: &str| Some("other".to_string()),
            groups: &[],
            no_op: Some(NoOpReason::NoManagedGroup),
            skipped: &[SkipReason::UnmanagedGroup {
                replication_group_id: "other".into(),
            }],
        },
        Case {
            name: "test failover request alone is a no-op",
            request: sns(r#"{"ElastiCache:TestFailoverApiCalled":"orders"}"#),
            lookup: &looked_up,
            groups: &[],
            no_op: Some(NoOpReason::IrrelevantEvents),
            skipped: &[SkipReason::Irrelevant],
        },
        Case {
            name: "unknown event is a no-op",
            request: sns(r#"{"ElastiCache:SnapshotComplete":"orders"}"#),
            lookup: &looked_up,
            groups: &[],
            no_op: Some(NoOpReason::IrrelevantEvents),
            skipped: &[SkipReason::Irrelevant],
        },
        Case {
            name: "relevant and irrelevant events together",
            request: sns(
                r#"{"ElastiCache:FailoverComplete":"grp-1","ElastiCache:TestFailoverApiCalled":"grp-10"}"#,
            ),
            lookup: &looked_up,
            groups: &["grp-1"],
            no_op: None,
            skipped: &[SkipReason::Irrelevant],
        },
        Case {
            name: "events for two groups give both, in configuration order",
            request: sns(
                r#"{"ElastiCache:CacheNodeReplaceComplete":"grp-1-002","ElastiCache:FailoverComplete":"orders"}"#,
            ),
            lookup: &looked_up,
            groups: &["grp-1", "orders"],
            no_op: None,
            skipped: &[],
        },
        Case {
            name: "manual group",
            request: Request::from_slice(br#"{"replicationGroupId":"grp-10"}"#).unwrap(),
            lookup: &nobody,
            groups: &["grp-10"],
            no_op: None,
            skipped: &[],
        },
        Case {
            name: "manual group not configured",
            request: Request::from_slice(br#"{"replicationGroupId":"grp-100"}"#).unwrap(),
            lookup: &nobody,
            groups: &[],
            no_op: Some(NoOpReason::UnmanagedGroup {
                replication_group_id: "grp-100".into(),
            }),
            skipped: &[],
        },
        Case {
            name: "manual all",
            request: Request::from_slice(br#"{"all":true}"#).unwrap(),
            lookup: &nobody,
            groups: &["grp-1", "grp-10", "orders"],
            no_op: None,
            skipped: &[],
        },
    ];
    for case in cases {
        let resolution = resolve(&case.request, &config, case.lookup);
        let groups: Vec<&str> = resolution.groups.iter().map(String::as_str).collect();
        assert_eq!(groups, case.groups, "{}", case.name);
        assert_eq!(
            resolution.no_op.as_ref().map(|n| &n.reason),
            case.no_op.as_ref(),
            "{}",
            case.name
        );
        assert_eq!(resolution.is_no_op(), case.no_op.is_some(), "{}", case.name);
        let skipped: Vec<&SkipReason> = resolution.skipped.iter().map(|s| &s.reason).collect();
        assert_eq!(
            skipped,
            case.skipped.iter().collect::<Vec<_>>(),
            "{}",
            case.name
        );
    }
}

#[test]
fn dry_run_and_reasons_reach_the_resolution() {
    let config = config(&["orders"]);
    let resolution = resolve(
        &Request::from_slice(br#"{"replicationGroupId":"carts","dryRun":true}"#).unwrap(),
        &config,
        |_| None,
    );
    assert!(resolution.dry_run);
    assert_eq!(
        serde_json::to_value(&resolution).unwrap(),
        json!({
            "groups": [],
            "dryRun": true,
            "noOp": {
                "reason": {"kind": "unmanagedGroup", "replicationGroupId": "carts"},
                "message": "replication group `carts` is not in the configuration"
            }
        })
    );
    let resolution = resolve(
        &sns(r#"{"ElastiCache:CacheNodeReplaceComplete":"carts-001"}"#),
        &config,
        |_| Some("carts".into()),
    );
    assert_eq!(
        resolution.skipped[0].message,
        "`carts-001` belongs to replication group `carts`, which is not in the configuration"
    );
    assert_eq!(
        resolution.no_op.unwrap().message,
        "no event names a cluster or replication group managed here"
    );
}

#[test]
fn only_relevant_non_group_ids_need_a_lookup() {
    let config = config(&["orders"]);
    let request = sns(
        r#"{"ElastiCache:FailoverComplete":"orders","ElastiCache:CacheNodeReplaceComplete":"orders-002","ElastiCache:CacheNodeReplaceStarted":"orders-002","ElastiCache:TestFailoverApiCalled":"x-001"}"#,
    );
    assert_eq!(ids_to_look_up(&request, &config), ["orders-002"]);
    let manual = Request::from_slice(br#"{"all":true}"#).unwrap();
    assert!(ids_to_look_up(&manual, &config).is_empty());
}

#[test]
fn naming_convention_is_exactly_group_dash_three_digits() {
    let cases = [
        ("orders-001", "orders", true),
        ("orders-999", "orders", true),
        ("orders-01", "orders", false),
        ("orders-0001", "orders", false),
        ("orders-0001-001", "orders", false),
        ("grp-10-001", "grp-1", false),
        ("grp-1-001", "grp-1", true),
        ("orders", "orders", false),
        ("orders-00a", "orders", false),
    ];
    for (cluster, group, expected) in cases {
        assert_eq!(
            member_by_naming_convention(cluster, group),
            expected,
            "{cluster} in {group}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("ElastiCache:FailoverComplete".to_string()),
            Just("Records".to_string()),
            Just("all".to_string())
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("Records".to_string()),
                    Just("Sns".to_string()),
                    Just("Message".to_string()),
                    Just("MessageId".to_string()),
                    Just("source".to_string()),
                    Just("replicationGroupId".to_string()),
                    Just("all".to_string()),
                    Just("dryRun".to_string()),
                    Just("ElastiCache:FailoverComplete".to_string()),
                    "[a-zA-Z:]{1,10}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Request::from_slice(&bytes);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_json(value in arbitrary_json()) {
        let _ = Request::from_value(value.clone());
        let _ = parse_elasticache_message(&value.to_string());
    }

    #[test]
    fn every_elasticache_key_with_an_id_becomes_one_event(
        entries in prop::collection::btree_map("[A-Za-z]{1,20}", "[a-z][a-z0-9-]{0,20}", 1..5),
        noise in prop::collection::btree_map("[a-z]{1,8}", any::<i32>(), 0..3),
    ) {
        let mut object = serde_json::Map::new();
        for (name, id) in &entries {
            object.insert(format!("ElastiCache:{name}"), json!(id));
        }
        for (key, n) in &noise {
            object.insert(key.clone(), json!(n));
        }
        let events = parse_elasticache_message(&Value::Object(object).to_string()).unwrap();
        prop_assert_eq!(events.len(), entries.len());
        for event in &events {
            prop_assert_eq!(entries.get(event.name.as_str()), Some(&event.source_id));
        }
    }

    #[test]
    fn resolution_never_claims_a_group_by_prefix(
        groups in prop::collection::btree_set("[a-c]{1,3}(-[0-9]{1,2})?", 1..5),
        id in "[a-c]{1,3}(-[0-9]{1,3}){0,3}",
    ) {
        let ids: Vec<&str> = groups.iter().map(String::as_str).collect();
        let config = config(&ids);
        let request = sns(&json!({"ElastiCache:CacheNodeReplaceComplete": id}).to_string());
        let resolution = resolve(&request, &config, |_| None);
        for group in &resolution.groups {
            let rest = id.strip_prefix(&format!("{group}-"));
            prop_assert!(
                *group == id
                    || rest.is_some_and(|r| r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit())),
                "{} claimed by {}",
                id,
                group
            );
        }
    }
}

// Issue 8 item 4: inputs AWS delivers or allows.

fn orders_config() -> Config {
    Config::from_json(
        r#"{"ownerId": "prod", "groups": [{"replicationGroupId": "orders",
        "hostedZoneId": "Z0123456789ABCDEFGHIJ", "zoneName": "cache.internal.",
        "nameTemplate": "replica{n}.orders.cache.internal."}]}"#,
    )
    .unwrap()
}

fn sns_input(message: &str) -> SnsExecutionInput {
    serde_json::from_value(json!({"source": "sns", "messageId": "m-1",
        "topicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "timestamp": "2026-01-01T00:00:00Z", "message": message}))
    .unwrap()
}

#[test]
fn only_messages_with_an_event_worth_acting_on_are_worth_an_execution() {
    for message in [
        r#"{"ElastiCache:FailoverComplete":"orders","Cache Cluster ID":"orders-002","Replication Group ID":"orders"}"#,
        r#"{"ElastiCache:CacheNodeReplaceStarted":"orders-002"}"#,
    ] {
        assert_eq!(sns_input(message).worth_an_execution(), Ok(()), "{message}");
    }
    for message in [
        "{}",
        "[]",
        "plain text",
        r#"{"Cache Cluster ID":"orders-002"}"#,
        r#"{"AutoScaling:TEST_NOTIFICATION":"x"}"#,
        r#"{"ElastiCache:TestFailoverApiCalled":"orders"}"#,
        r#"{"ElastiCache:CreateReplicationGroupComplete":"orders"}"#,
    ] {
        assert!(
            sns_input(message).worth_an_execution().is_err(),
            "{message}"
        );
    }
}

#[test]
fn message_content_problems_are_not_an_elasticache_notification_but_input_problems_are_errors() {
    let not_notification = ["{}", "text", r#"{"ElastiCache:FailoverComplete":7}"#];
    for message in not_notification {
        let input = serde_json::to_value(sns_input(message)).unwrap();
        let err = Request::from_value(input).unwrap_err();
        assert!(err.is_not_an_elasticache_notification(), "{message}: {err}");
    }
    let err = Request::from_value(json!({"replicationGroupId": 5})).unwrap_err();
    assert!(!err.is_not_an_elasticache_notification(), "{err}");
}

#[test]
fn manual_group_ids_follow_elasticache_rules_and_are_echoed_escaped() {
    let cases = [
        ("Orders", "has upper-case 'O'"),
        ("orders--x", "must not end with `-` or contain `--`"),
        ("9orders", "must start with a letter"),
        ("orders\n{\"fake\":1}", "`orders\\n{\\\"fake\\\":1}`"),
    ];
    for (id, expected) in cases {
        let err = Request::from_value(json!({ "replicationGroupId": id })).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expected), "{id:?}: {text}");
        assert!(
            !text.contains('\n'),
            "{id:?}: raw control character in {text:?}"
        );
    }
}

#[test]
fn an_event_naming_an_invalid_id_is_skipped_escaped_and_never_looked_up() {
    let config = orders_config();
    let input = serde_json::to_value(sns_input(
        r#"{"ElastiCache:FailoverComplete":"orders-002\nFAKE LOG LINE"}"#,
    ))
    .unwrap();
    let request = Request::from_value(input).unwrap();
    // The parser keeps the first word; a control character inside it is still refused.
    let input = serde_json::to_value(sns_input(
        r#"{"ElastiCache:FailoverComplete":"orders-00\u001b[2J"}"#,
    ))
    .unwrap();
    let hostile = Request::from_value(input).unwrap();
    assert!(ids_to_look_up(&hostile, &config).is_empty());
    let resolution = resolve(&hostile, &config, |_| None);
    assert!(resolution.is_no_op());
    assert_eq!(resolution.skipped[0].reason, SkipReason::InvalidId);
    let message = &resolution.skipped[0].message;
    assert!(!message.chars().any(char::is_control), "{message:?}");
    assert!(!resolution.skipped[0]
        .event
        .source_id
        .chars()
        .any(char::is_control));
    // The first word of the plain one is a valid id and resolves.
    assert_eq!(
        ids_to_look_up(&request, &config),
        vec!["orders-002".to_string()]
    );
}

#[test]
fn skipped_events_are_listed_up_to_a_bound_and_counted_beyond_it() {
    let config = orders_config();
    let mut message = serde_json::Map::new();
    for i in 0..500 {
        message.insert(
            format!("ElastiCache:FailoverComplete{i}"),
            Value::String(format!("other-{i:03}")),
        );
    }
    message.insert(
        "ElastiCache:FailoverComplete".into(),
        Value::String("unmanaged".into()),
    );
    let input = serde_json::to_value(sns_input(&Value::Object(message).to_string())).unwrap();
    let request = Request::from_value(input).unwrap();
    let resolution = resolve(&request, &config, |_| None);
    assert_eq!(
        resolution.skipped.len(),
        replica_dns_core::event::MAX_SKIPPED_LISTED
    );
    assert_eq!(
        resolution.skipped.len() + resolution.skipped_more,
        501,
        "{resolution:?}"
    );
    assert!(serde_json::to_string(&resolution).unwrap().len() < 4096);
}

#[test]
fn an_execution_input_is_the_triggers_or_a_manual_one_and_nothing_else() {
    let bytes = include_bytes!("fixtures/events/failover-complete.json");
    let event: Value = serde_json::from_slice(bytes).unwrap();
    let object = |v: &Value| v.as_object().cloned().unwrap();
    for (shape, input) in [
        ("Lambda event", event.clone()),
        ("record", event["Records"][0].clone()),
        ("message", event["Records"][0]["Sns"].clone()),
    ] {
        let error = Request::from_execution_input(object(&input)).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("an SNS {shape} is not an execution input")),
            "{error}"
        );
    }
    let sns: SnsEvent = serde_json::from_slice(bytes).unwrap();
    let written =
        serde_json::to_value(SnsExecutionInput::from_sns_record(&sns.records[0])).unwrap();
    assert_eq!(
        Request::from_execution_input(object(&written)).unwrap(),
        Request::from_slice(bytes).unwrap()
    );
    let manual = Request::from_execution_input(object(&json!({"all": true}))).unwrap();
    assert_eq!(manual.target, ResyncTarget::All);
}
