//! The blog post's scenarios, end to end: each action is a real ElastiCache API call on
//! the emulator, whose SNS notifications reach the trigger Lambda as on AWS; the real
//! state machine and binaries do the rest. Each test ends converged (see
//! `pipeline_common`).

use crate::pipeline_common::{
    assert_converged, group_available, reports, resync, scenario, settle,
};

#[tokio::test(flavor = "multi_thread")]
async fn first_resync_names_every_replica() {
    let s = scenario("pl-first", 2).await;
    let output = resync(&s).await;
    let slots = assert_converged(&s).await;
    assert_eq!(slots.len(), 2);
    let report = &reports(&output)[0];
    assert_eq!(report["outcome"], "converged", "{output}");
    assert_eq!(report["replicationGroupId"], s.group_id.as_str());
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_moves_the_names_off_the_new_primary() {
    let s = scenario("pl-failover", 2).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    let old_primary = s.primary().await.unwrap();
    s.failover().await.unwrap();
    group_available(&s).await;
    let executions = settle(&s).await;
    assert!(
        executions.len() >= 2,
        "no execution started by the failover notifications: {executions:?}"
    );
    let after = assert_converged(&s).await;
    let new_primary = s.primary().await.unwrap();
    assert_ne!(new_primary.cache_cluster_id, old_primary.cache_cluster_id);
    assert!(
        !after.values().any(|id| id == &new_primary.cache_cluster_id),
        "a name is on the new primary: {after:?}"
    );
    // Sticky: a slot whose home stayed a replica kept it.
    for (name, home) in &before {
        if home != &new_primary.cache_cluster_id {
            assert_eq!(after.get(name), Some(home), "{name} moved without cause");
        }
    }
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn node_replacement_returns_the_name_home() {
    let s = scenario("pl-replace", 2).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    let (name, home) = before
        .iter()
        .next()
        .map(|(n, h)| (n.clone(), h.clone()))
        .unwrap();
    s.replace_node(&home, Some(3.0)).await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let after = assert_converged(&s).await;
    assert_eq!(
        after.get(&name),
        Some(&home),
        "{name} did not return home: {after:?}"
    );
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_a_replica_adds_the_next_name() {
    let s = scenario("pl-add", 1).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    s.add_replicas(2).await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let after = assert_converged(&s).await;
    assert_eq!(after.len(), 2);
    for (name, home) in &before {
        assert_eq!(after.get(name), Some(home), "{name} moved without cause");
    }
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_replica_keeps_the_names_contiguous() {
    let s = scenario("pl-remove", 3).await;
    resync(&s).await;
    let before = assert_converged(&s).await;
    // Remove the home of replica1, so the freed lowest slot must be refilled.
    let first = s.slot_name(1);
    let victim = before[&first].clone();
    s.remove_replica_nodes(&[victim.as_str()]).await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let after = assert_converged(&s).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(!after.values().any(|id| id == &victim));
    s.teardown().await.unwrap();
}

/// Issue 10 item 6: one deployment of 200 groups — far beyond the 3 KiB the Lambda
/// environment holds — gets its configuration as a file, as the CDK construct's layer
/// delivers it, and still syncs and fails over its group.
#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_of_200_groups_reads_its_configuration_from_a_file() {
    let stack = replica_dns_tests::Stack::from_env().await.unwrap();
    let s = stack
        .scenario("pl-200")
        .replicas(2)
        .config_file_with_extra_groups(199)
        .build()
        .await
        .unwrap();
    assert_eq!(s.config.groups.len(), 200);
    assert!(serde_json::to_string(&s.config).unwrap().len() > 3 * 1024 * 5);
    resync(&s).await;
    assert_converged(&s).await;
    s.failover().await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let after = assert_converged(&s).await;
    let primary = s.primary().await.unwrap();
    assert!(
        !after.values().any(|id| id == &primary.cache_cluster_id),
        "{after:?}"
    );
    s.teardown().await.unwrap();
}

/// Issue 10 item 2: one failover notifies several times (FailoverComplete, then the old
/// primary's CacheNodeReplaceStarted and CacheNodeReplaceComplete), and each notification
/// starts an execution. An older one waiting for the replaced node stops as `superseded`
/// once a newer one for the group runs, naming it; the newest converges the names.
#[tokio::test(flavor = "multi_thread")]
async fn overlapping_executions_for_one_failover_hand_over_to_the_newest() {
    let s = scenario("pl-overlap", 2).await;
    resync(&s).await;
    s.failover().await.unwrap();
    group_available(&s).await;
    let executions = settle(&s).await;
    let mut names: Vec<&str> = executions.iter().map(|e| e.name.as_str()).collect();
    names.sort_unstable();
    let superseded: Vec<(&str, String)> = executions
        .iter()
        .filter_map(|e| {
            let report = reports(e.output.as_ref()?).first()?.clone();
            (report["outcome"] == "superseded").then(|| {
                (
                    e.name.as_str(),
                    report["supersededBy"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
        })
        .collect();
    assert!(
        !superseded.is_empty(),
        "no execution handed over: {executions:#?}"
    );
    for (name, by) in &superseded {
        assert!(
            names.contains(&by.as_str()) && by.as_str() != *name,
            "{name} names {by:?}, not another execution of this failover: {names:?}"
        );
        // Both are about this group: the trigger named them `<source>--<MessageId>`.
        for n in [*name, by.as_str()] {
            let source = replica_dns_core::event::execution_source(n).unwrap();
            assert!(source.starts_with(&s.group_id), "{n}");
        }
    }
    assert!(
        superseded.len() < executions.len(),
        "every execution stopped: {executions:#?}"
    );
    assert_converged(&s).await;
    s.teardown().await.unwrap();
}
