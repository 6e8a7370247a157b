//! The pure domain of replica-dns: what an ElastiCache event means, what a replication
//! group looks like, what the operator configured, who owns a DNS record, which
//! Route 53 changes keep `replica{n}` names on live replicas, and how a client must
//! connect to a group's nodes (TLS, credentials).
//!
//! Nothing in this crate performs I/O, reads the environment or the clock, or touches an
//! AWS SDK type: adapters (`replica-dns-aws`) convert at the edge, Lambdas wire it up.

pub mod config;
pub mod event;
pub mod ids;
pub mod limits;
pub mod metrics;
pub mod output;
pub mod ownership;
pub mod plan;
pub mod ports;
pub mod records;
pub mod security;
pub mod status;
pub mod supersede;
pub mod topology;
pub mod tunables;
