//! [`ExecutionStarter`] on Step Functions, and the execution-name rule that makes a
//! redelivered SNS message start nothing new. It does not build the execution input
//! (the trigger does) and does not wait for executions.

use aws_sdk_sfn::operation::start_execution::StartExecutionError;

use crate::error::Error;
use crate::ports::{ExecutionStarter, StartOutcome};

const START: &str = "StartExecution";

/// Step Functions' limit on execution names.
pub const MAX_EXECUTION_NAME_LEN: usize = 80;

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

/// An execution name derived from an SNS `MessageId`, so the same message always maps
/// to the same execution (Standard workflows refuse a second execution of a name).
///
/// A valid name (1–80 of `A-Z a-z 0-9 - _`; an SNS MessageId is a UUID) is used as is.
/// Anything else is made valid (other characters become `_`, cut to fit) and gets a
/// `-` + 16-hex-digit hash of the original appended, so two different ids cannot
/// collapse onto one name. Only ASCII letters, digits, `-` and `_` are kept, the subset
/// Step Functions also accepts for CloudWatch-logged executions.
///
/// ```
/// use replica_dns_aws::sfn::execution_name;
/// let id = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";
/// assert_eq!(execution_name(id), id);
/// assert!(execution_name("a b").starts_with("a_b-"));
/// ```
pub fn execution_name(message_id: &str) -> String {
    let sanitized: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !sanitized.is_empty() && sanitized == message_id && sanitized.len() <= MAX_EXECUTION_NAME_LEN
    {
        return sanitized;
    }
    let suffix = format!("-{:016x}", fnv1a64(message_id.as_bytes()));
    let body: String = sanitized
        .chars()
        .take(MAX_EXECUTION_NAME_LEN - suffix.len())
        .collect();
    format!("{body}{suffix}")
}

/// FNV-1a, 64 bit: stable across Rust versions and platforms (unlike `DefaultHasher`),
/// which matters because a redelivery may reach a newer build of the trigger.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn is_valid(name: &str) -> bool {
        (1..=MAX_EXECUTION_NAME_LEN).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }

    #[test]
    fn sns_message_ids_are_used_verbatim() {
        let id = "d9b8a41c-7a0f-5d4e-9c29-2f7f2a3a8b1e";
        assert_eq!(execution_name(id), id);
    }

    #[test]
    fn invalid_ids_become_valid_distinct_names() {
        let cases = ["", "a b", "a:b", "a/b", "ü", &"x".repeat(200), "[brackets]"];
        let names: Vec<_> = cases.iter().map(|c| execution_name(c)).collect();
        for (case, name) in cases.iter().zip(&names) {
            assert!(is_valid(name), "{case:?} -> {name:?}");
        }
        // "a:b" and "a/b" sanitise to the same body; the hash keeps them apart.
        assert_ne!(names[2], names[3]);
        assert_eq!(execution_name("a b"), names[1], "deterministic");
    }

    #[test]
    fn fnv_hash_is_the_published_function() {
        // Test vectors of FNV-1a 64.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
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
}
