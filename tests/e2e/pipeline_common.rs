//! What every pipeline scenario checks at the end, and how it runs an execution by hand.
//! "Converged" is the product's promise: names `replica1..R` exist (contiguous, nothing
//! above R), each CNAME points at a member ElastiCache reports as a replica right now,
//! the node behind it answers `ROLE` = replica, and the name resolves to it through the
//! local DNS server. Helpers only; the tests live in the other `pipeline_*` modules.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use hickory_resolver::proto::rr::RecordType;
use replica_dns_tests::{Execution, Member, Scenario, Stack};
use serde_json::{json, Value};

/// Long enough for a node replacement on a loaded 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(240);
/// No new execution for this long means the SNS notifications of an action are handled.
pub const QUIET: Duration = Duration::from_secs(4);

pub async fn scenario(prefix: &str, replicas: u8) -> Scenario {
    let stack = Stack::from_env().await.unwrap();
    stack
        .scenario(prefix)
        .replicas(replicas)
        .build()
        .await
        .unwrap()
}

fn trim(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Starts an execution with `input` (the scenario's execution defaults merged under it)
/// as the console does without a name (Step Functions names it), and returns its ARN.
pub async fn start_named(s: &Scenario, input: Value) -> String {
    s.start_execution(&input).await.unwrap()
}

/// Starts an execution with `input` and waits until it ends; returns it.
pub async fn run_execution(s: &Scenario, input: Value) -> Execution {
    let arn = start_named(s, input).await;
    wait_finished(s, &arn).await
}

/// Waits until the execution `arn` ends; returns it.
pub async fn wait_finished(s: &Scenario, arn: &str) -> Execution {
    s.wait_execution(arn, TIMEOUT).await.unwrap()
}

/// A manual resync of the scenario's group that must succeed; returns its output.
pub async fn resync(s: &Scenario) -> Value {
    let e = run_execution(s, json!({"replicationGroupId": s.group_id})).await;
    assert_succeeded(s, &e);
    e.output.clone().unwrap_or(Value::Null)
}

pub fn assert_succeeded(s: &Scenario, e: &Execution) {
    assert_eq!(
        e.status,
        ExecutionStatus::Succeeded,
        "execution {} ended {:?}: {:?} {:?}\ninput {:?}\n{}",
        e.name,
        e.status,
        e.error,
        e.cause,
        e.input,
        s.logs_tail(40)
    );
}

/// Waits until the executions started by SNS notifications are done; every one must
/// have succeeded. Returns them.
pub async fn settle(s: &Scenario) -> Vec<Execution> {
    let executions = s.wait_idle(QUIET, TIMEOUT).await.unwrap();
    for e in &executions {
        assert_succeeded(s, e);
    }
    executions
}

/// Waits until ElastiCache reports the group and every member available again.
pub async fn group_available(s: &Scenario) {
    s.wait_group_available(TIMEOUT).await.unwrap();
}

/// Asserts the converged state (see the module doc); returns slot name → member id.
pub async fn assert_converged(s: &Scenario) -> BTreeMap<String, String> {
    let members = s.members().await.unwrap();
    let replicas: Vec<_> = members
        .iter()
        .filter(|m| m.current_role == "replica")
        .collect();
    let cnames = s.cnames().await.unwrap();
    let mut slots = BTreeMap::new();
    for n in 1..=replicas.len() as u8 {
        let name = s.slot_name(n);
        let target = cnames
            .get(&name)
            .unwrap_or_else(|| panic!("{name} missing; records {cnames:?}"));
        let member = replicas
            .iter()
            .find(|m| trim(&m.address) == trim(target))
            .unwrap_or_else(|| {
                panic!("{name} -> {target} is not a current replica; members {members:?}")
            });
        assert!(
            !slots.values().any(|id| id == &member.cache_cluster_id),
            "two names on {}: {cnames:?}",
            member.cache_cluster_id
        );
        let role = s.role(member).await.unwrap();
        assert!(
            role.is_replica(),
            "{name} -> {} answers ROLE {role:?}",
            member.cache_cluster_id
        );
        assert_resolves_to(s, &name, member).await;
        slots.insert(name, member.cache_cluster_id.clone());
    }
    let above = s.slot_name(replicas.len() as u8 + 1);
    assert!(
        !cnames.contains_key(&above),
        "{above} exists with {} replicas: {cnames:?}",
        replicas.len()
    );
    // Slot names by the template, not by prefix: AZ-local names (`replica-{az}.…`)
    // share it.
    let template = s.config.groups[0].slot_template().unwrap();
    let slot_cnames = cnames
        .keys()
        .filter(|name| template.slot_of(name).is_some())
        .count();
    assert_eq!(
        slot_cnames,
        replicas.len(),
        "names not contiguous: {cnames:?}"
    );
    slots
}

/// `name` resolves through the local DNS to `member`'s endpoint and on to its address.
pub async fn assert_resolves_to(s: &Scenario, name: &str, member: &Member) {
    let answers = s.resolve(name, RecordType::A).await.unwrap();
    assert!(
        answers
            .iter()
            .any(|a| a.record_type == "CNAME" && trim(&a.value) == trim(&member.address)),
        "{name} does not resolve through {}: {answers:?}",
        member.address
    );
    let addr = s.node_addr(member).await.unwrap();
    assert!(
        answers
            .iter()
            .any(|a| a.record_type == "A" && a.value == addr.ip().to_string()),
        "{name} does not reach {addr}: {answers:?}"
    );
}

/// The per-group reports of an execution output (the fleet pass's, then the Map's).
pub fn reports(output: &Value) -> Vec<Value> {
    replica_dns_core::output::execution_reports(output)
        .into_iter()
        .cloned()
        .collect()
}
