//! Contract between `statemachine/replica-dns.asl.json` and the functions: the ASL uses
//! exactly the six definition substitutions the deployments fill in; every errorType a
//! function raises is matched by the ASL; every field the ASL reads exists in what the
//! functions return; every sample per-group input deserialises into `GroupRun`.
//! (Execution-input samples are checked by the filter crate, the SNS sample by the
//! trigger crate: each against its own request type.)

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use replica_dns_lambda::{ErrorType, GroupRun, Tunables};
use serde_json::Value;

const SUBSTITUTIONS: [&str; 6] = [
    "FilterFunctionArn",
    "SnapshotFunctionArn",
    "AwaitNodesFunctionArn",
    "PlanFunctionArn",
    "ApplyFunctionArn",
    "VerifyFunctionArn",
];

fn statemachine_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../statemachine")
}

fn asl_text() -> String {
    std::fs::read_to_string(statemachine_dir().join("replica-dns.asl.json")).unwrap()
}

fn asl() -> Value {
    serde_json::from_str(&asl_text()).unwrap()
}

/// Every `${…}` in the text, in order.
fn placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find('}').unwrap();
        found.push(after[..end].to_string());
        rest = &after[end..];
    }
    found
}

/// Visits every object in the document.
fn walk<'a>(value: &'a Value, visit: &mut dyn FnMut(&'a serde_json::Map<String, Value>)) {
    match value {
        Value::Object(object) => {
            visit(object);
            object.values().for_each(|v| walk(v, visit));
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
        _ => {}
    }
}

#[test]
fn asl_uses_exactly_the_six_known_substitutions() {
    let used: BTreeSet<String> = placeholders(&asl_text()).into_iter().collect();
    let known: BTreeSet<String> = SUBSTITUTIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(used, known);
}

#[test]
fn every_function_error_type_is_matched_by_the_asl() {
    let mut matched = BTreeSet::new();
    walk(&asl(), &mut |object| {
        if let Some(Value::Array(names)) = object.get("ErrorEquals") {
            matched.extend(names.iter().filter_map(|n| n.as_str().map(str::to_string)));
        }
    });
    for error_type in ErrorType::ALL {
        let name = error_type.as_str();
        // InvalidInput and Fatal are caught by States.ALL on purpose (no retry).
        let handled = matched.contains(name)
            || (matches!(error_type, ErrorType::InvalidInput | ErrorType::Fatal)
                && matched.contains("States.ALL"));
        assert!(handled, "{name} is not handled by the ASL");
    }
    for name in [
        "ReplicaDns.Transient",
        "ReplicaDns.Conflict",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.ClientExecutionTimeoutException",
        // A crash, out-of-memory or Lambda timeout (Step Functions guide, "Handle Lambda
        // service exceptions"): safe to retry, a replayed apply fails its compare-and-swap.
        "Lambda.Unknown",
        "States.Timeout",
    ] {
        assert!(matched.contains(name), "{name} missing from the ASL");
    }
}

#[test]
fn every_retry_backs_off_with_full_jitter_and_a_cap() {
    let mut retriers = 0;
    walk(&asl(), &mut |object| {
        if let Some(Value::Array(retry)) = object.get("Retry") {
            for retrier in retry {
                retriers += 1;
                assert_eq!(retrier["JitterStrategy"], "FULL", "{retrier}");
                assert!(retrier["BackoffRate"].as_f64().unwrap() > 1.0, "{retrier}");
                assert!(retrier["MaxDelaySeconds"].as_u64().is_some(), "{retrier}");
            }
        }
    });
    assert!(retriers >= 6 * 3);
}

/// core `limits`: every Task outlives every function's Lambda timeout, so a Lambda
/// timeout surfaces as a retried `Lambda.Unknown`, never as `States.Timeout`.
#[test]
fn every_task_timeout_is_the_one_the_limits_chain_expects() {
    let mut tasks = 0;
    walk(&asl(), &mut |object| {
        if object.get("Type").and_then(Value::as_str) == Some("Task") {
            tasks += 1;
            assert_eq!(
                object["TimeoutSeconds"].as_u64(),
                Some(u64::from(replica_dns_core::limits::TASK_TIMEOUT_SECONDS)),
                "{object:?}"
            );
        }
    });
    // Filter, the five steps of a group, and the fleet pass's plan, apply and verify.
    assert_eq!(tasks, 9);
    for f in replica_dns_core::limits::FUNCTIONS {
        assert!(f.timeout_seconds < replica_dns_core::limits::TASK_TIMEOUT_SECONDS);
    }
}

#[test]
fn every_task_catches_everything_it_does_not_retry() {
    walk(&asl(), &mut |object| {
        if object.get("Type").and_then(Value::as_str) == Some("Task") {
            let catches = object["Catch"].as_array().unwrap();
            assert!(
                catches.iter().any(|c| c["ErrorEquals"][0] == "States.ALL"),
                "{object:?}"
            );
        }
    });
}

#[test]
fn fields_the_asl_reads_exist_in_a_group_run() {
    let run = serde_json::to_value(GroupRun::new(
        "exec",
        "orders",
        "test",
        false,
        Tunables::default(),
    ))
    .unwrap();
    let mut paths = BTreeSet::new();
    walk(&asl()["States"]["Groups"]["ItemProcessor"], &mut |object| {
        for key in ["Variable", "NumericLessThanEqualsPath", "SecondsPath"] {
            if let Some(Value::String(path)) = object.get(key) {
                paths.insert(path.clone());
            }
        }
    });
    for path in paths {
        // `verify` exists only after the Verify step; everything else from the start.
        if path.starts_with("$.verify") {
            continue;
        }
        let pointer = path.trim_start_matches('$').replace('.', "/");
        assert!(
            run.pointer(&pointer).is_some(),
            "{path} is not in a fresh GroupRun"
        );
    }
}

#[test]
fn sample_group_inputs_deserialise_into_group_run() {
    let dir = statemachine_dir().join("samples/group");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let run: Result<GroupRun, _> = serde_json::from_str(&text);
        assert!(run.is_ok(), "{}: {:?}", path.display(), run.err());
        count += 1;
    }
    assert!(count > 0, "no samples in {}", dir.display());
}

/// Verify keeps its loop budgets itself (no counting states): a spent budget is its
/// errorType, and the Verify Task catches each into the Fail state of the same name, so
/// a person sees the same Error as when Pass and Choice states did the counting.
#[test]
fn verify_budget_errors_end_in_their_own_fail_states() {
    let asl = asl();
    let states = &asl["States"]["Groups"]["ItemProcessor"]["States"];
    let catches = states["Verify"]["Catch"].as_array().unwrap();
    for (error_type, fail_state) in [
        (ErrorType::VerifyTimedOut, "VerifyTimedOut"),
        (ErrorType::NotConverged, "NotConverged"),
    ] {
        let catch = catches
            .iter()
            .find(|c| c["ErrorEquals"][0] == error_type.as_str())
            .unwrap_or_else(|| panic!("Verify does not catch {error_type}"));
        assert_eq!(catch["Next"], fail_state);
        assert_eq!(states[fail_state]["Type"], "Fail");
        assert_eq!(states[fail_state]["Error"], error_type.as_str());
    }
    // Caught before States.ALL, which would turn them into GroupFailed.
    assert_eq!(catches.last().unwrap()["ErrorEquals"][0], "States.ALL");
}

/// What each path costs in state transitions (Standard workflows bill each state
/// entered), walked on the ASL as Step Functions would: a group whose records are already
/// right, one whose changes are INSYNC at the first look, and each further poll.
#[test]
fn the_paths_enter_the_states_the_cost_figures_assume() {
    let asl = asl();
    let group = &asl["States"]["Groups"]["ItemProcessor"]["States"];
    let choose = |state: &str, run: &Value| -> String {
        let choice = &group[state];
        for rule in choice["Choices"].as_array().unwrap() {
            let pointer = rule["Variable"]
                .as_str()
                .unwrap()
                .trim_start_matches('$')
                .replace('.', "/");
            let value = run.pointer(&pointer).unwrap_or(&Value::Null);
            let hit = match (&rule["BooleanEquals"], &rule["StringEquals"]) {
                (Value::Bool(b), _) => value == &Value::Bool(*b),
                (_, Value::String(s)) => value == &Value::String(s.clone()),
                _ => false,
            };
            if hit {
                return rule["Next"].as_str().unwrap().to_string();
            }
        }
        choice["Default"].as_str().unwrap().to_string()
    };
    let fresh = serde_json::to_value(GroupRun::new(
        "e",
        "orders",
        "t",
        false,
        Tunables::default(),
    ))
    .unwrap();
    // Walks from Snapshot with `runs` giving the GroupRun each Task returns, in order.
    let walk_group = |runs: &[Value]| -> Vec<String> {
        let mut runs = runs.iter();
        let mut run = fresh.clone();
        let mut entered = Vec::new();
        let mut state = "Snapshot".to_string();
        loop {
            entered.push(state.clone());
            let next = match group[&state]["Type"].as_str().unwrap() {
                "Task" => {
                    if let Some(r) = runs.next() {
                        run = r.clone();
                    }
                    group[&state]["Next"].as_str().unwrap().to_string()
                }
                "Choice" => choose(&state, &run),
                "Wait" => group[&state]["Next"].as_str().unwrap().to_string(),
                _ => break,
            };
            state = next;
        }
        entered
    };
    let with = |patch: Value| {
        let mut run = fresh.clone();
        for (k, v) in patch.as_object().unwrap() {
            run[k] = v.clone();
        }
        run
    };
    let converged = with(serde_json::json!({"verify": {"status": "converged", "detail": ""}}));
    let pending = with(serde_json::json!({"verify": {"status": "pending", "detail": ""}}));
    let planned = with(serde_json::json!({"changesPlanned": true}));

    // Filter, the FleetNext Choice and the Groups Map come before each group's states:
    // +3 per execution.
    let unchanged = walk_group(&[fresh.clone(), fresh.clone(), converged.clone()]);
    assert_eq!(
        unchanged,
        [
            "Snapshot",
            "Plan",
            "PlanOutcome",
            "Verify",
            "VerifyOutcome",
            "GroupReport"
        ]
    );
    let happy = walk_group(&[
        fresh.clone(),
        planned.clone(),
        planned.clone(),
        converged.clone(),
    ]);
    assert_eq!(
        happy,
        [
            "Snapshot",
            "Plan",
            "PlanOutcome",
            "Apply",
            "AfterApply",
            "WaitForInsync",
            "Verify",
            "VerifyOutcome",
            "GroupReport"
        ]
    );
    let one_poll = walk_group(&[fresh.clone(), planned.clone(), planned, pending, converged]);
    assert_eq!(one_poll.len() - happy.len(), 3, "{one_poll:?}");
    // Issue 10 item 2: a run a newer execution took over before its first snapshot (the
    // snapshot step ended it, the plan step passed it through) goes straight to its
    // report.
    let mut handed_over = fresh.clone();
    handed_over["report"]["outcome"] = serde_json::json!("superseded");
    let superseded = walk_group(&[handed_over.clone(), handed_over]);
    assert_eq!(
        superseded,
        ["Snapshot", "Plan", "PlanOutcome", "GroupReport"]
    );
    // Issue 10 item 3: nothing to change ≤ 6 per group, the happy path ≤ 12.
    assert!(unchanged.len() <= 6 && happy.len() + 3 <= 12);
}

/// The fleet pass's states, walked on the ASL from Filter with the FleetRun each Task
/// returns: a drift check (nothing to write) and a resync that writes, each entering
/// the same number of states whatever the number of groups (issue 10 items 3 and 9).
#[test]
fn the_fleet_pass_enters_a_fixed_number_of_states_whatever_the_groups() {
    use replica_dns_lambda::fleet::{FleetNext, FleetRun};
    let asl = asl();
    let states = &asl["States"];
    let choose = |state: &str, input: &Value| -> String {
        let choice = &states[state];
        for rule in choice["Choices"].as_array().unwrap() {
            let pointer = rule["Variable"]
                .as_str()
                .unwrap()
                .trim_start_matches('$')
                .replace('.', "/");
            let value = input.pointer(&pointer);
            let hit = match (&rule["IsPresent"], &rule["StringEquals"]) {
                (Value::Bool(present), _) => value.is_some() == *present,
                (_, Value::String(s)) => value == Some(&Value::String(s.clone())),
                _ => panic!("a rule FleetNext does not use: {rule}"),
            };
            if hit {
                return rule["Next"].as_str().unwrap().to_string();
            }
        }
        choice["Default"].as_str().unwrap().to_string()
    };
    let at = |next: FleetNext, groups: usize| -> Value {
        let ids = (0..groups).map(|i| format!("g{i}")).collect();
        let mut fleet = FleetRun::start("t", "e", false, Tunables::default(), ids);
        fleet.fleet.next = next;
        serde_json::to_value(fleet).unwrap()
    };
    // Walks from Filter, the Tasks returning `outputs` in order, until the Groups Map.
    let walk_top = |outputs: &[Value]| -> Vec<String> {
        let mut outputs = outputs.iter();
        let mut input = Value::Null;
        let mut entered = Vec::new();
        let mut state = "Filter".to_string();
        while state != "Groups" {
            entered.push(state.clone());
            state = match states[&state]["Type"].as_str().unwrap() {
                "Task" => {
                    input = outputs.next().unwrap().clone();
                    states[&state]["Next"].as_str().unwrap().to_string()
                }
                "Choice" => choose(&state, &input),
                "Wait" => states[&state]["Next"].as_str().unwrap().to_string(),
                other => panic!("{state} is a {other} on the fleet path"),
            };
        }
        entered.push(state);
        entered
    };
    // One round of a pass that writes, and the states from Filter through `rounds` to
    // the Groups Map.
    let round = [
        "FleetPlan",
        "FleetNext",
        "FleetApply",
        "FleetNext",
        "FleetWait",
        "FleetVerify",
        "FleetNext",
    ];
    let through = |rounds: &[&[&str]]| -> Vec<String> {
        ["Filter", "FleetNext"]
            .into_iter()
            .chain(rounds.iter().flat_map(|r| r.iter().copied()))
            .chain(["Groups"])
            .map(str::to_string)
            .collect()
    };
    for groups in [2, 200] {
        let drift = walk_top(&[
            at(FleetNext::Plan, groups),
            at(FleetNext::Verify, groups),
            at(FleetNext::End, 0),
        ]);
        assert_eq!(
            drift,
            [
                "Filter",
                "FleetNext",
                "FleetPlan",
                "FleetNext",
                "FleetVerify",
                "FleetNext",
                "Groups"
            ]
        );
        let resync = walk_top(&[
            at(FleetNext::Plan, groups),
            at(FleetNext::Apply, groups),
            at(FleetNext::Wait, groups),
            at(FleetNext::End, 0),
        ]);
        assert_eq!(resync, through(&[&round]));
    }
    // A pass in two rounds: FleetVerify ends the first with fleet.next = plan, and
    // FleetNext goes back to FleetPlan; each round enters the states of one resync.
    let two_rounds = walk_top(&[
        at(FleetNext::Plan, 40),
        at(FleetNext::Apply, 20),
        at(FleetNext::Wait, 20),
        at(FleetNext::Plan, 20),
        at(FleetNext::Apply, 20),
        at(FleetNext::Wait, 20),
        at(FleetNext::End, 0),
    ]);
    assert_eq!(two_rounds, through(&[&round, &round]));
    // A per-group execution (no `fleet` in the filter's output) goes straight to the Map.
    let per_group = walk_top(&[serde_json::json!({"noop": false, "reason": "t", "groups": []})]);
    assert_eq!(per_group, ["Filter", "FleetNext", "Groups"]);
    // Every fleet Task ends in FleetFailed when it cannot be retried, never in a
    // per-group Fail state.
    for task in ["FleetPlan", "FleetApply", "FleetVerify"] {
        let catch = states[task]["Catch"].as_array().unwrap();
        assert_eq!(catch.len(), 1);
        assert_eq!(catch[0]["Next"], "FleetFailed");
    }
    // The pass's own tunables, which every group's run is given.
    assert_eq!(
        states["FleetWait"]["SecondsPath"],
        "$.fleet.tunables.verifyPollSeconds"
    );
    let fleet = serde_json::to_value(FleetRun::start(
        "t",
        "e",
        false,
        Tunables::default(),
        vec![],
    ))
    .unwrap();
    assert!(fleet.pointer("/fleet/tunables/verifyPollSeconds").is_some());
}
