//! [`SecretSource`] on Secrets Manager: `GetSecretValue` by ARN, the `SecretString` of
//! the current version wrapped in [`SecretText`] at once. It does not parse or cache the
//! value (the core parses it, verify caches it) and never logs it.

use replica_dns_core::security::SecretText;

use crate::error::Error;
use crate::ports::SecretSource;

const GET_SECRET_VALUE: &str = "GetSecretValue";

/// The Secrets Manager adapter. Cheap to clone (the SDK client is an `Arc` inside), and
/// cheap to build: constructing the client does no I/O, so a function that never reads
/// a secret pays nothing at cold start.
#[derive(Debug, Clone)]
pub struct SecretsManagerSecrets {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerSecrets {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }
}

impl SecretSource for SecretsManagerSecrets {
    /// Errors keep the SDK's classification ([`Error::from_sdk`]): throttling and
    /// `InternalServiceError` are Transient; `ResourceNotFoundException`,
    /// `AccessDeniedException`, `DecryptionFailure` (the function may not use the secret's
    /// KMS key) and `InvalidRequestException` (secret scheduled for deletion) are Fatal
    /// (Secrets Manager API reference, GetSecretValue, Errors). The SDK redacts
    /// `SecretString` in the output's `Debug`, and errors carry no value.
    async fn secret_string(&self, arn: &str) -> Result<SecretText, Error> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|err| Error::from_sdk(GET_SECRET_VALUE, err))?;
        match output.secret_string() {
            Some(text) => Ok(SecretText::new(text)),
            None => Err(Error::MissingField {
                operation: GET_SECRET_VALUE,
                field: "SecretString",
                context: format!(
                    "secret {arn}: it holds SecretBinary only; store the credentials as text"
                ),
            }),
        }
    }
}
