//! Writes the metrics core `metrics` defines, per group, through the `metrics` facade
//! and the `metrics_cloudwatch_embedded` exporter: CloudWatch Embedded Metric Format,
//! one JSON document per line on stdout, which Lambda ships to CloudWatch Logs and
//! CloudWatch turns into metrics (CloudWatch User Guide, "Specification: Embedded metric
//! format",
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//! Namespace `ReplicaDns`; labels become dimensions (`ReplicationGroupId`, `Outcome`).
//!
//! Counts are counters (only what changed since the last flush is written); values that
//! must be seen even when they are 0 (`TopicNotActive`) or that are durations are
//! histograms (each recorded value is written once). [`serve`](crate::serve) flushes
//! after every invocation, success or error, so a metric never waits for the next one.

use std::sync::OnceLock;

use metrics_cloudwatch_embedded::Collector;
use replica_dns_core::metrics::{
    ExecutionOutcome, Metric, Unit, GROUP_DIMENSION, NAMESPACE, OUTCOME_DIMENSION,
};

static COLLECTOR: OnceLock<Option<&'static Collector>> = OnceLock::new();

/// The process's collector, installed as the global recorder on first use. `None` if
/// another recorder was installed first (then metrics go there, and nothing is lost
/// silently: the failure is logged once).
fn collector() -> Option<&'static Collector> {
    *COLLECTOR.get_or_init(|| {
        match metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            .init()
        {
            Ok(collector) => {
                for metric in Metric::ALL {
                    describe(metric);
                }
                Some(collector)
            }
            Err(error) => {
                tracing::error!(%error, "cannot install the CloudWatch metrics recorder; no metrics are written");
                None
            }
        }
    })
}

fn describe(metric: Metric) {
    let unit = match metric.unit() {
        Unit::Count => metrics::Unit::Count,
        Unit::Milliseconds => metrics::Unit::Milliseconds,
        Unit::Seconds => metrics::Unit::Seconds,
    };
    match metric {
        Metric::TopicNotActive | Metric::TimeToSafe | Metric::InterimRoutingSeconds => {
            metrics::describe_histogram!(metric.name(), unit, metric.description())
        }
        _ => metrics::describe_counter!(metric.name(), unit, metric.description()),
    }
}

/// Adds `value` to a count metric of the group (nothing is written for 0).
pub fn count(group_id: &str, metric: Metric, value: u64) {
    if value == 0 || collector().is_none() {
        return;
    }
    metrics::counter!(metric.name(), GROUP_DIMENSION => group_id.to_string()).increment(value);
}

/// Records one value (a duration, or a 0/1 state) of the group.
pub fn record(group_id: &str, metric: Metric, value: f64) {
    if collector().is_none() {
        return;
    }
    metrics::histogram!(metric.name(), GROUP_DIMENSION => group_id.to_string()).record(value);
}

/// Counts a group's part of an execution that ended, by outcome.
pub fn execution_ended(group_id: &str, outcome: ExecutionOutcome) {
    if collector().is_none() {
        return;
    }
    metrics::counter!(
        Metric::Executions.name(),
        GROUP_DIMENSION => group_id.to_string(),
        OUTCOME_DIMENSION => outcome.name()
    )
    .increment(1);
}

/// Writes everything recorded since the last flush to `writer`, one EMF document per
/// line and label set.
pub fn flush_to(writer: impl std::io::Write) {
    if let Some(collector) = COLLECTOR.get().copied().flatten() {
        if let Err(error) = collector.flush(writer) {
            tracing::warn!(%error, "could not write metrics");
        }
    }
}

/// Writes everything recorded since the last flush to stdout (the Lambda's log).
pub fn flush() {
    flush_to(std::io::stdout().lock());
}

/// The wall clock in Unix milliseconds, for the durations metrics measure.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// Serialises the tests (and any caller) that read back what they recorded: the
/// recorder is global to the process.
#[cfg(any(test, feature = "fakes"))]
pub fn recorded(during: impl FnOnce()) -> Vec<serde_json::Value> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let _ = collector();
    flush_to(std::io::sink());
    during();
    let mut out = Vec::new();
    flush_to(&mut out);
    String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn each_group_gets_its_own_document_in_the_embedded_metric_format() {
        let lines = recorded(|| {
            count("orders", Metric::ChangesApplied, 4);
            count("orders", Metric::Conflicts, 0);
            record("orders", Metric::TopicNotActive, 0.0);
            count("carts", Metric::ChangesApplied, 2);
            execution_ended("orders", ExecutionOutcome::Converged);
        });
        let orders = lines
            .iter()
            .find(|l| l["ReplicationGroupId"] == "orders" && l.get("ChangesApplied").is_some())
            .unwrap();
        let directive = &orders["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "ReplicaDns");
        assert_eq!(directive["Dimensions"][0][0], "ReplicationGroupId");
        assert!(orders["_aws"]["Timestamp"].as_u64().unwrap() > 1_600_000_000_000);
        assert_eq!(orders["ChangesApplied"], 4);
        assert_eq!(orders["TopicNotActive"], serde_json::json!([0.0]));
        let units: Vec<_> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["Name"].as_str().unwrap(), m["Unit"].as_str().unwrap()))
            .collect();
        assert!(units.contains(&("ChangesApplied", "Count")), "{units:?}");
        assert!(
            orders.get("Conflicts").is_none(),
            "a zero count is not written: {orders}"
        );
        let carts = lines
            .iter()
            .find(|l| l["ReplicationGroupId"] == "carts")
            .unwrap();
        assert_eq!(carts["ChangesApplied"], 2);
        let ended = lines.iter().find(|l| l["Outcome"] == "Converged").unwrap();
        assert_eq!(ended["Executions"], 1);
        assert_eq!(
            ended["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
            serde_json::json!(["ReplicationGroupId", "Outcome"])
        );
        assert!(lines.iter().all(|l| !l.to_string().contains('\n')));
    }

    #[test]
    fn a_flush_writes_only_what_was_recorded_since_the_last() {
        let first = recorded(|| count("flushed-once", Metric::DriftRepaired, 1));
        assert_eq!(first.len(), 1);
        let second = recorded(|| {});
        assert!(
            second
                .iter()
                .all(|l| l["ReplicationGroupId"] != "flushed-once"),
            "{second:?}"
        );
    }
}
