//! Is the loaded AWS configuration usable at all? A Lambda always has a region and
//! credentials from its execution role; an operator's shell may have neither, and the
//! SDK would only say so on the first call, as a dispatch failure deep in an error
//! chain. [`check`] asks up front, so the CLI can say "no credentials" or "no region"
//! plainly. It does not check permissions (only a real call can).

use aws_config::SdkConfig;
use aws_sdk_sfn::config::ProvideCredentials;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Neither `AWS_REGION` nor a profile's `region` is set.
    #[error(
        "no AWS region is configured: set AWS_REGION (or AWS_DEFAULT_REGION, or `region` in the AWS_PROFILE's profile)"
    )]
    NoRegion,
    /// No provider in the default chain produced credentials.
    #[error(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role provides them"
    )]
    NoCredentials {
        #[source]
        source: crate::error::BoxError,
    },
    /// `AWS_CA_BUNDLE` names a file that is not a usable PEM bundle.
    #[error("AWS_CA_BUNDLE: {0}")]
    CaBundle(#[from] crate::tls::CaBundleError),
}

/// Checks that a region is set and that the credential chain yields credentials.
pub async fn check(config: &SdkConfig) -> Result<(), SetupError> {
    if config.region().is_none() {
        return Err(SetupError::NoRegion);
    }
    let provider = config
        .credentials_provider()
        .ok_or_else(|| SetupError::NoCredentials {
            source: "no credentials provider is configured".into(),
        })?;
    provider
        .provide_credentials()
        .await
        .map(|_| ())
        .map_err(|e| SetupError::NoCredentials {
            source: Box::new(e),
        })
}
