//! The pipeline's promises beyond the blog scenarios: dry-run, manual repair, foreign
//! records, no-op events, compare-and-swap conflicts, idempotent SNS redelivery. Events
//! arrive as SNS notifications (published to the scenario's topic, or, for redelivery,
//! the exact SNS event handed to the trigger twice, as SNS does when it retries).

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::{HistoryEventType, StateMachineType};
use replica_dns_tests::stack::ACCOUNT_ID;
use replica_dns_tests::{Scenario, Stack};
use serde_json::{json, Value};

use crate::pipeline_common::{
    assert_converged, assert_succeeded, reports, resync, run_execution, scenario, settle,
    start_named, wait_finished, TIMEOUT,
};

/// Publishes an ElastiCache-shaped notification to the scenario's topic.
async fn notify(s: &Scenario, message: Value) {
    s.stack
        .sns
        .publish()
        .topic_arn(&s.topic_arn)
        .message(message.to_string())
        .send()
        .await
        .unwrap();
}

/// The one execution the last notification started, finished.
async fn only_execution(s: &Scenario) -> replica_dns_tests::Execution {
    let executions = s.wait_for_executions(1, TIMEOUT).await.unwrap();
    assert_eq!(executions.len(), 1, "{executions:?}");
    executions.into_iter().next().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_changes_nothing_and_shows_the_plan() {
    let s = scenario("pl-dry", 2).await;
    let e = run_execution(
        &s,
        json!({"replicationGroupId": s.group_id, "dryRun": true}),
    )
    .await;
    assert_succeeded(&s, &e);
    assert!(
        s.cnames().await.unwrap().is_empty(),
        "dry-run wrote records"
    );
    let output = e.output.unwrap();
    let report = &reports(&output)[0];
    assert_eq!(report["outcome"], "dryRun", "{output}");
    let table = report["planTable"].as_str().unwrap();
    assert!(table.contains(&s.slot_name(1)), "{table}");
    assert!(table.contains(&s.slot_name(2)), "{table}");
    let changes = report["applied"][0]["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.as_str().unwrap().starts_with("CREATE CNAME")),
        "{changes:?}"
    );
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn manual_resync_repairs_a_record_re_pointed_by_hand() {
    let s = scenario("pl-repair", 2).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    let name = s.repoint_slot_at_primary(1).await.unwrap();
    let output = resync(&s).await;
    let after = assert_converged(&s).await;
    assert_eq!(after, before, "the repair moved a name");
    let report = &reports(&output)[0];
    assert_eq!(report["outcome"], "converged", "{output}");
    // The report names the slot and where it points again. (The planner words a
    // re-pointed CNAME whose home is available as "returned home", not "repaired".)
    let why = report["applied"][0]["why"].to_string();
    assert!(
        why.contains(&name) && why.contains(&before[&name]),
        "{output}"
    );
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_record_at_a_slot_name_is_untouched_and_reported() {
    let s = scenario("pl-foreign", 2).await;
    let name = s.slot_name(1);
    s.upsert_record(&name, "CNAME", 300, &["legacy.example.com"])
        .await
        .unwrap();
    let output = resync(&s).await;
    let records = s.records().await.unwrap();
    let at_slot: Vec<_> = records.iter().filter(|r| r.name == name).collect();
    assert_eq!(at_slot.len(), 1, "{at_slot:?}");
    assert_eq!(at_slot[0].values, ["legacy.example.com"]);
    assert_eq!(at_slot[0].ttl, Some(300));
    let warnings = reports(&output)[0]["warnings"].to_string();
    assert!(
        warnings.contains(&name) && warnings.contains("not ours"),
        "{warnings}"
    );
    // The other replica still got a name of its own.
    let cnames = s.cnames().await.unwrap();
    assert!(cnames.contains_key(&s.slot_name(2)), "{cnames:?}");
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_irrelevant_event_ends_as_a_no_op_with_its_reason() {
    // Delivered by SNS, such an event starts no execution at all (issue 8 item 4;
    // pipeline_inputs::notifications_that_can_only_be_no_ops_start_no_execution). An
    // operator replaying it into an execution gets a no-op with the reason.
    let s = scenario("pl-noise", 1).await;
    let message = json!({"ElastiCache:SnapshotComplete": s.group_id}).to_string();
    let e = run_execution(
        &s,
        json!({"source": "sns", "messageId": "replayed-1",
               "topicArn": s.topic_arn, "timestamp": "2026-11-27T02:00:00Z",
               "message": message}),
    )
    .await;
    assert_succeeded(&s, &e);
    let output = e.output.unwrap();
    assert_eq!(output["noop"], true, "{output}");
    assert!(
        output["reason"].as_str().unwrap().contains("no event"),
        "{output}"
    );
    // The typed resolution reaches the execution output as the core decided it.
    assert_eq!(
        output["noOp"]["reason"]["kind"], "irrelevantEvents",
        "{output}"
    );
    assert!(s.cnames().await.unwrap().is_empty());
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_for_another_group_ends_as_a_no_op_with_its_reason() {
    let s = scenario("pl-other", 1).await;
    let stack = Stack::from_env().await.unwrap();
    let other = stack
        .scenario("pl-other-x")
        .replicas(1)
        .pipeline(false)
        .build()
        .await
        .unwrap();
    let other_member = other.members().await.unwrap()[0].cache_cluster_id.clone();
    notify(
        &s,
        json!({"ElastiCache:CacheNodeReplaceComplete": other_member}),
    )
    .await;
    let e = only_execution(&s).await;
    assert_succeeded(&s, &e);
    let output = e.output.unwrap();
    assert_eq!(output["noop"], true, "{output}");
    assert!(
        output["reason"].as_str().unwrap().contains("managed here"),
        "{output}"
    );
    assert_eq!(
        output["noOp"]["reason"]["kind"], "noManagedGroup",
        "{output}"
    );
    assert_eq!(
        output["skipped"][0]["event"]["sourceId"],
        other_member.as_str(),
        "{output}"
    );
    assert!(
        output["skipped"].to_string().contains(&other.group_id),
        "{output}"
    );
    other.teardown().await.unwrap();
    s.teardown().await.unwrap();
}

/// The SNS event Lambda receives for one message, as AWS shapes it.
fn sns_event(s: &Scenario, message_id: &str, message: &Value) -> Value {
    json!({"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{}:sub", s.topic_arn),
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": s.topic_arn,
            "Subject": null,
            "Message": message.to_string(),
            "Timestamp": "2026-11-27T02:30:00.000Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
            "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
            "MessageAttributes": {}
        }
    }]})
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_sns_message_delivered_twice_runs_once() {
    let s = scenario("pl-dup", 1).await;
    let message_id = format!("{}-0000-4000-8000-000000000001", s.id);
    let event = sns_event(
        &s,
        &message_id,
        &json!({"ElastiCache:FailoverComplete": s.group_id}),
    );
    let trigger = Stack::function_arn(&s.function_name("trigger"));
    let first = s.invoke(&trigger, &event).await.unwrap();
    assert_eq!(first.function_error, None, "{:?}", first.payload);
    assert_eq!(first.payload["executions"][0]["outcome"], "started");
    let arn = first.payload["executions"][0]["executionArn"].clone();
    // Redelivered while the execution runs: Step Functions answers with the same
    // execution (same name, same input) ...
    let second = s.invoke(&trigger, &event).await.unwrap();
    assert_eq!(second.function_error, None, "{:?}", second.payload);
    assert_eq!(second.payload["executions"][0]["executionArn"], arn);
    let executions = settle(&s).await;
    // ... and redelivered after it finished: ExecutionAlreadyExists, which the trigger
    // reports as a duplicate and answers with success (SNS stops retrying).
    let third = s.invoke(&trigger, &event).await.unwrap();
    assert_eq!(third.function_error, None, "{:?}", third.payload);
    assert_eq!(third.payload["executions"][0]["outcome"], "duplicate");
    assert_eq!(s.executions().await.unwrap().len(), 1);
    assert_eq!(executions.len(), 1, "{executions:?}");
    // Named by the trigger's rule: the group the message is about, then the MessageId.
    assert_eq!(
        executions[0].name,
        replica_dns_core::event::sns_execution_name(Some(&s.group_id), &message_id)
    );
    assert_converged(&s).await;
    s.teardown().await.unwrap();
}

/// A copy of the real state machine with a Wait between Plan and Apply, so a test can
/// act as a concurrent writer at exactly the moment a compare-and-swap can lose.
async fn deploy_paused_state_machine(s: &mut Scenario, pause_seconds: u64) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../statemachine/replica-dns.asl.json");
    let mut text = std::fs::read_to_string(path).unwrap();
    for (short, placeholder) in [
        ("filter", "FilterFunctionArn"),
        ("snapshot", "SnapshotFunctionArn"),
        ("await-nodes", "AwaitNodesFunctionArn"),
        ("plan", "PlanFunctionArn"),
        ("apply", "ApplyFunctionArn"),
        ("verify", "VerifyFunctionArn"),
    ] {
        text = text.replace(
            &format!("${{{placeholder}}}"),
            &Stack::function_arn(&s.function_name(short)),
        );
    }
    let mut asl: Value = serde_json::from_str(&text).unwrap();
    let states = &mut asl["States"]["Groups"]["ItemProcessor"]["States"];
    states["Plan"]["Next"] = json!("TestPause");
    states["TestPause"] = json!({"Type": "Wait", "Seconds": pause_seconds, "Next": "Apply"});
    let arn = s
        .stack
        .sfn
        .create_state_machine()
        .name(format!("{}-paused", s.id))
        .definition(asl.to_string())
        .role_arn(format!(
            "arn:aws:iam::{ACCOUNT_ID}:role/replica-dns-state-machine"
        ))
        .r#type(StateMachineType::Standard)
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_string();
    s.state_machine_arn = Some(arn);
}

/// Waits until `execution_arn` has entered the state `name` `times` times.
async fn wait_entered(s: &Scenario, execution_arn: &str, name: &str, times: usize) {
    let start = Instant::now();
    loop {
        let history = s
            .stack
            .sfn
            .get_execution_history()
            .execution_arn(execution_arn)
            .max_results(1000)
            .send()
            .await
            .unwrap();
        let entered = history
            .events()
            .iter()
            .filter(|e| *e.r#type() == HistoryEventType::WaitStateEntered)
            .filter(|e| {
                e.state_entered_event_details()
                    .is_some_and(|d| d.name() == name)
            })
            .count();
        if entered >= times {
            return;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "{name} not entered {times} times\n{}",
            s.logs_tail(30)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_provoked_between_plan_and_apply_still_converges() {
    let mut s = scenario("pl-cas", 2).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    deploy_paused_state_machine(&mut s, 3).await;
    // Someone re-points replica1: the run plans to repair it ...
    let name = s.repoint_slot_at_primary(1).await.unwrap();
    let arn = start_named(&s, json!({"replicationGroupId": s.group_id})).await;
    wait_entered(&s, &arn, "TestPause", 1).await;
    // ... and, between its Plan and its Apply, re-points it again: the DELETE of the
    // planned batch no longer matches, Route 53 rejects the batch.
    s.upsert_record(&name, "CNAME", 7, &["elsewhere.example.com"])
        .await
        .unwrap();
    let e = wait_finished(&s, &arn).await;
    assert_succeeded(&s, &e);
    let output = e.output.unwrap();
    let report = &reports(&output)[0];
    assert!(
        report["conflictRetries"].as_u64().unwrap() >= 1,
        "no conflict was hit: {output}"
    );
    let after = assert_converged(&s).await;
    assert_eq!(after, before);
    s.teardown().await.unwrap();
}
