//! The operator's configuration: which replication groups are managed, in which hosted
//! zone, under which names. The same JSON schema is read by every Lambda (from the
//! `REPLICA_DNS_CONFIG` environment variable) and by the CDK app at synth time.
//!
//! Example:
//! ```json
//! {
//!   "ownerId": "replica-dns-prod",
//!   "groups": [{
//!     "replicationGroupId": "orders",
//!     "hostedZoneId": "Z0123456789ABCDEFGHIJ",
//!     "zoneName": "cache.internal.",
//!     "nameTemplate": "replica{n}.orders.cache.internal.",
//!     "ttl": 10,
//!     "noReplicaPolicy": "primary",
//!     "authSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3"
//!   }]
//! }
//! ```
//!
//! [`Config::from_json`] is the way in: it reports every problem at once, each with its
//! field path (`groups[1].nameTemplate: …`), so an operator fixes a file in one pass.
//! The rules live in [`Config::validate`]; the checking code is in `config/validate.rs`.
//! This module does not read the environment: callers pass the variable's value to
//! [`Config::from_env_value`].

mod reference;
mod validate;

pub use reference::{config_schema, reference_markdown, sorted as sorted_json};

pub use validate::{ConfigErrors, ConfigProblem, FieldError};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ownership::{
    ownership_name, AzNames, AzPattern, GuardedName, ManagedNames, OwnershipError, SlotTemplate,
};
use crate::records::normalize_name;

/// The whole deployment's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Written into every ownership TXT record: records carrying another owner id are
    /// foreign and never touched. Two deployments on one zone must use different ids.
    pub owner_id: String,
    /// The managed replication groups; at least one. Each is planned independently.
    pub groups: Vec<GroupConfig>,
}

/// What to do with a group's names when no replica is available at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NoReplicaPolicy {
    /// Point every slot at the primary endpoint: reads keep working, on the primary.
    #[default]
    Primary,
    /// Leave the records as they are.
    Keep,
    /// Delete the group's managed records.
    Delete,
}

impl NoReplicaPolicy {
    /// As the configuration spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            NoReplicaPolicy::Primary => "primary",
            NoReplicaPolicy::Keep => "keep",
            NoReplicaPolicy::Delete => "delete",
        }
    }
}

/// One managed replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupConfig {
    /// ElastiCache replication group id (lower case, as ElastiCache reports it): events
    /// and manual requests are matched against it exactly.
    pub replication_group_id: String,
    /// Route 53 private hosted zone id (`Z…`, without `/hostedzone/`).
    pub hosted_zone_id: String,
    /// The zone's domain, e.g. `cache.internal.`: every managed name must lie inside it.
    pub zone_name: String,
    /// Slot name template; `{n}` is replaced by the slot number 1..=R.
    pub name_template: String,
    /// TTL of the CNAME and ownership TXT records, seconds.
    #[serde(default = "default_ttl")]
    pub ttl: u32,
    /// What the names do when no replica is available (default: point at the primary).
    #[serde(default)]
    pub no_replica_policy: NoReplicaPolicy,
    /// Take over records at slot names that have no ownership TXT (e.g. left by the
    /// blog post's Lambda). Off by default: foreign records are never touched silently.
    #[serde(default)]
    pub adopt_existing: bool,
    /// Label prepended to a slot name to form its ownership TXT name
    /// (`_rdns.replica1.cache.internal.`): a CNAME owns its name, so the TXT cannot
    /// live there.
    #[serde(default = "default_ownership_prefix")]
    pub ownership_prefix: String,
    /// Optional AZ-local names, e.g. `replica-{az}.cache.internal.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub az_names: Option<AzNamesConfig>,
    /// Optional pooled name: one weighted CNAME per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooled_name: Option<PooledNameConfig>,
    /// Secrets Manager secret with the credentials verify's ROLE probe authenticates
    /// with (only read when `REPLICA_DNS_PROBE_ROLE=true`). Its `SecretString` is the
    /// AUTH token as plain text, or `{"username": "…", "password": "…"}` for RBAC
    /// (without `username`: `AUTH <password>`). Required when the group has an AUTH
    /// token and the probe is on.
    ///
    /// The *full* ARN, including the `-` and six random characters Secrets Manager
    /// appends to the secret's name (`…:secret:orders-auth-a1B2c3`): the deployment
    /// grants `secretsmanager:GetSecretValue` on exactly this ARN, so a partial ARN
    /// would be denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_secret_arn: Option<String>,
}

/// AZ-local names: one name per availability zone the group has members in, pointing at
/// a replica in that AZ and falling back to any replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AzNamesConfig {
    /// Template with `{az}`, e.g. `replica-{az}.cache.internal.`.
    pub template: String,
}

/// A single name answering with one weighted CNAME per available replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PooledNameConfig {
    /// The pooled name, inside the zone, e.g. `replicas.cache.internal.`.
    pub name: String,
}

/// Default TTL: short, so clients follow a failover quickly.
pub const DEFAULT_TTL: u32 = 10;

fn default_ttl() -> u32 {
    DEFAULT_TTL
}

/// Default ownership label.
pub const DEFAULT_OWNERSHIP_PREFIX: &str = "_rdns";

fn default_ownership_prefix() -> String {
    DEFAULT_OWNERSHIP_PREFIX.to_string()
}

/// The environment variable every Lambda reads its configuration from.
pub const CONFIG_ENV_VAR: &str = "REPLICA_DNS_CONFIG";

/// ElastiCache allows at most 5 replicas per node group, so slots run 1..=5: the
/// validator renders every template for these numbers to find names two groups share.
pub const MAX_REPLICAS: u8 = 5;

/// Smallest TTL accepted, seconds. 0 would disable caching: every client lookup becomes
/// a resolver query, which costs and throttles for no gain over 1.
pub const MIN_TTL: u32 = 1;

/// Largest TTL accepted, seconds (one hour). Route 53 itself allows up to 2^31-1, but a
/// client may keep using a name's old answer for a whole TTL after a failover, i.e. keep
/// reading from the new primary or a node being replaced; beyond an hour the names stop
/// doing their job. Typical values are 5..60.
pub const MAX_TTL: u32 = 3600;

/// The variable naming a configuration *file* instead ([`Delivery::File`]): the CDK
/// ships the configuration in a Lambda layer (`/opt/replica-dns/config.json`), so a
/// deployment is not bound by the environment's 4 KiB.
pub const CONFIG_FILE_ENV_VAR: &str = "REPLICA_DNS_CONFIG_FILE";

/// Largest configuration file accepted, bytes: far above 200 groups (~300 bytes each)
/// and small enough to parse in a few milliseconds at start-up.
pub const MAX_CONFIG_FILE_BYTES: usize = 1024 * 1024;

/// How the Lambdas receive the configuration; each way has its own size budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Inline in [`CONFIG_ENV_VAR`] (at most [`MAX_ENV_VALUE_BYTES`]).
    Env,
    /// A file named by [`CONFIG_FILE_ENV_VAR`] (at most [`MAX_CONFIG_FILE_BYTES`]).
    File,
}

/// Budget for the compact JSON in [`CONFIG_ENV_VAR`]: Lambda allows 4 KiB of
/// environment variables per function in total, and the trigger also needs
/// `STATE_MACHINE_ARN` and the runtime a few more; 3 KiB leaves that room.
pub const MAX_ENV_VALUE_BYTES: usize = 3 * 1024;

impl Config {
    /// Parses and validates a configuration document, reporting every problem found:
    /// unknown fields (named), wrong types, missing fields, then every rule of
    /// [`Config::validate`] for the parts that parsed.
    ///
    /// ```
    /// use replica_dns_core::config::Config;
    ///
    /// let errors = Config::from_json(r#"{"ownerId": "prod", "groups": [{
    ///     "replicationGroupId": "orders", "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    ///     "zoneName": "cache.internal.", "nameTemplate": "replica.orders.example.com.",
    ///     "ttl": 0}]}"#).unwrap_err();
    /// let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    /// assert_eq!(lines, [
    ///     "groups[0].nameTemplate: has no `{n}` placeholder for the slot number",
    ///     "groups[0].nameTemplate: `replica.orders.example.com.` is outside the zone `cache.internal.`",
    ///     "groups[0].ttl: must be between 1 and 3600 seconds, found 0",
    /// ]);
    /// ```
    pub fn from_json(json: &str) -> Result<Config, ConfigErrors> {
        validate::from_json(json)
    }

    /// [`Config::from_json`] for the value of [`CONFIG_ENV_VAR`] as the caller read it
    /// (`std::env::var(CONFIG_ENV_VAR).ok()`); an unset or empty variable is an error
    /// that names the variable.
    pub fn from_env_value(value: Option<&str>) -> Result<Config, ConfigErrors> {
        match value.map(str::trim) {
            None | Some("") => Err(ConfigErrors::single(
                CONFIG_ENV_VAR,
                ConfigProblem::EnvNotSet,
            )),
            Some(json) => Self::from_json(json),
        }
    }

    /// Checks every rule on an already-typed configuration (built in code or parsed
    /// with plain serde) and reports every violation.
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let groups: Vec<Option<&GroupConfig>> = self.groups.iter().map(Some).collect();
        let errors = validate::validate_parts(Some(&self.owner_id), Some(&groups));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors::new(errors))
        }
    }

    /// The compact JSON to put in [`CONFIG_ENV_VAR`], or an error when it exceeds
    /// [`MAX_ENV_VALUE_BYTES`] (the deploy would otherwise fail late, at Lambda update).
    /// [`Config::from_json`], then the size budget of `delivery` — checked first on the
    /// compact form when the text is JSON at all, so an oversized document is refused
    /// before the (per-group) validation spends time on it.
    pub fn from_json_delivered(json: &str, delivery: Delivery) -> Result<Config, ConfigErrors> {
        let budget = match delivery {
            Delivery::Env => MAX_ENV_VALUE_BYTES,
            Delivery::File => MAX_CONFIG_FILE_BYTES,
        };
        if json.len() > budget {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(json) {
                let compact = value.to_string().len();
                if compact > budget {
                    return Err(Self::over_budget(compact, delivery));
                }
            }
        }
        let config = Self::from_json(json)?;
        config.delivered_value(delivery)?;
        Ok(config)
    }

    fn over_budget(size: usize, delivery: Delivery) -> ConfigErrors {
        match delivery {
            Delivery::Env => ConfigErrors::single(
                "",
                ConfigProblem::TooLargeForEnv {
                    size,
                    limit: MAX_ENV_VALUE_BYTES,
                },
            ),
            Delivery::File => ConfigErrors::single(
                "",
                ConfigProblem::Invalid(format!(
                    "is {size} bytes as compact JSON, over the {MAX_CONFIG_FILE_BYTES}-byte limit of a configuration file; split the groups over several deployments (each with its own ownerId)"
                )),
            ),
        }
    }

    /// The compact JSON the Lambdas receive by `delivery`, or the error saying it does
    /// not fit that way (for [`Delivery::Env`], that the file delivery would).
    pub fn delivered_value(&self, delivery: Delivery) -> Result<String, ConfigErrors> {
        match delivery {
            Delivery::Env => self.env_value(),
            Delivery::File => {
                let json = serde_json::to_string(self).map_err(|e| {
                    ConfigErrors::single(
                        "",
                        ConfigProblem::Invalid(format!("cannot be serialised: {e}")),
                    )
                })?;
                if json.len() > MAX_CONFIG_FILE_BYTES {
                    return Err(Self::over_budget(json.len(), Delivery::File));
                }
                Ok(json)
            }
        }
    }

    pub fn env_value(&self) -> Result<String, ConfigErrors> {
        let json = serde_json::to_string(self).map_err(|e| {
            ConfigErrors::single(
                "",
                ConfigProblem::Invalid(format!("cannot be serialised: {e}")),
            )
        })?;
        if json.len() > MAX_ENV_VALUE_BYTES {
            return Err(ConfigErrors::single(
                "",
                ConfigProblem::TooLargeForEnv {
                    size: json.len(),
                    limit: MAX_ENV_VALUE_BYTES,
                },
            ));
        }
        Ok(json)
    }
}

impl Config {
    /// The configured group with this replication group id (compared exactly), if any.
    pub fn group(&self, replication_group_id: &str) -> Option<&GroupConfig> {
        self.groups
            .iter()
            .find(|g| g.replication_group_id == replication_group_id)
    }
}

impl GroupConfig {
    /// The slot-name template, split around its `{n}`; an error when the template does
    /// not hold exactly one (never for a validated configuration).
    pub fn slot_template(&self) -> Result<SlotTemplate, OwnershipError> {
        SlotTemplate::parse(&self.name_template)
    }

    /// The slot name for slot `n` (1-based), normalised (lower case, trailing dot).
    pub fn slot_name(&self, n: u32) -> Result<String, OwnershipError> {
        Ok(self.slot_template()?.name(n))
    }

    /// The AZ-local name for availability zone `az`, when AZ names are configured.
    pub fn az_name(&self, az: &str) -> Option<String> {
        self.az_names
            .as_ref()
            .map(|a| normalize_name(&a.template.replace(AZ_PLACEHOLDER, az)))
    }

    /// The part of the zone the group's slot names live in, so that a big zone is not
    /// read whole: everything below the template's first label when `{n}` sits in that
    /// label (`replica{n}.orders.cache.internal.` → `orders.cache.internal.`); `None`
    /// (the whole zone) otherwise. See [`SlotTemplate::subtree`].
    pub fn records_subtree(&self) -> Option<String> {
        self.slot_template().ok()?.subtree().map(str::to_string)
    }

    /// Every name this group may ever write, with the ownership TXT name of each:
    /// slots 1..=[`MAX_REPLICAS`], the pooled name and the AZ-name pattern when
    /// configured. An error only for a template without exactly one `{n}`.
    pub fn managed_names(&self) -> Result<ManagedNames, OwnershipError> {
        let slot = self.slot_template()?;
        let txt = slot.ownership_template(&self.ownership_prefix);
        let slots = (1..=u32::from(MAX_REPLICAS))
            .map(|n| GuardedName {
                name: slot.name(n),
                ownership_name: txt.name(n),
            })
            .collect();
        let pooled = self.pooled_name.as_ref().map(|p| {
            let name = normalize_name(&p.name);
            GuardedName {
                ownership_name: ownership_name(&self.ownership_prefix, &name),
                name,
            }
        });
        let az = self
            .az_names
            .as_ref()
            .and_then(|a| AzPattern::parse(&a.template))
            .map(|name| AzNames {
                ownership_name: name.ownership_pattern(&self.ownership_prefix),
                name,
            });
        Ok(ManagedNames { slots, pooled, az })
    }
}

/// The slot-number placeholder of [`GroupConfig::name_template`].
pub const SLOT_PLACEHOLDER: &str = SlotTemplate::PLACEHOLDER;
/// The availability-zone placeholder of [`AzNamesConfig::template`].
pub const AZ_PLACEHOLDER: &str = "{az}";

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn group(template: &str) -> GroupConfig {
        GroupConfig {
            replication_group_id: "orders".into(),
            hosted_zone_id: "Z0123456789ABCDEFGHIJ".into(),
            zone_name: "cache.internal.".into(),
            name_template: template.into(),
            ttl: DEFAULT_TTL,
            no_replica_policy: NoReplicaPolicy::Primary,
            adopt_existing: false,
            ownership_prefix: DEFAULT_OWNERSHIP_PREFIX.into(),
            az_names: None,
            pooled_name: None,
            auth_secret_arn: None,
        }
    }

    #[test]
    fn managed_names_are_every_slot_up_to_the_maximum_with_its_txt() {
        let names = group("Replica{n}.Orders.cache.internal")
            .managed_names()
            .unwrap();
        assert_eq!(names.slots.len(), usize::from(MAX_REPLICAS));
        let exact: Vec<&str> = names.exact().collect();
        assert_eq!(
            exact[..4],
            [
                "replica1.orders.cache.internal.",
                "_rdns.replica1.orders.cache.internal.",
                "replica2.orders.cache.internal.",
                "_rdns.replica2.orders.cache.internal.",
            ]
        );
        assert_eq!(exact.last(), Some(&"_rdns.replica5.orders.cache.internal."));
        assert_eq!(names.pooled, None);
        assert_eq!(names.az, None);
    }

    #[test]
    fn managed_names_agree_with_the_planner_templates_and_ownership_name() {
        let mut g = group("replica{n}.orders.cache.internal.");
        g.ownership_prefix = "_Own".into();
        let names = g.managed_names().unwrap();
        let slot = g.slot_template().unwrap();
        let txt = slot.ownership_template(&g.ownership_prefix);
        for (n, guarded) in (1..).zip(&names.slots) {
            assert_eq!(guarded.name, slot.name(n));
            assert_eq!(guarded.name, g.slot_name(n).unwrap());
            assert_eq!(guarded.ownership_name, txt.name(n));
            assert_eq!(
                guarded.ownership_name,
                ownership_name(&g.ownership_prefix, &guarded.name)
            );
        }
        assert_eq!(
            names.slots[0].ownership_name,
            "_own.replica1.orders.cache.internal."
        );
    }

    #[test]
    fn pooled_and_az_names_come_with_their_ownership_names() {
        let mut g = group("replica{n}.orders.cache.internal.");
        g.pooled_name = Some(PooledNameConfig {
            name: "Replicas.orders.cache.internal".into(),
        });
        g.az_names = Some(AzNamesConfig {
            template: "replica-{az}.orders.cache.internal.".into(),
        });
        let names = g.managed_names().unwrap();
        assert_eq!(
            names.pooled,
            Some(GuardedName {
                name: "replicas.orders.cache.internal.".into(),
                ownership_name: "_rdns.replicas.orders.cache.internal.".into(),
            })
        );
        let exact: Vec<&str> = names.exact().collect();
        assert_eq!(exact.len(), 2 * usize::from(MAX_REPLICAS) + 2);
        assert_eq!(
            exact[exact.len() - 2..],
            [
                "replicas.orders.cache.internal.",
                "_rdns.replicas.orders.cache.internal."
            ]
        );
        let az = names.az.unwrap();
        assert_eq!(az.name.template(), "replica-{az}.orders.cache.internal.");
        assert_eq!(
            az.ownership_name.template(),
            "_rdns.replica-{az}.orders.cache.internal."
        );
        // The pattern, filled in, is what az_name and ownership_name give.
        let filled = |p: &AzPattern| format!("{}us-east-1a{}", p.prefix, p.suffix);
        assert_eq!(Some(filled(&az.name)), g.az_name("us-east-1a"));
        assert_eq!(
            filled(&az.ownership_name),
            ownership_name("_rdns", &filled(&az.name))
        );
    }

    #[test]
    fn an_az_template_starting_with_the_placeholder_keeps_the_ownership_dot() {
        let mut g = group("replica{n}.orders.cache.internal.");
        g.az_names = Some(AzNamesConfig {
            template: "{az}.orders.cache.internal.".into(),
        });
        let az = g.managed_names().unwrap().az.unwrap();
        assert_eq!(
            az.ownership_name.template(),
            "_rdns.{az}.orders.cache.internal."
        );
    }

    #[test]
    fn a_template_without_one_placeholder_has_no_names() {
        let g = group("replica.orders.cache.internal.");
        assert!(matches!(
            g.managed_names(),
            Err(OwnershipError::TemplatePlaceholder { .. })
        ));
        assert!(g.slot_name(1).is_err());
        assert_eq!(g.records_subtree(), None);
    }

    #[test]
    fn records_subtree_follows_the_slot_label() {
        assert_eq!(
            group("replica{n}.orders.cache.internal.")
                .records_subtree()
                .as_deref(),
            Some("orders.cache.internal.")
        );
        assert_eq!(
            group("replica.{n}.orders.cache.internal.").records_subtree(),
            None
        );
    }

    #[test]
    fn groups_are_found_by_exact_id() {
        let config = Config {
            owner_id: "prod".into(),
            groups: vec![group("replica{n}.orders.cache.internal.")],
        };
        assert!(config.group("orders").is_some());
        assert!(config.group("order").is_none());
        assert!(config.group("orders-eu").is_none());
    }
}
