//! The subcommands that look at a live deployment (`status`, `plan`, `resync`): they use
//! the configuration file and the adapters the Lambdas use (`replica-dns-aws`, built
//! from the standard AWS environment), so `AWS_ENDPOINT_URL` points them at the local
//! stack as it points the Lambdas. This module holds what they share: connecting,
//! choosing groups, and how an AWS failure becomes exit status 3.

pub mod plan;
pub mod resync;
pub mod status;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use replica_dns_aws::setup::{self, SetupError};
use replica_dns_aws::{Adapters, ErrorKind, RecordStore, TopologySource};
use replica_dns_core::config::{Config, GroupConfig};
use replica_dns_core::records::RecordSet;
use replica_dns_core::topology::Topology;

/// The exit statuses of every subcommand (docs/cli.md).
pub mod exit {
    /// Everything is fine.
    pub const OK: u8 = 0;
    /// A finding (a name on a primary or missing, a failed execution), or an invalid or
    /// unreadable input file.
    pub const FINDING: u8 = 1;
    /// Usage: unknown subcommand or option (clap), or `--group` not in the configuration.
    pub const USAGE: u8 = 2;
    /// AWS cannot be used: no region, no or rejected credentials, no permission, the
    /// endpoint unreachable, or an AWS call failed.
    pub const AWS: u8 = 3;
}

/// An AWS failure, worded for an operator; exit status [`exit::AWS`].
#[derive(Debug, thiserror::Error)]
pub enum AwsFailure {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error("{what}{}", hint(source))]
    Call {
        what: String,
        #[source]
        source: replica_dns_aws::Error,
    },
}

/// A `--group` the configuration does not hold; exit status [`exit::USAGE`].
#[derive(Debug, thiserror::Error)]
#[error("group {id:?} is not in the configuration (configured: {configured})")]
pub struct UnknownGroup {
    id: String,
    configured: String,
}

/// Error codes with which AWS rejects the caller rather than the request.
const CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "AccessDenied",
    "AccessDeniedException",
];

/// What to check, by the kind of failure.
fn hint(error: &replica_dns_aws::Error) -> &'static str {
    match error {
        replica_dns_aws::Error::Transport { .. } => {
            " (AWS could not be reached: check AWS_REGION, AWS_ENDPOINT_URL and the network)"
        }
        e if e.code().is_some_and(|c| CREDENTIAL_CODES.contains(&c)) => {
            " (the credentials were rejected or lack the permission)"
        }
        e if e.kind() == ErrorKind::NotFound => {
            " (check the configuration's ids against this account and region)"
        }
        _ => "",
    }
}

/// Wraps an adapter error with what was being done.
pub fn failed(what: impl Into<String>) -> impl FnOnce(replica_dns_aws::Error) -> AwsFailure {
    let what = what.into();
    move |source| AwsFailure::Call { what, source }
}

/// Loads the AWS configuration from the environment (as the Lambdas do) and checks it
/// has a region and credentials before any call is made.
pub async fn connect() -> Result<Adapters, AwsFailure> {
    let config = replica_dns_aws::load_config().await?;
    setup::check(&config).await?;
    Ok(Adapters::from_config(&config))
}

/// What the pipeline's snapshot and plan steps read for a group: the topology
/// (DescribeReplicationGroups + DescribeCacheClusters) and the records of its subtree of
/// the zone (ListResourceRecordSets, every page).
pub async fn read_group(
    aws: &Adapters,
    group: &GroupConfig,
) -> Result<(Topology, Vec<RecordSet>), AwsFailure> {
    let id = &group.replication_group_id;
    let topology = aws
        .topology
        .describe_group(id)
        .await
        .map_err(failed(format!("describing replication group {id}")))?;
    let records = aws
        .records
        .list_records(&group.hosted_zone_id, group.records_subtree().as_deref())
        .await
        .map_err(failed(format!(
            "listing records of hosted zone {}",
            group.hosted_zone_id
        )))?;
    Ok((topology, records))
}

/// The groups a subcommand works on: the one named, or all in configuration order.
pub fn select<'a>(
    config: &'a Config,
    group: Option<&str>,
) -> Result<Vec<&'a GroupConfig>, UnknownGroup> {
    match group {
        None => Ok(config.groups.iter().collect()),
        Some(id) => config
            .group(id)
            .map(|g| vec![g])
            .ok_or_else(|| UnknownGroup {
                id: id.to_string(),
                configured: config
                    .groups
                    .iter()
                    .map(|g| g.replication_group_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
    }
}

/// `replica-dns status`.
pub fn status(
    config: &Config,
    group: Option<&str>,
    resolver: Option<SocketAddr>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let groups = select(config, group)?;
    let observed = runtime()?.block_on(async {
        let aws = connect().await?;
        status::observe(&aws, config, &groups, resolver).await
    })?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "groups": observed }))?
        );
    } else {
        print!("{}", status::render(&observed));
    }
    Ok(ExitCode::from(status::exit_status(&observed)))
}

/// `replica-dns plan`.
pub fn plan(config: &Config, group: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let groups = select(config, group)?;
    let planned = runtime()?.block_on(async {
        let aws = connect().await?;
        plan::dry_run(&aws, config, &groups).await
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&plan::json(&planned))?);
    } else {
        print!("{}", planned.render_table());
    }
    Ok(ExitCode::from(exit::OK))
}

/// `replica-dns resync`.
pub fn resync(
    state_machine_arn: &str,
    group: Option<String>,
    dry_run: bool,
    poll: Duration,
    timeout: Duration,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let scope = group.map_or(resync::Scope::All, resync::Scope::Group);
    let input = resync::input(&scope, dry_run)?;
    let now_millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let followed = runtime()?.block_on(async {
        let aws = connect().await?;
        resync::run(&aws, state_machine_arn, &input, now_millis, poll, timeout).await
    })?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&resync::json(&followed))?
        );
    } else {
        print!("{}", resync::render(&followed));
    }
    Ok(ExitCode::from(resync::exit_status(&followed)))
}

/// A current-thread runtime for one subcommand.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// The exit status for an error a subcommand returned.
pub fn exit_status(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<AwsFailure>().is_some() {
        exit::AWS
    } else if error.downcast_ref::<UnknownGroup>().is_some() {
        exit::USAGE
    } else {
        exit::FINDING
    }
}

/// Left-aligned columns, two spaces apart; the header is the first row.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn failures_map_to_their_exit_status() {
        let aws = anyhow::Error::new(AwsFailure::Setup(SetupError::NoRegion));
        assert_eq!(exit_status(&aws), exit::AWS);
        let config: Config = serde_json::from_value(serde_json::json!({
            "ownerId": "prod", "groups": [{"replicationGroupId": "orders",
            "hostedZoneId": "Z1", "zoneName": "cache.internal.",
            "nameTemplate": "replica{n}.cache.internal."}]
        }))
        .unwrap();
        let unknown = select(&config, Some("order")).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "group \"order\" is not in the configuration (configured: orders)"
        );
        assert_eq!(exit_status(&anyhow::Error::new(unknown)), exit::USAGE);
        assert_eq!(
            exit_status(&anyhow::anyhow!("cannot read x")),
            exit::FINDING
        );
        assert_eq!(select(&config, None).unwrap().len(), 1);
    }

    #[test]
    fn an_aws_failure_says_what_to_check_before_the_cause() {
        let err = replica_dns_aws::Error::NotFound {
            what: "replication group",
            id: "orders".into(),
        };
        let failure = failed("describing orders")(err);
        assert_eq!(
            failure.to_string(),
            "describing orders (check the configuration's ids against this account and region)"
        );
        assert_eq!(
            std::error::Error::source(&failure).map(ToString::to_string),
            Some("replication group \"orders\" not found".to_string())
        );
    }

    #[test]
    fn tables_align_columns() {
        let rows = vec![
            vec!["A".to_string(), "BB".to_string(), "C".to_string()],
            vec!["long".to_string(), "x".to_string(), "".to_string()],
        ];
        assert_eq!(table(&rows), "A     BB  C\nlong  x\n");
    }
}
