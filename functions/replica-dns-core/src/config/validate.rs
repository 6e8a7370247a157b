//! Validation of the configuration: a structural pass over the raw JSON (unknown fields,
//! wrong types, missing fields — serde would stop at the first) and a rule pass over the
//! typed groups. Both collect every problem with its field path. Not the schema itself
//! (see the parent module).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde_json::{Map, Value};

use super::{
    Config, GroupConfig, AZ_PLACEHOLDER, MAX_REPLICAS, MAX_TTL, MIN_TTL, SLOT_PLACEHOLDER,
};
use crate::ids::{check_id, IdKind, IdProblem};
use crate::ownership::{ownership_name, AzPattern, GuardedName};
use crate::records::normalize_name;

/// Every problem found in a configuration, in document order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(Vec<FieldError>);

impl ConfigErrors {
    pub(super) fn new(errors: Vec<FieldError>) -> Self {
        ConfigErrors(errors)
    }

    pub(super) fn single(path: &str, problem: ConfigProblem) -> Self {
        ConfigErrors(vec![FieldError::new(path, problem)])
    }

    /// The problems in document order.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false for a returned error; here for API completeness.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, owned, e.g. to merge with other checks.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One line per problem, `path: reason`.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// One problem at one field. `path` is JSON-path-like (`groups[1].nameTemplate`); empty
/// for the document as a whole (displayed as `config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where: `groups[1].nameTemplate`, or empty for the whole document.
    pub path: String,
    /// What is wrong there.
    pub problem: ConfigProblem,
}

impl FieldError {
    fn new(path: &str, problem: ConfigProblem) -> Self {
        FieldError {
            path: path.to_string(),
            problem,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "config"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.problem)
    }
}

/// What is wrong with a field. Messages quote only the offending field's own value,
/// never the rest of the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    #[error("is not set")]
    EnvNotSet,
    #[error("is not valid JSON ({0})")]
    NotJson(String),
    #[error("must be {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("is required")]
    Missing,
    #[error("unknown field (expected one of: {expected})")]
    UnknownField { expected: &'static str },
    #[error("must not be empty")]
    Empty,
    #[error("must list at least one group")]
    NoGroups,
    #[error("must be between {MIN_TTL} and {MAX_TTL} seconds, found {found}")]
    TtlOutOfRange { found: String },
    #[error("must be one of \"primary\", \"keep\", \"delete\", found \"{found}\"")]
    UnknownPolicy { found: String },
    #[error("duplicates {first}")]
    Duplicate { first: String },
    #[error("has no `{placeholder}` placeholder for {what}")]
    MissingPlaceholder {
        placeholder: &'static str,
        what: &'static str,
    },
    #[error("has `{placeholder}` {count} times; it must appear exactly once")]
    RepeatedPlaceholder {
        placeholder: &'static str,
        count: usize,
    },
    #[error("has placeholder `{found}`; only {allowed} is allowed here")]
    UnexpectedPlaceholder {
        found: String,
        allowed: &'static str,
    },
    #[error("`{name}` is outside the zone `{zone}`")]
    OutsideZone { name: String, zone: String },
    #[error("`{name}` is the zone apex; a CNAME cannot live there")]
    ZoneApex { name: String },
    #[error("`{name}` is not a valid DNS name: {reason}")]
    InvalidDnsName { name: String, reason: String },
    #[error("{claim} is also claimed by {other_path} ({other_claim})")]
    NameCollision {
        claim: String,
        other_path: String,
        other_claim: String,
    },
    #[error("hosted zone `{zone_id}` is declared as `{other_name}` at {other_path}")]
    ZoneNameMismatch {
        zone_id: String,
        other_name: String,
        other_path: String,
    },
    #[error("is {size} bytes as compact JSON, over the {limit}-byte budget for the REPLICA_DNS_CONFIG environment variable (Lambda allows 4 KiB of variables in total)")]
    TooLargeForEnv { size: usize, limit: usize },
    #[error("{0}")]
    Invalid(String),
}

// ---------------------------------------------------------------------------------
// Structural pass
// ---------------------------------------------------------------------------------

const TOP_FIELDS: &str = "ownerId, groups";
const GROUP_FIELDS: &str = "replicationGroupId, hostedZoneId, zoneName, nameTemplate, ttl, noReplicaPolicy, adoptExisting, ownershipPrefix, azNames, pooledName, authSecretArn";
const AZ_FIELDS: &str = "template";
const POOLED_FIELDS: &str = "name";

pub(super) fn from_json(json: &str) -> Result<Config, ConfigErrors> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        // serde_json's message carries line and column, never the document's content.
        ConfigErrors::single("", ConfigProblem::NotJson(e.to_string()))
    })?;
    let mut errors = Vec::new();
    let Value::Object(top) = &value else {
        return Err(ConfigErrors::single("", wrong_type("an object", &value)));
    };
    unknown_fields(&mut errors, "", top, TOP_FIELDS);
    let owner_id = required_string(&mut errors, "ownerId", top.get("ownerId"));

    let groups: Option<Vec<Option<GroupConfig>>> = match top.get("groups") {
        None => {
            errors.push(FieldError::new("groups", ConfigProblem::Missing));
            None
        }
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| structural_group(&mut errors, &format!("groups[{i}]"), item))
                .collect(),
        ),
        Some(other) => {
            errors.push(FieldError::new("groups", wrong_type("an array", other)));
            None
        }
    };

    let group_refs: Option<Vec<Option<&GroupConfig>>> = groups
        .as_ref()
        .map(|groups| groups.iter().map(Option::as_ref).collect());
    errors.extend(validate_parts(owner_id, group_refs.as_deref()));
    if !errors.is_empty() {
        sort_by_document_order(&mut errors);
        return Err(ConfigErrors::new(errors));
    }
    // The structural pass mirrors the serde schema; serde has the last word.
    serde_json::from_value(value)
        .map_err(|e| ConfigErrors::single("", ConfigProblem::Invalid(e.to_string())))
}

/// Checks one group object's shape; returns it typed when the shape is right.
fn structural_group(
    errors: &mut Vec<FieldError>,
    path: &str,
    value: &Value,
) -> Option<GroupConfig> {
    let Value::Object(group) = value else {
        errors.push(FieldError::new(path, wrong_type("an object", value)));
        return None;
    };
    // Unknown fields are reported, then set aside, so the rest of the group is still
    // checked (a typo in one field should not hide a duplicate id in another).
    unknown_fields(errors, path, group, GROUP_FIELDS);
    let before = errors.len();
    for field in [
        "replicationGroupId",
        "hostedZoneId",
        "zoneName",
        "nameTemplate",
    ] {
        required_string(errors, &format!("{path}.{field}"), group.get(field));
    }
    optional_string(
        errors,
        &format!("{path}.ownershipPrefix"),
        group.get("ownershipPrefix"),
    );
    match group.get("ttl") {
        None => {}
        Some(Value::Number(n)) if n.as_u64().is_some_and(|t| u32::try_from(t).is_ok()) => {}
        Some(Value::Number(n)) => errors.push(FieldError::new(
            &format!("{path}.ttl"),
            ConfigProblem::TtlOutOfRange {
                found: n.to_string(),
            },
        )),
        Some(other) => errors.push(FieldError::new(
            &format!("{path}.ttl"),
            wrong_type("a whole number of seconds", other),
        )),
    }
    match group.get("noReplicaPolicy") {
        None => {}
        Some(Value::String(s)) if ["primary", "keep", "delete"].contains(&s.as_str()) => {}
        Some(Value::String(s)) => errors.push(FieldError::new(
            &format!("{path}.noReplicaPolicy"),
            ConfigProblem::UnknownPolicy { found: s.clone() },
        )),
        Some(other) => errors.push(FieldError::new(
            &format!("{path}.noReplicaPolicy"),
            wrong_type("a string", other),
        )),
    }
    match group.get("adoptExisting") {
        None | Some(Value::Bool(_)) => {}
        Some(other) => errors.push(FieldError::new(
            &format!("{path}.adoptExisting"),
            wrong_type("a boolean", other),
        )),
    }
    match group.get("authSecretArn") {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(other) => errors.push(FieldError::new(
            &format!("{path}.authSecretArn"),
            wrong_type("a string", other),
        )),
    }
    nested_object(
        errors,
        &format!("{path}.azNames"),
        group.get("azNames"),
        "template",
        AZ_FIELDS,
    );
    nested_object(
        errors,
        &format!("{path}.pooledName"),
        group.get("pooledName"),
        "name",
        POOLED_FIELDS,
    );

    if errors.len() > before {
        return None;
    }
    let known: Vec<&str> = GROUP_FIELDS.split(", ").collect();
    let known_only: Map<String, Value> = group
        .iter()
        .filter(|(key, _)| known.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    match serde_json::from_value(Value::Object(known_only)) {
        Ok(group) => Some(group),
        Err(e) => {
            errors.push(FieldError::new(path, ConfigProblem::Invalid(e.to_string())));
            None
        }
    }
}

fn nested_object(
    errors: &mut Vec<FieldError>,
    path: &str,
    value: Option<&Value>,
    field: &str,
    expected: &'static str,
) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Object(object)) => {
            unknown_fields(errors, path, object, expected);
            required_string(errors, &format!("{path}.{field}"), object.get(field));
        }
        Some(other) => errors.push(FieldError::new(path, wrong_type("an object", other))),
    }
}

fn unknown_fields(
    errors: &mut Vec<FieldError>,
    path: &str,
    object: &Map<String, Value>,
    expected: &'static str,
) {
    let known: Vec<&str> = expected.split(", ").collect();
    for key in object.keys() {
        if !known.contains(&key.as_str()) {
            let field_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            errors.push(FieldError::new(
                &field_path,
                ConfigProblem::UnknownField { expected },
            ));
        }
    }
}

fn required_string<'v>(
    errors: &mut Vec<FieldError>,
    path: &str,
    value: Option<&'v Value>,
) -> Option<&'v str> {
    match value {
        None => {
            errors.push(FieldError::new(path, ConfigProblem::Missing));
            None
        }
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            errors.push(FieldError::new(path, wrong_type("a string", other)));
            None
        }
    }
}

fn optional_string(errors: &mut Vec<FieldError>, path: &str, value: Option<&Value>) {
    match value {
        None | Some(Value::String(_)) => {}
        Some(other) => errors.push(FieldError::new(path, wrong_type("a string", other))),
    }
}

fn wrong_type(expected: &'static str, found: &Value) -> ConfigProblem {
    ConfigProblem::WrongType {
        expected,
        found: match found {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        },
    }
}

/// Orders errors by group index, then keeps the order in which checks ran, so the
/// output reads top to bottom like the file.
fn sort_by_document_order(errors: &mut [FieldError]) {
    errors.sort_by_key(|e| group_index(&e.path));
}

fn group_index(path: &str) -> Option<usize> {
    path.strip_prefix("groups[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse().ok())
}

// ---------------------------------------------------------------------------------
// Rule pass
// ---------------------------------------------------------------------------------

/// Longest owner id: it is written into every ownership TXT value.
pub const MAX_OWNER_ID_LEN: usize = 64;
/// A realistic long AZ name (a Local Zone), used to render `{az}` templates for checks.
const SAMPLE_AZ: &str = "us-west-2-lax-1a";

/// Runs every rule on the parts that parsed (`None`: that part had structural errors,
/// already reported). Collisions are checked among the groups that are themselves valid
/// enough to render names.
pub(super) fn validate_parts(
    owner_id: Option<&str>,
    groups: Option<&[Option<&GroupConfig>]>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(owner_id) = owner_id {
        check_owner_id(&mut errors, owner_id);
    }
    let Some(groups) = groups else {
        return errors;
    };
    if groups.is_empty() {
        errors.push(FieldError::new("groups", ConfigProblem::NoGroups));
        return errors;
    }
    let mut first_of_id: BTreeMap<&str, usize> = BTreeMap::new();
    let mut renderable: Vec<(usize, &GroupConfig)> = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let Some(group) = group else { continue };
        let path = format!("groups[{i}]");
        let id_path = format!("{path}.replicationGroupId");
        if check_group_id(&mut errors, &id_path, &group.replication_group_id) {
            match first_of_id.get(group.replication_group_id.as_str()) {
                Some(first) => errors.push(FieldError::new(
                    &id_path,
                    ConfigProblem::Duplicate {
                        first: format!("groups[{first}].replicationGroupId"),
                    },
                )),
                None => {
                    first_of_id.insert(&group.replication_group_id, i);
                }
            }
        }
        if check_group_names(&mut errors, &path, group) {
            renderable.push((i, group));
        }
        if !(MIN_TTL..=MAX_TTL).contains(&group.ttl) {
            errors.push(FieldError::new(
                &format!("{path}.ttl"),
                ConfigProblem::TtlOutOfRange {
                    found: group.ttl.to_string(),
                },
            ));
        }
        if let Some(arn) = &group.auth_secret_arn {
            if let Some(problem) = secret_arn_problem(arn) {
                errors.push(FieldError::new(&format!("{path}.authSecretArn"), problem));
            }
        }
    }
    check_zones_and_collisions(&mut errors, &renderable);
    sort_by_document_order(&mut errors);
    errors
}

fn check_owner_id(errors: &mut Vec<FieldError>, owner_id: &str) {
    let problem = if owner_id.is_empty() {
        Some(ConfigProblem::Empty)
    } else if owner_id.len() > MAX_OWNER_ID_LEN {
        Some(ConfigProblem::Invalid(format!(
            "is {} characters long; at most {MAX_OWNER_ID_LEN}",
            owner_id.len()
        )))
    } else {
        owner_id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .map(|c| {
                ConfigProblem::Invalid(format!(
                    "has character {c:?}; allowed: letters, digits, `-`, `_`, `.` (it is written into TXT records)"
                ))
            })
    };
    if let Some(problem) = problem {
        errors.push(FieldError::new("ownerId", problem));
    }
}

/// ElastiCache's rules for replication group ids (core `ids`). Returns true when the
/// id is valid.
fn check_group_id(errors: &mut Vec<FieldError>, path: &str, id: &str) -> bool {
    let problem = match check_id(IdKind::ReplicationGroup, id) {
        Ok(()) => None,
        Err(IdProblem::Empty) => Some(ConfigProblem::Empty),
        Err(problem) => Some(ConfigProblem::Invalid(problem.to_string())),
    };
    match problem {
        Some(problem) => {
            errors.push(FieldError::new(path, problem));
            false
        }
        None => true,
    }
}

/// Zone id, zone name, templates and names of one group. True when everything needed to
/// render the group's names is valid, so collisions can be checked.
fn check_group_names(errors: &mut Vec<FieldError>, path: &str, group: &GroupConfig) -> bool {
    let start = errors.len();
    check_hosted_zone_id(
        errors,
        &format!("{path}.hostedZoneId"),
        &group.hosted_zone_id,
    );

    let zone_path = format!("{path}.zoneName");
    let zone_ok = match dns_name_problem(&group.zone_name) {
        Some(reason) => {
            errors.push(FieldError::new(
                &zone_path,
                ConfigProblem::InvalidDnsName {
                    name: group.zone_name.clone(),
                    reason,
                },
            ));
            false
        }
        None => true,
    };
    let zone = normalize_name(&group.zone_name);

    let prefix_path = format!("{path}.ownershipPrefix");
    let prefix_ok = check_label(errors, &prefix_path, &group.ownership_prefix);

    let template_path = format!("{path}.nameTemplate");
    let slot_ok = check_template(
        errors,
        &template_path,
        &group.name_template,
        SLOT_PLACEHOLDER,
        "the slot number",
        &MAX_REPLICAS.to_string(),
        zone_ok.then_some(zone.as_str()),
        prefix_ok.then_some(group.ownership_prefix.as_str()),
    );
    if let Some(az) = &group.az_names {
        check_template(
            errors,
            &format!("{path}.azNames.template"),
            &az.template,
            AZ_PLACEHOLDER,
            "the availability zone",
            SAMPLE_AZ,
            zone_ok.then_some(zone.as_str()),
            prefix_ok.then_some(group.ownership_prefix.as_str()),
        );
    }
    if let Some(pooled) = &group.pooled_name {
        let pooled_path = format!("{path}.pooledName.name");
        if let Some(found) = placeholders(&pooled.name).into_iter().next() {
            errors.push(FieldError::new(
                &pooled_path,
                ConfigProblem::UnexpectedPlaceholder {
                    found,
                    allowed: "no placeholder",
                },
            ));
        } else {
            check_rendered(
                errors,
                &pooled_path,
                &pooled.name,
                zone_ok.then_some(zone.as_str()),
                prefix_ok.then_some(group.ownership_prefix.as_str()),
            );
        }
    }
    slot_ok && zone_ok && prefix_ok && errors.len() == start
}

/// Why `arn` is not the full ARN of a Secrets Manager secret, if it is not:
/// `arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name>`, where
/// `<name>` ends in the `-` and six random characters Secrets Manager appends when the
/// secret is created ("The ARN includes the name of the secret followed by six random
/// characters", Secrets Manager API reference, CreateSecret). The full ARN is required
/// because the deployment grants `secretsmanager:GetSecretValue` on exactly it; a
/// partial ARN or a bare name would pass here and fail as AccessDenied in production.
/// Secret names use letters, digits and `/_+=.@-`, at most 512 characters.
fn secret_arn_problem(arn: &str) -> Option<ConfigProblem> {
    const SHAPE: &str =
        "arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>";
    let invalid = |reason: String| Some(ConfigProblem::Invalid(reason));
    if arn.is_empty() {
        return Some(ConfigProblem::Empty);
    }
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let [prefix, partition, service, region, account, resource, name] = parts[..] else {
        return invalid(format!(
            "`{arn}` is not a secret ARN; expected the secret's full ARN `{SHAPE}`"
        ));
    };
    let lower_words = |text: &str| {
        !text.is_empty()
            && text.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
    };
    if prefix != "arn" {
        invalid(format!(
            "`{arn}` is not a secret ARN; expected the secret's full ARN `{SHAPE}`"
        ))
    } else if !(partition.starts_with("aws") && lower_words(partition)) {
        invalid(format!(
            "`{arn}` has partition `{partition}`; expected `aws`, `aws-cn`, `aws-us-gov`, …"
        ))
    } else if service != "secretsmanager" {
        invalid(format!(
            "`{arn}` is a `{service}` ARN; expected a Secrets Manager secret (`{SHAPE}`)"
        ))
    } else if !lower_words(region) {
        invalid(format!(
            "`{arn}` has region `{region}`; expected a region such as `us-east-1`"
        ))
    } else if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        invalid(format!(
            "`{arn}` has account `{account}`; expected a 12-digit account id"
        ))
    } else if resource != "secret" {
        invalid(format!(
            "`{arn}` names a `{resource}`; expected `secret:<name>` (`{SHAPE}`)"
        ))
    } else if name.len() > 512 + 7
        || name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
    {
        invalid(format!(
            "`{arn}` has secret name `{name}`; names are 1 to 512 letters, digits and `/_+=.@-`"
        ))
    } else if !name.rsplit_once('-').is_some_and(|(base, suffix)| {
        !base.is_empty() && suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_alphanumeric())
    }) {
        invalid(format!(
            "`{arn}` is not the full ARN: it must end in the `-` and 6 random characters Secrets Manager appends to the name (e.g. `…:secret:{name}-a1B2c3`), because IAM grants secretsmanager:GetSecretValue on exactly that ARN"
        ))
    } else {
        None
    }
}

/// Route 53 hosted zone ids: upper-case letters and digits, at most 32 (the API
/// model's limit). Real ids start with `Z`, but AWS does not promise it and the local
/// emulator (moto) issues ids that do not, so that is not required.
fn check_hosted_zone_id(errors: &mut Vec<FieldError>, path: &str, id: &str) {
    let problem = if id.is_empty() {
        Some(ConfigProblem::Empty)
    } else if id.starts_with("/hostedzone/") {
        Some(ConfigProblem::Invalid(
            "must be the bare id (`Z…`), without `/hostedzone/`".to_string(),
        ))
    } else if id.len() > 32
        || !id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        Some(ConfigProblem::Invalid(format!(
            "`{id}` is not a Route 53 hosted zone id (up to 32 upper-case letters and digits, e.g. `Z0123456789ABCDEFGHIJ`)"
        )))
    } else {
        None
    };
    if let Some(problem) = problem {
        errors.push(FieldError::new(path, problem));
    }
}

/// One DNS label (the ownership prefix). True when valid.
fn check_label(errors: &mut Vec<FieldError>, path: &str, label: &str) -> bool {
    let problem = if label.is_empty() {
        Some(ConfigProblem::Empty)
    } else if label.contains('.') {
        Some(ConfigProblem::Invalid(format!(
            "`{label}` must be a single DNS label, without dots"
        )))
    } else {
        label_problem(&label.to_ascii_lowercase()).map(|reason| {
            ConfigProblem::Invalid(format!("`{label}` is not a valid DNS label: {reason}"))
        })
    };
    match problem {
        Some(problem) => {
            errors.push(FieldError::new(path, problem));
            false
        }
        None => true,
    }
}

/// A template with exactly one `placeholder`, rendered with `sample` and checked as a
/// name. True when valid.
#[allow(clippy::too_many_arguments)]
fn check_template(
    errors: &mut Vec<FieldError>,
    path: &str,
    template: &str,
    placeholder: &'static str,
    what: &'static str,
    sample: &str,
    zone: Option<&str>,
    prefix: Option<&str>,
) -> bool {
    let start = errors.len();
    let count = template.matches(placeholder).count();
    if count == 0 {
        errors.push(FieldError::new(
            path,
            ConfigProblem::MissingPlaceholder { placeholder, what },
        ));
    } else if count > 1 {
        errors.push(FieldError::new(
            path,
            ConfigProblem::RepeatedPlaceholder { placeholder, count },
        ));
    }
    if let Some(found) = placeholders(template)
        .into_iter()
        .find(|p| p != placeholder)
    {
        errors.push(FieldError::new(
            path,
            ConfigProblem::UnexpectedPlaceholder {
                found,
                allowed: if placeholder == SLOT_PLACEHOLDER {
                    "`{n}`"
                } else {
                    "`{az}`"
                },
            },
        ));
    } else {
        check_rendered(
            errors,
            path,
            &template.replace(placeholder, sample),
            zone,
            prefix,
        );
    }
    errors.len() == start
}

/// A concrete name: valid DNS, inside the zone and not its apex, and its ownership TXT
/// name (prefix label + name) valid too.
fn check_rendered(
    errors: &mut Vec<FieldError>,
    path: &str,
    name: &str,
    zone: Option<&str>,
    prefix: Option<&str>,
) {
    if let Some(reason) = dns_name_problem(name) {
        errors.push(FieldError::new(
            path,
            ConfigProblem::InvalidDnsName {
                name: name.to_string(),
                reason,
            },
        ));
        return;
    }
    let normalized = normalize_name(name);
    if let Some(zone) = zone {
        if normalized == zone {
            errors.push(FieldError::new(
                path,
                ConfigProblem::ZoneApex {
                    name: normalized.clone(),
                },
            ));
        } else if !normalized.ends_with(&format!(".{zone}")) {
            errors.push(FieldError::new(
                path,
                ConfigProblem::OutsideZone {
                    name: normalized.clone(),
                    zone: zone.to_string(),
                },
            ));
        }
    }
    if let Some(prefix) = prefix {
        // The ownership module's scheme, so validation checks the names the planner writes.
        let txt = ownership_name(prefix, &normalized);
        if let Some(reason) = dns_name_problem(&txt) {
            errors.push(FieldError::new(
                path,
                ConfigProblem::InvalidDnsName {
                    name: txt,
                    reason: format!("its ownership TXT name is too long or invalid: {reason}"),
                },
            ));
        }
    }
}

/// Every `{…}` in a string, in order.
fn placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        match after.find('}') {
            Some(close) => {
                found.push(after[..=close].to_string());
                rest = &after[close + 1..];
            }
            None => {
                found.push(after.to_string());
                break;
            }
        }
    }
    found.extend(rest.contains('}').then(|| "}".to_string()));
    found
}

/// Why `name` is not a DNS name Route 53 will take for a managed record, if it is not:
/// total length ≤ 253 (without the final dot), labels 1..=63 characters of letters,
/// digits, `-` and `_` (underscore: ownership labels), not starting or ending with `-`.
/// No wildcards or escapes: managed names are plain host names.
pub fn dns_name_problem(name: &str) -> Option<String> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Some("it is empty".to_string());
    }
    if trimmed.len() > 253 {
        return Some(format!(
            "it is {} characters long; DNS allows 253",
            trimmed.len()
        ));
    }
    trimmed
        .split('.')
        .find_map(|label| label_problem(&label.to_ascii_lowercase()))
}

fn label_problem(label: &str) -> Option<String> {
    if label.is_empty() {
        return Some("it has an empty label (two dots in a row, or a leading dot)".to_string());
    }
    if label.len() > 63 {
        return Some(format!(
            "label `{label}` is {} characters long; DNS allows 63",
            label.len()
        ));
    }
    if let Some(c) = label
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_')))
    {
        return Some(format!(
            "label `{label}` has character {c:?}; allowed: letters, digits, `-`, `_`"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Some(format!("label `{label}` starts or ends with `-`"));
    }
    None
}

// ---------------------------------------------------------------------------------
// Zones and collisions
// ---------------------------------------------------------------------------------

/// A set of names one field claims: a concrete name, or every name `prefix{az}suffix`.
#[derive(Debug, Clone)]
enum Pattern {
    Exact(String),
    Az(AzPattern),
}

#[derive(Debug, Clone)]
struct Claim {
    path: String,
    /// How the message names it: "`replica1.x.`" or "ownership TXT `_rdns.replica1.x.`".
    label: String,
    pattern: Pattern,
}

/// The names a group claims, from its one definition ([`GroupConfig::managed_names`]),
/// each under the field it comes from.
fn claims_of(index: usize, group: &GroupConfig) -> Vec<Claim> {
    let path = format!("groups[{index}]");
    // Only groups whose templates rendered are checked for collisions.
    let Ok(names) = group.managed_names() else {
        return Vec::new();
    };
    let mut claims = Vec::new();
    let mut exact = |field: &str, guarded: &GuardedName| {
        claims.push(Claim {
            path: format!("{path}.{field}"),
            label: format!("`{}`", guarded.name),
            pattern: Pattern::Exact(guarded.name.clone()),
        });
        claims.push(Claim {
            path: format!("{path}.{field}"),
            label: format!("ownership TXT `{}`", guarded.ownership_name),
            pattern: Pattern::Exact(guarded.ownership_name.clone()),
        });
    };
    for slot in &names.slots {
        exact("nameTemplate", slot);
    }
    if let Some(pooled) = &names.pooled {
        exact("pooledName.name", pooled);
    }
    if let Some(az) = &names.az {
        let az_path = format!("{path}.azNames.template");
        claims.push(Claim {
            path: az_path.clone(),
            label: format!("`{}`", az.name.template()),
            pattern: Pattern::Az(az.name.clone()),
        });
        claims.push(Claim {
            path: az_path,
            label: format!("ownership TXT `{}`", az.ownership_name.template()),
            pattern: Pattern::Az(az.ownership_name.clone()),
        });
    }
    claims
}

/// Characters an availability zone name (`us-east-1a`) or id (`use1-az1`) consists of.
fn az_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

/// Could `text` be what `{az}` renders to? AZ names and ids start with a letter and
/// contain a `-`; requiring that keeps `replica{az}` from "colliding" with `replica1`.
fn az_like(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.contains('-')
        && text.chars().all(az_char)
}

fn overlap(a: &Pattern, b: &Pattern) -> bool {
    match (a, b) {
        (Pattern::Exact(x), Pattern::Exact(y)) => x == y,
        (Pattern::Exact(name), Pattern::Az(AzPattern { prefix, suffix }))
        | (Pattern::Az(AzPattern { prefix, suffix }), Pattern::Exact(name)) => name
            .strip_prefix(prefix.as_str())
            .and_then(|rest| rest.strip_suffix(suffix.as_str()))
            .is_some_and(az_like),
        (
            Pattern::Az(AzPattern {
                prefix: p1,
                suffix: s1,
            }),
            Pattern::Az(AzPattern {
                prefix: p2,
                suffix: s2,
            }),
        ) => {
            // p1·x·s1 = p2·y·s2 for some AZ strings x, y when the longer prefix extends
            // the shorter by AZ characters (which then begin the other pattern's AZ, so
            // they start with a letter), and the longer suffix extends the shorter by
            // AZ characters (which then end the other AZ, so not with `-`).
            let (long_p, short_p) = if p1.len() >= p2.len() {
                (p1, p2)
            } else {
                (p2, p1)
            };
            let (long_s, short_s) = if s1.len() >= s2.len() {
                (s1, s2)
            } else {
                (s2, s1)
            };
            long_p.strip_prefix(short_p.as_str()).is_some_and(|extra| {
                extra.chars().all(az_char)
                    && extra.chars().next().is_none_or(|c| c.is_ascii_lowercase())
            }) && long_s
                .strip_suffix(short_s.as_str())
                .is_some_and(|extra| extra.chars().all(az_char) && !extra.ends_with('-'))
        }
    }
}

/// One hosted zone id must have one zone name; within a hosted zone no two fields may
/// claim the same name (slot names for n in 1..=5, pooled names, AZ-name patterns, and
/// the ownership TXT names of all of them).
fn check_zones_and_collisions(errors: &mut Vec<FieldError>, groups: &[(usize, &GroupConfig)]) {
    let mut zone_names: BTreeMap<&str, (String, usize)> = BTreeMap::new();
    let mut by_zone: BTreeMap<&str, Vec<Claim>> = BTreeMap::new();
    for (index, group) in groups {
        let zone = normalize_name(&group.zone_name);
        match zone_names.get(group.hosted_zone_id.as_str()) {
            Some((first_zone, first_index)) if *first_zone != zone => {
                errors.push(FieldError::new(
                    &format!("groups[{index}].zoneName"),
                    ConfigProblem::ZoneNameMismatch {
                        zone_id: group.hosted_zone_id.clone(),
                        other_name: first_zone.clone(),
                        other_path: format!("groups[{first_index}].zoneName"),
                    },
                ));
                continue;
            }
            Some(_) => {}
            None => {
                zone_names.insert(&group.hosted_zone_id, (zone, *index));
            }
        }
        by_zone
            .entry(&group.hosted_zone_id)
            .or_default()
            .extend(claims_of(*index, group));
    }
    for claims in by_zone.values() {
        // Exact names are looked up, not compared pairwise: a zone of 200 groups has
        // 2,000 claims, and a pairwise scan made start-up quadratic in the groups. Only
        // AZ patterns (a few per group at most) are compared with every earlier claim.
        let mut exact_at: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut az_at: Vec<usize> = Vec::new();
        let mut reported: HashSet<(&str, &str)> = HashSet::new();
        for (j, later) in claims.iter().enumerate() {
            let mut candidates: Vec<usize> = match &later.pattern {
                Pattern::Exact(name) => {
                    let mut same = exact_at.get(name.as_str()).cloned().unwrap_or_default();
                    same.extend(&az_at);
                    same
                }
                Pattern::Az(_) => (0..j).collect(),
            };
            candidates.sort_unstable();
            match &later.pattern {
                Pattern::Exact(name) => exact_at.entry(name.as_str()).or_default().push(j),
                Pattern::Az(_) => az_at.push(j),
            }
            for earlier in candidates.into_iter().map(|i| &claims[i]) {
                if earlier.path == later.path
                    || reported.contains(&(later.path.as_str(), earlier.path.as_str()))
                    || !overlap(&earlier.pattern, &later.pattern)
                {
                    continue;
                }
                reported.insert((&later.path, &earlier.path));
                errors.push(FieldError::new(
                    &later.path,
                    ConfigProblem::NameCollision {
                        claim: later.label.clone(),
                        other_path: earlier.path.clone(),
                        other_claim: earlier.label.clone(),
                    },
                ));
            }
        }
    }
}
