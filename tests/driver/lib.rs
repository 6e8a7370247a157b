//! Driver of the end-to-end tests: brings scenarios up on the local stack started by
//! `tests/localstack/run`, causes ElastiCache events, and observes the outcome (executions,
//! Route 53 records, DNS answers, each node's `ROLE`). It talks to the stack only through
//! AWS APIs (SDK clients honouring `AWS_ENDPOINT_URL`), the stack's documented control
//! APIs and the nodes themselves (`ROLE`, over TLS with AUTH for `tls_auth` scenarios);
//! it is not part of what is deployed, and it starts no processes itself.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use replica_dns_tests::Stack;
//! use std::time::Duration;
//!
//! let stack = Stack::from_env().await?;
//! let scenario = stack.scenario("failover").replicas(2).build().await?;
//! scenario.failover().await?;
//! let executions = scenario.wait_idle(Duration::from_secs(2), Duration::from_secs(120)).await?;
//! let names = scenario.cnames().await?;
//! # let _ = (executions, names);
//! # Ok(()) }
//! ```

pub mod cpu;
pub mod dns;
pub mod host;
pub mod http;
pub mod outage;
pub mod resp;
pub mod scenario;
pub mod stack;

pub use host::{Invocation, LambdaHost};
pub use resp::Role;
pub use scenario::{Auth, Execution, Member, Record, Scenario, ScenarioBuilder};
pub use stack::Stack;
