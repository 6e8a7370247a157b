//! Inputs AWS delivers or allows (issue 8, items 2 and 4): notifications that can only be
//! no-ops start nothing, console input of any JSON type fails with
//! `ReplicaDns.InvalidInput` naming what was expected (never `States.Runtime`), and a
//! topic ElastiCache cannot publish to is reported, not silent.

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

use crate::pipeline_common::{assert_converged, reports, resync, run_execution, scenario, QUIET};

#[tokio::test(flavor = "multi_thread")]
async fn notifications_that_can_only_be_no_ops_start_no_execution() {
    let s = scenario("in-noise", 1).await;
    for message in [
        "{}".to_string(),
        "not json".to_string(),
        json!({"AutoScaling:EC2_INSTANCE_LAUNCH": "i-0123"}).to_string(),
        json!({"ElastiCache:TestFailoverApiCalled": s.group_id}).to_string(),
        json!({"ElastiCache:SnapshotComplete": format!("{}-001", s.group_id)}).to_string(),
        // Control characters from outside never reach a log line raw.
        json!({"ElastiCache:Snapshot\u{1b}[2J\nFAKE LINE": "x\u{1b}[31m"}).to_string(),
    ] {
        s.stack
            .sns
            .publish()
            .topic_arn(&s.topic_arn)
            .message(&message)
            .send()
            .await
            .unwrap();
    }
    tokio::time::sleep(QUIET).await;
    let executions = s.executions().await.unwrap();
    assert!(executions.is_empty(), "{executions:#?}");
    let log = s.stack.function_log_tail(&s.function_name("trigger"), 200);
    assert_eq!(log.matches("no execution started").count(), 6, "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "a raw control character reached the log: {log:?}"
    );
    assert!(
        !log.contains("\nFAKE LINE"),
        "input split a log line: {log:?}"
    );
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn console_input_of_any_json_type_fails_with_invalid_input_naming_the_expected_shape() {
    let s = scenario("in-console", 1).await;
    for (input, found) in [
        (json!("orders"), "a string"),
        (Value::Null, "null"),
        (json!([{"replicationGroupId": s.group_id}]), "an array"),
        (json!(7), "a number"),
    ] {
        let e = run_execution(&s, input.clone()).await;
        assert_eq!(e.status, ExecutionStatus::Failed, "{input}: {e:?}");
        assert_eq!(
            e.error.as_deref(),
            Some("ReplicaDns.Failed"),
            "{input}: {e:?}"
        );
        let cause = e.cause.clone().unwrap_or_default();
        assert!(
            cause.contains("ReplicaDns.InvalidInput")
                && cause.contains("must be a JSON object")
                && cause.contains(&format!("found {found}")),
            "{input}: {cause}"
        );
        assert!(!cause.contains("States.Runtime"), "{input}: {cause}");
    }
    s.teardown().await.unwrap();
}

/// ElastiCache's guide: without the documented topic statement ElastiCache cannot
/// publish, marks the topic inactive and notifies nothing. The emulator does so
/// (tests/localstack/tests/test_elasticache_notifications.py); replica-dns must say so.
#[tokio::test(flavor = "multi_thread")]
async fn a_topic_elasticache_cannot_publish_to_is_reported_by_the_next_resync() {
    let s = scenario("in-topic", 2).await;
    resync(&s).await;
    let service_principal_policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "elasticache.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": s.topic_arn,
        }]
    });
    s.stack
        .sns
        .set_topic_attributes()
        .topic_arn(&s.topic_arn)
        .attribute_name("Policy")
        .attribute_value(service_principal_policy.to_string())
        .send()
        .await
        .unwrap();
    s.failover().await.unwrap();
    s.wait_group_available(Duration::from_secs(240))
        .await
        .unwrap();
    tokio::time::sleep(QUIET).await;
    let started = s.executions().await.unwrap();
    assert_eq!(started.len(), 1, "only the first resync ran: {started:#?}");
    // The drift check (a manual resync here) repairs the names and says why it had to.
    let output = resync(&s).await;
    assert_converged(&s).await;
    let warnings = reports(&output)[0]["warnings"].to_string();
    assert!(
        warnings.contains(&s.topic_arn) && warnings.contains("inactive"),
        "{warnings}"
    );
    s.teardown().await.unwrap();
}

/// An event the trigger cannot decode is `ReplicaDns.InvalidInput` naming the expected
/// shape — not a Rust type name as errorType.
#[tokio::test(flavor = "multi_thread")]
async fn an_event_the_trigger_cannot_decode_is_invalid_input_naming_the_shape() {
    let s = scenario("in-decode", 1).await;
    let out = s
        .invoke(&s.function_name("trigger"), &json!({"Records": "nope"}))
        .await
        .unwrap();
    assert_eq!(out.function_error.as_deref(), Some("Unhandled"), "{out:?}");
    assert_eq!(
        out.payload["errorType"], "ReplicaDns.InvalidInput",
        "{out:?}"
    );
    let message = out.payload["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("an SNS event") && message.contains("Records"),
        "{message}"
    );
    s.teardown().await.unwrap();
}

/// A function whose configuration is invalid reports the field and the reason through
/// the Runtime API's init error (Lambda Developer Guide, "Using the Lambda runtime API
/// for custom runtimes": /runtime/init/error), so the invoke's error says what is wrong.
#[tokio::test(flavor = "multi_thread")]
async fn a_function_with_an_invalid_configuration_says_which_field_in_the_invoke_error() {
    let mut s = scenario("in-initerr", 1).await;
    let mut config: Value = serde_json::from_str(&s.config.env_value().unwrap()).unwrap();
    config["groups"][0]["ttl"] = json!(0);
    let env = std::collections::BTreeMap::from([(
        replica_dns_core::config::CONFIG_ENV_VAR.to_string(),
        config.to_string(),
    )]);
    let name = s
        .register_function(
            "broken-plan",
            &s.stack.bin_dir.join("replica-dns-plan"),
            &env,
            10,
        )
        .await
        .unwrap();
    let out = s.invoke(&name, &json!({})).await.unwrap();
    assert_eq!(out.function_error.as_deref(), Some("Unhandled"), "{out:?}");
    assert_eq!(out.payload["errorType"], "ReplicaDns.Fatal", "{out:?}");
    let message = out.payload["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("REPLICA_DNS_CONFIG") && message.contains("groups[0].ttl"),
        "{message}"
    );
    s.teardown().await.unwrap();
}
