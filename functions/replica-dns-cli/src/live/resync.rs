//! `replica-dns resync`: starts an execution of the deployed state machine with the
//! manual input the console takes (`{"replicationGroupId": …}` or `{"all": true}`,
//! optionally `"dryRun": true`), follows it with DescribeExecution until it ends, and
//! prints its report. A failed, timed-out or aborted execution is exit status 1, with
//! its error and cause.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use replica_dns_aws::sfn::execution_name;
use replica_dns_aws::{
    Adapters, ExecutionStarter, ExecutionState, ExecutionStatus, ExecutionWatcher, StartOutcome,
};
use replica_dns_core::event::Request;
use serde_json::{json, Value};

use super::{exit, failed};

/// What to resync.
pub enum Scope {
    Group(String),
    All,
}

/// How the execution ended (or that it did not end in time).
pub struct Followed {
    pub execution_arn: String,
    pub state: ExecutionState,
    /// Still running when the timeout passed.
    pub timed_out: bool,
}

/// The execution input, checked by the rule the filter reads it with
/// (`Request::from_execution_input`), so a bad group id fails here, not in AWS.
pub fn input(scope: &Scope, dry_run: bool) -> Result<Value> {
    let mut input = serde_json::Map::new();
    match scope {
        Scope::Group(id) => input.insert("replicationGroupId".into(), json!(id)),
        Scope::All => input.insert("all".into(), json!(true)),
    };
    if dry_run {
        input.insert("dryRun".into(), json!(true));
    }
    Request::from_execution_input(input.clone())?;
    Ok(Value::Object(input))
}

/// Starts the execution and polls it every `poll` until it ends or `timeout` passes.
pub async fn run(
    aws: &Adapters,
    state_machine_arn: &str,
    input: &Value,
    now_millis: u128,
    poll: Duration,
    timeout: Duration,
) -> Result<Followed> {
    let scope = input["replicationGroupId"].as_str().unwrap_or("all");
    let name = execution_name(&format!("replica-dns-cli-{scope}-{now_millis}"));
    let started = aws
        .executions
        .start_execution(state_machine_arn, &name, &input.to_string())
        .await
        .map_err(failed(format!(
            "starting an execution of {state_machine_arn}"
        )))?;
    let execution_arn = match started {
        StartOutcome::Started { execution_arn } => execution_arn,
        StartOutcome::AlreadyRunningOrDone {
            execution_arn: Some(arn),
            ..
        } => arn,
        StartOutcome::AlreadyRunningOrDone { message, .. } => {
            bail!("an execution named {name} exists already: {message}")
        }
    };
    let begun = Instant::now();
    loop {
        let state = aws
            .executions
            .describe_execution(&execution_arn)
            .await
            .map_err(failed(format!("describing execution {execution_arn}")))?;
        let running = state.status.is_running();
        if !running || begun.elapsed() >= timeout {
            return Ok(Followed {
                execution_arn,
                state,
                timed_out: running,
            });
        }
        tokio::time::sleep(poll).await;
    }
}

/// Exit status: 0 only for a succeeded execution.
pub fn exit_status(followed: &Followed) -> u8 {
    if followed.state.status == ExecutionStatus::Succeeded {
        exit::OK
    } else {
        exit::FINDING
    }
}

fn status_name(status: &ExecutionStatus) -> &str {
    match status {
        ExecutionStatus::Running => "RUNNING",
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
        ExecutionStatus::PendingRedrive => "PENDING_REDRIVE",
        ExecutionStatus::Other(other) => other,
    }
}

/// The output JSON, parsed when it is JSON.
fn output(state: &ExecutionState) -> Value {
    match &state.output {
        None => Value::Null,
        Some(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())),
    }
}

/// For scripts.
pub fn json(followed: &Followed) -> Value {
    json!({
        "executionArn": followed.execution_arn,
        "status": status_name(&followed.state.status),
        "timedOut": followed.timed_out,
        "output": output(&followed.state),
        "error": followed.state.error,
        "cause": followed.state.cause,
    })
}

/// For people: the execution, its status, then per group its outcome, what was applied
/// and why, its warnings and (dry run) its plan table; or the error and cause.
pub fn render(followed: &Followed) -> String {
    let state = &followed.state;
    let mut out = format!(
        "execution {}: {}\n",
        followed.execution_arn,
        status_name(&state.status)
    );
    if followed.timed_out {
        out.push_str(
            "still running when the wait ended; follow it in the Step Functions console\n",
        );
    }
    if let Some(error) = &state.error {
        out.push_str(&format!("error: {error}\n"));
    }
    if let Some(cause) = &state.cause {
        out.push_str(&format!("cause: {cause}\n"));
    }
    let output = output(state);
    if let Some(reason) = output.get("reason").and_then(Value::as_str) {
        out.push_str(&format!("reason: {reason}\n"));
    }
    for report in replica_dns_core::output::execution_reports(&output) {
        let text = |key: &str| report.get(key).and_then(Value::as_str).unwrap_or("-");
        let applied = report
            .get("applied")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let changes: usize = applied
            .iter()
            .filter_map(|a| a.get("changes").and_then(Value::as_array))
            .map(|list| replica_dns_core::output::list_count(list))
            .sum();
        out.push_str(&format!(
            "{}: {} ({} batch(es), {} change(s) applied)\n",
            text("replicationGroupId"),
            text("outcome"),
            applied.len(),
            changes
        ));
        for why in applied
            .iter()
            .filter_map(|a| a.get("why").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
        {
            out.push_str(&format!("  {why}\n"));
        }
        for warning in report
            .get("warnings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            out.push_str(&format!("  warning: {warning}\n"));
        }
        if let Some(table) = report.get("planTable").and_then(Value::as_str) {
            out.push_str(table);
            if !table.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    let (converged, unchanged) = replica_dns_core::output::folded_groups(&output);
    if converged + unchanged > 0 {
        out.push_str(&format!(
            "and {converged} more group(s) converged, {unchanged} unchanged: counted only, to keep the fleet state within 256 KiB (each report is in the log line \"fleet group finished\")\n"
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn input_is_the_manual_shape_the_filter_accepts() {
        assert_eq!(
            input(&Scope::Group("orders".into()), false).unwrap(),
            json!({"replicationGroupId": "orders"})
        );
        assert_eq!(
            input(&Scope::All, true).unwrap(),
            json!({"all": true, "dryRun": true})
        );
        assert!(input(&Scope::Group("Not A Group!".into()), false).is_err());
    }

    fn followed(status: ExecutionStatus, output: Option<&str>) -> Followed {
        Followed {
            execution_arn: "arn:aws:states:us-east-1:1:execution:sm:x".into(),
            state: ExecutionState {
                status,
                output: output.map(str::to_string),
                error: None,
                cause: None,
            },
            timed_out: false,
        }
    }

    #[test]
    fn a_succeeded_report_is_rendered_per_group() {
        let out = json!({"noop": false, "reason": "manual resync", "groups": [{
            "replicationGroupId": "orders", "outcome": "converged",
            "applied": [{"phase": "final", "changes": [{}, {}], "why": ["replica1: repaired"]}],
            "warnings": ["a warning"]
        }]});
        let f = followed(ExecutionStatus::Succeeded, Some(&out.to_string()));
        assert_eq!(exit_status(&f), exit::OK);
        assert_eq!(
            render(&f),
            "execution arn:aws:states:us-east-1:1:execution:sm:x: SUCCEEDED\n\
             reason: manual resync\n\
             orders: converged (1 batch(es), 2 change(s) applied)\n  replica1: repaired\n  warning: a warning\n"
        );
        assert_eq!(json(&f)["output"]["groups"][0]["outcome"], "converged");
    }

    #[test]
    fn a_large_fleet_pass_shows_compacted_change_counts_and_the_folded_groups() {
        let compacted = replica_dns_core::output::compacted_list(4, "changes");
        let out = json!({"noop": false, "reason": "manual resync of all groups",
            "fleetReports": [{"replicationGroupId": "orders", "outcome": "converged",
                "applied": [{"phase": "final", "changes": [compacted], "why": []}]}],
            "fleetTally": {"converged": 480, "unchanged": 0},
            "groups": []});
        let text = render(&followed(
            ExecutionStatus::Succeeded,
            Some(&out.to_string()),
        ));
        assert!(
            text.contains("orders: converged (1 batch(es), 4 change(s) applied)\n"),
            "{text}"
        );
        assert!(
            text.ends_with("and 480 more group(s) converged, 0 unchanged: counted only, to keep the fleet state within 256 KiB (each report is in the log line \"fleet group finished\")\n"),
            "{text}"
        );
    }

    #[test]
    fn a_failed_execution_shows_error_and_cause_and_exits_1() {
        let mut f = followed(ExecutionStatus::Failed, None);
        f.state.error = Some("ReplicaDns.InvalidInput".into());
        f.state.cause = Some("group x is not configured".into());
        assert_eq!(exit_status(&f), exit::FINDING);
        let text = render(&f);
        assert!(text.contains(": FAILED\n"), "{text}");
        assert!(
            text.contains("error: ReplicaDns.InvalidInput\ncause: group x is not configured\n"),
            "{text}"
        );
        assert_eq!(json(&f)["status"], "FAILED");
    }
}
