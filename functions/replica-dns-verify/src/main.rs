//! The verify Lambda's wiring: configuration (validated at start-up), the ElastiCache
//! and Route 53 clients and the optional resolution/ROLE probe (with the Secrets Manager
//! client for its credentials), built once, then the handler in [`replica_dns_verify`].

use lambda_runtime::{tracing, Error};
use replica_dns_lambda::serve::{serve_with_fleet, started};
use replica_dns_lambda::startup::{config_from_env, event_topic_arn_from_env};
use replica_dns_verify::probe::DnsRoleProbe;
use replica_dns_verify::{handle, handle_fleet, Deps};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let aws = started(replica_dns_aws::Adapters::from_env().await).await?;
    let probe = started(DnsRoleProbe::from_env(aws.secrets)).await?;
    let deps = Deps {
        config,
        topology: aws.topology,
        records: aws.records,
        probe,
    };
    let event_topic_arn = event_topic_arn_from_env();
    serve_with_fleet(
        "a GroupRun (statemachine/README.md)",
        "a FleetRun (statemachine/README.md)",
        |run| handle(run, &deps),
        |fleet| handle_fleet(fleet, &deps, event_topic_arn.as_deref()),
    )
    .await
}
