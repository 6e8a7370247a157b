//! The one place that says how the time limits of a run relate: the AWS SDK's timeouts
//! inside each function, each function's Lambda timeout and memory, and the state
//! machine's Task timeout. The adapters build their SDK timeout config from here, the
//! CLI prints it (`replica-dns function-limits`) and the CDK sets the functions' timeouts
//! and memory from that output, and a test checks the ASL's `TimeoutSeconds` against it.
//! Only numbers and their rules live here; nothing reads a clock.
//!
//! The chain, innermost first, each strictly inside the next:
//!
//! 1. **SDK attempt** ([`SDK_ATTEMPT_TIMEOUT_MS`]): one HTTP request. Every call the
//!    functions make is small (one describe, one page of 300 records, one change batch),
//!    so a request that has not answered in this time is hung and is retried.
//! 2. **SDK operation** ([`SDK_OPERATION_TIMEOUT_MS`]): one API call with the SDK's
//!    standard retries (3 attempts, exponential backoff with jitter). When it runs out the
//!    function returns `ReplicaDns.Transient`, which the state machine retries with its
//!    own backoff.
//! 3. **Lambda timeout** ([`FunctionLimits::timeout_seconds`]): at least one whole SDK
//!    operation plus [`LAMBDA_HEADROOM_SECONDS`], so a single slow call ends as the
//!    function's own `ReplicaDns.Transient`, not as a Lambda timeout. If a function still
//!    overruns (several slow calls in a row, a stuck sandbox), Lambda kills it and Step
//!    Functions reports `Lambda.Unknown` (Step Functions guide, "Handle Lambda service
//!    exceptions", <https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html>:
//!    "Unhandled errors in Lambda are reported as Lambda.Unknown … These include
//!    out-of-memory errors and function timeouts"), which the ASL retries too.
//! 4. **Task timeout** ([`TASK_TIMEOUT_SECONDS`]): longer than every Lambda timeout, so
//!    the Lambda's own timeout (retried as `Lambda.Unknown`) always fires first and
//!    `States.Timeout` only means the Lambda service itself did not answer.
//!
//! Every retry is safe: a replayed apply sends a compare-and-swap batch that fails if its
//! first attempt was applied, and the state machine then re-plans from a fresh snapshot.

/// Step Functions' cap on an execution's input, and on each state's input and output,
/// in bytes of UTF-8 JSON: 256 KiB (Step Functions Developer Guide, "Step Functions
/// service quotas", maximum input or output size for a task, state, or execution,
/// <https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html>). Past it
/// the state fails with `States.DataLimitExceeded`, which no Catch handles.
pub const STEP_FUNCTIONS_PAYLOAD_BYTES: usize = 256 * 1024;

/// Connecting to an AWS endpoint (TCP + TLS); just above the 3 s SYN retransmit.
pub const SDK_CONNECT_TIMEOUT_MS: u64 = 3_100;
/// One HTTP attempt of an SDK call.
pub const SDK_ATTEMPT_TIMEOUT_MS: u64 = 5_000;
/// One SDK call including its retries.
pub const SDK_OPERATION_TIMEOUT_MS: u64 = 20_000;
/// What a function keeps beyond one whole SDK operation: its other, quick calls and
/// start-up.
pub const LAMBDA_HEADROOM_SECONDS: u32 = 10;
/// `TimeoutSeconds` of every Task state in `statemachine/replica-dns.asl.json`.
pub const TASK_TIMEOUT_SECONDS: u32 = 90;

/// The Lambda settings of one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionLimits {
    /// The short name the CDK and the local stack use (`await-nodes`, `verify`, …).
    pub name: &'static str,
    /// The Lambda timeout.
    pub timeout_seconds: u32,
    /// The Lambda memory size. Peak RSS measured 10–12 MB for every function
    /// (`cdk/scripts/measure-functions`): memory is chosen for its CPU share, which
    /// shortens cold-start TLS handshakes, not for footprint.
    pub memory_mb: u32,
}

/// Every function of the pipeline, in pipeline order.
pub const FUNCTIONS: [FunctionLimits; 7] = [
    limits("trigger", 30),
    limits("filter", 30),
    limits("snapshot", 30),
    limits("await-nodes", 30),
    limits("plan", 30),
    limits("apply", 30),
    // DNS lookups and a ROLE probe per name besides its AWS calls.
    limits("verify", 60),
];

const fn limits(name: &'static str, timeout_seconds: u32) -> FunctionLimits {
    FunctionLimits {
        name,
        timeout_seconds,
        memory_mb: 256,
    }
}

/// The limits of the function called `name`, if there is one.
pub fn function(name: &str) -> Option<FunctionLimits> {
    FUNCTIONS.iter().copied().find(|f| f.name == name)
}

/// The shortest Lambda timeout the chain allows: one whole SDK operation plus headroom.
pub const fn minimum_lambda_timeout_seconds() -> u32 {
    (SDK_OPERATION_TIMEOUT_MS / 1000) as u32 + LAMBDA_HEADROOM_SECONDS
}

/// Why a Lambda timeout an operator wants breaks the chain. The one home of this rule:
/// the CDK asks `replica-dns function-limits --check NAME=SECONDS` and shows this text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeoutError {
    /// No function has that short name.
    #[error("there is no function called {name:?}; the functions are {known}")]
    UnknownFunction { name: String, known: String },
    /// Shorter than the function's own figure, which already covers one whole SDK call
    /// and the function's other work (verify's DNS lookups and probes).
    #[error(
        "the {name} function's timeout of {seconds} s is shorter than its {own} s from replica-dns function-limits. \
         The function's SDK timeouts ({operation_ms} ms per call with its retries, {attempt_ms} ms per attempt) and its deadline guard are derived from {own} s: \
         a shorter Lambda timeout kills it in the middle of a call instead of letting it end with its own retryable error. Use at least that."
    )]
    TooShort {
        name: &'static str,
        seconds: u32,
        own: u32,
        operation_ms: u64,
        attempt_ms: u64,
    },
    /// Not below the Task timeout, so the Task would time out before the Lambda does.
    #[error(
        "the {name} function's timeout of {seconds} s is not below the state machine's Task timeout of {task} s (taskTimeoutSeconds from replica-dns function-limits). \
         The Lambda timeout must fire first, so that a slow run is retried as Lambda.Unknown instead of ending as States.Timeout."
    )]
    NotBelowTask {
        name: &'static str,
        seconds: u32,
        task: u32,
    },
}

/// Checks a Lambda timeout for the function called `name` against the chain: at least
/// the function's own figure (each of which is at least [`minimum_lambda_timeout_seconds`],
/// a test says so) and below the Task timeout.
pub fn check_lambda_timeout(name: &str, timeout_seconds: u32) -> Result<(), TimeoutError> {
    let Some(own) = function(name) else {
        let known = FUNCTIONS
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(TimeoutError::UnknownFunction {
            name: name.to_owned(),
            known,
        });
    };
    if timeout_seconds < own.timeout_seconds {
        return Err(TimeoutError::TooShort {
            name: own.name,
            seconds: timeout_seconds,
            own: own.timeout_seconds,
            operation_ms: SDK_OPERATION_TIMEOUT_MS,
            attempt_ms: SDK_ATTEMPT_TIMEOUT_MS,
        });
    }
    if timeout_seconds >= TASK_TIMEOUT_SECONDS {
        return Err(TimeoutError::NotBelowTask {
            name: own.name,
            seconds: timeout_seconds,
            task: TASK_TIMEOUT_SECONDS,
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn every_link_of_the_chain_sits_inside_the_next() {
        const {
            assert!(SDK_CONNECT_TIMEOUT_MS < SDK_ATTEMPT_TIMEOUT_MS);
            assert!(SDK_ATTEMPT_TIMEOUT_MS < SDK_OPERATION_TIMEOUT_MS);
        }
        for f in FUNCTIONS {
            assert!(
                f.timeout_seconds >= minimum_lambda_timeout_seconds(),
                "{}",
                f.name
            );
            assert_eq!(check_lambda_timeout(f.name, f.timeout_seconds), Ok(()));
        }
    }

    #[test]
    fn a_timeout_outside_the_chain_is_refused_with_the_reason() {
        let short = check_lambda_timeout("apply", 10).unwrap_err().to_string();
        assert!(
            short.starts_with("the apply function's timeout of 10 s is shorter than its 30 s"),
            "{short}"
        );
        assert!(
            short.contains("20000 ms per call with its retries, 5000 ms per attempt"),
            "{short}"
        );
        // verify's own figure (60 s) is the floor, not the chain's 30 s minimum.
        let verify = check_lambda_timeout("verify", 45).unwrap_err().to_string();
        assert!(verify.contains("shorter than its 60 s"), "{verify}");
        assert_eq!(check_lambda_timeout("verify", 75), Ok(()));
        let long = check_lambda_timeout("verify", 90).unwrap_err().to_string();
        assert!(long.contains("Task timeout of 90 s"), "{long}");
        let unknown = check_lambda_timeout("planner", 40).unwrap_err().to_string();
        assert!(
            unknown.contains("\"planner\"") && unknown.contains("await-nodes"),
            "{unknown}"
        );
    }

    #[test]
    fn functions_are_found_by_their_short_name() {
        assert_eq!(function("await-nodes").map(|f| f.timeout_seconds), Some(30));
        assert_eq!(function("nope"), None);
    }
}
