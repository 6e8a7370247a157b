//! The failover demo the README's first command runs: a 1 + 5 replication group on the
//! local stack (real `redis-server` nodes), then a failover, a node replacement, a
//! replica removed and one added — each driven by the SNS notifications the emulated
//! ElastiCache publishes, handled by the real state machine and Lambda binaries. The
//! members sit in three Availability Zones and the group also has AZ-local names
//! (`replica-{az}`) and a pooled name (one weighted record per replica). After each
//! step it prints the `replica{n}` records, the AZ names, the pool and every node's role.
//!
//! Not a test: it asserts nothing beyond "each execution succeeded"; the e2e tests
//! (`tests/e2e/pipeline_*.rs`) make the same promises with assertions. Run it inside the
//! stack: `tests/localstack/run -- cargo run -p replica-dns-tests --bin replica-dns-demo`
//! (that is what `tests/demo` does).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use aws_sdk_sfn::types::ExecutionStatus;
use hickory_resolver::proto::rr::RecordType;
use replica_dns_core::records::normalize_name;
use replica_dns_tests::{Execution, Member, Role, Scenario, Stack};
use serde_json::{json, Value};

/// Long enough for a node replacement on a loaded 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(240);
/// No new execution for this long: the notifications of a step have been handled.
const QUIET: Duration = Duration::from_secs(4);
/// Where the members sit, primary first (PreferredCacheClusterAZs).
const AZS: [&str; 6] = [
    "us-east-1a",
    "us-east-1b",
    "us-east-1c",
    "us-east-1a",
    "us-east-1b",
    "us-east-1c",
];

#[tokio::main]
async fn main() -> Result<()> {
    let stack = Stack::from_env()
        .await
        .context("run the demo inside the local stack: tests/demo")?;

    banner("replica-dns demo: a 1 primary + 5 replica group, as in the AWS blog post");
    println!("Creating the group (6 real redis-server nodes over us-east-1a, b and c), a private");
    println!("zone, an SNS topic, the seven Lambdas and the state machine on the local stack…");
    let s = stack
        .scenario("demo")
        .replicas(5)
        .availability_zones(&AZS)
        .az_names_and_pool()
        .build()
        .await?;
    s.wait_group_available(TIMEOUT).await?;
    println!("zone {}   group {}", s.zone_name, s.group_id);
    print_nodes(&s).await?;

    let result = run_steps(&s).await;
    if let Err(error) = &result {
        eprintln!(
            "\ndemo failed: {error:#}\n--- function logs ---\n{}",
            s.logs_tail(60)
        );
    }
    s.teardown().await?;
    result
}

async fn run_steps(s: &Scenario) -> Result<()> {
    banner("1. First sync: a manual execution, as an operator starts it from the console");
    let input = json!({"replicationGroupId": s.group_id});
    println!("input: {input}");
    let execution = run_manual(s, input).await?;
    print_execution(&execution);
    print_state(s).await?;

    banner(
        "2. Failover: ElastiCache TestFailover promotes a replica, then replaces the old primary",
    );
    let old_primary = s.primary().await?;
    println!("primary before: {}", old_primary.cache_cluster_id);
    let seen = known_executions(s).await?;
    s.failover().await?;
    step_settled(s, &seen).await?;
    println!("primary after:  {}", s.primary().await?.cache_cluster_id);
    print_state(s).await?;

    banner("3. Node replacement: a replica is replaced (unavailable for a while, same endpoint)");
    let cnames = s.cnames().await?;
    let first = s.slot_name(1);
    let members = s.members().await?;
    let replaced = cnames
        .get(&first)
        .and_then(|target| member_at(&members, target))
        .context("replica1 points at no member")?
        .cache_cluster_id
        .clone();
    println!(
        "replacing {replaced} (home of {first}); its name goes elsewhere meanwhile, then returns"
    );
    let seen = known_executions(s).await?;
    s.replace_node(&replaced, Some(6.0)).await?;
    step_settled(s, &seen).await?;
    print_state(s).await?;

    banner(
        "4. Replica removed: DecreaseReplicaCount 5 -> 4 (ElastiCache allows at most 5 replicas,",
    );
    println!("   so the demo removes one before adding one)");
    let seen = known_executions(s).await?;
    s.remove_replicas(4).await?;
    step_settled(s, &seen).await?;
    print_state(s).await?;

    banner("5. Replica added: IncreaseReplicaCount 4 -> 5");
    let seen = known_executions(s).await?;
    s.add_replicas(5).await?;
    step_settled(s, &seen).await?;
    print_state(s).await?;

    banner("Done: every replica{n} name points at a node that answers ROLE = replica");
    Ok(())
}

fn banner(text: &str) {
    println!("\n=== {text}");
}

/// Starts an execution as the console does (no name: Step Functions generates one) and
/// waits for it to end.
async fn run_manual(s: &Scenario, input: Value) -> Result<Execution> {
    let arn = s.start_execution(&input).await?;
    let execution = s.wait_execution(&arn, TIMEOUT).await?;
    ensure_succeeded(&execution)?;
    Ok(execution)
}

fn ensure_succeeded(e: &Execution) -> Result<()> {
    if e.status != ExecutionStatus::Succeeded {
        bail!(
            "execution {} ended {:?}: {:?} {:?}",
            e.name,
            e.status,
            e.error,
            e.cause
        );
    }
    Ok(())
}

/// The executions that exist now, so a step can tell which ones its action started.
async fn known_executions(s: &Scenario) -> Result<Vec<String>> {
    Ok(s.executions().await?.into_iter().map(|e| e.arn).collect())
}

/// Waits until ElastiCache is done and the executions its notifications started ended;
/// prints those executions.
async fn step_settled(s: &Scenario, seen: &[String]) -> Result<()> {
    s.wait_group_available(TIMEOUT).await?;
    let executions = s.wait_idle(QUIET, TIMEOUT).await?;
    let new: Vec<&Execution> = executions
        .iter()
        .filter(|e| !seen.contains(&e.arn))
        .collect();
    println!(
        "{} execution(s) started by ElastiCache's SNS notifications:",
        new.len()
    );
    for e in new {
        ensure_succeeded(e)?;
        print_execution(e);
    }
    Ok(())
}

fn print_execution(e: &Execution) {
    let event = e
        .input
        .as_ref()
        .and_then(|i| i.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("manual");
    let output = e.output.clone().unwrap_or(Value::Null);
    let groups = replica_dns_core::output::execution_reports(&output);
    let summary = if groups.is_empty() {
        format!("no-op: {}", output["reason"].as_str().unwrap_or("-"))
    } else {
        groups
            .iter()
            .map(|g| {
                let changes: usize = g["applied"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| p["changes"].as_array())
                            .map(Vec::len)
                            .sum()
                    })
                    .unwrap_or(0);
                format!(
                    "{}: {} ({} change(s) in {} batch(es))",
                    g["replicationGroupId"].as_str().unwrap_or("?"),
                    g["outcome"].as_str().unwrap_or("?"),
                    changes,
                    g["applied"].as_array().map(Vec::len).unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    println!("  {:<44} {:?}  {event}  -> {summary}", e.name, e.status);
    for group in &groups {
        for applied in group["applied"].as_array().into_iter().flatten() {
            let phase = applied["phase"].as_str().unwrap_or("?");
            for why in applied["why"].as_array().into_iter().flatten() {
                let why = why
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| why.to_string());
                println!("      [{phase}] {why}");
            }
        }
    }
}

fn trim(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn member_at<'m>(members: &'m [Member], target: &str) -> Option<&'m Member> {
    members.iter().find(|m| trim(&m.address) == trim(target))
}

/// Prints the managed names and the nodes.
async fn print_state(s: &Scenario) -> Result<()> {
    let members = s.members().await?;
    let cnames: BTreeMap<String, String> = s.cnames().await?;
    println!(
        "\n  {:<48} {:<18} {:<10} {:<8} resolves",
        "name", "-> node", "EC role", "ROLE"
    );
    let mut n = 1u8;
    while let Some(target) = cnames.get(&s.slot_name(n)) {
        let name = s.slot_name(n);
        let (node, ec_role, role) = match member_at(&members, target) {
            Some(m) => (
                m.cache_cluster_id.clone(),
                m.current_role.clone(),
                role_text(s, m).await,
            ),
            None => (target.clone(), "?".into(), "?".into()),
        };
        let resolves = s
            .resolve(&name, RecordType::A)
            .await
            .map(|answers| {
                answers
                    .iter()
                    .filter(|a| a.record_type == "A")
                    .map(|a| a.value.clone())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_else(|e| format!("error: {e}"));
        println!(
            "  {:<48} {:<18} {:<10} {:<8} {resolves}",
            trim(&name),
            node,
            ec_role,
            role
        );
        n += 1;
    }
    print_az_names_and_pool(s, &members).await?;
    print_nodes_of(s, &members).await;
    Ok(())
}

/// The AZ names (each with the AZ of the node behind it) and the pool's weighted records.
async fn print_az_names_and_pool(s: &Scenario, members: &[Member]) -> Result<()> {
    let group = s
        .config
        .groups
        .first()
        .context("no group in the configuration")?;
    let pool = group
        .pooled_name
        .as_ref()
        .map(|p| normalize_name(&p.name))
        .unwrap_or_default();
    let records = s.records().await?;
    let mut spanned = AZS.to_vec();
    spanned.sort_unstable();
    spanned.dedup();
    for az in spanned {
        let Some(name) = group.az_name(az) else {
            continue;
        };
        let target = records
            .iter()
            .find(|r| r.record_type == "CNAME" && r.name == name)
            .and_then(|r| r.values.first());
        let shown = match target.and_then(|t| member_at(members, t)) {
            Some(m) => format!(
                "{} ({}, {})",
                m.cache_cluster_id,
                m.availability_zone.as_deref().unwrap_or("?"),
                m.current_role
            ),
            None => target.cloned().unwrap_or_else(|| "(none)".into()),
        };
        println!("  {:<48} {shown}", trim(&name));
    }
    let mut in_pool: Vec<String> = records
        .iter()
        .filter(|r| r.record_type == "CNAME" && r.name == pool)
        .filter_map(|r| {
            let member = member_at(members, r.values.first()?)?;
            Some(format!(
                "{} ({}, weight {})",
                member.cache_cluster_id,
                member.current_role,
                r.weight.unwrap_or_default()
            ))
        })
        .collect();
    in_pool.sort();
    println!("  {:<48} {}", trim(&pool), in_pool.join(", "));
    Ok(())
}

async fn print_nodes(s: &Scenario) -> Result<()> {
    let members = s.members().await?;
    print_nodes_of(s, &members).await;
    Ok(())
}

async fn print_nodes_of(s: &Scenario, members: &[Member]) {
    println!(
        "\n  {:<18} {:<10} {:<8} {:<12} endpoint",
        "node", "EC role", "ROLE", "status"
    );
    for m in members {
        println!(
            "  {:<18} {:<10} {:<8} {:<12} {}:{}",
            m.cache_cluster_id,
            m.current_role,
            role_text(s, m).await,
            m.cluster_status.as_deref().unwrap_or("-"),
            m.address,
            m.port
        );
    }
}

async fn role_text(s: &Scenario, m: &Member) -> String {
    match s.role(m).await {
        Ok(Role::Primary { .. }) => "primary".into(),
        Ok(Role::Replica { .. }) => "replica".into(),
        Ok(Role::Other(other)) => other,
        Err(_) => "down".into(),
    }
}
