//! The apply Lambda's wiring: the Route 53 client, built once, then the handler in
//! [`replica_dns_apply`]. The configuration is validated at start-up like every
//! function's, although apply only needs the plan it is given.

use lambda_runtime::{tracing, Error};
use replica_dns_apply::{handle, handle_fleet};
use replica_dns_lambda::serve::{serve_with_fleet, started};
use replica_dns_lambda::startup::config_from_env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let aws = started(replica_dns_aws::Adapters::from_env().await).await?;
    let records = aws.records;
    serve_with_fleet(
        "the apply request {\"run\": GroupRun, \"attempt\"} (statemachine/README.md)",
        "the fleet apply request {\"fleet\": FleetRun, \"attempt\"} (statemachine/README.md)",
        |request| handle(request, &config, &records),
        |request| handle_fleet(request, &records),
    )
    .await
}
