//! CloudWatch metrics as Embedded Metric Format log lines (one JSON object per line on
//! stdout, which Lambda ships to CloudWatch Logs; CloudWatch extracts the metrics):
//! CloudWatch User Guide, "Specification: Embedded metric format",
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
//! Namespace `ReplicaDns`, dimension `ReplicationGroupId`. Only the writing lives here;
//! what is measured is the callers'.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// The namespace every replica-dns metric is published in.
pub const NAMESPACE: &str = "ReplicaDns";

/// `1` when some member of the group notifies a topic that is not active, another
/// topic than replica-dns', or none (see core `NotificationProblem`); `0` otherwise.
/// Emitted on every snapshot, so an alarm can tell "fine" from "no data".
pub const TOPIC_NOT_ACTIVE: &str = "TopicNotActive";

/// One EMF line for a count metric of one group.
pub fn count_line(group_id: &str, name: &str, value: u64, timestamp_ms: u64) -> Value {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["ReplicationGroupId"]],
                "Metrics": [{"Name": name, "Unit": "Count"}],
            }],
        },
        "ReplicationGroupId": group_id,
        name: value,
    })
}

/// Writes a count metric for a group now.
pub fn emit_count(group_id: &str, name: &str, value: u64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    println!("{}", count_line(group_id, name, value, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_line_follows_the_embedded_metric_format() {
        let line = count_line("orders", TOPIC_NOT_ACTIVE, 1, 1_700_000_000_000);
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "ReplicaDns");
        assert_eq!(directive["Dimensions"][0][0], "ReplicationGroupId");
        assert_eq!(directive["Metrics"][0]["Name"], "TopicNotActive");
        assert_eq!(line["ReplicationGroupId"], "orders");
        assert_eq!(line["TopicNotActive"], 1);
        assert!(!line.to_string().contains('\n'));
    }
}
