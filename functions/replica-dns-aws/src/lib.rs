//! The AWS side of replica-dns: small port traits ([`ports`]) and their implementations
//! on the AWS SDK for Rust — ElastiCache ([`elasticache`]), Route 53 ([`route53`]),
//! Step Functions ([`sfn`]) and Secrets Manager ([`secretsmanager`]) — converting SDK types to the core's domain types at this
//! edge, and one classified [`Error`]. It holds no business rules: which records to
//! write is the core planner's decision, when to retry is the state machine's.
//!
//! # Wiring
//! A Lambda loads the AWS configuration once at cold start and keeps the adapters:
//! ```no_run
//! # async fn demo() {
//! let aws = replica_dns_aws::Adapters::from_env().await.expect("a usable AWS_CA_BUNDLE");
//! // handler(event, &aws.topology, &aws.records) — generic over the port traits.
//! # }
//! ```
//! Endpoints come from the standard `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_ROUTE_53`,
//! `AWS_ENDPOINT_URL_ELASTICACHE`, `AWS_ENDPOINT_URL_SFN`,
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER` variables that `aws-config`
//! reads itself: the code path is the same against AWS and the local stack.
//!
//! # One TLS stack
//! The SDK crates' default features include `rustls`, which (in SDK 1.x) means the
//! *legacy* hyper 0.14 + rustls 0.21 + ring client, next to the current hyper 1 +
//! rustls 0.23 + aws-lc-rs client of `default-https-client`: two TLS stacks and two
//! crypto libraries in every binary. The workspace therefore turns the SDK crates'
//! default features off and enables only `default-https-client` + `rt-tokio`
//! (aws-config: also `behavior-version-latest`; its `sso` and `credentials-process`
//! providers are left out, Lambdas get credentials from the environment). The one stack
//! is rustls 0.23 with aws-lc-rs, the SDK's own default and its tested path. What it
//! trusts, and when it builds its TLS configuration, is [`tls`]'s.

pub mod elasticache;
pub mod error;
pub mod iam;
pub mod ports;
pub mod route53;
pub mod secretsmanager;
pub mod setup;
pub mod sfn;
pub mod tls;

pub use error::{Error, ErrorKind};
pub use ports::{
    ChangeStatus, ClusterMembership, ExecutionLister, ExecutionStarter, MemberStatus, RecordStore,
    SecretSource, StartOutcome, TopologySource,
};
pub use ports::{ExecutionState, ExecutionStatus, ExecutionWatcher};

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

/// The adapters, built from one shared AWS configuration.
#[derive(Debug, Clone)]
pub struct Adapters {
    pub topology: elasticache::ElastiCacheTopology,
    pub records: route53::Route53Records,
    pub executions: sfn::SfnExecutions,
    pub secrets: secretsmanager::SecretsManagerSecrets,
}

impl Adapters {
    /// Loads region, credentials and endpoint overrides from the environment (the
    /// standard AWS chain) once, and builds every client from it. Building a client does
    /// no I/O, so a Lambda that uses one adapter pays nothing for the others. Fails only
    /// on an unusable `AWS_CA_BUNDLE` ([`tls`]).
    pub async fn from_env() -> Result<Self, setup::SetupError> {
        Ok(Self::from_config(&load_config().await?))
    }

    /// Builds the adapters from an already loaded configuration.
    pub fn from_config(config: &SdkConfig) -> Self {
        Self {
            topology: elasticache::ElastiCacheTopology::new(aws_sdk_elasticache::Client::new(
                config,
            )),
            records: route53::Route53Records::new(aws_sdk_route53::Client::new(config)),
            executions: sfn::SfnExecutions::new(aws_sdk_sfn::Client::new(config)),
            secrets: secretsmanager::SecretsManagerSecrets::new(
                aws_sdk_secretsmanager::Client::new(config),
            ),
        }
    }
}

/// The shared AWS configuration: `aws_config::defaults(BehaviorVersion::latest())`,
/// which honours `AWS_REGION`, the credential chain and `AWS_ENDPOINT_URL*`, plus
/// [`timeouts`] and [`tls::https_client`] trusting the public roots and the bundle
/// `AWS_CA_BUNDLE` names, which is read and checked here.
pub async fn load_config() -> Result<SdkConfig, setup::SetupError> {
    let extra =
        tls::CaBundle::from_env_value(std::env::var(tls::AWS_CA_BUNDLE_ENV).ok().as_deref())?;
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts())
        .http_client(tls::https_client(extra))
        .load()
        .await)
}

/// Per-attempt and per-operation timeouts. The SDK sets none by default (only connect),
/// so a hung request would run into the Lambda's own timeout. The numbers and how they
/// relate to the Lambda and Task timeouts live in one place: `replica_dns_core::limits`.
pub fn timeouts() -> TimeoutConfig {
    use replica_dns_core::limits;
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(limits::SDK_CONNECT_TIMEOUT_MS))
        .operation_attempt_timeout(Duration::from_millis(limits::SDK_ATTEMPT_TIMEOUT_MS))
        .operation_timeout(Duration::from_millis(limits::SDK_OPERATION_TIMEOUT_MS))
        .build()
}
