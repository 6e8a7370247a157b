//! The filter Lambda's wiring: configuration (validated at start-up) and the
//! ElastiCache client, built once, then the handler in [`replica_dns_filter`].

use lambda_runtime::{run, service_fn, tracing, Error, LambdaEvent};
use replica_dns_filter::handle;
use replica_dns_lambda::run::FilterRequest;
use replica_dns_lambda::startup::config_from_env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = config_from_env()?;
    let aws = replica_dns_aws::Adapters::from_env().await;
    let topology = aws.topology;
    run(service_fn(|event: LambdaEvent<FilterRequest>| {
        handle(event.payload, &config, &topology)
    }))
    .await
}
