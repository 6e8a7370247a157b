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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
