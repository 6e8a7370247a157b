//! The operator CLI (`replica-dns status | plan | resync`) against the local stack, as an
//! operator runs it: the built binary ($CARGO_TARGET_DIR/debug/replica-dns), the
//! scenario's configuration file, and the stack's AWS environment (AWS_ENDPOINT_URL),
//! so it goes through the same adapters as the Lambdas. Exit statuses as docs/cli.md
//! documents them.

use std::path::PathBuf;
use std::process::{Command, Output};

use replica_dns_tests::{Scenario, Stack};
use serde_json::Value;

use crate::pipeline_common::{assert_converged, group_available, resync, scenario, settle};

/// The CLI's output, decoded.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn cli_path(stack: &Stack) -> PathBuf {
    stack.bin_dir.join("replica-dns")
}

/// Runs the CLI with `args`, the test's environment changed by `env` (`None` removes).
async fn cli(stack: &Stack, args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
    let mut command = Command::new(cli_path(stack));
    command.args(args);
    for (key, value) in env {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let output: Output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot run the CLI (cargo build --workspace --bins): {e}"));
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The scenario's configuration, as a file the CLI reads (what the Lambdas got).
fn config_file(s: &Scenario) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("replica-dns-cli-{}", s.id));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.json");
    std::fs::write(&file, serde_json::to_string_pretty(&s.config).unwrap()).unwrap();
    file
}

/// `status --json` for the scenario's group, through the stack's DNS server.
async fn status(s: &Scenario, config: &str) -> Run {
    let resolver = s.stack.dns_addr.to_string();
    cli(
        &s.stack,
        &[
            "status",
            "--config",
            config,
            "--group",
            &s.group_id,
            "--resolver",
            &resolver,
            "--json",
        ],
        &[],
    )
    .await
}

/// Every name of a `status --json` output: (name, member, role, ownership kind, resolves).
fn names(out: &Value) -> Vec<(String, String, String, String, bool)> {
    out["groups"][0]["names"]
        .as_array()
        .unwrap()
        .iter()
        .zip(out["groups"][0]["resolution"].as_array().unwrap())
        .map(|(n, r)| {
            (
                n["name"].as_str().unwrap().to_string(),
                n["member"].as_str().unwrap_or("-").to_string(),
                n["role"].as_str().unwrap().to_string(),
                n["ownership"]["kind"].as_str().unwrap().to_string(),
                !r["addresses"].as_array().unwrap().is_empty(),
            )
        })
        .collect()
}

/// The emulator's count of AWS calls touching the zone since `reset_calls`.
async fn zone_calls(s: &Scenario) -> Value {
    s.stack
        .control_get(&format!("/calls?match={}", s.zone_id))
        .await
        .unwrap()["calls"]
        .clone()
}

async fn reset_calls(s: &Scenario) {
    s.stack
        .control_post("/calls/reset", &serde_json::json!({"match": s.zone_id}))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn status_after_a_sync_and_after_a_failover() {
    let s = scenario("cli-status", 2).await;
    let config = config_file(&s);
    let config = config.to_str().unwrap();
    resync(&s).await;
    let converged = assert_converged(&s).await;

    let run = status(&s, config).await;
    assert_eq!(run.code, Some(0), "{run:?}");
    let seen = names(&run.json());
    assert_eq!(seen.len(), 2, "{run:?}");
    for (name, member, role, ownership, resolves) in &seen {
        assert_eq!(Some(member), converged.get(name), "{run:?}");
        assert_eq!(role, "replica", "{run:?}");
        assert_eq!(ownership, "ours", "{run:?}");
        assert!(resolves, "{name} does not resolve: {run:?}");
    }

    // The human table: one row per name, then the group's summary line.
    let resolver = s.stack.dns_addr.to_string();
    let table = cli(
        &s.stack,
        &["status", "--config", config, "--resolver", &resolver],
        &[],
    )
    .await;
    assert_eq!(table.code, Some(0), "{table:?}");
    assert!(table.stdout.starts_with("GROUP "), "{table:?}");
    assert!(table.stdout.contains(&s.slot_name(1)), "{table:?}");
    assert!(
        table.stdout.contains(&format!(
            "{}: 2 replica(s), 2 name(s), 0 finding(s)",
            s.group_id
        )),
        "{table:?}"
    );

    let old_primary = s.primary().await.unwrap().cache_cluster_id;
    s.failover().await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let converged = assert_converged(&s).await;
    let new_primary = s.primary().await.unwrap().cache_cluster_id;
    assert_ne!(new_primary, old_primary);

    let run = status(&s, config).await;
    assert_eq!(run.code, Some(0), "{run:?}");
    let seen = names(&run.json());
    assert_eq!(seen.len(), 2, "{run:?}");
    for (name, member, role, _, resolves) in &seen {
        assert_eq!(Some(member), converged.get(name), "{run:?}");
        assert_ne!(member, &new_primary, "{run:?}");
        assert_eq!(role, "replica", "{run:?}");
        assert!(resolves, "{run:?}");
    }
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_shows_a_hand_edit_without_writing_and_resync_converges_it() {
    let s = scenario("cli-plan", 2).await;
    let config = config_file(&s);
    let config = config.to_str().unwrap();
    resync(&s).await;
    let before = assert_converged(&s).await;
    let name = s.repoint_slot_at_primary(1).await.unwrap();
    let primary = s.primary().await.unwrap().cache_cluster_id;

    // status: the name on the primary is a finding (exit 1), said in the table.
    let run = status(&s, config).await;
    assert_eq!(run.code, Some(1), "{run:?}");
    let out = run.json();
    let first = &out["groups"][0]["names"][0];
    assert_eq!(first["name"], name.as_str(), "{run:?}");
    assert_eq!(first["role"], "primary", "{run:?}");
    assert_eq!(first["member"], primary.as_str(), "{run:?}");
    assert_eq!(first["finding"], "onPrimary", "{run:?}");
    assert_eq!(first["pending"], "replace", "{run:?}");
    let table = cli(&s.stack, &["status", "--config", config], &[]).await;
    assert_eq!(table.code, Some(1), "{table:?}");
    assert!(
        table
            .stdout
            .contains(&format!("{}: {name} points at the primary", s.group_id)),
        "{table:?}"
    );

    // plan: shows the change, and makes no write.
    let records_before = s.records().await.unwrap();
    reset_calls(&s).await;
    let run = cli(&s.stack, &["plan", "--config", config], &[]).await;
    assert_eq!(run.code, Some(0), "{run:?}");
    let row = run
        .stdout
        .lines()
        .find(|l| l.contains(&name))
        .unwrap_or_else(|| panic!("{name} not in the plan: {run:?}"));
    assert!(row.contains("replace"), "{run:?}");
    assert!(run.stdout.contains("change(s)"), "{run:?}");
    let json = cli(&s.stack, &["plan", "--config", config, "--json"], &[]).await;
    assert_eq!(json.code, Some(0), "{json:?}");
    // At least the guarded pair DELETE(hand-edited CNAME) + CREATE(CNAME at home).
    assert!(json.json()["changes"].as_u64() >= Some(2), "{json:?}");
    let calls = zone_calls(&s).await;
    assert!(
        calls.get("route53:ChangeResourceRecordSets").is_none(),
        "plan wrote: {calls}"
    );
    assert!(
        calls["route53:ListResourceRecordSets"].as_u64() >= Some(2),
        "plan did not read the records: {calls}"
    );
    assert_eq!(
        s.records().await.unwrap(),
        records_before,
        "plan changed records"
    );

    // resync: runs the deployed state machine, prints the report, converges the name.
    let arn = s.state_machine_arn.clone().unwrap();
    let run = cli(
        &s.stack,
        &["resync", "--state-machine", &arn, "--group", &s.group_id],
        &[],
    )
    .await;
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains(": SUCCEEDED\n"), "{run:?}");
    assert!(
        run.stdout.contains(&format!("{}: converged (", s.group_id)),
        "{run:?}"
    );
    assert_eq!(assert_converged(&s).await, before);
    let run = status(&s, config).await;
    assert_eq!(run.code, Some(0), "{run:?}");

    // A resync the filter refuses fails the execution: exit 1 with error and cause.
    let run = cli(
        &s.stack,
        &[
            "resync",
            "--state-machine",
            &arn,
            "--group",
            "not-configured",
            "--json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, Some(1), "{run:?}");
    let out = run.json();
    assert_eq!(out["status"], "FAILED", "{run:?}");
    // The state machine's Fail state names the error; its cause carries the step's.
    assert!(
        out["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{run:?}"
    );
    let cause = out["cause"].as_str().unwrap();
    assert!(cause.contains("ReplicaDns.InvalidInput"), "{run:?}");
    assert!(cause.contains("not-configured"), "{run:?}");
    let text = cli(
        &s.stack,
        &[
            "resync",
            "--state-machine",
            &arn,
            "--group",
            "not-configured",
        ],
        &[],
    )
    .await;
    assert_eq!(text.code, Some(1), "{text:?}");
    assert!(text.stdout.contains(": FAILED\nerror: "), "{text:?}");
    assert!(text.stdout.contains("\ncause: {"), "{text:?}");
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_credentials_or_an_unreachable_endpoint_exit_3_with_a_clear_error() {
    let stack = Stack::from_env().await.unwrap();
    let dir = std::env::temp_dir().join(format!("replica-dns-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.json");
    std::fs::write(
        &file,
        serde_json::json!({"ownerId": "cli-e2e", "groups": [{
            "replicationGroupId": "orders", "hostedZoneId": "Z0123456789ABCDEFGHIJ",
            "zoneName": "cache.internal.", "nameTemplate": "replica{n}.orders.cache.internal."
        }]})
        .to_string(),
    )
    .unwrap();
    let config = file.to_str().unwrap();
    let no_credentials: &[(&str, Option<&str>)] = &[
        ("AWS_ACCESS_KEY_ID", None),
        ("AWS_SECRET_ACCESS_KEY", None),
        ("AWS_SESSION_TOKEN", None),
        ("AWS_PROFILE", None),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", None),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", None),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", None),
        ("AWS_CONFIG_FILE", Some("/nonexistent/aws-config")),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            Some("/nonexistent/aws-credentials"),
        ),
        ("AWS_EC2_METADATA_DISABLED", Some("true")),
    ];
    let run = cli(&stack, &["status", "--config", config], no_credentials).await;
    assert_eq!(run.code, Some(3), "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: no AWS credentials: set AWS_ACCESS_KEY_ID"),
        "{run:?}"
    );
    assert_eq!(run.stdout, "");

    let no_region: &[(&str, Option<&str>)] = &[
        ("AWS_REGION", None),
        ("AWS_DEFAULT_REGION", None),
        ("AWS_PROFILE", None),
        ("AWS_CONFIG_FILE", Some("/nonexistent/aws-config")),
        ("AWS_EC2_METADATA_DISABLED", Some("true")),
    ];
    let run = cli(&stack, &["plan", "--config", config], no_region).await;
    assert_eq!(run.code, Some(3), "{run:?}");
    assert!(
        run.stderr.starts_with("error: no AWS region is configured"),
        "{run:?}"
    );

    // Nothing listens on port 9 of loopback: connection refused.
    let unreachable: &[(&str, Option<&str>)] = &[("AWS_ENDPOINT_URL", Some("http://127.0.0.1:9"))];
    let run = cli(&stack, &["plan", "--config", config], unreachable).await;
    assert_eq!(run.code, Some(3), "{run:?}");
    assert!(
        run.stderr.starts_with(
            "error: describing replication group orders (AWS could not be reached: check AWS_REGION, AWS_ENDPOINT_URL and the network): DescribeReplicationGroups failed: could not send the request"
        ),
        "{run:?}"
    );
    let run = cli(
        &stack,
        &[
            "resync",
            "--state-machine",
            "arn:aws:states:us-east-1:123456789012:stateMachine:none",
            "--all",
        ],
        unreachable,
    )
    .await;
    assert_eq!(run.code, Some(3), "{run:?}");
    assert!(run.stderr.contains("StartExecution failed"), "{run:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
