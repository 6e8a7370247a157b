//! The errors a handler can end with, and the `errorType` each one carries to the state
//! machine. The names are the Retry/Catch contract of `statemachine/replica-dns.asl.json`:
//! change one here and the ASL must change with it (a contract test checks both).
//!
//! This module classifies; it does not retry or log.

use lambda_runtime::Diagnostic;
use replica_dns_aws::ErrorKind;

/// The `errorType` names the state machine matches in `ErrorEquals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Retry as is, with backoff (throttling, 5xx, timeouts).
    Transient,
    /// A compare-and-swap change batch lost against a concurrent writer: re-snapshot,
    /// re-plan.
    Conflict,
    /// The input cannot be processed: fix the input, do not retry.
    InvalidInput,
    /// Anything else that retrying cannot fix: a person has to look.
    Fatal,
    /// Verify polled `maxVerifyPolls` times and a change is still not INSYNC (or a name
    /// not resolving): the ASL ends the group in its `VerifyTimedOut` Fail state.
    VerifyTimedOut,
    /// Verify found drift `maxResyncRounds` times in a row: the ASL ends the group in its
    /// `NotConverged` Fail state.
    NotConverged,
}

impl ErrorType {
    /// Every errorType a function can raise, for the ASL contract test.
    pub const ALL: [ErrorType; 6] = [
        ErrorType::Transient,
        ErrorType::Conflict,
        ErrorType::InvalidInput,
        ErrorType::Fatal,
        ErrorType::VerifyTimedOut,
        ErrorType::NotConverged,
    ];

    /// The name as it appears in the ASL.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Transient => "ReplicaDns.Transient",
            ErrorType::Conflict => "ReplicaDns.Conflict",
            ErrorType::InvalidInput => "ReplicaDns.InvalidInput",
            ErrorType::Fatal => "ReplicaDns.Fatal",
            ErrorType::VerifyTimedOut => "ReplicaDns.VerifyTimedOut",
            ErrorType::NotConverged => "ReplicaDns.NotConverged",
        }
    }
}

impl std::fmt::Display for ErrorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every way a handler can fail.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The event or state handed to the function does not fit its contract.
    #[error("invalid input: {what}")]
    InvalidInput {
        what: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// The input names a replication group the configuration does not manage.
    #[error("replication group {0:?} is not in REPLICA_DNS_CONFIG")]
    UnknownGroup(String),
    /// An AWS call failed; its kind decides Retry vs Catch.
    #[error("{context}")]
    Aws {
        context: String,
        #[source]
        source: replica_dns_aws::Error,
    },
    /// The planner refused the state it was given (e.g. a record it cannot interpret).
    #[error("planning failed for {group}")]
    Plan {
        group: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A state this function should never see (the state machine and the function are
    /// from different releases, or a previous step wrote nonsense).
    #[error("inconsistent state: {0}")]
    Inconsistent(String),
    /// Verify's ROLE probe cannot check a group's nodes because TLS or authentication
    /// fails, or the credentials are not configured or not usable. That is no drift a
    /// re-plan could fix: it is Fatal, and the message says what a person must fix.
    #[error("verify cannot check the nodes of replication group {group:?}: {what}")]
    ProbeRefused {
        group: String,
        what: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// Verify's loop budget is spent: it counts its own polls (pending) and re-plans
    /// (drifted) against the tunables, so the state machine needs no counting states.
    #[error("replication group {group:?}: {budget} used up ({limit}); last look: {detail}")]
    BudgetSpent {
        group: String,
        budget: VerifyBudget,
        limit: u32,
        detail: String,
    },
}

/// Which of verify's loops ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyBudget {
    /// `maxVerifyPolls`: Route 53 never said INSYNC (or names never resolved).
    Polls,
    /// `maxResyncRounds`: every re-plan found the world had moved on again.
    Resyncs,
}

impl std::fmt::Display for VerifyBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VerifyBudget::Polls => "maxVerifyPolls",
            VerifyBudget::Resyncs => "maxResyncRounds",
        })
    }
}

/// A tunable in the execution input that cannot be used: the input is invalid.
impl From<replica_dns_core::tunables::TunableError> for HandlerError {
    fn from(error: replica_dns_core::tunables::TunableError) -> Self {
        HandlerError::invalid(error.to_string())
    }
}

impl HandlerError {
    /// Shorthand for an invalid input without an underlying error.
    pub fn invalid(what: impl Into<String>) -> Self {
        HandlerError::InvalidInput {
            what: what.into(),
            source: None,
        }
    }

    /// Wraps an adapter error with what was being done.
    pub fn aws(context: impl Into<String>, source: replica_dns_aws::Error) -> Self {
        HandlerError::Aws {
            context: context.into(),
            source,
        }
    }

    /// The errorType the state machine sees.
    pub fn error_type(&self) -> ErrorType {
        match self {
            HandlerError::InvalidInput { .. } | HandlerError::UnknownGroup(_) => {
                ErrorType::InvalidInput
            }
            HandlerError::Aws { source, .. } => match source.kind() {
                ErrorKind::Transient => ErrorType::Transient,
                ErrorKind::Conflict => ErrorType::Conflict,
                ErrorKind::NotFound | ErrorKind::Fatal => ErrorType::Fatal,
            },
            HandlerError::Plan { .. }
            | HandlerError::Inconsistent(_)
            | HandlerError::ProbeRefused { .. } => ErrorType::Fatal,
            HandlerError::BudgetSpent { budget, .. } => match budget {
                VerifyBudget::Polls => ErrorType::VerifyTimedOut,
                VerifyBudget::Resyncs => ErrorType::NotConverged,
            },
        }
    }

    /// The message with every cause appended (`a: b: c`), so the execution history
    /// shows the root cause, not only the outermost context.
    pub fn message_chain(&self) -> String {
        let mut message = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        message
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        Diagnostic {
            error_type: error.error_type().as_str().to_string(),
            error_message: error.message_chain(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn adapter_kinds_map_to_the_asl_names() {
        let cases = [
            (
                replica_dns_aws::Error::NotFound {
                    what: "replication group",
                    id: "orders".into(),
                },
                "ReplicaDns.Fatal",
            ),
            (
                replica_dns_aws::Error::InvalidRequest {
                    operation: "ChangeResourceRecordSets",
                    reason: "empty batch".into(),
                    source: None,
                },
                "ReplicaDns.Fatal",
            ),
        ];
        for (source, expected) in cases {
            let diagnostic: Diagnostic = HandlerError::aws("describing orders", source).into();
            assert_eq!(diagnostic.error_type, expected);
            assert!(
                diagnostic.error_message.starts_with("describing orders: "),
                "{}",
                diagnostic.error_message
            );
        }
    }

    #[test]
    fn input_errors_are_invalid_input_and_name_the_problem() {
        let diagnostic: Diagnostic = HandlerError::UnknownGroup("billing".into()).into();
        assert_eq!(diagnostic.error_type, "ReplicaDns.InvalidInput");
        assert!(diagnostic.error_message.contains("\"billing\""));
        let diagnostic: Diagnostic = HandlerError::invalid("waitSeconds must be >= 1").into();
        assert_eq!(diagnostic.error_type, "ReplicaDns.InvalidInput");
        assert_eq!(
            diagnostic.error_message,
            "invalid input: waitSeconds must be >= 1"
        );
    }

    #[test]
    fn a_refused_probe_is_fatal_and_carries_its_cause() {
        let diagnostic: Diagnostic = HandlerError::ProbeRefused {
            group: "orders".into(),
            what: "authentication failed".into(),
            source: Some("WRONGPASS invalid username-password pair".into()),
        }
        .into();
        assert_eq!(diagnostic.error_type, "ReplicaDns.Fatal");
        assert_eq!(
            diagnostic.error_message,
            "verify cannot check the nodes of replication group \"orders\": authentication failed: \
             WRONGPASS invalid username-password pair"
        );
    }

    #[test]
    fn a_spent_verify_budget_names_the_loop_and_the_fail_state_it_ends_in() {
        let polls: Diagnostic = HandlerError::BudgetSpent {
            group: "orders".into(),
            budget: VerifyBudget::Polls,
            limit: 30,
            detail: "change C1 is still PENDING".into(),
        }
        .into();
        assert_eq!(polls.error_type, "ReplicaDns.VerifyTimedOut");
        assert_eq!(
            polls.error_message,
            "replication group \"orders\": maxVerifyPolls used up (30); last look: change C1 is still PENDING"
        );
        let resyncs: Diagnostic = HandlerError::BudgetSpent {
            group: "orders".into(),
            budget: VerifyBudget::Resyncs,
            limit: 3,
            detail: "a fresh snapshot disagrees".into(),
        }
        .into();
        assert_eq!(resyncs.error_type, "ReplicaDns.NotConverged");
    }

    #[test]
    fn error_type_names_share_the_replica_dns_prefix() {
        for error_type in ErrorType::ALL {
            assert!(error_type.as_str().starts_with("ReplicaDns."));
        }
    }
}
