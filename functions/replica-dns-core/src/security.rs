//! How a client must talk to a group's nodes: with TLS or without, with which
//! credentials, decided from the topology (what ElastiCache says the group requires) and
//! the group's configuration (where the credentials are); and the parsing of the
//! credentials secret. Pure: reading the secret and connecting are the verify
//! function's job, and nothing here ever prints a secret's value.
//!
//! ```
//! use replica_dns_core::security::{parse_secret_string, SecretText};
//!
//! let token = parse_secret_string(&SecretText::new("s3cr3t-token-0123456789")).unwrap();
//! assert_eq!(token.username(), None);
//! let rbac = SecretText::new(r#"{"username": "probe", "password": "s3cr3t-0123456789"}"#);
//! let user = parse_secret_string(&rbac).unwrap();
//! assert_eq!(user.username(), Some("probe"));
//! // Neither shows the password.
//! assert!(!format!("{token:?} {user:?} {rbac:?}").contains("s3cr3t"));
//! ```

use std::fmt;

use serde_json::Value;

use crate::config::GroupConfig;
use crate::topology::Topology;

/// The text of a secret as read from the secret store. It is only ever shown as
/// `<redacted>`, so it cannot leak into a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(String);

impl SecretText {
    pub fn new(text: impl Into<String>) -> Self {
        SecretText(text.into())
    }

    /// The value itself, for the one place that needs it (parsing it into
    /// [`Credentials`]).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

/// What a client sends in `AUTH`: `AUTH <password>` (an ElastiCache AUTH token, or the
/// `default` user's password), or `AUTH <username> <password>` (an RBAC user).
/// The password is never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    username: Option<String>,
    password: String,
}

impl Credentials {
    pub fn new(username: Option<String>, password: impl Into<String>) -> Self {
        Credentials {
            username,
            password: password.into(),
        }
    }

    /// The RBAC user name, if the secret names one.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The token or password, for the `AUTH` command only.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why a secret's text is not usable as credentials. The messages describe the shape
/// that was expected and never quote the text (it is a secret, or contains one); the
/// caller names the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    #[error("its SecretString is empty")]
    Empty,
    #[error(
        "its SecretString starts with `{{` but is not valid JSON (line {line}, column {column}); \
         expected the AUTH token as plain text or {{\"username\": \"…\", \"password\": \"…\"}}"
    )]
    NotJson { line: usize, column: usize },
    #[error(
        "its SecretString is a JSON object without a non-empty string \"password\"; \
         expected {{\"password\": \"…\"}} or {{\"username\": \"…\", \"password\": \"…\"}}"
    )]
    NoPassword,
    #[error("its SecretString has a \"username\" that is not a non-empty string")]
    BadUsername,
}

/// Reads a secret's text as credentials:
/// - text starting with `{` is a JSON object with a non-empty string `password` and an
///   optional non-empty string `username` (other keys, e.g. the `user_arn` of Secrets
///   Manager's ElastiCache rotation template, are ignored); with no username the client
///   sends `AUTH <password>`;
/// - anything else is the AUTH token itself, surrounding whitespace (a trailing newline
///   from `echo`) removed: ElastiCache tokens are printable characters without spaces
///   (ElastiCache guide, "Authenticating with the Valkey and Redis OSS AUTH command").
pub fn parse_secret_string(text: &SecretText) -> Result<Credentials, SecretFormatError> {
    let trimmed = text.expose().trim();
    if trimmed.is_empty() {
        return Err(SecretFormatError::Empty);
    }
    if !trimmed.starts_with('{') {
        return Ok(Credentials::new(None, trimmed));
    }
    // serde_json's messages can quote the offending value (`invalid type: integer
    // `123`…`): only its position is used.
    let value: Value = serde_json::from_str(trimmed).map_err(|e| SecretFormatError::NotJson {
        line: e.line(),
        column: e.column(),
    })?;
    let Value::Object(object) = value else {
        return Err(SecretFormatError::NoPassword);
    };
    let password = match object.get("password") {
        Some(Value::String(p)) if !p.is_empty() => p.clone(),
        _ => return Err(SecretFormatError::NoPassword),
    };
    let username = match object.get("username") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) if !u.is_empty() => Some(u.clone()),
        Some(_) => return Err(SecretFormatError::BadUsername),
    };
    Ok(Credentials::new(username, password))
}

/// How a client must connect to the nodes of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeAccess {
    /// Speak TLS (the group has in-transit encryption).
    pub tls: bool,
    /// Authenticate with the credentials in this secret (its ARN), or not at all.
    pub auth_secret_arn: Option<String>,
}

/// Why a group's nodes cannot be reached as configured. Each says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(
        "replication group {group:?} has an AUTH token (AuthTokenEnabled) but its configuration \
         has no authSecretArn: store the token in Secrets Manager and set the group's \
         authSecretArn to the secret's full ARN (or turn the ROLE probe off)"
    )]
    MissingAuthSecret { group: String },
    #[error(
        "replication group {group:?} has authSecretArn {arn} but no in-transit encryption \
         (TransitEncryptionEnabled is false): the credentials would cross the network in \
         plaintext, so they are not sent; ElastiCache AUTH and RBAC require in-transit encryption"
    )]
    CredentialsWithoutTls { group: String, arn: String },
}

/// What [`NodeAccess`] a group's nodes need:
/// - TLS exactly when `TransitEncryptionEnabled` (a TLS-only node does not answer
///   plaintext, a plaintext node does not answer TLS);
/// - credentials whenever the group configures `authSecretArn` (RBAC groups report
///   `AuthTokenEnabled = false` yet require `AUTH user password`), and a configuration
///   error when the group has an AUTH token but no secret is configured;
/// - never credentials without TLS: ElastiCache allows AUTH only with in-transit
///   encryption ("AUTH can only be enabled for encryption in-transit enabled … clusters",
///   ElastiCache guide, "Authenticating with the Valkey and Redis OSS AUTH command"), so
///   a secret configured for a plaintext group is a mistake, and sending it would expose
///   it.
pub fn node_access(topology: &Topology, group: &GroupConfig) -> Result<NodeAccess, AccessError> {
    let tls = topology.transit_encryption_enabled;
    match (&group.auth_secret_arn, topology.auth_token_enabled) {
        (None, true) => Err(AccessError::MissingAuthSecret {
            group: topology.replication_group_id.clone(),
        }),
        (Some(arn), _) if !tls => Err(AccessError::CredentialsWithoutTls {
            group: topology.replication_group_id.clone(),
            arn: arn.clone(),
        }),
        (arn, _) => Ok(NodeAccess {
            tls,
            auth_secret_arn: arn.clone(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const PASSWORD: &str = "Very-Secret-Token-0123456789";

    fn parse(text: &str) -> Result<Credentials, SecretFormatError> {
        parse_secret_string(&SecretText::new(text))
    }

    #[test]
    fn plain_text_is_the_auth_token_without_surrounding_whitespace() {
        let credentials = parse(&format!("{PASSWORD}\n")).unwrap();
        assert_eq!(credentials.username(), None);
        assert_eq!(credentials.password(), PASSWORD);
        // A token of digits only is still a token, not a JSON number.
        assert_eq!(
            parse("1234567890123456").unwrap().password(),
            "1234567890123456"
        );
    }

    #[test]
    fn json_with_username_and_password_is_an_rbac_user() {
        let credentials = parse(&format!(
            r#"{{"username": "probe", "password": "{PASSWORD}", "user_arn": "arn:aws:elasticache:us-east-1:123456789012:user:probe"}}"#
        ))
        .unwrap();
        assert_eq!(credentials.username(), Some("probe"));
        assert_eq!(credentials.password(), PASSWORD);
    }

    #[test]
    fn json_without_username_authenticates_with_the_password_alone() {
        for text in [
            format!(r#"{{"password": "{PASSWORD}"}}"#),
            format!(r#"{{"username": null, "password": "{PASSWORD}"}}"#),
        ] {
            let credentials = parse(&text).unwrap();
            assert_eq!(credentials.username(), None, "{text}");
            assert_eq!(credentials.password(), PASSWORD);
        }
    }

    #[test]
    fn unusable_secrets_are_errors_that_never_quote_the_value() {
        let cases: &[(&str, SecretFormatError)] = &[
            ("", SecretFormatError::Empty),
            ("  \n", SecretFormatError::Empty),
            (
                r#"{"password": "Very-Secret-Token-0123456789""#,
                SecretFormatError::NotJson {
                    line: 1,
                    column: 43,
                },
            ),
            (r#"{"username": "probe"}"#, SecretFormatError::NoPassword),
            (r#"{"password": ""}"#, SecretFormatError::NoPassword),
            (
                r#"{"password": 12345678901234567890}"#,
                SecretFormatError::NoPassword,
            ),
            (
                r#"{"username": 7, "password": "Very-Secret-Token-0123456789"}"#,
                SecretFormatError::BadUsername,
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(&err, expected, "{text:?}");
            let message = err.to_string();
            for secret in [PASSWORD, "12345678901234567890"] {
                assert!(!message.contains(secret), "{message}");
            }
        }
        assert_eq!(
            SecretFormatError::NoPassword.to_string(),
            "its SecretString is a JSON object without a non-empty string \"password\"; \
             expected {\"password\": \"…\"} or {\"username\": \"…\", \"password\": \"…\"}"
        );
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let text = SecretText::new(PASSWORD);
        let credentials = Credentials::new(Some("probe".into()), PASSWORD);
        let shown = format!("{text:?} {credentials:?}");
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("probe"), "{shown}");
    }

    fn topology(tls: bool, auth: bool) -> Topology {
        Topology {
            replication_group_id: "orders".into(),
            status: "available".into(),
            primary_endpoint: None,
            reader_endpoint: None,
            members: vec![],
            transit_encryption_enabled: tls,
            auth_token_enabled: auth,
        }
    }

    fn group(arn: Option<&str>) -> GroupConfig {
        let mut group: GroupConfig = serde_json::from_str(
            r#"{"replicationGroupId": "orders", "hostedZoneId": "Z1",
                "zoneName": "cache.internal.", "nameTemplate": "replica{n}.cache.internal."}"#,
        )
        .unwrap();
        group.auth_secret_arn = arn.map(str::to_owned);
        group
    }

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3";

    #[test]
    fn access_follows_the_group_security_and_the_configured_secret() {
        let cases = [
            (
                "plaintext, no auth",
                topology(false, false),
                None,
                Ok((false, None)),
            ),
            (
                "TLS, no auth",
                topology(true, false),
                None,
                Ok((true, None)),
            ),
            (
                "TLS + AUTH token",
                topology(true, true),
                Some(ARN),
                Ok((true, Some(ARN))),
            ),
            // RBAC: AuthTokenEnabled is false, the configured user is still needed.
            (
                "TLS + RBAC",
                topology(true, false),
                Some(ARN),
                Ok((true, Some(ARN))),
            ),
            (
                "AUTH token without a configured secret",
                topology(true, true),
                None,
                Err(AccessError::MissingAuthSecret {
                    group: "orders".into(),
                }),
            ),
            (
                "secret for a plaintext group",
                topology(false, false),
                Some(ARN),
                Err(AccessError::CredentialsWithoutTls {
                    group: "orders".into(),
                    arn: ARN.into(),
                }),
            ),
        ];
        for (name, topology, arn, expected) in cases {
            let got =
                node_access(&topology, &group(arn)).map(|a| (a.tls, a.auth_secret_arn.clone()));
            let expected = expected.map(|(tls, arn)| (tls, arn.map(str::to_owned)));
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn a_missing_secret_says_what_to_configure() {
        let err = node_access(&topology(true, true), &group(None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "replication group \"orders\" has an AUTH token (AuthTokenEnabled) but its configuration \
             has no authSecretArn: store the token in Secrets Manager and set the group's \
             authSecretArn to the secret's full ARN (or turn the ROLE probe off)"
        );
    }
}
