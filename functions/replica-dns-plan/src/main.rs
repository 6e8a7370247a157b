//! The plan Lambda's wiring: configuration (validated at start-up) and the Route 53
//! client, built once, then the handler in [`replica_dns_plan`].

use lambda_runtime::{tracing, Error};
use replica_dns_lambda::serve::{serve, started};
use replica_dns_lambda::startup::config_from_env;
use replica_dns_plan::handle;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let aws = replica_dns_aws::Adapters::from_env().await;
    let records = aws.records;
    serve("a GroupRun (statemachine/README.md)", |run| {
        handle(run, &config, &records)
    })
    .await
}
