//! The efficiency bench of issue 10: the five scenarios of the issue on the local stack,
//! each measured by the emulator's call counters (`/_replica_dns/calls`), printed beside
//! the blog Lambda's figures as a ratio. Run it with `bench/run` (bench/README.md).
//!
//! Not a test: it asserts nothing but "every execution ended"; the figures it prints are
//! measurements, and the e2e tests keep the behaviour. It needs the stack to itself: the
//! emulator's counters are global, so the bench resets them before each scenario and
//! subtracts exactly what it sent itself (the ElastiCache actions that cause a scenario,
//! its own notifications and StartExecution) and the Step Functions reads it polls with.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_sfn::types::ExecutionStatus;
use replica_dns_tests::{Member, Scenario, Stack};
use serde_json::json;

/// Long enough for a node replacement on a loaded 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(240);
/// No execution running for this long: the notifications of a scenario have been handled.
const QUIET: Duration = Duration::from_secs(3);
/// Replicas of the bench's group (the 1 primary + 5 replicas).
const REPLICAS: u8 = 5;

/// One scenario of the issue with the blog Lambda's figures for it (issue 10: "use the
/// counts measured above for the same scenarios").
struct Baseline {
    name: &'static str,
    blog_calls: u64,
    blog_writes: u64,
}

const SCENARIOS: [Baseline; 6] = [
    Baseline {
        name: "initial sync (1+5)",
        blog_calls: 7,
        blog_writes: 5,
    },
    Baseline {
        name: "TestFailover, old primary returns",
        blog_calls: 16,
        blog_writes: 10,
    },
    Baseline {
        name: "replica removed",
        blog_calls: 6,
        blog_writes: 4,
    },
    Baseline {
        name: "replica added",
        blog_calls: 7,
        blog_writes: 5,
    },
    Baseline {
        name: "burst of 5 notifications, 1 failover",
        blog_calls: 17,
        blog_writes: 10,
    },
    // Not one of the five: the drift check over a group in sync (no blog
    // figure; the blog Lambda has no drift check), measured for the scale on paper.
    Baseline {
        name: "drift check {\"all\": true}, in sync",
        blog_calls: 0,
        blog_writes: 0,
    },
];

/// Calls that are not the account's API calls made by replica-dns: the Lambda Invokes
/// Step Functions makes for its Task states (their cost is state transitions, counted
/// separately) and the bench's own Step Functions reads.
fn excluded(key: &str) -> bool {
    key.starts_with("lambda:")
        || matches!(
            key,
            "states:ListExecutions" | "states:DescribeExecution" | "states:GetExecutionHistory"
        )
}

/// What one scenario cost in one run.
#[derive(Debug, Default, Clone)]
struct Measured {
    calls: u64,
    writes: u64,
    describe_clusters: u64,
    invokes: u64,
    executions: u64,
    failed: u64,
    /// StateEntered events per execution, and every history event, summed.
    states_entered: u64,
    history_events: u64,
    /// Of the history events, those inside the Map's iterations (one per group), and
    /// the number of iterations.
    iteration_events: u64,
    iterations: u64,
    /// Bytes of the executions' outputs, summed (Step Functions caps a state's output at
    /// 256 KiB; the Map's output holds one report per group).
    output_bytes: u64,
    /// Fleet pass: the rounds it took (`fleet.round` of the output; 0 for per-group runs).
    fleet_rounds: u64,
    /// Failover scenarios: seconds from FailoverComplete until no name points at the
    /// new primary.
    time_to_safe: Option<f64>,
    by_operation: BTreeMap<String, u64>,
}

/// The number after `flag` on the command line, `default` without the flag.
fn number_arg(flag: &str, default: usize) -> Result<usize> {
    std::env::args()
        .skip_while(|a| a != flag)
        .nth(1)
        .map(|n| n.parse())
        .transpose()
        .with_context(|| format!("{flag} takes a number"))
        .map(|n| n.unwrap_or(default))
}

#[tokio::main]
async fn main() -> Result<()> {
    let runs = number_arg("--runs", 3)?;
    let stack = Stack::from_env()
        .await
        .context("run the bench inside the local stack: bench/run")?;
    let settings = stack.set_emulator_settings(&json!({})).await?;
    eprintln!("emulator settings: {settings}");

    let mut all: Vec<Vec<Measured>> = vec![Vec::new(); SCENARIOS.len()];
    for run in 1..=runs {
        eprintln!("--- run {run}/{runs}");
        let measured = one_run(&stack).await?;
        for (i, m) in measured.into_iter().enumerate() {
            eprintln!("  {}: {m:?}", SCENARIOS[i].name);
            all[i].push(m);
        }
    }
    print_report(&all, runs, &stack.bin_dir.display().to_string());
    let az_groups = number_arg("--az-groups", 20)?;
    let fleet_groups = number_arg("--fleet-groups", 10)?;
    if fleet_groups >= 2 {
        fleet(&stack, fleet_groups, &all).await?;
    }
    if az_groups > 0 {
        az_outage(&stack, az_groups, &all).await?;
    }
    Ok(())
}

/// Issue 10 items 5 and 9: `{"all": true}` over `groups` groups (1 primary + 2 replicas
/// each) in one hosted zone takes the fleet pass. Prints its calls, Route 53 writes,
/// states and history events for the initial sync and for the drift check in sync,
/// beside `groups` × the one-group figures measured above (the per-group path), and the
/// groups one execution holds before Step Functions' 25,000 history events.
async fn fleet(stack: &Stack, groups: usize, all: &[Vec<Measured>]) -> Result<()> {
    let siblings = u8::try_from(groups - 1).context("--fleet-groups: at most 256")?;
    let s = stack
        .scenario("fleet")
        .replicas(2)
        .sibling_groups(siblings)
        // In a file, as the CDK ships it: more than about 13 groups do not fit in the
        // 3 KiB environment variable.
        .config_file_with_extra_groups(0)
        .pipeline(true)
        .build()
        .await?;
    let run = |label: &'static str| {
        let s = &s;
        async move {
            let m = measure(s, |own| async move {
                own.add("states:StartExecution");
                let arn = s.start_execution(&json!({"all": true})).await?;
                s.wait_execution(&arn, TIMEOUT).await?;
                Ok(None)
            })
            .await?;
            eprintln!("  fleet {label}: {m:?}");
            anyhow::Ok(m)
        }
    };
    let result = async {
        let sync = run("initial sync").await?;
        let drift = run("drift check").await?;
        anyhow::Ok((sync, drift))
    }
    .await;
    s.teardown().await?;
    let (sync, drift) = result?;
    let one = |i: usize, f: fn(&Measured) -> u64| {
        median(
            all.get(i)
                .into_iter()
                .flatten()
                .map(|m| f(m) as f64)
                .collect(),
        )
    };
    println!("\nfleet pass: {{\"all\": true}} over {groups} groups (1 primary + 2 replicas) in one hosted zone; per-group path = {groups} x the one-group figure above");
    println!(
        "{:<28} {:>6} {:>10} {:>6}  {:>6} {:>10}  {:>6} {:>10}  {:>7}",
        "", "calls", "per-group", "ratio", "writes", "per-group", "states", "per-group", "failed"
    );
    let g = groups as f64;
    for (label, m, i) in [
        ("initial sync", &sync, 0usize),
        ("drift check, in sync", &drift, SCENARIOS.len() - 1),
    ] {
        let calls = one(i, |m| m.calls).map(|c| c * g);
        let writes = one(i, |m| m.writes).map(|c| c * g);
        let states = one(i, |m| m.states_entered).map(|c| c * g);
        let shown = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
        println!(
            "{:<28} {:>6} {:>10} {:>6}  {:>6} {:>10}  {:>6} {:>10}  {:>7}",
            label,
            m.calls,
            shown(calls),
            calls.map_or("-".to_string(), |c| format!("{:.2}x", m.calls as f64 / c)),
            m.writes,
            shown(writes),
            m.states_entered,
            shown(states),
            m.failed
        );
        println!(
            "  {label}: {} history events, {} in Map iterations ({} iterations); by operation {:?}",
            m.history_events, m.iteration_events, m.iterations, m.by_operation
        );
    }
    // The pass's history grows with its rounds, not with the groups (no Map iteration
    // per group): a round writes what one state can carry.
    println!(
        "scale on paper, fleet pass: {} history events for {groups} groups in sync ({} round), {} for their initial sync ({} rounds, about {:.0} events a round); the bound is the groups' ids in the 256 KiB state (near 2,500 groups; finished reports fold into counts), not the 25,000 events",
        drift.history_events,
        drift.fleet_rounds,
        sync.history_events,
        sync.fleet_rounds,
        sync.history_events as f64 / sync.fleet_rounds.max(1) as f64
    );
    Ok(())
}

/// Issue 10 item 7: `groups` groups of 1 primary + 2 replicas fail over within 10 s while
/// the emulator throttles Route 53 with AWS's account bucket (10 requests per second,
/// burst 50). Prints time to safe p50/p99, failed executions, names left on a primary
/// and calls per group beside the single failover's.
async fn az_outage(stack: &Stack, groups: usize, all: &[Vec<Measured>]) -> Result<()> {
    use replica_dns_tests::outage::{self, Outage};
    eprintln!(
        "--- AZ outage: {groups} groups fail over within 10 s, Route 53 at 10 req/s (burst 50)"
    );
    let report = outage::run(
        stack,
        &Outage {
            groups,
            replicas: 2,
            within: Duration::from_secs(10),
            route53_requests_per_second: 10.0,
            route53_request_burst: 50.0,
            sfn_list_executions_per_second: 5.0,
            sfn_list_executions_burst: 200.0,
        },
    )
    .await?;
    let mut safe: Vec<f64> = report
        .groups
        .iter()
        .filter_map(|g| g.time_to_safe)
        .collect();
    safe.sort_by(f64::total_cmp);
    let percentile = |p: f64| -> Option<f64> {
        let last = safe.len().checked_sub(1)?;
        safe.get(((last as f64) * p).round() as usize).copied()
    };
    let failed: usize = report.groups.iter().map(|g| g.failed.len()).sum();
    let executions: usize = report.groups.iter().map(|g| g.executions).sum();
    let on_primary: usize = report.groups.iter().map(|g| g.names_on_primary.len()).sum();
    let never_safe = report
        .groups
        .iter()
        .filter(|g| g.time_to_safe.is_none())
        .count();
    // The pipeline's ListExecutions (excluded with the bench's own reads) from the logs;
    // the groups were only synced before the outage, which lists nothing.
    let listed: usize = report.scenarios.iter().map(|s| pipeline_listings(s)).sum();
    let calls: u64 = report
        .calls
        .iter()
        .filter(|(k, _)| !excluded(k) && k.as_str() != "elasticache:TestFailover")
        .map(|(_, n)| n)
        .sum::<u64>()
        + listed as u64;
    let per_group = calls as f64 / groups.max(1) as f64;
    let single = all
        .get(1)
        .and_then(|runs| median(runs.iter().map(|m| m.calls as f64).collect()));
    println!("\nAZ outage: {groups} groups (1 primary + 2 replicas) fail over within 10 s, Route 53 throttled at 10 requests/s, burst 50 (AWS's account bucket), ListExecutions at 5/s, bucket 200 (AWS, us-east-1)");
    println!(
        "  time to safe: p50 {} s, p99 {} s (targets 5 s / 15 s); never safe: {never_safe}",
        percentile(0.5).map_or("-".into(), |v| format!("{v:.2}")),
        percentile(0.99).map_or("-".into(), |v| format!("{v:.2}")),
    );
    println!("  executions: {executions}, failed: {failed}; names left on a primary: {on_primary}");
    println!(
        "  calls: {calls} in all, {per_group:.1} per group (one failover of 1+5 above: {}); Route 53 requests refused with Throttling: {}; ListExecutions refused: {}",
        single.map_or("-".into(), |v| format!("{v:.0}")),
        report.throttled(),
        report.list_executions_throttled()
    );
    if let Some(cpu) = &report.cpu {
        println!("  this machine over the outage: {cpu}");
    }
    for g in report.groups.iter().filter(|g| !g.failed.is_empty()) {
        eprintln!("  {}: {:?}", g.group_id, g.failed);
    }
    outage::teardown(report).await
}

/// One group through the five scenarios, one after another.
async fn one_run(stack: &Stack) -> Result<Vec<Measured>> {
    let s = stack.scenario("bench").replicas(REPLICAS).build().await?;
    let result = scenarios(&s).await;
    if let Err(error) = &result {
        eprintln!("bench failed: {error:#}\n{}", s.logs_tail(40));
    }
    s.teardown().await?;
    result
}

async fn scenarios(s: &Scenario) -> Result<Vec<Measured>> {
    let mut out = Vec::new();
    s.wait_group_available(TIMEOUT).await?;

    // 1. Initial sync: an operator's manual execution on a zone without our records.
    out.push(
        measure(s, |own| async move {
            own.add("states:StartExecution");
            let arn = s
                .start_execution(&json!({"replicationGroupId": s.group_id}))
                .await?;
            s.wait_execution(&arn, TIMEOUT).await?;
            Ok(None)
        })
        .await?,
    );

    // 2. TestFailover: the promoted replica's name moves, the old primary is replaced
    //    and comes back as a replica.
    let members = s.wait_group_available(TIMEOUT).await?;
    out.push(measure(s, |own| failover(s, members, own, false)).await?);

    // 3. A replica removed (DecreaseReplicaCount by one).
    s.wait_group_available(TIMEOUT).await?;
    out.push(
        measure(s, |own| async move {
            own.add("elasticache:DecreaseReplicaCount");
            s.remove_replicas(REPLICAS - 1).await?;
            Ok(None)
        })
        .await?,
    );

    // 4. A replica added back (IncreaseReplicaCount by one).
    s.wait_group_available(TIMEOUT).await?;
    out.push(
        measure(s, |own| async move {
            own.add("elasticache:IncreaseReplicaCount");
            s.add_replicas(REPLICAS).await?;
            Ok(None)
        })
        .await?,
    );

    // 5. One failover notified five times: the emulator's three (FailoverComplete for
    //    the group, CacheNodeReplaceStarted, CacheNodeReplaceComplete) plus the two
    //    cluster-level FailoverComplete messages AWS also sends ("failover completed
    //    (cluster, then group)"), published by the bench.
    let members = s.wait_group_available(TIMEOUT).await?;
    out.push(measure(s, |own| failover(s, members, own, true)).await?);

    // 6. The drift check's input over a group already in sync.
    s.wait_group_available(TIMEOUT).await?;
    out.push(
        measure(s, |own| async move {
            own.add("states:StartExecution");
            let arn = s.start_execution(&json!({"all": true})).await?;
            s.wait_execution(&arn, TIMEOUT).await?;
            Ok(None)
        })
        .await?,
    );
    Ok(out)
}

/// The calls the bench itself sends inside a measured window, subtracted from the
/// emulator's counts.
#[derive(Default, Clone)]
struct Own(Arc<Mutex<BTreeMap<String, u64>>>);

impl Own {
    fn add(&self, key: &str) {
        *self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_string())
            .or_default() += 1;
    }

    fn get(&self, key: &str) -> u64 {
        let own = self.0.lock().unwrap_or_else(|e| e.into_inner());
        own.get(key).copied().unwrap_or_default()
    }
}

/// What a function logs once per ListExecutions check (its supersede check).
const LISTED: &str = replica_dns_core::supersede::LISTED_LOG;

/// The pipeline's ListExecutions so far: the [`LISTED`] lines of every function that
/// lists (core `ports::FUNCTION_PORTS`: snapshot and await-nodes).
fn pipeline_listings(s: &Scenario) -> usize {
    replica_dns_core::ports::FUNCTION_PORTS
        .iter()
        .filter(|f| {
            f.operations
                .contains(&replica_dns_core::ports::PortOperation::ListedExecutions)
        })
        .map(|f| s.log_lines_containing(f.function, LISTED))
        .sum()
}

/// Runs `cause`, waits until the pipeline is idle, and reads what it cost.
async fn measure<F, Fut>(s: &Scenario, cause: F) -> Result<Measured>
where
    F: FnOnce(Own) -> Fut,
    Fut: std::future::Future<Output = Result<Option<f64>>>,
{
    let before: Vec<String> = s.executions().await?.into_iter().map(|e| e.arn).collect();
    let listed_before = pipeline_listings(s);
    let own = Own::default();
    s.stack.control_post("/calls/reset", &json!({})).await?;
    let time_to_safe = cause(own.clone()).await?;
    let executions = s.wait_idle(QUIET, TIMEOUT).await?;
    let counted = s.stack.control_get("/calls").await?;
    let mut m = Measured {
        time_to_safe,
        ..Measured::default()
    };
    let calls = counted["calls"]
        .as_object()
        .ok_or_else(|| anyhow!("GET /calls answered {counted}"))?;
    for (key, n) in calls {
        let n = n.as_u64().unwrap_or_default();
        if key.starts_with("lambda:") {
            m.invokes += n;
        }
        if excluded(key) {
            continue;
        }
        let n = n.saturating_sub(own.get(key));
        if n == 0 {
            continue;
        }
        m.calls += n;
        if key == "route53:ChangeResourceRecordSets" {
            m.writes += n;
        }
        if key == "elasticache:DescribeCacheClusters" {
            m.describe_clusters += n;
        }
        m.by_operation.insert(key.clone(), n);
    }
    // ListExecutions is also the bench's own read (excluded above): the pipeline's are
    // counted from the listing functions' logs, one line per check.
    let listed = (pipeline_listings(s) - listed_before) as u64;
    if listed > 0 {
        m.calls += listed;
        m.by_operation
            .insert("states:ListExecutions".to_string(), listed);
    }
    for e in executions.iter().filter(|e| !before.contains(&e.arn)) {
        m.executions += 1;
        if e.status != ExecutionStatus::Succeeded {
            m.failed += 1;
            eprintln!(
                "  execution {} ended {:?}: {:?} {:?}",
                e.name, e.status, e.error, e.cause
            );
        }
        let h = history_counts(s, &e.arn).await?;
        m.states_entered += h.entered;
        m.history_events += h.events;
        m.iteration_events += h.iteration_events;
        m.iterations += h.iterations;
        m.output_bytes += e.output.as_ref().map_or(0, |o| o.to_string().len() as u64);
        let rounds = e.output.as_ref().and_then(|o| o.pointer("/fleet/round"));
        m.fleet_rounds += rounds.and_then(|r| r.as_u64()).unwrap_or(0);
    }
    Ok(m)
}

/// What one execution's history holds.
#[derive(Debug, Default)]
struct History {
    entered: u64,
    events: u64,
    /// Events from each MapIterationStarted to its MapIterationSucceeded/Failed, inclusive.
    iteration_events: u64,
    iterations: u64,
}

/// Counts one execution's history events (every page).
async fn history_counts(s: &Scenario, arn: &str) -> Result<History> {
    let mut h = History::default();
    let mut open = 0u64;
    let mut token = None;
    loop {
        let page = s
            .stack
            .sfn
            .get_execution_history()
            .execution_arn(arn)
            .set_next_token(token)
            .send()
            .await
            .context("GetExecutionHistory")?;
        for event in page.events() {
            let kind = event.r#type().as_str();
            h.events += 1;
            if kind.ends_with("StateEntered") {
                h.entered += 1;
            }
            if kind == "MapIterationStarted" {
                open += 1;
                h.iterations += 1;
            }
            if open > 0 {
                h.iteration_events += 1;
            }
            if matches!(
                kind,
                "MapIterationSucceeded" | "MapIterationFailed" | "MapIterationAborted"
            ) {
                open = open.saturating_sub(1);
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(h);
        }
    }
}

/// TestFailover, watching the group's names through DNS (not an AWS call) to time how
/// long a name points at the promoted replica; `burst` adds the two cluster-level
/// FailoverComplete notifications.
async fn failover(
    s: &Scenario,
    members: Vec<Member>,
    own: Own,
    burst: bool,
) -> Result<Option<f64>> {
    let old_primary = members
        .iter()
        .find(|m| m.current_role == "primary")
        .ok_or_else(|| anyhow!("no primary"))?
        .clone();
    let events_before = s.failover_notifications().await?.len();
    own.add("elasticache:TestFailover");
    s.failover().await?;

    // Poll DNS until the failover is notified and then until no name points at the
    // promoted member.
    let names: Vec<String> = (1..=REPLICAS).map(|n| s.slot_name(n)).collect();
    let start = Instant::now();
    let mut notified: Option<(f64, String)> = None;
    loop {
        if start.elapsed() > Duration::from_secs(60) {
            bail!("no safe state within 60 s of TestFailover");
        }
        if notified.is_none() {
            let events = s.failover_notifications().await?;
            if let Some(e) = events.get(events_before..).and_then(|new| new.first()) {
                notified = Some(e.clone());
                if burst {
                    let promoted = promoted_member(&members, &e.1)?;
                    for id in [promoted.as_str(), old_primary.cache_cluster_id.as_str()] {
                        own.add("sns:Publish");
                        publish(s, "FailoverComplete", id).await?;
                    }
                }
            }
        }
        if let Some((at, promoted)) = &notified {
            let promoted = members
                .iter()
                .find(|m| &m.cache_cluster_id == promoted)
                .ok_or_else(|| anyhow!("promoted member {promoted} unknown"))?;
            if !s.resolves_to(&names, promoted).await? {
                return Ok(Some((epoch_seconds() - at).max(0.0)));
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn promoted_member(members: &[Member], id: &str) -> Result<String> {
    members
        .iter()
        .find(|m| m.cache_cluster_id == id)
        .map(|m| m.cache_cluster_id.clone())
        .ok_or_else(|| anyhow!("promoted member {id} unknown"))
}

/// Publishes an ElastiCache-shaped notification to the scenario's topic.
async fn publish(s: &Scenario, event: &str, cache_cluster_id: &str) -> Result<()> {
    let message = json!({
        format!("ElastiCache:{event}"): cache_cluster_id,
        "Cache Cluster ID": cache_cluster_id,
        "Replication Group ID": s.group_id,
    });
    s.stack
        .sns
        .publish()
        .topic_arn(&s.topic_arn)
        .message(message.to_string())
        .send()
        .await
        .context("Publish")?;
    Ok(())
}

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Issue 10 item 9: how many groups one `{"all": true}` execution holds before Step
/// Functions' 25,000 history events of a Standard execution ("Maximum execution history
/// size: 25,000 events in a single execution history", Step Functions developer guide,
/// "Step Functions service quotas",
/// <https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html>). An inline Map's iterations are events of the
/// parent execution. Per group: the events of one Map iteration; the rest of the
/// execution is the fixed part.
fn scale_on_paper(all: &[Vec<Measured>]) {
    const LIMIT: f64 = 25_000.0;
    let per = |i: usize| -> Option<(f64, f64)> {
        let ms = all.get(i)?;
        let iteration = median(
            ms.iter()
                .filter(|m| m.iterations > 0)
                .map(|m| m.iteration_events as f64 / m.iterations as f64)
                .collect(),
        )?;
        let fixed = median(
            ms.iter()
                .filter(|m| m.executions > 0)
                .map(|m| {
                    (m.history_events as f64 - m.iteration_events as f64) / m.executions as f64
                })
                .collect(),
        )?;
        Some((iteration, fixed))
    };
    if let Some(drift) = all.last() {
        if let Some(bytes) = median(
            drift
                .iter()
                .filter(|m| m.iterations > 0)
                .map(|m| m.output_bytes as f64 / m.iterations as f64)
                .collect(),
        ) {
            println!(
                "scale on paper, output: {bytes:.0} bytes of execution output per group in sync -> about {} groups before the 256 KiB state output limit",
                (262_144.0 / bytes).floor()
            );
        }
    }
    for (label, i) in [
        ("every group in sync (drift check)", SCENARIOS.len() - 1),
        ("every group re-written (resync, as the initial sync)", 0),
    ] {
        if let Some((iteration, fixed)) = per(i) {
            println!(
                "scale on paper, {label}: {iteration:.0} history events per group + {fixed:.0} fixed -> {} groups per {{\"all\": true}} execution before 25,000 events",
                ((LIMIT - fixed) / iteration).floor()
            );
        }
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

fn print_report(all: &[Vec<Measured>], runs: usize, bin_dir: &str) {
    println!("\nreplica-dns bench: 1 primary + {REPLICAS} replicas, medians of {runs} run(s); blog = the blog Lambda's figures (issue 10)");
    println!(
        "{:<38} {:>6} {:>5} {:>6}  {:>6} {:>5} {:>6}  {:>5} {:>5} {:>6} {:>7}",
        "scenario",
        "calls",
        "blog",
        "ratio",
        "writes",
        "blog",
        "ratio",
        "DCC",
        "execs",
        "states",
        "events"
    );
    let med = |ms: &[Measured], f: fn(&Measured) -> u64| {
        median(ms.iter().map(|m| f(m) as f64).collect()).unwrap_or_default()
    };
    for (b, ms) in SCENARIOS.iter().zip(all) {
        let calls = med(ms, |m| m.calls);
        let writes = med(ms, |m| m.writes);
        let ratio = |ours: f64, blog: u64| {
            if blog == 0 {
                "     -".to_string()
            } else {
                format!("{:>5.1}x", ours / blog as f64)
            }
        };
        println!(
            "{:<38} {:>6} {:>5} {}  {:>6} {:>5} {}  {:>5} {:>5} {:>6} {:>7}",
            b.name,
            calls,
            b.blog_calls,
            ratio(calls, b.blog_calls),
            writes,
            b.blog_writes,
            ratio(writes, b.blog_writes),
            med(ms, |m| m.describe_clusters),
            med(ms, |m| m.executions),
            med(ms, |m| m.states_entered),
            med(ms, |m| m.history_events),
        );
    }
    println!("(calls: every AWS call of the pipeline's functions; DCC: of them DescribeCacheClusters; execs: executions started; states: StateEntered events, summed over them; events: history events, summed)");
    let failed: u64 = all.iter().flatten().map(|m| m.failed).sum();
    println!("failed executions: {failed}");
    let safe: Vec<f64> = all
        .iter()
        .flatten()
        .filter_map(|m| m.time_to_safe)
        .collect();
    if let Some(p50) = median(safe.clone()) {
        let mut sorted = safe.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        println!(
            "time to safe (FailoverComplete -> no name on the new primary), {} failovers, binaries {bin_dir}: median {:.2} s, min {:.2} s, max {:.2} s",
            safe.len(),
            p50,
            sorted[0],
            sorted[sorted.len() - 1]
        );
        // The two failover scenarios differ in kind: in the burst the executions of the
        // later notifications take over from the first one's, so its figure includes
        // the time until the last of them started.
        for (b, ms) in SCENARIOS.iter().zip(all) {
            let times: Vec<f64> = ms.iter().filter_map(|m| m.time_to_safe).collect();
            if let Some(p50) = median(times.clone()) {
                let shown: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
                println!(
                    "  {:<38} median {p50:.2} s ({} s)",
                    b.name,
                    shown.join(", ")
                );
            }
        }
    }
    scale_on_paper(all);
    println!("calls by operation (last run):");
    for (b, ms) in SCENARIOS.iter().zip(all) {
        if let Some(m) = ms.last() {
            println!("  {:<38} {:?}", b.name, m.by_operation);
        }
    }
}
