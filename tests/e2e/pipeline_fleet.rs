//! The fleet pass (`{"all": true}` over several groups, issue 10 item 5) with the real
//! state machine and binaries: every group of a zone written in one request, each group
//! verified and reported, and a group that must wait for a replaced node handed to the
//! per-group pipeline, which finishes it. Convergence, not timings or call counts (those
//! are bench/'s): the request count is the execution's own `fleet.batches` and the apply
//! function's log.

use std::time::Duration;

use replica_dns_tests::{Scenario, Stack};
use serde_json::{json, Value};

use crate::pipeline_common::{assert_converged, assert_succeeded, reports, run_execution};

async fn fleet_scenario(prefix: &str) -> Scenario {
    let stack = Stack::from_env().await.unwrap();
    stack
        .scenario(prefix)
        .replicas(2)
        .sibling_groups(2)
        .build()
        .await
        .unwrap()
}

fn outcomes(output: &Value) -> Vec<(String, String)> {
    reports(output)
        .iter()
        .map(|r| {
            (
                r["replicationGroupId"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn all_converged(s: &Scenario) {
    assert_converged(s).await;
    for i in 0..s.siblings.len() {
        assert_converged(&s.sibling(i)).await;
    }
}

#[tokio::test]
async fn the_fleet_pass_writes_a_zone_s_groups_in_one_request_and_verifies_each() {
    let s = fleet_scenario("fleet").await;
    let groups = [
        s.group_id.clone(),
        s.siblings[0].clone(),
        s.siblings[1].clone(),
    ];

    let e = run_execution(&s, json!({"all": true})).await;
    assert_succeeded(&s, &e);
    let output = e.output.clone().unwrap();
    assert_eq!(
        outcomes(&output),
        groups
            .iter()
            .map(|g| (g.clone(), "converged".to_string()))
            .collect::<Vec<_>>(),
        "{output}"
    );
    let batches = output["fleet"]["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 1, "one request for the zone: {output}");
    assert_eq!(batches[0]["groups"], json!(groups));
    assert_eq!(output["groups"], json!([]), "nothing handed over: {output}");
    assert_eq!(
        s.log_lines_containing("apply", "sending fleet change batch"),
        1
    );
    all_converged(&s).await;

    // The drift check of a fleet in sync writes nothing and still verifies every group.
    let e = run_execution(&s, json!({"all": true})).await;
    assert_succeeded(&s, &e);
    let output = e.output.clone().unwrap();
    assert!(
        outcomes(&output).iter().all(|(_, o)| o == "unchanged"),
        "{output}"
    );
    assert_eq!(output["fleet"]["batches"], json!([]));
    assert_eq!(
        s.log_lines_containing("apply", "sending fleet change batch"),
        1
    );

    // A dry-run renders every group's plan and writes nothing.
    let e = run_execution(&s, json!({"all": true, "dryRun": true})).await;
    assert_succeeded(&s, &e);
    let output = e.output.clone().unwrap();
    assert!(
        outcomes(&output).iter().all(|(_, o)| o == "dryRun"),
        "{output}"
    );
    assert!(reports(&output).iter().all(|r| r["planTable"].is_string()));
    s.teardown().await.unwrap();
}

/// `fleetGroupsPerRound` (and, at fleet scale, the size of what one state may carry)
/// splits the pass into rounds: each writes its groups in one request per zone and
/// verifies them before the next round plans the rest from a fresh listing. The state
/// machine loops FleetVerify -> FleetNext -> FleetPlan; nothing is handed over.
#[tokio::test]
async fn the_fleet_pass_writes_round_by_round_when_a_round_holds_fewer_groups() {
    let s = fleet_scenario("fleetround").await;
    let e = run_execution(&s, json!({"all": true, "fleetGroupsPerRound": 2})).await;
    assert_succeeded(&s, &e);
    let output = e.output.clone().unwrap();
    assert!(
        outcomes(&output).iter().all(|(_, o)| o == "converged"),
        "{output}"
    );
    assert_eq!(outcomes(&output).len(), 3, "{output}");
    assert_eq!(output["groups"], json!([]), "nothing handed over: {output}");
    let rounds: Vec<(u64, Vec<String>)> = output["fleet"]["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let groups = b["groups"].as_array().unwrap();
            (
                b["round"].as_u64().unwrap(),
                groups
                    .iter()
                    .map(|g| g.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        rounds,
        [
            (1, vec![s.group_id.clone(), s.siblings[0].clone()]),
            (2, vec![s.siblings[1].clone()])
        ],
        "{output}"
    );
    assert_eq!(output["fleet"]["round"], 2);
    all_converged(&s).await;
    s.teardown().await.unwrap();
}

#[tokio::test]
async fn a_group_waiting_for_a_replaced_node_is_handed_to_the_per_group_pipeline() {
    let s = fleet_scenario("fleethand").await;
    let e = run_execution(&s, json!({"all": true})).await;
    assert_succeeded(&s, &e);

    // A sibling's replica is replaced (no notification reaches replica-dns: the
    // siblings publish nowhere); the next resync finds it unavailable.
    let sibling = s.sibling(0);
    let replica = sibling
        .members()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.current_role == "replica")
        .unwrap();
    sibling
        .replace_node(&replica.cache_cluster_id, Some(8.0))
        .await
        .unwrap();
    let e = run_execution(&s, json!({"all": true})).await;
    assert_succeeded(&s, &e);
    let output = e.output.clone().unwrap();
    let handed = output["fleet"]["handedOver"].as_array().unwrap();
    assert_eq!(handed.len(), 1, "{output}");
    assert_eq!(handed[0]["replicationGroupId"], json!(sibling.group_id));
    // The others finished in the pass; the sibling in the Groups Map, after its wait.
    let outcomes = outcomes(&output);
    assert_eq!(outcomes.len(), 3, "{output}");
    let (last, outcome) = outcomes.last().unwrap();
    assert_eq!(last, &sibling.group_id);
    assert_eq!(outcome, "converged", "{output}");
    assert_eq!(
        output["groups"][0]["replicationGroupId"],
        json!(sibling.group_id)
    );
    sibling
        .wait_group_available(Duration::from_secs(60))
        .await
        .unwrap();
    all_converged(&s).await;
    s.teardown().await.unwrap();
}
