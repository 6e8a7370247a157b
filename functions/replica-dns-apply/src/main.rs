//! The apply Lambda's wiring: the Route 53 client, built once, then the handler in
//! [`replica_dns_apply`]. The configuration is validated at start-up like every
//! function's, although apply only needs the plan it is given.

use lambda_runtime::{run, service_fn, tracing, Error, LambdaEvent};
use replica_dns_apply::handle;
use replica_dns_lambda::startup::config_from_env;
use replica_dns_lambda::GroupRun;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let _config = config_from_env()?;
    let aws = replica_dns_aws::Adapters::from_env().await;
    let records = aws.records;
    run(service_fn(|event: LambdaEvent<GroupRun>| {
        handle(event.payload, &records)
    }))
    .await
}
