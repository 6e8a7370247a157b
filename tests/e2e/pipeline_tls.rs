//! Groups as production runs them (issue 8, item 3): in-transit encryption (TLS only)
//! and an AUTH token. The emulator's nodes listen with TLS under a CA made at start and
//! require the token (tests/localstack/tests/test_elasticache_tls.py); verify's probe
//! reads the token from the group's `authSecretArn` in Secrets Manager, validates the
//! node's certificate against the CNAME target and asks `ROLE`.

use aws_sdk_sfn::types::ExecutionStatus;
use replica_dns_tests::{Scenario, Stack};
use serde_json::json;

use crate::pipeline_common::{
    assert_converged, group_available, reports, resync, run_execution, settle,
};

async fn tls_auth_scenario(prefix: &str, replicas: u8) -> Scenario {
    Stack::from_env()
        .await
        .unwrap()
        .scenario(prefix)
        .replicas(replicas)
        .tls_auth(true)
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_and_replacement_converge_on_a_tls_auth_group_with_probes_on() {
    let s = tls_auth_scenario("tls-ok", 2).await;
    let output = resync(&s).await;
    assert_eq!(reports(&output)[0]["outcome"], "converged", "{output}");
    assert_converged(&s).await;

    let old_primary = s.primary().await.unwrap();
    s.failover().await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let after = assert_converged(&s).await;
    let new_primary = s.primary().await.unwrap();
    assert_ne!(new_primary.cache_cluster_id, old_primary.cache_cluster_id);
    assert!(!after.values().any(|id| id == &new_primary.cache_cluster_id));

    let (name, home) = after
        .iter()
        .next()
        .map(|(n, h)| (n.clone(), h.clone()))
        .unwrap();
    s.replace_node(&home, Some(3.0)).await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let replaced = assert_converged(&s).await;
    assert_eq!(replaced.get(&name), Some(&home), "{replaced:?}");
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_fails_verify_with_a_cause_naming_node_secret_and_reply() {
    let s = tls_auth_scenario("tls-bad", 1).await;
    let auth = s.auth.clone().unwrap();
    let wrong = format!("{}x", auth.token);
    s.stack
        .secretsmanager
        .put_secret_value()
        .secret_id(&auth.arn)
        .secret_string(&wrong)
        .send()
        .await
        .unwrap();
    let e = run_execution(&s, json!({"replicationGroupId": s.group_id})).await;
    assert_eq!(e.status, ExecutionStatus::Failed, "{e:?}");
    let cause = e.cause.clone().unwrap_or_default();
    assert!(cause.contains("ReplicaDns.Fatal"), "{cause}");
    assert!(cause.contains(&auth.arn), "{cause}");
    assert!(cause.contains("WRONGPASS"), "{cause}");
    assert!(cause.contains(&s.group_id), "{cause}");
    assert!(
        !cause.contains(&wrong),
        "the secret's value leaked: {cause}"
    );
    // Fatal, not drift: verify did not re-plan three times to get there.
    assert!(!cause.contains("NotConverged"), "{cause}");
    // The names were applied before verify and stay on the replica.
    assert_converged(&s).await;
    s.teardown().await.unwrap();
}
