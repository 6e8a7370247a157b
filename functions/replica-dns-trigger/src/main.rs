//! The trigger Lambda's wiring: configuration and the Step Functions client, built once,
//! then the handler in [`replica_dns_trigger`]. No logic lives here.

use lambda_runtime::{run, service_fn, tracing, Error, LambdaEvent};
use replica_dns_trigger::{handle, Trigger};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let trigger = Trigger::from_env(replica_dns_aws::Adapters::from_env().await.executions)?;
    run(service_fn(|event: LambdaEvent<_>| {
        handle(event.payload, &trigger)
    }))
    .await
}
