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

/// Checks the chain for a set of Lambda timeouts; `Err` says which link breaks and why.
/// The CDK runs the same rule (through the CLI) on timeouts an operator overrides.
pub fn check_lambda_timeout(name: &str, timeout_seconds: u32) -> Result<(), String> {
    let minimum = minimum_lambda_timeout_seconds();
    if timeout_seconds < minimum {
        return Err(format!(
            "{name}: a Lambda timeout of {timeout_seconds} s is shorter than one SDK call with its retries ({} s) plus {LAMBDA_HEADROOM_SECONDS} s headroom; use at least {minimum} s",
            SDK_OPERATION_TIMEOUT_MS / 1000
        ));
    }
    if timeout_seconds >= TASK_TIMEOUT_SECONDS {
        return Err(format!(
            "{name}: a Lambda timeout of {timeout_seconds} s must stay below the state machine's Task timeout of {TASK_TIMEOUT_SECONDS} s, or a slow run ends as States.Timeout instead of a retried Lambda.Unknown"
        ));
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
            assert_eq!(check_lambda_timeout(f.name, f.timeout_seconds), Ok(()));
        }
    }

    #[test]
    fn a_timeout_outside_the_chain_is_refused_with_the_reason() {
        let short = check_lambda_timeout("apply", 10).unwrap_err();
        assert!(short.contains("at least 30 s"), "{short}");
        let long = check_lambda_timeout("verify", 90).unwrap_err();
        assert!(long.contains("Task timeout of 90 s"), "{long}");
    }

    #[test]
    fn functions_are_found_by_their_short_name() {
        assert_eq!(function("await-nodes").map(|f| f.timeout_seconds), Some(30));
        assert_eq!(function("nope"), None);
    }
}
