//! The `replica-dns` binary as the CDK app and an operator run it: exit status, stdout
//! and stderr of each subcommand.

// Tests unwrap freely: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const VALID_CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../replica-dns-core/tests/fixtures/config/valid.json"
);

fn events(name: &str) -> String {
    format!(
        "{}/../replica-dns-core/tests/fixtures/events/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_replica-dns"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command may exit before it reads its input (a usage error is found first): the
    // pipe is then closed, and what the test checks is the exit status and output.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn valid_config_prints_ok_with_the_group_count() {
    let out = run(&["validate-config", VALID_CONFIG], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ok: 2 groups\n");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn invalid_config_prints_every_error_one_per_line_and_exits_1() {
    let config = json!({
        "ownerId": "prod",
        "groups": [{
            "replicationGroupId": "orders", "hostedZoneId": "Z0123456789ABCDEFGHIJ",
            "zoneName": "cache.internal.", "nameTemplate": "replica.orders.cache.internal.",
            "ttl": 0, "colour": "blue"
        }]
    });
    let out = run(&["validate-config", "-"], &config.to_string());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "groups[0].colour: unknown field (expected one of: replicationGroupId, hostedZoneId, zoneName, nameTemplate, ttl, noReplicaPolicy, adoptExisting, ownershipPrefix, azNames, pooledName, authSecretArn)\n\
         groups[0].nameTemplate: has no `{n}` placeholder for the slot number\n\
         groups[0].ttl: must be between 1 and 3600 seconds, found 0\n"
    );
}

#[test]
fn unreadable_config_file_is_named_and_exits_1() {
    let out = run(&["validate-config", "/nonexistent/replica-dns.json"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error: cannot read /nonexistent/replica-dns.json: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [&[][..], &["validate-config"][..], &["no-such-command"][..]] {
        let out = run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn env_value_prints_compact_json_that_parses_back() {
    let out = run(&["env-value", VALID_CONFIG], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1);
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        printed["groups"][1]["ttl"],
        json!(10),
        "defaults are made explicit"
    );
}

#[test]
fn parse_event_shows_the_request_and_the_affected_groups() {
    let out = run(
        &[
            "parse-event",
            &events("cache-node-replace-complete"),
            "--config",
            VALID_CONFIG,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown["request"]["target"],
        json!({"kind": "events", "events": [{"name": "CacheNodeReplaceComplete", "sourceId": "orders-002"}]})
    );
    assert_eq!(shown["resolution"]["groups"], json!(["orders"]));
}

#[test]
fn parse_event_uses_the_given_cluster_membership() {
    let input = json!({"source": "sns", "messageId": "m", "topicArn": "arn:aws:sns:us-east-1:1:t",
        "timestamp": "2026-11-27T02:00:00Z", "message": "{\"ElastiCache:CacheNodeReplaceStarted\":\"blue-node\"}"});
    let out = run(
        &[
            "parse-event",
            "-",
            "--config",
            VALID_CONFIG,
            "--cluster",
            "blue-node=carts",
        ],
        &input.to_string(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["resolution"]["groups"], json!(["carts"]));

    let out = run(
        &["parse-event", "-", "--config", VALID_CONFIG],
        &input.to_string(),
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown["resolution"]["noOp"]["reason"]["kind"],
        json!("noManagedGroup")
    );
}

#[test]
fn parse_event_without_config_shows_a_manual_request() {
    let out = run(&["parse-event", "-"], r#"{"all": true, "dryRun": true}"#);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown,
        json!({"request": {"origin": {"kind": "manual"}, "target": {"kind": "all"}, "dryRun": true}})
    );
}

#[test]
fn parse_event_rejects_malformed_input_with_the_reason() {
    let file = events("malformed-message-not-json");
    let out = run(&["parse-event", &file], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(&format!(
            "error: {file} is not an input replica-dns accepts: SNS Message is not JSON: "
        )),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["parse-event", "-", "--cluster", "no-equals"], "{}");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_too_large_for_the_lambda_environment_fails_validation() {
    let groups: Vec<Value> = (0..40)
        .map(|i| {
            json!({"replicationGroupId": format!("group-{i}"), "hostedZoneId": "Z0123456789ABCDEFGHIJ",
                   "zoneName": "cache.internal.", "nameTemplate": format!("replica{{n}}.group-{i}.cache.internal.")})
        })
        .collect();
    let config = json!({"ownerId": "prod", "groups": groups});
    let out = run(&["validate-config", "-"], &config.to_string());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("config: is ")
            && stderr.contains(
                "over the 3072-byte budget for the REPLICA_DNS_CONFIG environment variable"
            ),
        "{stderr}"
    );
}

#[test]
fn function_limits_print_the_timeout_chain_the_cdk_reads() {
    let out = run(&["function-limits"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let limits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let task = limits["taskTimeoutSeconds"].as_u64().unwrap();
    let operation_ms = limits["sdk"]["operationTimeoutMs"].as_u64().unwrap();
    let functions = limits["functions"].as_object().unwrap();
    assert_eq!(functions.len(), 7, "{limits}");
    for (name, f) in functions {
        let timeout = f["timeoutSeconds"].as_u64().unwrap();
        assert!(
            operation_ms / 1000 < timeout && timeout < task,
            "{name}: {limits}"
        );
    }
}

#[test]
fn function_limits_refuse_a_timeout_outside_the_chain_with_the_reason() {
    let out = run(&["function-limits", "--check", "apply=5"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("the apply function's timeout of 5 s is shorter than its 30 s"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["function-limits", "--check", "nope=40"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown function `nope`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn execution_defaults_are_checked_by_the_rule_the_trigger_applies() {
    let out = run(
        &["validate-execution-defaults", "-"],
        r#"{"waitSeconds": 30}"#,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "ok: 1 tunables");

    let out = run(
        &["validate-execution-defaults", "-"],
        r#"{"waitSecond": 30}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("executionDefaults: unknown field `waitSecond`; expected any of waitSeconds"),
        "{stderr}"
    );

    let out = run(
        &["validate-execution-defaults", "-"],
        r#"{"maxVerifyPolls": 0}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("maxVerifyPolls must be between 1 and 1000, found 0"));

    let out = run(&["validate-execution-defaults", "-"], "not json");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("stdin is not JSON"));
}

#[test]
fn metrics_print_the_catalogue_the_cdk_builds_its_dashboard_from() {
    let out = run(&["metrics"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let catalogue: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(catalogue["namespace"], "ReplicaDns");
    let names: Vec<_> = catalogue["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    for expected in [
        "ChangesApplied",
        "InterimRoutings",
        "Conflicts",
        "DriftRepaired",
        "ForeignRecords",
        "TopicNotActive",
        "TimeToSafe",
        "InterimRoutingSeconds",
        "Executions",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing in {names:?}"
        );
    }
}

#[test]
fn the_metrics_page_lists_every_metric_with_its_unit_and_meaning() {
    let out = run(&["metrics"], "");
    let catalogue: Value = serde_json::from_slice(&out.stdout).unwrap();
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/metrics.md"
    ))
    .unwrap();
    for metric in catalogue["metrics"].as_array().unwrap() {
        let row = format!(
            "| `{}` | {} | {} | {} |",
            metric["name"].as_str().unwrap(),
            metric["unit"].as_str().unwrap(),
            metric["dimensions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(", "),
            metric["description"].as_str().unwrap()
        );
        assert!(page.contains(&row), "docs/metrics.md lacks the row\n{row}");
    }
}

/// The checked-in configuration reference is what the code generates: regenerate with
/// `replica-dns config-schema > docs/config.schema.json` and
/// `replica-dns config-reference > docs/configuration.md`.
#[test]
fn the_configuration_reference_in_docs_is_generated_from_the_code() {
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/");
    for (subcommand, file) in [
        ("config-schema", "config.schema.json"),
        ("config-reference", "configuration.md"),
    ] {
        let out = run(&[subcommand], "");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let checked_in = std::fs::read_to_string(format!("{docs}{file}")).unwrap_or_default();
        assert!(
            text(&out.stdout) == checked_in,
            "docs/{file} is not what `replica-dns {subcommand}` prints; regenerate it"
        );
    }
    // And the schema accepts what the validator accepts: the fixture's keys are all known.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{docs}config.schema.json")).unwrap(),
    )
    .unwrap();
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(VALID_CONFIG).unwrap()).unwrap();
    for group in config["groups"].as_array().unwrap() {
        for key in group.as_object().unwrap().keys() {
            assert!(
                schema["$defs"]["GroupConfig"]["properties"]
                    .get(key)
                    .is_some(),
                "{key}"
            );
        }
    }
}

#[test]
fn a_configuration_too_large_for_the_environment_fits_the_file_delivery() {
    let groups: Vec<Value> = (0..200)
        .map(|i| {
            json!({"replicationGroupId": format!("group-{i}"), "hostedZoneId": "Z0123456789ABCDEFGHIJ",
                   "zoneName": "cache.internal.", "nameTemplate": format!("replica{{n}}.group-{i}.cache.internal.")})
        })
        .collect();
    let config = json!({"ownerId": "prod", "groups": groups}).to_string();
    let out = run(&["validate-config", "--delivery", "env", "-"], &config);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the environment's 3 KiB cannot hold 200 groups"
    );
    let out = run(&["validate-config", "--delivery", "file", "-"], &config);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "ok: 200 groups");
}
