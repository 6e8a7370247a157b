//! [`ExecutionStarter`] and [`ExecutionWatcher`] on Step Functions, with the
//! execution-name rule (from the core) that makes a redelivered SNS message start
//! nothing new. It does not build the execution input (the trigger and the CLI do) and
//! does not decide how long to wait for an execution (the CLI does).

use aws_sdk_sfn::operation::start_execution::StartExecutionError;
use aws_sdk_sfn::types::ExecutionStatus as SdkStatus;

use crate::error::Error;
use crate::ports::{
    ExecutionLister, ExecutionStarter, ExecutionState, ExecutionStatus, ExecutionWatcher,
    StartOutcome,
};
use replica_dns_core::supersede::ListedExecution;

const START: &str = "StartExecution";
const DESCRIBE: &str = "DescribeExecution";
const LIST: &str = "ListExecutions";
/// ListExecutions' page for the recent executions: the default (API reference,
/// ListExecutions `maxResults`: "The default is 100 and the maximum allowed page size is
/// 1000"). The executions newer than the asking one fit in it but under a burst of
/// more than 100 notifications at once.
const RECENT_PAGE: i32 = 100;
/// At most this many pages per listing (1,000 executions).
const RECENT_PAGES: usize = 10;

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

    /// For a call that only saves work (the filter's supersede check, on the path to the
    /// first write): one attempt, no retry. A throttled or failed listing then costs no
    /// back-off delay; the caller goes on as if nothing newer ran.
    pub fn single_attempt(config: &aws_config::SdkConfig) -> Self {
        let conf = aws_sdk_sfn::config::Builder::from(config)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        Self::new(aws_sdk_sfn::Client::from_conf(conf))
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

impl ExecutionWatcher for SfnExecutions {
    async fn describe_execution(&self, execution_arn: &str) -> Result<ExecutionState, Error> {
        let output = self
            .client
            .describe_execution()
            .execution_arn(execution_arn)
            .send()
            .await
            .map_err(|e| Error::from_sdk(DESCRIBE, e))?;
        Ok(ExecutionState {
            status: status_of(output.status()),
            output: output.output().map(str::to_owned),
            error: output.error().map(str::to_owned),
            cause: output.cause().map(str::to_owned),
        })
    }
}

impl ExecutionLister for SfnExecutions {
    /// ListExecutions without a status filter: "Results are sorted by time, with the
    /// most recent execution first" (API reference, ListExecutions,
    /// <https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html>),
    /// so the executions that started after the asking one come before it, on the first
    /// page as a rule. Pages of [`RECENT_PAGE`] until it is seen, at most
    /// [`RECENT_PAGES`] (the listing is eventually consistent: the asking execution may be
    /// missing, and the history holds 90 days of executions). Running and succeeded ones
    /// are kept; failed, timed-out and aborted ones left out.
    async fn recent_executions(
        &self,
        state_machine_arn: &str,
        own_execution_arn: &str,
    ) -> Result<Vec<ListedExecution>, Error> {
        let mut listed = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..RECENT_PAGES {
            let page = self
                .client
                .list_executions()
                .state_machine_arn(state_machine_arn)
                .max_results(RECENT_PAGE)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| Error::from_sdk(LIST, e))?;
            let mut seen_own = false;
            for e in page.executions() {
                let ended = match e.status() {
                    SdkStatus::Running => false,
                    SdkStatus::Succeeded => true,
                    _ => continue,
                };
                seen_own |= e.execution_arn() == own_execution_arn;
                listed.push(ListedExecution {
                    name: e.name().to_owned(),
                    execution_arn: e.execution_arn().to_owned(),
                    started_ms: e.start_date().to_millis().unwrap_or_default(),
                    ended,
                });
            }
            match page.next_token() {
                Some(next) if !next.is_empty() && !seen_own => token = Some(next.to_owned()),
                _ => return Ok(listed),
            }
        }
        Ok(listed)
    }
}

fn status_of(status: &SdkStatus) -> ExecutionStatus {
    match status {
        SdkStatus::Running => ExecutionStatus::Running,
        SdkStatus::Succeeded => ExecutionStatus::Succeeded,
        SdkStatus::Failed => ExecutionStatus::Failed,
        SdkStatus::TimedOut => ExecutionStatus::TimedOut,
        SdkStatus::Aborted => ExecutionStatus::Aborted,
        SdkStatus::PendingRedrive => ExecutionStatus::PendingRedrive,
        other => ExecutionStatus::Other(other.as_str().to_owned()),
    }
}

/// The state machine an execution ARN belongs to: `…:execution:SM:name` →
/// `…:stateMachine:SM` (the inverse of [`execution_arn`]).
pub fn state_machine_of(execution_arn: &str) -> Option<String> {
    let (prefix, rest) = execution_arn.split_once(":execution:")?;
    let (state_machine, _name) = rest.split_once(':')?;
    Some(format!("{prefix}:stateMachine:{state_machine}"))
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
    fn every_execution_status_maps_and_unknown_ones_keep_their_spelling() {
        assert_eq!(status_of(&SdkStatus::Running), ExecutionStatus::Running);
        assert!(status_of(&SdkStatus::Running).is_running());
        assert_eq!(status_of(&SdkStatus::Succeeded), ExecutionStatus::Succeeded);
        assert_eq!(status_of(&SdkStatus::Failed), ExecutionStatus::Failed);
        assert_eq!(status_of(&SdkStatus::TimedOut), ExecutionStatus::TimedOut);
        assert_eq!(status_of(&SdkStatus::Aborted), ExecutionStatus::Aborted);
        assert_eq!(
            status_of(&SdkStatus::PendingRedrive),
            ExecutionStatus::PendingRedrive
        );
        assert_eq!(
            status_of(&SdkStatus::from("PAUSED")),
            ExecutionStatus::Other("PAUSED".into())
        );
        assert!(!status_of(&SdkStatus::Failed).is_running());
    }

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

    #[test]
    fn the_state_machine_of_an_execution_is_the_inverse() {
        let sm = "arn:aws:states:us-east-1:123456789012:stateMachine:replica-dns";
        let execution = execution_arn(sm, "orders--m-1").unwrap();
        assert_eq!(state_machine_of(&execution).as_deref(), Some(sm));
        assert_eq!(state_machine_of("exec"), None);
    }
}
