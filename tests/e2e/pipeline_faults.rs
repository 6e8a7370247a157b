//! A Lambda that dies mid-step — killed, out of memory, past its timeout — on the real
//! state machine (issue 8, item 1). Step Functions reports such unhandled failures as
//! `Lambda.Unknown` (Step Functions guide, "Handle Lambda service exceptions",
//! <https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html>);
//! the emulator does the same (tests/localstack/tests/test_sfn_lambda_errors.py) and its
//! fault injection kills the calling sandbox at a chosen AWS call
//! (tests/localstack/tests/test_faults.py). Each execution must succeed and converge on
//! its own — no manual resync — and its history must show the `Lambda.Unknown` it
//! recovered from.

use serde_json::json;

use crate::pipeline_common::{
    assert_converged, assert_succeeded, group_available, reports, resync, run_execution, scenario,
    settle,
};
use replica_dns_tests::{Scenario, Stack};

/// Arms a kill of `function`'s sandbox at its next `operation` on this scenario's
/// resources (`when`: `before` drops the call, `after` loses its response).
async fn kill_at(s: &Scenario, operation: &str, scope: &str, function: &str, when: &str) -> String {
    s.inject_fault(&json!({
        "operation": operation, "match": scope,
        "action": "kill-caller", "when": when,
        "function": s.function_name(function), "onlyWhileBusy": true,
    }))
    .await
    .unwrap()
}

/// The execution met a `Lambda.Unknown` and got past it by retrying.
async fn assert_recovered_from_lambda_unknown(s: &Scenario, execution_arn: &str) {
    let errors = s.execution_errors(execution_arn).await.unwrap();
    assert!(errors.contains(&"Lambda.Unknown".to_string()), "{errors:?}");
}

/// The failover notification's execution: the first apply is killed before its batch
/// reaches Route 53 (the write is dropped); the retried apply moves the names.
#[tokio::test(flavor = "multi_thread")]
async fn apply_killed_before_its_write_during_a_failover_is_retried_and_converges() {
    let s = scenario("fl-apply-drop", 2).await;
    resync(&s).await;
    assert_converged(&s).await;
    let fault = kill_at(
        &s,
        "ChangeResourceRecordSets",
        &s.zone_id,
        "apply",
        "before",
    )
    .await;
    let old_primary = s.primary().await.unwrap();
    s.failover().await.unwrap();
    group_available(&s).await;
    let executions = settle(&s).await;
    assert_eq!(s.fault_fired(&fault).await.unwrap(), 1);
    let after = assert_converged(&s).await;
    let new_primary = s.primary().await.unwrap();
    assert_ne!(new_primary.cache_cluster_id, old_primary.cache_cluster_id);
    assert!(!after.values().any(|id| id == &new_primary.cache_cluster_id));
    let mut recovered = 0;
    for e in &executions {
        let errors = s.execution_errors(&e.arn).await.unwrap();
        if errors.iter().any(|error| error == "Lambda.Unknown") {
            recovered += 1;
        }
    }
    assert_eq!(recovered, 1, "{executions:#?}");
    s.teardown().await.unwrap();
}

/// The first apply's batch lands, then the sandbox dies before the answer (the write is
/// delivered, its response lost). The retry's compare-and-swap fails, and the report
/// still says what this execution wrote (item 6), not `unchanged`.
#[tokio::test(flavor = "multi_thread")]
async fn apply_killed_after_its_write_is_retried_and_the_report_says_what_it_wrote() {
    let s = scenario("fl-apply-lost", 2).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    let name = s.repoint_slot_at_primary(1).await.unwrap();
    let fault = kill_at(&s, "ChangeResourceRecordSets", &s.zone_id, "apply", "after").await;
    let e = run_execution(&s, json!({"replicationGroupId": s.group_id})).await;
    assert_succeeded(&s, &e);
    assert_eq!(s.fault_fired(&fault).await.unwrap(), 1);
    assert_eq!(assert_converged(&s).await, before);
    assert_recovered_from_lambda_unknown(&s, &e.arn).await;
    let output = e.output.clone().unwrap_or_default();
    let report = &reports(&output)[0];
    assert_eq!(report["outcome"], "converged", "{output}");
    let applied = report["applied"].as_array().cloned().unwrap_or_default();
    assert_eq!(applied.len(), 1, "{output}");
    assert_eq!(applied[0]["writtenBy"], "earlierAttempt", "{output}");
    assert!(
        applied[0]["changes"].to_string().contains(&name),
        "{output}"
    );
    s.teardown().await.unwrap();
}

/// Verify is killed while it reads the records back; the retried verify completes.
#[tokio::test(flavor = "multi_thread")]
async fn verify_killed_mid_check_is_retried_and_converges() {
    let s = scenario("fl-verify", 2).await;
    resync(&s).await;
    s.repoint_slot_at_primary(2).await.unwrap();
    let fault = kill_at(&s, "ListResourceRecordSets", &s.zone_id, "verify", "before").await;
    let e = run_execution(&s, json!({"replicationGroupId": s.group_id})).await;
    assert_succeeded(&s, &e);
    assert_eq!(s.fault_fired(&fault).await.unwrap(), 1);
    assert_converged(&s).await;
    assert_recovered_from_lambda_unknown(&s, &e.arn).await;
    s.teardown().await.unwrap();
}

/// The snapshot's DescribeReplicationGroups hangs past the snapshot Lambda's timeout
/// (a stuck dependency): Lambda ends it (`Sandbox.Timedout`), Step Functions reports
/// `Lambda.Unknown`, and the retried snapshot carries the first sync through.
#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_past_its_lambda_timeout_is_retried_and_converges() {
    let s = Stack::from_env()
        .await
        .unwrap()
        .scenario("fl-snap-slow")
        .replicas(2)
        .function_timeout_of("snapshot", 3)
        .build()
        .await
        .unwrap();
    let fault = s
        .inject_fault(&json!({
            "operation": "DescribeReplicationGroups", "match": s.group_id,
            "action": "delay", "seconds": 6,
        }))
        .await
        .unwrap();
    let e = run_execution(&s, json!({"replicationGroupId": s.group_id})).await;
    assert_succeeded(&s, &e);
    assert_eq!(s.fault_fired(&fault).await.unwrap(), 1);
    assert_eq!(assert_converged(&s).await.len(), 2);
    assert_recovered_from_lambda_unknown(&s, &e.arn).await;
    s.teardown().await.unwrap();
}
