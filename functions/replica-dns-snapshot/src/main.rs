//! The snapshot Lambda's wiring: configuration (validated at start-up) and the
//! ElastiCache client, built once, then the handler in [`replica_dns_snapshot`].

use lambda_runtime::{tracing, Error};
use replica_dns_lambda::serve::{serve, started};
use replica_dns_lambda::startup::config_from_env;
use replica_dns_snapshot::handle;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let aws = replica_dns_aws::Adapters::from_env().await;
    let topology = aws.topology;
    let event_topic_arn = replica_dns_lambda::startup::event_topic_arn_from_env();
    serve("a GroupRun (statemachine/README.md)", |run| {
        handle(run, &config, &topology, event_topic_arn.as_deref())
    })
    .await
}
