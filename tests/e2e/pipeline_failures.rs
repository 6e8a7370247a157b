//! How the pipeline fails: visibly (a FAILED execution, which alarms, with a cause that
//! names the errorType and says what happened) and safely (names stay on live replicas).

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use replica_dns_tests::scenario::fast_execution_defaults;
use replica_dns_tests::Stack;
use serde_json::json;

use crate::pipeline_common::{assert_converged, resync, run_execution, scenario, QUIET, TIMEOUT};

#[tokio::test(flavor = "multi_thread")]
async fn a_group_gone_from_elasticache_fails_with_a_clear_cause() {
    let s = scenario("pl-gone", 1).await;
    s.stack
        .elasticache
        .delete_replication_group()
        .replication_group_id(&s.group_id)
        .send()
        .await
        .unwrap();
    let e = run_execution(&s, json!({"replicationGroupId": s.group_id})).await;
    assert_eq!(e.status, ExecutionStatus::Failed, "{e:?}");
    assert_eq!(e.error.as_deref(), Some("ReplicaDns.Failed"), "{e:?}");
    let cause = e.cause.clone().unwrap_or_default();
    assert!(
        cause.contains("ReplicaDns.Fatal") && cause.contains(&s.group_id),
        "{cause}"
    );
    for f in &s.functions {
        s.stack.lambda_host.remove(f).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_slower_than_the_deadline_fails_the_run_but_names_stay_on_live_replicas() {
    let mut defaults = fast_execution_defaults();
    defaults["awaitDeadlineSeconds"] = json!(2);
    let s = Stack::from_env()
        .await
        .unwrap()
        .scenario("pl-slow")
        .replicas(2)
        .execution_defaults(defaults)
        .build()
        .await
        .unwrap();
    resync(&s).await;
    let before = assert_converged(&s).await;
    let name = s.slot_name(1);
    let home = before[&name].clone();
    s.replace_node(&home, Some(10.0)).await.unwrap();

    // CacheNodeReplaceStarted: the interim plan goes out, the wait outlasts the deadline.
    let start = std::time::Instant::now();
    let failed = loop {
        let executions = s.executions().await.unwrap();
        if let Some(e) = executions
            .iter()
            .find(|e| e.status == ExecutionStatus::Failed)
        {
            break e.clone();
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "{executions:?}\n{}",
            s.logs_tail(30)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let cause = failed.cause.clone().unwrap_or_default();
    assert!(
        cause.contains("ReplicaDns.AwaitDeadlineExceeded"),
        "{failed:?}"
    );
    // Meanwhile the name serves reads from another, available replica.
    let cnames = s.cnames().await.unwrap();
    let members = s.members().await.unwrap();
    let target = members
        .iter()
        .find(|m| {
            cnames.get(&name).map(|t| t.trim_end_matches('.'))
                == Some(m.address.trim_end_matches('.'))
        })
        .unwrap_or_else(|| panic!("{name} points at no member: {cnames:?}"));
    assert_ne!(
        target.cache_cluster_id, home,
        "{name} stayed on the node being replaced"
    );
    assert!(s.role(target).await.unwrap().is_replica());

    // CacheNodeReplaceComplete: the next run brings the name home.
    s.wait_group_available(TIMEOUT).await.unwrap();
    let executions = s.wait_idle(QUIET, TIMEOUT).await.unwrap();
    assert!(
        executions
            .iter()
            .any(|e| e.status == ExecutionStatus::Succeeded),
        "{executions:?}"
    );
    let after = assert_converged(&s).await;
    assert_eq!(after[&name], home);
    s.teardown().await.unwrap();
}
