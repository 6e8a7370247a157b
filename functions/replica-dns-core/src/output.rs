//! Where an execution's output holds the groups' reports (statemachine/README.md,
//! "Execution output"): the fleet pass's (`fleetReports`, the groups it finished), then
//! the per-group pipeline's (`groups`). Readers — the CLI, the end-to-end tests, the
//! demo and the bench — take them from here rather than each knowing both arrays.

use serde_json::Value;

/// Every group's report of an execution output, fleet-pass reports first.
pub fn execution_reports(output: &Value) -> Vec<&Value> {
    ["fleetReports", "groups"]
        .iter()
        .filter_map(|key| output.get(key).and_then(Value::as_array))
        .flatten()
        .collect()
}

/// Where a compacted report's lists are: the fleet pass logs each report whole when a
/// group finishes, and may keep less of it in its state (replica-dns-lambda `fleet.rs`).
const COMPACTED_SEE: &str = "see the log line \"fleet group finished\"";

/// The one line a compacted report keeps instead of a list of `n` `items`.
pub fn compacted_list(n: usize, items: &str) -> String {
    format!("{n} {items}: {COMPACTED_SEE}")
}

/// How many items a report's list stands for: its length, or a compacted list's count.
pub fn list_count(list: &[Value]) -> usize {
    match list {
        [Value::String(line)] if line.ends_with(COMPACTED_SEE) => line
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1),
        _ => list.len(),
    }
}

/// The finished groups whose reports the fleet pass folded into counts (its
/// `fleetTally`): `(converged, unchanged)`, zero when there is none.
pub fn folded_groups(output: &Value) -> (u64, u64) {
    let tally = output.get("fleetTally");
    let count = |key: &str| {
        tally
            .and_then(|t| t.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    (count("converged"), count("unchanged"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_compacted_list_counts_what_it_stands_for() {
        let line = compacted_list(4, "changes");
        assert_eq!(line, "4 changes: see the log line \"fleet group finished\"");
        assert_eq!(list_count(&[json!(line)]), 4);
        assert_eq!(list_count(&[json!("CREATE CNAME a -> b")]), 1);
        assert_eq!(list_count(&[json!("a"), json!("b")]), 2);
        assert_eq!(list_count(&[]), 0);
    }

    #[test]
    fn folded_groups_are_read_from_the_fleet_tally() {
        let output = json!({"fleetTally": {"converged": 12, "unchanged": 3}});
        assert_eq!(folded_groups(&output), (12, 3));
        assert_eq!(folded_groups(&json!({"groups": []})), (0, 0));
    }

    #[test]
    fn reports_of_the_fleet_pass_come_before_those_of_the_per_group_pipeline() {
        let output = json!({
            "fleetReports": [{"replicationGroupId": "a"}],
            "groups": [{"replicationGroupId": "b"}]
        });
        let ids: Vec<&Value> = execution_reports(&output)
            .into_iter()
            .map(|r| &r["replicationGroupId"])
            .collect();
        assert_eq!(ids, [&json!("a"), &json!("b")]);
        assert!(execution_reports(&json!({"noop": true, "groups": []})).is_empty());
        assert!(execution_reports(&Value::Null).is_empty());
    }
}
