//! The one error type of the adapters, and the classification the state machine's
//! Retry/Catch rules are built on. It does not decide what to do about a failure (retry,
//! re-plan, give up): callers do, from [`Error::kind`].

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A boxed cause; the SDK's error types differ per operation, the handling does not.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a failure means for the caller. Lambdas turn it into the `errorType` the state
/// machine matches ([`ErrorKind::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Worth retrying as is: throttling, `PriorRequestNotComplete`, 5xx, timeouts,
    /// connection failures. The SDK has already retried a few times by the time this
    /// surfaces, so the state machine's Retry (with backoff) is the next layer.
    Transient,
    /// Route 53 rejected the batch (`InvalidChangeBatch`): a DELETE did not match or a
    /// CREATE found a record, i.e. someone else changed the records since they were read.
    /// Nothing was applied; re-read, re-plan and try again.
    Conflict,
    /// The thing asked about does not exist (replication group, cache cluster, hosted
    /// zone, change, state machine). Retrying will not help; the caller may treat it as
    /// "nothing to do".
    NotFound,
    /// Everything else: access denied, validation, a response we cannot make sense of.
    /// Retrying will not help; a person has to look.
    Fatal,
}

impl ErrorKind {
    /// The stable name used as a Lambda `errorType` suffix and in ASL `ErrorEquals`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Transient => "Transient",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::Fatal => "Fatal",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every failure of an adapter call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error code.
    #[error("{operation} failed: {code}: {message}")]
    Service {
        operation: &'static str,
        kind: ErrorKind,
        /// The AWS error code (`Throttling`, `InvalidChangeBatch`, …); `unknown` when the
        /// response carried none.
        code: String,
        message: String,
        #[source]
        source: BoxError,
    },
    /// The request never got a service answer: timeout, connection failure, a response
    /// that could not be parsed, or a request the SDK could not build.
    #[error("{operation} failed: {what}")]
    Transport {
        operation: &'static str,
        kind: ErrorKind,
        what: &'static str,
        #[source]
        source: BoxError,
    },
    /// The service answered "no such thing" in a form without an error code (for
    /// example an empty list for a filtered describe).
    #[error("{what} {id:?} not found")]
    NotFound { what: &'static str, id: String },
    /// replica-dns manages cluster-mode-disabled groups only: one node group, one primary.
    #[error(
        "replication group {group_id:?} has cluster mode enabled ({node_groups} node groups); \
         replica-dns manages cluster-mode-disabled groups only"
    )]
    ClusterModeEnabled {
        group_id: String,
        node_groups: usize,
    },
    /// A response lacks a field the domain needs.
    #[error("{operation} response is missing {field} ({context})")]
    MissingField {
        operation: &'static str,
        field: &'static str,
        context: String,
    },
    /// A response field has a value the domain cannot represent.
    #[error("{operation} response has an invalid {field} {value:?} ({context}): {reason}")]
    InvalidField {
        operation: &'static str,
        field: &'static str,
        value: String,
        context: String,
        reason: &'static str,
    },
    /// The caller asked for something the API cannot do (empty or oversized batch, …).
    #[error("invalid {operation} request: {reason}")]
    InvalidRequest {
        operation: &'static str,
        reason: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl Error {
    /// How the caller should react; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Service { kind, .. } | Error::Transport { kind, .. } => *kind,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::ClusterModeEnabled { .. }
            | Error::MissingField { .. }
            | Error::InvalidField { .. }
            | Error::InvalidRequest { .. } => ErrorKind::Fatal,
        }
    }

    /// The AWS error code, when the service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Classifies an SDK error of any operation, keeping it as the source.
    pub(crate) fn from_sdk<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        match &err {
            SdkError::ServiceError(service) => {
                let code = service.err().code().unwrap_or("unknown").to_owned();
                let message = service.err().message().unwrap_or_default().to_owned();
                let kind = classify_code(&code, status);
                Error::Service {
                    operation,
                    kind,
                    code,
                    message,
                    source: Box::new(err),
                }
            }
            SdkError::TimeoutError(_) => Error::Transport {
                operation,
                kind: ErrorKind::Transient,
                what: "timed out",
                source: Box::new(err),
            },
            SdkError::DispatchFailure(failure) => {
                // A "user" dispatch failure is our own misconfiguration (bad endpoint URL,
                // no credentials…): retrying cannot fix it.
                let kind = if failure.is_user() {
                    ErrorKind::Fatal
                } else {
                    ErrorKind::Transient
                };
                Error::Transport {
                    operation,
                    kind,
                    what: "could not send the request",
                    source: Box::new(err),
                }
            }
            SdkError::ResponseError(_) => Error::Transport {
                operation,
                kind: if status.is_some_and(is_transient_status) {
                    ErrorKind::Transient
                } else {
                    ErrorKind::Fatal
                },
                what: "could not read the response",
                source: Box::new(err),
            },
            // ConstructionFailure and any future variant: the request could not be built.
            _ => Error::Transport {
                operation,
                kind: ErrorKind::Fatal,
                what: "could not build the request",
                source: Box::new(err),
            },
        }
    }
}

/// Error codes that mean "try again later", across ElastiCache (awsQuery), Route 53
/// (restXml) and Step Functions (awsJson).
const TRANSIENT_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "PriorRequestNotComplete",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "InternalServiceError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];

/// Error codes that mean "it does not exist".
const NOT_FOUND_CODES: &[&str] = &[
    "ReplicationGroupNotFoundFault",
    "CacheClusterNotFound",
    "CacheClusterNotFoundFault",
    "NoSuchHostedZone",
    "NoSuchChange",
    "StateMachineDoesNotExist",
    "ExecutionDoesNotExist",
];

fn is_transient_status(status: u16) -> bool {
    status == 429 || status >= 500
}

/// Code first (Route 53 throttles with HTTP 400), then the HTTP status as a fallback for
/// codes we do not know.
pub(crate) fn classify_code(code: &str, status: Option<u16>) -> ErrorKind {
    if code == "InvalidChangeBatch" {
        ErrorKind::Conflict
    } else if TRANSIENT_CODES.contains(&code) {
        ErrorKind::Transient
    } else if NOT_FOUND_CODES.contains(&code) {
        ErrorKind::NotFound
    } else if status.is_some_and(is_transient_status) {
        ErrorKind::Transient
    } else {
        ErrorKind::Fatal
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use aws_sdk_elasticache::operation::describe_replication_groups::DescribeReplicationGroupsError;
    use aws_sdk_route53::operation::change_resource_record_sets::ChangeResourceRecordSetsError;
    use aws_sdk_route53::types::error::InvalidChangeBatch;
    use aws_sdk_sfn::operation::start_execution::StartExecutionError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    fn route53_generic(code: &str, status: u16) -> Error {
        let err = ChangeResourceRecordSetsError::generic(
            ErrorMetadata::builder().code(code).message("m").build(),
        );
        Error::from_sdk(
            "ChangeResourceRecordSets",
            SdkError::service_error(err, response(status)),
        )
    }

    #[test]
    fn codes_are_classified_by_meaning() {
        let cases: &[(&str, u16, ErrorKind)] = &[
            ("Throttling", 400, ErrorKind::Transient),
            ("PriorRequestNotComplete", 400, ErrorKind::Transient),
            ("ThrottlingException", 400, ErrorKind::Transient),
            ("ServiceUnavailable", 503, ErrorKind::Transient),
            ("InternalFailure", 500, ErrorKind::Transient),
            ("SomethingNew", 502, ErrorKind::Transient),
            ("SomethingNew", 429, ErrorKind::Transient),
            ("InvalidChangeBatch", 400, ErrorKind::Conflict),
            ("NoSuchHostedZone", 404, ErrorKind::NotFound),
            ("NoSuchChange", 404, ErrorKind::NotFound),
            ("ReplicationGroupNotFoundFault", 404, ErrorKind::NotFound),
            ("CacheClusterNotFound", 404, ErrorKind::NotFound),
            ("StateMachineDoesNotExist", 400, ErrorKind::NotFound),
            ("AccessDenied", 403, ErrorKind::Fatal),
            ("AccessDeniedException", 400, ErrorKind::Fatal),
            ("InvalidInput", 400, ErrorKind::Fatal),
            ("ValidationException", 400, ErrorKind::Fatal),
            ("InvalidParameterValue", 400, ErrorKind::Fatal),
        ];
        for (code, status, expected) in cases {
            let err = route53_generic(code, *status);
            assert_eq!(err.kind(), *expected, "code {code} status {status}");
            assert_eq!(err.code(), Some(*code));
        }
    }

    #[test]
    fn modeled_invalid_change_batch_is_a_conflict_and_keeps_the_sdk_error() {
        let err = ChangeResourceRecordSetsError::InvalidChangeBatch(
            InvalidChangeBatch::builder()
                .message("Tried to delete resource record set but it was not found")
                .meta(
                    ErrorMetadata::builder()
                        .code("InvalidChangeBatch")
                        .message("Tried to delete resource record set but it was not found")
                        .build(),
                )
                .build(),
        );
        let err = Error::from_sdk(
            "ChangeResourceRecordSets",
            SdkError::service_error(err, response(400)),
        );
        assert_eq!(err.kind(), ErrorKind::Conflict);
        let source = std::error::Error::source(&err).unwrap();
        let sdk = source
            .downcast_ref::<SdkError<ChangeResourceRecordSetsError, HttpResponse>>()
            .unwrap();
        assert!(sdk.as_service_error().unwrap().is_invalid_change_batch());
        assert!(err.to_string().contains("InvalidChangeBatch"), "{err}");
        assert!(err.to_string().contains("not found"), "{err}");
    }

    #[test]
    fn modeled_not_found_faults_are_not_found() {
        let err = DescribeReplicationGroupsError::ReplicationGroupNotFoundFault(
            aws_sdk_elasticache::types::error::ReplicationGroupNotFoundFault::builder()
                .meta(
                    ErrorMetadata::builder()
                        .code("ReplicationGroupNotFoundFault")
                        .build(),
                )
                .build(),
        );
        let err = Error::from_sdk(
            "DescribeReplicationGroups",
            SdkError::service_error(err, response(404)),
        );
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn timeouts_and_io_failures_are_transient() {
        let timeout: SdkError<StartExecutionError, HttpResponse> =
            SdkError::timeout_error("took too long");
        assert_eq!(
            Error::from_sdk("StartExecution", timeout).kind(),
            ErrorKind::Transient
        );
        let io: SdkError<StartExecutionError, HttpResponse> = SdkError::dispatch_failure(
            ConnectorError::io(Box::new(std::io::Error::other("connection reset"))),
        );
        assert_eq!(
            Error::from_sdk("StartExecution", io).kind(),
            ErrorKind::Transient
        );
    }

    #[test]
    fn misconfiguration_and_unbuildable_requests_are_fatal() {
        let user: SdkError<StartExecutionError, HttpResponse> = SdkError::dispatch_failure(
            ConnectorError::user(Box::new(std::io::Error::other("bad endpoint"))),
        );
        assert_eq!(
            Error::from_sdk("StartExecution", user).kind(),
            ErrorKind::Fatal
        );
        let construction: SdkError<StartExecutionError, HttpResponse> =
            SdkError::construction_failure(std::io::Error::other("missing field"));
        assert_eq!(
            Error::from_sdk("StartExecution", construction).kind(),
            ErrorKind::Fatal
        );
    }

    #[test]
    fn unreadable_responses_are_transient_only_for_server_errors() {
        let bad_gateway: SdkError<StartExecutionError, HttpResponse> =
            SdkError::response_error(std::io::Error::other("html"), response(502));
        assert_eq!(
            Error::from_sdk("StartExecution", bad_gateway).kind(),
            ErrorKind::Transient
        );
        let garbage_ok: SdkError<StartExecutionError, HttpResponse> =
            SdkError::response_error(std::io::Error::other("not json"), response(200));
        assert_eq!(
            Error::from_sdk("StartExecution", garbage_ok).kind(),
            ErrorKind::Fatal
        );
    }

    #[test]
    fn domain_errors_have_fixed_kinds() {
        let not_found = Error::NotFound {
            what: "replication group",
            id: "orders".into(),
        };
        assert_eq!(not_found.kind(), ErrorKind::NotFound);
        let cme = Error::ClusterModeEnabled {
            group_id: "orders".into(),
            node_groups: 3,
        };
        assert_eq!(cme.kind(), ErrorKind::Fatal);
        assert!(cme.to_string().contains("cluster mode enabled"));
    }

    #[test]
    fn kind_names_are_stable() {
        let names: Vec<_> = [
            ErrorKind::Transient,
            ErrorKind::Conflict,
            ErrorKind::NotFound,
            ErrorKind::Fatal,
        ]
        .iter()
        .map(|k| k.as_str())
        .collect();
        assert_eq!(names, ["Transient", "Conflict", "NotFound", "Fatal"]);
    }
}
