//! The plan Lambda's wiring: configuration (validated at start-up) and the Route 53
//! client, built once, then the handler in [`replica_dns_plan`].

use lambda_runtime::{tracing, Error};
use replica_dns_lambda::serve::{serve_with_fleet, started};
use replica_dns_lambda::startup::{config_from_env, event_topic_arn_from_env};
use replica_dns_plan::{handle, handle_fleet};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let aws = started(replica_dns_aws::Adapters::from_env().await).await?;
    let (records, topology) = (aws.records, aws.topology);
    let event_topic_arn = event_topic_arn_from_env();
    serve_with_fleet(
        "a GroupRun (statemachine/README.md)",
        "a FleetRun (statemachine/README.md)",
        |run| handle(run, &config, &records),
        |fleet| {
            handle_fleet(
                fleet,
                &config,
                &topology,
                &records,
                event_topic_arn.as_deref(),
            )
        },
    )
    .await
}
