//! Start-up wiring every function's `main` repeats: read and validate the
//! configuration once — from the file `REPLICA_DNS_CONFIG_FILE` names (the CDK ships it
//! in a layer) or inline from `REPLICA_DNS_CONFIG` — so a bad configuration fails the
//! cold start with a message naming the field, not the first event; and read small
//! optional settings.
//!
//! It does not build AWS clients (the adapters crate does) or handle events.

use replica_dns_core::config::{Config, GroupConfig};

use crate::error::HandlerError;

/// The environment variable holding the configuration JSON (schema and name: core
/// `config.rs`).
pub const CONFIG_ENV: &str = replica_dns_core::config::CONFIG_ENV_VAR;

/// The environment variable naming a configuration file instead (core `config.rs`).
pub const CONFIG_FILE_ENV: &str = replica_dns_core::config::CONFIG_FILE_ENV_VAR;

/// Why a function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("the configuration file {path} (from {CONFIG_FILE_ENV}) {reason}")]
    ConfigFile { path: String, reason: String },
}

/// Reads and validates the configuration: from the file [`CONFIG_FILE_ENV`] names when
/// it is set, else from [`CONFIG_ENV`].
pub fn config_from_env() -> Result<Config, StartupError> {
    match std::env::var(CONFIG_FILE_ENV) {
        Ok(path) if !path.trim().is_empty() => config_from_file(std::path::Path::new(&path)),
        _ => {
            let text = std::env::var(CONFIG_ENV).map_err(|_| StartupError::Missing(CONFIG_ENV))?;
            parse_config(&text)
        }
    }
}

/// Reads and validates a configuration file, refusing one over the file budget before
/// parsing it (core `Delivery::File`).
pub fn config_from_file(path: &std::path::Path) -> Result<Config, StartupError> {
    let problem = |reason: String| StartupError::ConfigFile {
        path: path.display().to_string(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| problem(format!("cannot be read: {e}")))?
        .len();
    if size > replica_dns_core::config::MAX_CONFIG_FILE_BYTES as u64 {
        return Err(problem(format!(
            "is {size} bytes, over the {}-byte limit",
            replica_dns_core::config::MAX_CONFIG_FILE_BYTES
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| problem(format!("cannot be read: {e}")))?;
    Config::from_json_delivered(&text, replica_dns_core::config::Delivery::File)
        .map_err(|e| problem(format!("is not valid: {e}")))
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
/// Optional: the ARN of the SNS topic replica-dns' trigger is subscribed to (the CDK
/// sets it for the functions that take snapshots). With it, a member that notifies
/// another topic is reported too.
pub const EVENT_TOPIC_ARN_ENV: &str = "REPLICA_DNS_EVENT_TOPIC_ARN";

/// [`EVENT_TOPIC_ARN_ENV`]'s value, `None` when unset or blank.
pub fn event_topic_arn_from_env() -> Option<String> {
    std::env::var(EVENT_TOPIC_ARN_ENV)
        .ok()
        .filter(|arn| !arn.trim().is_empty())
}

pub fn records_subtree(group: &GroupConfig) -> Option<String> {
    group.records_subtree()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn a_configuration_file_is_read_validated_and_named_in_errors() {
        let dir = std::env::temp_dir().join(format!("replica-dns-startup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        let groups: Vec<serde_json::Value> = (0..200)
            .map(|i| {
                serde_json::json!({"replicationGroupId": format!("group-{i}"), "hostedZoneId": "Z0123456789ABCDEFGHIJ",
                       "zoneName": "cache.internal.", "nameTemplate": format!("replica{{n}}.group-{i}.cache.internal.")})
            })
            .collect();
        let text = serde_json::json!({"ownerId": "prod", "groups": groups}).to_string();
        assert!(
            text.len() > 3 * 1024 * 10,
            "far beyond the environment's budget"
        );
        std::fs::write(&path, &text).unwrap();
        let config = config_from_file(&path).unwrap();
        assert_eq!(config.groups.len(), 200);

        std::fs::write(&path, "{\"ownerId\": 1}").unwrap();
        let err = config_from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains(path.to_str().unwrap())
                && err.contains("REPLICA_DNS_CONFIG_FILE")
                && err.contains("ownerId"),
            "{err}"
        );

        let missing = dir.join("absent.json");
        let err = config_from_file(&missing).unwrap_err().to_string();
        assert!(err.contains("cannot be read"), "{err}");

        let big = " ".repeat(replica_dns_core::config::MAX_CONFIG_FILE_BYTES + 1);
        std::fs::write(&path, big).unwrap();
        let err = config_from_file(&path).unwrap_err().to_string();
        assert!(err.contains("over the 1048576-byte limit"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn invalid_configuration_names_the_variable() {
        let err = parse_config("{\"ownerId\": 1}").unwrap_err();
        assert!(err.to_string().contains(CONFIG_ENV), "{err}");
    }
}
