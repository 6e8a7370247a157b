//! The trigger Lambda's wiring: configuration and the Step Functions client, built once,
//! then the handler in [`replica_dns_trigger`]. No logic lives here.

use lambda_runtime::{tracing, Error};
use replica_dns_lambda::serve::{serve, started};
use replica_dns_trigger::{handle, Trigger};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let starter = started(replica_dns_aws::Adapters::from_env().await)
        .await?
        .executions;
    let trigger = started(Trigger::from_env(starter)).await?;
    serve("an SNS event ({\"Records\": [{\"Sns\": …}]})", |event| {
        handle(event, &trigger)
    })
    .await
}
