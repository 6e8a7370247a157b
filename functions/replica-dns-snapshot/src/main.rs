//! The snapshot Lambda's wiring: configuration (validated at start-up), the ElastiCache
//! client and a Step Functions client that lists without retrying (the supersede check
//! must not delay the first write), built once, then the handler in
//! [`replica_dns_snapshot`].

use lambda_runtime::{tracing, Error};
use replica_dns_lambda::serve::{serve, started};
use replica_dns_lambda::startup::config_from_env;
use replica_dns_snapshot::handle;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = started(config_from_env()).await?;
    let sdk = started(replica_dns_aws::load_config().await).await?;
    let topology = replica_dns_aws::Adapters::from_config(&sdk).topology;
    let executions = replica_dns_aws::sfn::SfnExecutions::single_attempt(&sdk);
    let event_topic_arn = replica_dns_lambda::startup::event_topic_arn_from_env();
    serve("a GroupRun (statemachine/README.md)", |run| {
        handle(
            run,
            &config,
            &topology,
            &executions,
            event_topic_arn.as_deref(),
        )
    })
    .await
}
