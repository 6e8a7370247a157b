//! Smoke tests of the local stack and the driver: what every pipeline test relies on.
//! Not tests of replica-dns itself (no pipeline Lambdas are deployed here).

use replica_dns_tests::{Role, Scenario, Stack};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

async fn scenario(prefix: &str, replicas: u8) -> Scenario {
    let stack = Stack::from_env().await.unwrap();
    stack
        .scenario(prefix)
        .replicas(replicas)
        .pipeline(false)
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn group_comes_up_with_one_primary_and_replicas_following_it() {
    let s = scenario("smoke-up", 2).await;
    let members = s.members().await.unwrap();
    assert_eq!(members.len(), 3, "{members:?}");
    let primary = s.primary().await.unwrap();
    let primary_addr = s.node_addr(&primary).await.unwrap();
    assert!(primary_addr.ip().is_loopback(), "{primary_addr}");
    assert!(s.role(&primary).await.unwrap().is_primary());
    for m in members.iter().filter(|m| m.current_role == "replica") {
        match s.role(m).await.unwrap() {
            Role::Replica { primary, .. } => assert!(
                primary.ends_with(&format!(":{}", primary_addr.port())),
                "{primary}"
            ),
            other => panic!("{} answers ROLE {other:?}", m.cache_cluster_id),
        }
    }
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_changes_what_the_nodes_answer_to_role() {
    let s = scenario("smoke-fo", 2).await;
    let old = s.primary().await.unwrap();
    s.failover().await.unwrap();
    let start = Instant::now();
    let new = loop {
        let members = s
            .wait_group_available(Duration::from_secs(60))
            .await
            .unwrap();
        let primary = members
            .iter()
            .find(|m| m.current_role == "primary")
            .cloned();
        if let Some(p) = primary.filter(|p| p.cache_cluster_id != old.cache_cluster_id) {
            if s.role(&p).await.unwrap().is_primary() && s.role(&old).await.unwrap().is_replica() {
                break p;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "failover did not complete: {members:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Exactly one node says it is the primary: the one ElastiCache reports.
    let mut primaries = Vec::new();
    for m in s.members().await.unwrap() {
        if s.role(&m).await.unwrap().is_primary() {
            primaries.push(m.cache_cluster_id);
        }
    }
    assert_eq!(primaries, vec![new.cache_cluster_id]);
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn records_written_to_route53_resolve_through_the_dns_server() {
    let s = scenario("smoke-dns", 1).await;
    let replica = s
        .members()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.current_role == "replica")
        .unwrap();
    let name = s.slot_name(1);
    s.upsert_record(&name, "CNAME", 5, &[&replica.address])
        .await
        .unwrap();
    let hand = format!("hand.{}", s.zone_name);
    s.upsert_record(&hand, "A", 60, &["127.0.0.42"])
        .await
        .unwrap();

    let cnames = s.cnames().await.unwrap();
    assert_eq!(
        cnames.get(&name).map(|t| t.trim_end_matches('.')),
        Some(replica.address.trim_end_matches('.'))
    );

    let answers = s
        .resolve(&name, hickory_resolver::proto::rr::RecordType::A)
        .await
        .unwrap();
    let cname = answers
        .iter()
        .find(|a| a.record_type == "CNAME")
        .expect("CNAME in the answer");
    assert_eq!((cname.name.as_str(), cname.ttl), (name.as_str(), 5));
    assert_eq!(
        cname.value.trim_end_matches('.'),
        replica.address.trim_end_matches('.')
    );
    let replica_ip = s.node_addr(&replica).await.unwrap().ip().to_string();
    assert!(
        answers
            .iter()
            .any(|a| a.record_type == "A" && a.value == replica_ip),
        "{answers:?}"
    );

    let a = s
        .resolve(&hand, hickory_resolver::proto::rr::RecordType::A)
        .await
        .unwrap();
    assert_eq!(
        a.iter().map(|x| x.value.as_str()).collect::<Vec<_>>(),
        ["127.0.0.42"]
    );
    let missing = s
        .resolve(
            &format!("nothing.{}", s.zone_name),
            hickory_resolver::proto::rr::RecordType::A,
        )
        .await
        .unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn invoking_an_unknown_function_is_resource_not_found() {
    let s = scenario("smoke-404", 0).await;
    let arn = Stack::function_arn(&s.function_name("absent"));
    let out = s.invoke(&arn, &json!({})).await.unwrap();
    assert_eq!(out.status, 404);
    assert_eq!(out.error_type.as_deref(), Some("ResourceNotFoundException"));
    assert_eq!(
        out.payload,
        json!({"Type": "User", "message": format!("Function not found: {arn}")})
    );
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lambda_runtime_function_answers_like_aws_through_the_emulator() {
    let mut s = scenario("smoke-rt", 0).await;
    let binary = Path::new(env!("CARGO_BIN_EXE_replica-dns-test-echo"));
    let env = BTreeMap::from([("GREETING".to_string(), "hi".to_string())]);
    let name = s.register_function("echo", binary, &env, 5).await.unwrap();
    let arn = Stack::function_arn(&name);

    let ok = s.invoke(&arn, &json!({"echo": [1, 2]})).await.unwrap();
    assert_eq!((ok.status, ok.function_error.as_deref()), (200, None));
    assert_eq!(ok.payload["echo"], json!([1, 2]));
    assert_eq!(ok.payload["functionArn"], json!(arn));
    assert_eq!(ok.payload["requestId"].as_str(), ok.request_id.as_deref());
    assert_eq!(
        s.invoke(&name, &json!({"env": "GREETING"}))
            .await
            .unwrap()
            .payload,
        json!("hi")
    );
    assert_eq!(
        s.invoke(&name, &json!({"env": "AWS_ENDPOINT_URL"}))
            .await
            .unwrap()
            .payload,
        json!(s.stack.endpoint_url)
    );

    let failed = s
        .invoke(
            &arn,
            &json!({"fail": {"type": "ReplicaDns.Transient", "message": "try again"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        (failed.status, failed.function_error.as_deref()),
        (200, Some("Unhandled"))
    );
    assert_eq!(
        failed.payload,
        json!({"errorType": "ReplicaDns.Transient", "errorMessage": "try again"})
    );

    let crashed = s.invoke(&arn, &json!({"exit": 2})).await.unwrap();
    assert_eq!(crashed.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(crashed.payload["errorType"], json!("Runtime.ExitError"));
    let timed_out = s.invoke(&arn, &json!({"sleep": 10})).await.unwrap();
    assert_eq!(timed_out.payload["errorType"], json!("Sandbox.Timedout"));
    assert_eq!(
        s.invoke(&arn, &json!({"echo": "back"}))
            .await
            .unwrap()
            .payload["echo"],
        json!("back")
    );
    s.teardown().await.unwrap();
}
