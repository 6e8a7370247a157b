//! End-to-end tests of replica-dns on the local AWS stack. They need the stack's
//! environment, so run them inside it:
//! `tests/localstack/run -- cargo test -p replica-dns-tests --test e2e`
//! (the pipeline modules also need the Lambda binaries: `cargo build --workspace --bins`).
//!
//! Index of modules (one per area; each test builds its own scenario, so they run in parallel):

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

/// The operator CLI against the local stack: `status` after a sync and a failover,
/// `plan` showing a hand edit without writing, `resync` converging it and reporting a
/// failed execution, exit status 3 without credentials, region or endpoint.
mod cli;
/// The stack and the driver themselves: scenario bring-up, failover seen through `ROLE`,
/// Route 53 records served by the DNS server, the Lambda host's AWS-shaped answers.
mod stack_smoke;

/// AZ-local names and the pooled name through failover, replacement, a replica in a new AZ.
mod pipeline_az_names;
/// The pipeline's other promises: dry-run, manual repair, foreign records, no-op events,
/// compare-and-swap conflicts, idempotent SNS redelivery.
mod pipeline_behaviour;
/// Pipeline helpers: the converged-state check every scenario ends with, manual runs.
mod pipeline_common;
/// What the steps' ElastiCache calls cost (issue 10): a snapshot has no call per member,
/// an await-nodes poll asks only about the member still awaited.
mod pipeline_efficiency;
/// How the pipeline fails: a FAILED execution with a cause naming the errorType, and
/// names left on live replicas.
mod pipeline_failures;
/// A Lambda killed, out of time or out of memory mid-step: retried as `Lambda.Unknown`,
/// the execution converges by itself, and the report says what a lost attempt wrote.
mod pipeline_faults;
/// The fleet pass (`{"all": true}` over several groups): one request per zone, each
/// group verified, a group waiting for a replaced node handed to the per-group pipeline.
mod pipeline_fleet;
/// Inputs AWS delivers or allows: no-op notifications start nothing, console input of
/// any JSON type is InvalidInput, an inactive topic is reported.
mod pipeline_inputs;
/// The CloudWatch metrics (Embedded Metric Format) a real run writes to the Lambdas'
/// logs: changes, outcomes, time to safe, interim routing, drift repaired.
mod pipeline_metrics;
/// The blog post's scenarios through SNS notifications: failover, node replacement,
/// replica added, replica removed.
mod pipeline_scenarios;
/// Groups with in-transit encryption and an AUTH token: the probe speaks TLS and
/// authenticates; a wrong token fails with a clear cause.
mod pipeline_tls;
