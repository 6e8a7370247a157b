//! Start-up wiring every function's `main` repeats: read and validate
//! `REPLICA_DNS_CONFIG` once (a bad configuration fails the cold start with a message
//! naming the field, not the first event), and read small optional settings.
//!
//! It does not build AWS clients (the adapters crate does) or handle events.

use replica_dns_core::config::{Config, GroupConfig};

use crate::error::HandlerError;

/// The environment variable holding the configuration JSON (schema and name: core
/// `config.rs`).
pub const CONFIG_ENV: &str = replica_dns_core::config::CONFIG_ENV_VAR;

/// Why a function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Reads and validates the configuration from [`CONFIG_ENV`].
pub fn config_from_env() -> Result<Config, StartupError> {
    let text = std::env::var(CONFIG_ENV).map_err(|_| StartupError::Missing(CONFIG_ENV))?;
    parse_config(&text)
}

/// Parses and validates a configuration text (what [`config_from_env`] does after
/// reading the variable).
pub fn parse_config(text: &str) -> Result<Config, StartupError> {
    Config::from_json(text).map_err(|e| StartupError::Invalid {
        name: CONFIG_ENV,
        reason: e.to_string(),
    })
}

/// A required environment variable.
pub fn required_env(name: &'static str) -> Result<String, StartupError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(StartupError::Missing(name)),
    }
}

/// A boolean flag (`true`/`1`/`yes`, case-insensitive); absent means false.
pub fn env_flag(name: &'static str) -> Result<bool, StartupError> {
    match std::env::var(name) {
        Err(_) => Ok(false),
        Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            other => Err(StartupError::Invalid {
                name,
                reason: format!("expected true or false, found {other:?}"),
            }),
        },
    }
}

/// The configured group a run is about ([`Config::group`]); an unknown id is an input
/// error.
pub fn group_config<'a>(
    config: &'a Config,
    group_id: &str,
) -> Result<&'a GroupConfig, HandlerError> {
    config
        .group(group_id)
        .ok_or_else(|| HandlerError::UnknownGroup(group_id.to_string()))
}

/// The part of the zone a group's names live in: the core's rule,
/// [`GroupConfig::records_subtree`].
pub fn records_subtree(group: &GroupConfig) -> Option<String> {
    group.records_subtree()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn invalid_configuration_names_the_variable() {
        let err = parse_config("{\"ownerId\": 1}").unwrap_err();
        assert!(err.to_string().contains(CONFIG_ENV), "{err}");
    }
}
