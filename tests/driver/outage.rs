//! An Availability Zone outage on the local stack (issue 10 item 7): many groups fail over
//! within a few seconds while the emulator throttles Route 53 the way AWS throttles an
//! account (one token bucket for every Route 53 API request of the account; the emulator's
//! `route53_requests_per_second` and `route53_request_burst`, see
//! tests/localstack/emulator/route53_throttle.py for the AWS documentation it follows),
//! and Step Functions ListExecutions as AWS throttles it (sfn_throttle.py).
//!
//! One function, two users: the bench prints its figures (time to safe, calls per group),
//! an end-to-end test asserts what must hold whatever the timing (no failed execution, no
//! name left on a primary, every group converged).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context, Result};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;

use crate::cpu::{CpuSample, CpuUse};
use crate::{Member, Scenario, Stack};

/// What to break, and how hard Route 53 pushes back.
#[derive(Debug, Clone)]
pub struct Outage {
    /// Replication groups, each 1 primary + `replicas`.
    pub groups: usize,
    pub replicas: u8,
    /// Every group's TestFailover starts within this window, evenly spread.
    pub within: Duration,
    /// Route 53 requests per second for the account (AWS today: 10, burst 50).
    pub route53_requests_per_second: f64,
    pub route53_request_burst: f64,
    /// Step Functions ListExecutions per second for the account (AWS: 5, bucket 200, in
    /// us-east-1, us-west-2 and eu-west-1; tests/localstack/emulator/sfn_throttle.py).
    pub sfn_list_executions_per_second: f64,
    pub sfn_list_executions_burst: f64,
}

/// How one group came through.
#[derive(Debug, Clone)]
pub struct GroupOutcome {
    pub group_id: String,
    /// Seconds from the group's FailoverComplete notification until no name resolves to
    /// the promoted member; `None` if that never happened within the timeout.
    pub time_to_safe: Option<f64>,
    /// Executions the outage started for this group.
    pub executions: usize,
    /// `name: error: cause` of each execution that did not succeed.
    pub failed: Vec<String>,
    /// Slot names resolving to the group's primary once everything is idle.
    pub names_on_primary: Vec<String>,
}

/// The whole outage.
#[derive(Debug, Clone)]
pub struct OutageReport {
    pub groups: Vec<GroupOutcome>,
    /// Every AWS call the emulator counted from the first TestFailover until idle
    /// (`service:Operation`, throttled requests as `service:<Operation>:throttled`),
    /// the driver's own TestFailover calls included.
    pub calls: BTreeMap<String, u64>,
    /// The CPU the local stack used from the first TestFailover until every group was
    /// safe (or timed out), when `/proc` and the stack's pids are readable.
    pub cpu: Option<CpuUse>,
    /// The scenarios, still up, for checks after the outage; tear them down with
    /// [`teardown`].
    pub scenarios: Vec<Arc<Scenario>>,
}

impl OutageReport {
    /// Route 53 requests the emulator refused with `Throttling`.
    pub fn throttled(&self) -> u64 {
        self.throttled_of("route53:")
    }

    /// Step Functions ListExecutions the emulator refused with `ThrottlingException`.
    pub fn list_executions_throttled(&self) -> u64 {
        self.throttled_of("states:ListExecutions:")
    }

    fn throttled_of(&self, prefix: &str) -> u64 {
        self.calls
            .iter()
            .filter(|(k, _)| k.starts_with(prefix) && k.ends_with(":throttled"))
            .map(|(_, n)| n)
            .sum()
    }
}

const TIMEOUT: Duration = Duration::from_secs(300);
/// Groups brought up (created and synced) at the same time before the outage.
const BRING_UP_AT_ONCE: usize = 4;
const QUIET: Duration = Duration::from_secs(4);

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Brings `outage.groups` groups up and in sync (throttling off), then turns throttling
/// on, fails every group over within `outage.within`, waits until the pipeline is idle,
/// and turns throttling off again (also when a step fails).
pub async fn run(stack: &Stack, outage: &Outage) -> Result<OutageReport> {
    // A few groups at a time: bringing 20 groups' nodes up at once on a 2-core machine
    // outlasts a scenario's 60 s bring-up wait.
    let bring_up = Arc::new(tokio::sync::Semaphore::new(BRING_UP_AT_ONCE));
    let mut built = tokio::task::JoinSet::new();
    for i in 0..outage.groups {
        let stack = stack.clone();
        let replicas = outage.replicas;
        let bring_up = Arc::clone(&bring_up);
        built.spawn(async move {
            let _permit = bring_up.acquire_owned().await?;
            let s = stack
                .scenario(&format!("az{i:02}"))
                .replicas(replicas)
                .build()
                .await?;
            s.wait_group_available(TIMEOUT).await?;
            let arn = s
                .start_execution(&json!({"replicationGroupId": s.group_id}))
                .await?;
            let synced = s.wait_execution(&arn, TIMEOUT).await?;
            if synced.status != ExecutionStatus::Succeeded {
                return Err(anyhow!(
                    "initial sync of {} ended {:?}: {:?}",
                    s.group_id,
                    synced.status,
                    synced.cause
                ));
            }
            anyhow::Ok(Arc::new(s))
        });
    }
    let mut scenarios = Vec::with_capacity(outage.groups);
    while let Some(joined) = built.join_next().await {
        scenarios.push(joined.context("building a group")??);
    }
    scenarios.sort_by(|a, b| a.group_id.cmp(&b.group_id));

    stack
        .set_emulator_settings(&json!({
            "route53_requests_per_second": outage.route53_requests_per_second,
            "route53_request_burst": outage.route53_request_burst,
            "sfn_list_executions_per_second": outage.sfn_list_executions_per_second,
            "sfn_list_executions_burst": outage.sfn_list_executions_burst,
        }))
        .await?;
    let result = fail_over_all(stack, outage, &scenarios).await;
    stack
        .set_emulator_settings(
            &json!({"route53_requests_per_second": 0.0, "sfn_list_executions_per_second": 0.0}),
        )
        .await?;
    let (groups, calls, cpu) = result?;
    Ok(OutageReport {
        groups,
        calls,
        cpu,
        scenarios,
    })
}

/// Tears every scenario of the report down.
pub async fn teardown(report: OutageReport) -> Result<()> {
    for s in report.scenarios {
        match Arc::try_unwrap(s) {
            Ok(s) => s.teardown().await?,
            Err(_) => return Err(anyhow!("a scenario is still in use")),
        }
    }
    Ok(())
}

async fn fail_over_all(
    stack: &Stack,
    outage: &Outage,
    scenarios: &[Arc<Scenario>],
) -> Result<(Vec<GroupOutcome>, BTreeMap<String, u64>, Option<CpuUse>)> {
    let mut before = Vec::with_capacity(scenarios.len());
    let mut members = Vec::with_capacity(scenarios.len());
    for s in scenarios {
        before.push(
            s.executions()
                .await?
                .into_iter()
                .map(|e| e.arn)
                .collect::<Vec<_>>(),
        );
        members.push(s.members().await?);
    }
    stack.control_post("/calls/reset", &json!({})).await?;
    let cpu_before = stack.run_dir.as_deref().and_then(CpuSample::take);
    let step = outage.within.div_f64(scenarios.len().max(1) as f64);
    let mut failovers = tokio::task::JoinSet::new();
    for (i, (s, members)) in scenarios.iter().zip(members).enumerate() {
        let s = Arc::clone(s);
        let delay = step * i as u32;
        failovers.spawn(async move {
            tokio::time::sleep(delay).await;
            let safe = fail_over_and_time(&s, &members).await;
            (i, safe)
        });
    }
    let mut safe: Vec<Option<f64>> = vec![None; scenarios.len()];
    while let Some(joined) = failovers.join_next().await {
        let (i, t) = joined.context("a failover task")?;
        safe[i] = t?;
    }
    // The CPU up to the last group's safe moment: what the time to safe waited on (the
    // idle waits below would dilute it).
    let cpu = stack
        .run_dir
        .as_deref()
        .and_then(CpuSample::take)
        .zip(cpu_before)
        .map(|(after, before)| before.until(&after));

    // Calls are read once the pipeline is idle and before the driver's own checks
    // below (which call ElastiCache), so the count is the pipeline's plus the driver's
    // TestFailover calls, and nothing else that is not excluded by the bench.
    for s in scenarios {
        s.wait_idle(QUIET, TIMEOUT).await?;
    }
    let counted = stack.control_get("/calls").await?;
    let calls = counted["calls"]
        .as_object()
        .ok_or_else(|| anyhow!("GET /calls answered {counted}"))?
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or_default()))
        .collect();

    let mut groups = Vec::with_capacity(scenarios.len());
    for ((s, before), time_to_safe) in scenarios.iter().zip(&before).zip(safe) {
        // A replaced old primary notifies once it is back: wait for that run too.
        s.wait_group_available(TIMEOUT).await?;
        let executions = s.wait_idle(QUIET, TIMEOUT).await?;
        let ours: Vec<_> = executions
            .iter()
            .filter(|e| !before.contains(&e.arn))
            .collect();
        let failed = ours
            .iter()
            .filter(|e| e.status != ExecutionStatus::Succeeded)
            .map(|e| format!("{}: {:?}: {:?}", e.name, e.error, e.cause))
            .collect();
        groups.push(GroupOutcome {
            group_id: s.group_id.clone(),
            time_to_safe,
            executions: ours.len(),
            failed,
            names_on_primary: names_on_primary(s, outage.replicas).await?,
        });
    }
    Ok((groups, calls, cpu))
}

/// TestFailover, then seconds from the group's FailoverComplete notification until no
/// slot name resolves to the promoted member (DNS only: no Route 53 call that would take
/// a token from the throttled bucket).
async fn fail_over_and_time(s: &Scenario, members: &[Member]) -> Result<Option<f64>> {
    let seen_before = s.failover_notifications().await?.len();
    s.failover().await?;
    let start = Instant::now();
    let names: Vec<String> = (1..=members.len() as u8).map(|n| s.slot_name(n)).collect();
    let mut notified: Option<(f64, String)> = None;
    while start.elapsed() < TIMEOUT {
        if notified.is_none() {
            notified = s.failover_notifications().await?.get(seen_before).cloned();
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
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(None)
}

/// Slot names (1..=replicas) resolving to the group's primary right now.
async fn names_on_primary(s: &Scenario, replicas: u8) -> Result<Vec<String>> {
    let primary = s.primary().await?;
    let mut on = Vec::new();
    for n in 1..=replicas {
        let name = s.slot_name(n);
        if s.resolves_to(std::slice::from_ref(&name), &primary).await? {
            on.push(name);
        }
    }
    Ok(on)
}
