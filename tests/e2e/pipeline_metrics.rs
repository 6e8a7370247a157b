//! The metrics a real run writes (issue 11 item 1): the Lambdas' logs on the local stack
//! hold CloudWatch Embedded Metric Format documents, read back here as CloudWatch would
//! extract them — namespace, dimensions, units and values per group.

use serde_json::Value;

use crate::pipeline_common::{assert_converged, group_available, resync, scenario, settle};

/// The values of `metric` for the scenario's group in `docs`, in log order (a count is
/// a number, a recorded value an array of numbers; both are flattened).
fn values(docs: &[Value], group_id: &str, metric: &str) -> Vec<f64> {
    docs.iter()
        .filter(|d| d["ReplicationGroupId"] == group_id)
        .filter_map(|d| d.get(metric))
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().filter_map(Value::as_f64).collect::<Vec<_>>(),
            other => other.as_f64().into_iter().collect::<Vec<_>>(),
        })
        .collect()
}

/// The unit the document declares for `metric`, checked against the namespace.
fn unit(docs: &[Value], metric: &str) -> Option<String> {
    docs.iter().find_map(|d| {
        let directive = &d["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "ReplicaDns", "{d}");
        directive["Metrics"]
            .as_array()?
            .iter()
            .find(|m| m["Name"] == metric)
            .and_then(|m| m["Unit"].as_str().map(str::to_string))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_and_a_failover_write_changes_outcomes_and_time_to_safe() {
    let s = scenario("mt-failover", 2).await;
    resync(&s).await;
    assert_converged(&s).await;
    let group = s.group_id.as_str();

    let snapshot = s.metric_documents("snapshot");
    let topic = values(&snapshot, group, "TopicNotActive");
    assert!(
        !topic.is_empty() && topic.iter().all(|v| *v == 0.0),
        "{snapshot:#?}"
    );
    let apply = s.metric_documents("apply");
    // First sync: two slots, each a CNAME and a TXT created.
    assert_eq!(
        values(&apply, group, "ChangesApplied"),
        vec![4.0],
        "{apply:#?}"
    );
    assert_eq!(unit(&apply, "ChangesApplied").as_deref(), Some("Count"));
    assert!(
        values(&apply, group, "TimeToSafe").is_empty(),
        "a manual resync has no notification"
    );
    let verify = s.metric_documents("verify");
    let converged: Vec<_> = verify
        .iter()
        .filter(|d| d["ReplicationGroupId"] == group && d["Outcome"] == "Converged")
        .collect();
    assert_eq!(converged.len(), 1, "{verify:#?}");
    assert_eq!(
        converged[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
        serde_json::json!(["ReplicationGroupId", "Outcome"])
    );

    s.failover().await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    assert_converged(&s).await;
    let apply = s.metric_documents("apply");
    let time_to_safe = values(&apply, group, "TimeToSafe");
    assert!(
        !time_to_safe.is_empty(),
        "no TimeToSafe after a failover: {apply:#?}"
    );
    // From the notification's timestamp to the batch: positive, and well under the
    // time the whole test took.
    assert!(
        time_to_safe.iter().all(|ms| *ms > 0.0 && *ms < 60_000.0),
        "{time_to_safe:?}"
    );
    assert_eq!(unit(&apply, "TimeToSafe").as_deref(), Some("Milliseconds"));
    assert!(
        values(&apply, group, "ChangesApplied").len() >= 2,
        "{apply:#?}"
    );
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replacement_writes_interim_routing_and_a_hand_edit_drift_repaired() {
    let s = scenario("mt-interim", 2).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    let group = s.group_id.as_str();
    let home = before.values().next().unwrap().clone();

    s.replace_node(&home, Some(3.0)).await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    assert_converged(&s).await;
    let apply = s.metric_documents("apply");
    // One name (the replaced node's) went interim; overlapping executions for the same
    // notifications may each see it, but only a writer counts it.
    let routed = values(&apply, group, "InterimRoutings");
    assert!(
        !routed.is_empty() && routed.iter().all(|n| *n == 1.0),
        "{apply:#?}"
    );
    // The interim period ends with the final batch (apply); in an execution whose final
    // plan found that batch already written by an overlapping one, when verify converges
    // (its plan has no changes, so the state machine skips Apply); in one that a newer
    // execution superseded while it waited, when await-nodes stops it.
    let mut ended = apply.clone();
    ended.extend(s.metric_documents("verify"));
    ended.extend(s.metric_documents("await-nodes"));
    let interim = values(&ended, group, "InterimRoutingSeconds");
    assert!(!interim.is_empty(), "{ended:#?}");
    assert!(
        interim.iter().all(|s| *s >= 1.0 && *s < 120.0),
        "{interim:?}"
    );
    assert_eq!(
        unit(&ended, "InterimRoutingSeconds").as_deref(),
        Some("Seconds")
    );

    s.upsert_record(&s.slot_name(1), "CNAME", 5, &["elsewhere.example.com"])
        .await
        .unwrap();
    resync(&s).await;
    assert_converged(&s).await;
    let apply = s.metric_documents("apply");
    assert_eq!(
        values(&apply, group, "DriftRepaired"),
        vec![1.0],
        "{apply:#?}"
    );
    let plan = s.metric_documents("plan");
    assert!(
        values(&plan, group, "ForeignRecords").is_empty(),
        "{plan:#?}"
    );
    s.teardown().await.unwrap();
}
