//! What the pipeline's ElastiCache calls cost, asserted where the emulator can tell a
//! scenario's calls apart (issue 10 item 1): a snapshot asks for its members without one
//! call per member, and an await-nodes poll asks only about the member still awaited.
//! The steps are invoked as Step Functions invokes them, with a GroupRun, in scenarios
//! without the trigger (so the node replacement's notifications start no execution
//! whose calls would be counted too). The figures
//! beside the blog Lambda's are bench/'s job (bench/README.md), not assertions here.
//!
//! The emulator counts calls per registered scope (`/_replica_dns/calls`): a request
//! naming the scenario's group (its id is in every member's cluster id) is counted in
//! the scope. The one DescribeCacheClusters listing names no group, so the scope sees
//! exactly the calls that grow with members; the answers prove the statuses were read.

use std::collections::BTreeMap;
use std::time::Duration;

use replica_dns_core::config::CONFIG_ENV_VAR;
use replica_dns_tests::{Scenario, Stack};
use serde_json::{json, Value};

use crate::pipeline_common::TIMEOUT;

/// A group of 1 + `replicas` with only the pipeline step `short` registered (the real
/// binary, the scenario's configuration), no state machine and no subscription.
async fn step_scenario(prefix: &str, replicas: u8, short: &str) -> Scenario {
    let stack = Stack::from_env().await.unwrap();
    let mut s = stack
        .scenario(prefix)
        .replicas(replicas)
        .pipeline(false)
        .build()
        .await
        .unwrap();
    let env = BTreeMap::from([(CONFIG_ENV_VAR.to_string(), s.config.env_value().unwrap())]);
    let binary = s.stack.bin_dir.join(format!("replica-dns-{short}"));
    s.register_function(short, &binary, &env, 30).await.unwrap();
    s
}

/// A GroupRun as the filter hands it to the snapshot step
/// (statemachine/samples/group/fresh.json), for the scenario's group.
fn group_run(s: &Scenario) -> Value {
    let mut run: Value =
        serde_json::from_str(include_str!("../../statemachine/samples/group/fresh.json")).unwrap();
    run["replicationGroupId"] = json!(s.group_id);
    run["report"]["replicationGroupId"] = json!(s.group_id);
    run
}

/// Invokes step `short` with `payload`; returns its answer and the ElastiCache calls
/// naming the group that it made.
async fn invoke_counted(
    s: &Scenario,
    short: &str,
    payload: &Value,
) -> (Value, BTreeMap<String, u64>) {
    s.stack
        .control_post("/calls/reset", &json!({"match": s.group_id}))
        .await
        .unwrap();
    let out = s.invoke(&s.function_name(short), payload).await.unwrap();
    assert_eq!(out.function_error, None, "{short}: {}", out.payload);
    let counted = s
        .stack
        .control_get(&format!("/calls?match={}", s.group_id))
        .await
        .unwrap();
    let calls = counted["calls"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("elasticache:"))
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    (out.payload, calls)
}

fn calls(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_reads_every_members_status_without_a_call_per_member() {
    let s = step_scenario("eff-snap", 4, "snapshot").await;
    let (run, counted) = invoke_counted(&s, "snapshot", &group_run(&s)).await;
    let members = run["topology"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 5, "{run}");
    assert!(
        members.iter().all(|m| m["clusterStatus"] == "available"),
        "{run}"
    );
    // Before issue 10: one DescribeCacheClusters per member (5 here).
    assert_eq!(
        counted,
        calls(&[("elasticache:DescribeReplicationGroups", 1)]),
        "{run}"
    );
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_await_nodes_poll_asks_only_about_the_member_still_awaited() {
    let s = step_scenario("eff-await", 2, "await-nodes").await;
    let members = s.members().await.unwrap();
    let replica = members
        .iter()
        .find(|m| m.current_role == "replica")
        .unwrap()
        .cache_cluster_id
        .clone();
    s.replace_node(&replica, Some(6.0)).await.unwrap();
    let mut run = group_run(&s);
    run["awaiting"] = json!([replica]);
    run["nodesPending"] = json!(true);

    // While it is replaced: one DescribeCacheClusters for it, no snapshot (before issue
    // 10: a whole snapshot, 1 + 3 calls, per poll).
    let (polled, counted) = invoke_counted(&s, "await-nodes", &run).await;
    assert_eq!(polled["nodesPending"], true, "{polled}");
    assert_eq!(polled["awaiting"], json!([replica]), "{polled}");
    assert_eq!(
        counted,
        calls(&[("elasticache:DescribeCacheClusters", 1)]),
        "{polled}"
    );

    // Back: the poll finds it ready and the full snapshot the next plan uses confirms it.
    s.wait_group_available(TIMEOUT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (ready, counted) = invoke_counted(&s, "await-nodes", &polled).await;
    assert_eq!(ready["nodesPending"], false, "{ready}");
    assert_eq!(ready["topology"]["members"].as_array().unwrap().len(), 3);
    assert_eq!(
        counted,
        calls(&[
            ("elasticache:DescribeCacheClusters", 1),
            ("elasticache:DescribeReplicationGroups", 1)
        ]),
        "{ready}"
    );
    s.teardown().await.unwrap();
}
