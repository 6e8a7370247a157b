//! The filter Lambda's wiring: configuration (validated at start-up) and the
//! ElastiCache client, built once, then the handler in [`replica_dns_filter`].

use lambda_runtime::{tracing, Error};
use replica_dns_filter::handle;
use replica_dns_lambda::serve::{serve, started};
use replica_dns_lambda::startup::config_from_env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let aws = started(replica_dns_aws::Adapters::from_env().await).await?;
    let topology = aws.topology;
    serve(
        "the filter's request {\"input\", \"executionId\"}",
        |request| handle(request, &config, &topology),
    )
    .await
}
