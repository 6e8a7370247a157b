//! [`ExecutionStarter`] on Step Functions, with the execution-name rule (from the core)
//! that makes a redelivered SNS message start nothing new. It does not build the
//! execution input (the trigger does) and does not wait for executions.

use aws_sdk_sfn::operation::start_execution::StartExecutionError;

use crate::error::Error;
use crate::ports::{ExecutionStarter, StartOutcome};

const START: &str = "StartExecution";

/// Execution names come from the core's one rule (an SNS MessageId, a UUID, is used as
/// is; anything else is made valid deterministically), re-exported here because the
/// trigger needs it next to [`ExecutionStarter`].
///
/// ```
/// use replica_dns_aws::sfn::execution_name;
/// let id = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";
/// assert_eq!(execution_name(id), id);
/// ```
pub use replica_dns_core::event::{execution_name, MAX_EXECUTION_NAME_LEN};

/// The Step Functions adapter. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SfnExecutions {
    client: aws_sdk_sfn::Client,
}

impl SfnExecutions {
    pub fn new(client: aws_sdk_sfn::Client) -> Self {
        Self { client }
    }
}

impl ExecutionStarter for SfnExecutions {
    /// `ExecutionAlreadyExists` is the expected answer to a redelivered message (same
    /// name, execution running with other input, or already finished), so it is an
    /// outcome, not an error.
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input_json: &str,
    ) -> Result<StartOutcome, Error> {
        let result = self
            .client
            .start_execution()
            .state_machine_arn(state_machine_arn)
            .name(name)
            .input(input_json)
            .send()
            .await;
        match result {
            Ok(output) => Ok(StartOutcome::Started {
                execution_arn: output.execution_arn().to_owned(),
            }),
            Err(err) => match err.as_service_error() {
                Some(StartExecutionError::ExecutionAlreadyExists(exists)) => {
                    Ok(StartOutcome::AlreadyRunningOrDone {
                        execution_arn: execution_arn(state_machine_arn, name),
                        message: exists.message().unwrap_or_default().to_owned(),
                    })
                }
                _ => Err(Error::from_sdk(START, err)),
            },
        }
    }
}

/// The ARN an execution named `name` of this state machine has:
/// `…:stateMachine:SM` → `…:execution:SM:name`.
pub fn execution_arn(state_machine_arn: &str, name: &str) -> Option<String> {
    let (prefix, state_machine) = state_machine_arn.split_once(":stateMachine:")?;
    Some(format!("{prefix}:execution:{state_machine}:{name}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn execution_arn_is_derived_from_the_state_machine_arn() {
        assert_eq!(
            execution_arn(
                "arn:aws:states:us-east-1:123456789012:stateMachine:replica-dns",
                "m-1"
            )
            .as_deref(),
            Some("arn:aws:states:us-east-1:123456789012:execution:replica-dns:m-1")
        );
        assert_eq!(execution_arn("not-an-arn", "m-1"), None);
    }
}
