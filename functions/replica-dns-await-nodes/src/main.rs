//! The await-nodes Lambda's wiring: configuration (validated at start-up) and the
//! ElastiCache and Step Functions clients, built once, then the handler in [`replica_dns_await_nodes`].

use lambda_runtime::{tracing, Error};
use replica_dns_await_nodes::{handle, now_epoch};
use replica_dns_lambda::serve::{serve, started};
use replica_dns_lambda::startup::config_from_env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let aws = started(replica_dns_aws::Adapters::from_env().await).await?;
    let topology = aws.topology;
    let executions = aws.executions;
    serve("a GroupRun (statemachine/README.md)", |run| {
        handle(run, &config, &topology, &executions, now_epoch())
    })
    .await
}
