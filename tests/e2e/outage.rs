//! An Availability Zone outage under Route 53 throttling (issue 10 item 7), in its own
//! local stack run because the throttle applies to every request of the account:
//! `tests/localstack/run -- cargo test -p replica-dns-tests --test outage`.
//!
//! Several groups fail over within a few seconds while Route 53 answers `Throttling`
//! beyond a small request rate, and Step Functions answers ListExecutions with
//! `ThrottlingException` beyond a small one. Asserted: both throttles did refuse
//! requests (else the test shows nothing), no execution failed, no name is left on a primary, and every group ends
//! converged (names on replicas that answer ROLE replica, resolving through DNS). Timings
//! are the bench's (`bench/run`), not asserted here.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

#[allow(dead_code)] // the converged-state check; its other helpers serve the e2e target
#[path = "pipeline_common.rs"]
mod pipeline_common;

use std::time::Duration;

use replica_dns_tests::outage::{self, Outage};
use replica_dns_tests::Stack;

#[tokio::test(flavor = "multi_thread")]
async fn groups_failing_over_together_under_route53_and_list_executions_throttling_all_converge() {
    let stack = Stack::from_env().await.unwrap();
    let report = outage::run(
        &stack,
        &Outage {
            groups: 5,
            replicas: 2,
            within: Duration::from_secs(3),
            // Far below AWS's 10 requests per second (burst 50), so that five groups are
            // enough to be refused; each refusal is `Throttling`, retried by the SDK and
            // then by the state machine as ReplicaDns.Transient.
            route53_requests_per_second: 2.0,
            route53_request_burst: 4.0,
            // Far below AWS's 5 per second (bucket 200) as well: the supersede checks
            // of snapshot and await-nodes are refused with ThrottlingException, and
            // each goes on without its check (one attempt, no hand-over).
            sfn_list_executions_per_second: 0.2,
            sfn_list_executions_burst: 2.0,
        },
    )
    .await
    .unwrap();
    assert!(
        report.throttled() > 0,
        "Route 53 throttled nothing: the test did not exercise throttling ({:?})",
        report.calls
    );
    // The driver's own listings are never throttled (throttle.py's observer key), so
    // each refusal counted here was one of the product's supersede checks.
    assert!(
        report.list_executions_throttled() > 0,
        "ListExecutions was never throttled: the test did not exercise it ({:?})",
        report.calls
    );
    for group in &report.groups {
        assert!(group.executions > 0, "{group:?}");
        assert!(group.failed.is_empty(), "{group:?}");
        assert!(group.names_on_primary.is_empty(), "{group:?}");
    }
    for s in &report.scenarios {
        pipeline_common::assert_converged(s).await;
    }
    outage::teardown(report).await.unwrap();
}
