//! The ROLE probe's credentials: read from the secret store by ARN, parsed by the core
//! (`security::parse_secret_string`), kept for [`SECRET_TTL`] per warm sandbox (verify
//! polls every few seconds; a read per poll would cost a Secrets Manager call each time),
//! and read again at once when a node refuses them (a rotated secret). Never logged.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use replica_dns_aws::ports::SecretSource;
use replica_dns_core::security::{parse_secret_string, Credentials, SecretFormatError};

use super::role::RoleError;

/// How long read credentials are reused. A rotation is picked up at the latest after
/// this, or at once when a node refuses the cached credentials.
pub const SECRET_TTL: Duration = Duration::from_secs(300);

/// Why there are no credentials to probe with. Names the secret, never its value.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("secret {arn} cannot be read")]
    Read {
        arn: String,
        #[source]
        source: replica_dns_aws::Error,
    },
    #[error("secret {arn} does not hold Redis credentials: {source}")]
    Format {
        arn: String,
        #[source]
        source: SecretFormatError,
    },
}

/// Credentials by secret ARN, each kept for a while.
pub struct CredentialCache<S> {
    source: S,
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Arc<Credentials>)>>,
}

impl<S: SecretSource> CredentialCache<S> {
    pub fn new(source: S, ttl: Duration) -> Self {
        CredentialCache {
            source,
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Where the secrets are read from.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The credentials in `arn`, and whether they were read just now (`true`) or come
    /// from the cache.
    pub async fn get(&self, arn: &str) -> Result<(Arc<Credentials>, bool), CredentialError> {
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(arn)
            .filter(|(read_at, _)| read_at.elapsed() < self.ttl)
            .map(|(_, credentials)| credentials.clone());
        match cached {
            Some(credentials) => Ok((credentials, false)),
            None => Ok((self.read(arn).await?, true)),
        }
    }

    /// Reads `arn` from the source, replacing what is cached.
    pub async fn read(&self, arn: &str) -> Result<Arc<Credentials>, CredentialError> {
        let text =
            self.source
                .secret_string(arn)
                .await
                .map_err(|source| CredentialError::Read {
                    arn: arn.to_owned(),
                    source,
                })?;
        let credentials =
            Arc::new(
                parse_secret_string(&text).map_err(|source| CredentialError::Format {
                    arn: arn.to_owned(),
                    source,
                })?,
            );
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(arn.to_owned(), (Instant::now(), credentials.clone()));
        Ok(credentials)
    }

    /// Runs `attempt` with the credentials in `arn`. When it fails authenticating with
    /// cached credentials and `may_reread` is still true, the secret is read again
    /// (clearing `may_reread`: once per verification) and, if its value changed, the
    /// attempt is repeated with it: the secret was rotated since it was cached.
    pub async fn with_credentials<F, Fut>(
        &self,
        arn: &str,
        may_reread: &mut bool,
        attempt: F,
    ) -> Result<Result<String, RoleError>, CredentialError>
    where
        F: Fn(Arc<Credentials>) -> Fut,
        Fut: Future<Output = Result<String, RoleError>>,
    {
        let (credentials, fresh) = self.get(arn).await?;
        let result = attempt(credentials.clone()).await;
        match &result {
            Err(e) if e.is_auth_failure() && !fresh && *may_reread => {
                *may_reread = false;
                let newer = self.read(arn).await?;
                if newer == credentials {
                    Ok(result)
                } else {
                    Ok(attempt(newer).await)
                }
            }
            _ => Ok(result),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_lambda::fakes::{throttled, FakeSecrets};

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3";

    fn secrets(value: &str) -> FakeSecrets {
        FakeSecrets::with([(ARN.to_owned(), value.to_owned())])
    }

    /// A node that accepts only `password`.
    fn node(
        password: &'static str,
    ) -> impl Fn(Arc<Credentials>) -> std::future::Ready<Result<String, RoleError>> {
        move |credentials| {
            std::future::ready(if credentials.password() == password {
                Ok("slave".to_owned())
            } else {
                Err(RoleError::AuthRefused {
                    reply: "WRONGPASS invalid username-password pair or user is disabled.".into(),
                })
            })
        }
    }

    #[tokio::test]
    async fn credentials_are_read_once_and_reused_within_the_ttl() {
        let cache = CredentialCache::new(secrets("token-one-0123456789"), SECRET_TTL);
        let (first, fresh) = cache.get(ARN).await.unwrap();
        assert!(fresh);
        let (second, fresh) = cache.get(ARN).await.unwrap();
        assert!(!fresh);
        assert_eq!(first, second);
        assert_eq!(cache.source.read_count(), 1);
    }

    #[tokio::test]
    async fn expired_credentials_are_read_again() {
        let cache = CredentialCache::new(secrets("token-one-0123456789"), Duration::ZERO);
        cache.get(ARN).await.unwrap();
        let (_, fresh) = cache.get(ARN).await.unwrap();
        assert!(fresh);
        assert_eq!(cache.source.read_count(), 2);
    }

    #[tokio::test]
    async fn a_rotated_secret_is_reread_once_after_an_auth_failure() {
        let cache = CredentialCache::new(secrets("token-old-0123456789"), SECRET_TTL);
        cache.get(ARN).await.unwrap();
        cache.source.set(ARN, "token-new-0123456789");
        let mut may_reread = true;

        let result = cache
            .with_credentials(ARN, &mut may_reread, node("token-new-0123456789"))
            .await
            .unwrap();

        assert_eq!(result.unwrap(), "slave");
        assert!(!may_reread);
        assert_eq!(cache.source.read_count(), 2);
        // The next node uses the new credentials from the cache.
        let result = cache
            .with_credentials(ARN, &mut may_reread, node("token-new-0123456789"))
            .await
            .unwrap();
        assert!(result.is_ok());
        assert_eq!(cache.source.read_count(), 2);
    }

    #[tokio::test]
    async fn wrong_credentials_are_reread_only_once_per_verification() {
        let cache = CredentialCache::new(secrets("token-old-0123456789"), SECRET_TTL);
        cache.get(ARN).await.unwrap();
        let mut may_reread = true;
        for _ in 0..3 {
            let result = cache
                .with_credentials(ARN, &mut may_reread, node("something-else-0123"))
                .await
                .unwrap();
            assert!(matches!(result, Err(RoleError::AuthRefused { .. })));
        }
        assert_eq!(cache.source.read_count(), 2);
    }

    #[tokio::test]
    async fn freshly_read_credentials_that_fail_are_not_read_again() {
        let cache = CredentialCache::new(secrets("token-old-0123456789"), SECRET_TTL);
        let mut may_reread = true;
        let result = cache
            .with_credentials(ARN, &mut may_reread, node("something-else-0123"))
            .await
            .unwrap();
        assert!(result.is_err());
        assert!(may_reread);
        assert_eq!(cache.source.read_count(), 1);
    }

    #[tokio::test]
    async fn unreadable_and_malformed_secrets_name_the_secret_not_the_value() {
        let missing = CredentialCache::new(FakeSecrets::default(), SECRET_TTL);
        let err = missing.get(ARN).await.unwrap_err();
        assert_eq!(err.to_string(), format!("secret {ARN} cannot be read"));
        assert!(
            matches!(err, CredentialError::Read { ref source, .. } if source.kind() == replica_dns_aws::ErrorKind::Fatal)
        );

        let throttling = CredentialCache::new(secrets("token-0123456789abcd"), SECRET_TTL);
        throttling
            .source
            .fail_next
            .lock()
            .unwrap()
            .push(throttled("GetSecretValue"));
        let err = throttling.get(ARN).await.unwrap_err();
        assert!(
            matches!(err, CredentialError::Read { ref source, .. } if source.kind() == replica_dns_aws::ErrorKind::Transient)
        );

        let malformed = CredentialCache::new(
            secrets(r#"{"username": "probe", "pass": "Very-Secret-0123456789"}"#),
            SECRET_TTL,
        );
        let err = malformed.get(ARN).await.unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("secret {ARN} does not hold Redis credentials: ")),
            "{err}"
        );
        assert!(!err.contains("Very-Secret"), "{err}");
    }
}
