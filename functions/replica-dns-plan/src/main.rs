//! The plan Lambda's wiring: configuration (validated at start-up) and the Route 53
//! client, built once, then the handler in [`replica_dns_plan`].

use lambda_runtime::{run, service_fn, tracing, Error, LambdaEvent};
use replica_dns_lambda::startup::config_from_env;
use replica_dns_lambda::GroupRun;
use replica_dns_plan::handle;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = config_from_env()?;
    let aws = replica_dns_aws::Adapters::from_env().await;
    let records = aws.records;
    run(service_fn(|event: LambdaEvent<GroupRun>| {
        handle(event.payload, &config, &records)
    }))
    .await
}
