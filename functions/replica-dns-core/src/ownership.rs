//! Who owns a DNS record: the ownership TXT value written beside every managed CNAME,
//! the TXT name scheme, the slot-name template (`replica{n}.…`), the set of names one
//! group may write ([`ManagedNames`], from [`crate::config::GroupConfig::managed_names`])
//! and the form IAM compares those names in ([`iam_normalized_name`]).
//!
//! This module renders and parses; it does not decide what to change (that is
//! [`crate::plan`]) and it does not validate a whole configuration (that is
//! [`crate::config`], which may reuse [`SlotTemplate::parse`] and [`validate_token`]).
//!
//! # Format
//! A managed slot `replica2.orders.cache.internal.` has its ownership TXT at
//! `_rdns.replica2.orders.cache.internal.` (the configured `ownershipPrefix` label
//! prepended: a CNAME owns its whole name, so no TXT can live beside it). The TXT holds
//! one string, stored by Route 53 *with* its quotes:
//!
//! ```text
//! "replica-dns owner=replica-dns-prod group=orders slot=2 home=orders-003"
//! ```
//!
//! `home` is the node the slot belongs to, not necessarily the node the CNAME points at
//! right now: while the home node is being replaced the CNAME points elsewhere
//! (interim) and the TXT remembers where to return.
//!
//! The AZ-local names and the pooled name have ownership TXTs of their own kinds
//! (`az=us-east-1a`, `pool=orders-002`), parsed by the same rules: see [`GuardRef`].

use serde::{Deserialize, Serialize};

use crate::records::normalize_name;

/// First word of every ownership value: anything else at an ownership name is foreign.
pub const MARKER: &str = "replica-dns";

/// Longest character-string a TXT record can hold (RFC 1035 §3.3): a rendered
/// ownership value must fit in one, or Route 53 would split or reject it.
pub const MAX_TXT_STRING: usize = 255;

/// Longest id accepted in an ownership value; with four such fields the value still fits
/// in [`MAX_TXT_STRING`].
pub const MAX_TOKEN_LEN: usize = 64;

/// Why an ownership value, an id or a slot template was rejected. Each variant names the
/// problem so that a warning or a validation report can say exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OwnershipError {
    /// Route 53 stores TXT data as quoted strings; an unquoted value was not read from
    /// Route 53 or was mangled on the way.
    #[error("TXT value {value:?} is not one quoted string")]
    NotQuoted { value: String },
    /// The value does not start with [`MARKER`]: somebody else's TXT record.
    #[error("TXT value {value:?} is not a replica-dns ownership value")]
    NotReplicaDns { value: String },
    /// Starts with the marker but a `key=value` field is absent.
    #[error("ownership value lacks the `{field}` field")]
    MissingField { field: String },
    /// A field appears twice: ambiguous, so not trusted.
    #[error("ownership value repeats the `{field}` field")]
    DuplicateField { field: String },
    /// A word that is not one of `owner`, `group`, `slot`, `home`, `az`, `pool`. Rejected
    /// rather than ignored: a record this version does not fully understand is not touched.
    #[error("ownership value has unknown word {word:?}")]
    UnknownField { word: String },
    /// A field's value is unusable (empty, not a number, forbidden character…).
    #[error("ownership field `{field}` has invalid value {value:?}: {reason}")]
    InvalidField {
        field: String,
        value: String,
        reason: String,
    },
    /// Fields of two kinds in one value (`slot=` with `az=`, `az=` with `pool=`…): which
    /// name it guards is ambiguous, so it is not trusted.
    #[error("ownership value mixes the fields of a {} and of a {} guard", first.as_str(), second.as_str())]
    MixedKinds { first: GuardKind, second: GuardKind },
    /// A well-formed value of another kind than the name calls for (an AZ value at a
    /// slot's ownership name, a slot value in the pool…): copied by hand, not ours here.
    #[error("ownership value guards a {} name, not a {} name", found.as_str(), expected.as_str())]
    OtherKind {
        expected: GuardKind,
        found: GuardKind,
    },
    /// Ours in format, but written by another deployment (another owner id).
    #[error("record is owned by `{found}`, not by `{expected}`")]
    OtherOwner { found: String, expected: String },
    /// Ours in format and owner, but for another replication group sharing the zone.
    #[error("record belongs to group `{found}`, not to `{expected}`")]
    OtherGroup { found: String, expected: String },
    /// A slot-name template without exactly one `{n}`.
    #[error("name template {template:?} must contain `{{n}}` exactly once")]
    TemplatePlaceholder { template: String },
    /// A name with a character Route 53 cannot write as a `\ooo` octal escape (beyond
    /// one byte): an internationalised name must be given in its punycode form.
    #[error("name {name:?} has character {character:?}, which is not a DNS character (use the punycode form)")]
    NotDnsCharacter { name: String, character: char },
}

/// The content of one ownership TXT value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ownership {
    /// The deployment's `ownerId`: two deployments sharing a zone never touch each
    /// other's records.
    pub owner_id: String,
    /// Exact replication group id (compared whole: `orders` never claims `orders-eu`).
    pub group_id: String,
    /// Slot number `n` of the name this TXT guards; the name itself says it too, the
    /// copy lets the planner notice a TXT copied by hand to another name.
    pub slot: u32,
    /// Cache cluster id of the slot's home node (sticky across interim routing).
    pub home: String,
}

impl Ownership {
    /// The TXT value exactly as Route 53 stores it: one quoted string.
    ///
    /// ```
    /// use replica_dns_core::ownership::Ownership;
    /// let o = Ownership { owner_id: "prod".into(), group_id: "orders".into(), slot: 2, home: "orders-003".into() };
    /// assert_eq!(o.render(), "\"replica-dns owner=prod group=orders slot=2 home=orders-003\"");
    /// assert_eq!(Ownership::parse(&o.render()), Ok(o));
    /// ```
    pub fn render(&self) -> String {
        self.borrowed().render()
    }

    /// Parses a TXT value as read from Route 53 (with its quotes). Any value that is not
    /// exactly a well-formed ownership value *of a slot* is an error: the planner treats
    /// such a record as foreign and never touches it.
    pub fn parse(value: &str) -> Result<Self, OwnershipError> {
        OwnershipRef::parse(value).map(|o| o.to_owned())
    }

    /// Parses and checks that the value belongs to this deployment and this group:
    /// the one question the planner asks of every TXT at an ownership name.
    pub fn parse_for(value: &str, owner_id: &str, group_id: &str) -> Result<Self, OwnershipError> {
        OwnershipRef::parse_for(value, owner_id, group_id).map(|o| o.to_owned())
    }

    fn borrowed(&self) -> OwnershipRef<'_> {
        OwnershipRef {
            owner_id: &self.owner_id,
            group_id: &self.group_id,
            slot: self.slot,
            home: &self.home,
        }
    }
}

/// An [`Ownership`] borrowed from the TXT value it was parsed from: the planner reads
/// thousands of these per plan and needs owned strings only for what it outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnershipRef<'a> {
    pub owner_id: &'a str,
    pub group_id: &'a str,
    pub slot: u32,
    pub home: &'a str,
}

impl<'a> OwnershipRef<'a> {
    /// Same rules as [`Ownership::parse`], without copying the fields: the general
    /// [`GuardRef::parse`], then the value must guard a slot.
    pub fn parse(value: &'a str) -> Result<Self, OwnershipError> {
        GuardRef::parse(value)?.into_slot()
    }

    /// Same rules as [`Ownership::parse_for`], without copying the fields.
    pub fn parse_for(
        value: &'a str,
        owner_id: &str,
        group_id: &str,
    ) -> Result<Self, OwnershipError> {
        GuardRef::parse_for(value, owner_id, group_id)?.into_slot()
    }

    /// The general form of this slot value.
    pub fn guard(&self) -> GuardRef<'a> {
        GuardRef {
            owner_id: self.owner_id,
            group_id: self.group_id,
            kind: GuardKindRef::Slot {
                slot: self.slot,
                home: self.home,
            },
        }
    }

    /// The TXT value exactly as Route 53 stores it.
    pub fn render(&self) -> String {
        self.guard().render()
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Ownership {
        Ownership {
            owner_id: self.owner_id.to_string(),
            group_id: self.group_id.to_string(),
            slot: self.slot,
            home: self.home.to_string(),
        }
    }
}

/// What an ownership TXT guards, and the fields only that kind has. The slot form is
/// the original one (production records exist: it stays byte-identical); the AZ and
/// pool forms were added with the AZ-local and pooled names.
///
/// | kind   | value                                                     | TXT name                          |
/// |--------|-----------------------------------------------------------|-----------------------------------|
/// | slot   | `"replica-dns owner=O group=G slot=2 home=orders-003"`    | `_rdns.replica2.…` (simple)       |
/// | AZ     | `"replica-dns owner=O group=G az=us-east-1a"`             | `_rdns.replica-us-east-1a.…` (simple) |
/// | pool   | `"replica-dns owner=O group=G pool=orders-002"`           | `_rdns.<pooled name>`, *weighted*, SetIdentifier `orders-002` |
///
/// An AZ name has no home: it is sticky by its current target, and the TXT keeps the AZ
/// so that a name copied by hand to another AZ's name is noticed. A pool record's TXT is
/// weighted with the same SetIdentifier as its CNAME, so that every record of the pool
/// has its own compare-and-swap guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GuardKind {
    Slot,
    Az,
    Pool,
}

impl GuardKind {
    /// The word that marks this kind in a value (`slot`, `az`, `pool`).
    pub fn as_str(self) -> &'static str {
        match self {
            GuardKind::Slot => "slot",
            GuardKind::Az => "az",
            GuardKind::Pool => "pool",
        }
    }
}

/// The kind-specific fields of a parsed ownership value, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuardKindRef<'a> {
    /// A numbered slot and its home node.
    Slot { slot: u32, home: &'a str },
    /// An AZ-local name and the availability zone it stands for.
    Az { az: &'a str },
    /// One weighted record of the pooled name; `member` is its SetIdentifier (the
    /// replica's cache cluster id).
    Pool { member: &'a str },
}

impl GuardKindRef<'_> {
    pub fn kind(&self) -> GuardKind {
        match self {
            GuardKindRef::Slot { .. } => GuardKind::Slot,
            GuardKindRef::Az { .. } => GuardKind::Az,
            GuardKindRef::Pool { .. } => GuardKind::Pool,
        }
    }
}

/// Any ownership value, borrowed from the TXT value it was parsed from: one parser for
/// the three kinds, so that every kind follows the same strict rules (marker first,
/// unknown or repeated words rejected, ids checked by [`validate_token`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GuardRef<'a> {
    pub owner_id: &'a str,
    pub group_id: &'a str,
    pub kind: GuardKindRef<'a>,
}

impl<'a> GuardRef<'a> {
    /// Parses a TXT value as read from Route 53 (with its quotes). Exactly one kind's
    /// fields must be present: `slot` and `home`, or `az`, or `pool`.
    ///
    /// ```
    /// use replica_dns_core::ownership::{GuardKindRef, GuardRef};
    /// let g = GuardRef::parse("\"replica-dns owner=prod group=orders az=us-east-1a\"").unwrap();
    /// assert_eq!(g.kind, GuardKindRef::Az { az: "us-east-1a" });
    /// assert_eq!(g.render(), "\"replica-dns owner=prod group=orders az=us-east-1a\"");
    /// ```
    pub fn parse(value: &'a str) -> Result<Self, OwnershipError> {
        let inner = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .filter(|v| !v.contains('"'))
            .ok_or_else(|| OwnershipError::NotQuoted {
                value: value.to_string(),
            })?;
        let mut words = inner.split_ascii_whitespace();
        if words.next() != Some(MARKER) {
            return Err(OwnershipError::NotReplicaDns {
                value: value.to_string(),
            });
        }
        let (mut owner, mut group, mut slot, mut home, mut az, mut pool) =
            (None, None, None, None, None, None);
        for word in words {
            // A byte search: `split_once('=')` builds a char searcher per word.
            let (key, field_value) = word
                .bytes()
                .position(|b| b == b'=')
                .map(|at| (&word[..at], &word[at + 1..]))
                .ok_or_else(|| OwnershipError::UnknownField {
                    word: word.to_string(),
                })?;
            let place = match key {
                "owner" => &mut owner,
                "group" => &mut group,
                "slot" => &mut slot,
                "home" => &mut home,
                "az" => &mut az,
                "pool" => &mut pool,
                _ => {
                    return Err(OwnershipError::UnknownField {
                        word: word.to_string(),
                    })
                }
            };
            if place.replace(field_value).is_some() {
                return Err(OwnershipError::DuplicateField {
                    field: key.to_string(),
                });
            }
        }
        let require = |field: &str, found: Option<&'a str>| -> Result<&'a str, OwnershipError> {
            let found = found.ok_or_else(|| OwnershipError::MissingField {
                field: field.to_string(),
            })?;
            validate_token(field, found)?;
            Ok(found)
        };
        let owner_id = require("owner", owner)?;
        let group_id = require("group", group)?;
        let kinds: Vec<GuardKind> = [
            (slot.is_some() || home.is_some(), GuardKind::Slot),
            (az.is_some(), GuardKind::Az),
            (pool.is_some(), GuardKind::Pool),
        ]
        .into_iter()
        .filter_map(|(present, kind)| present.then_some(kind))
        .collect();
        let kind = match kinds.as_slice() {
            [] | [GuardKind::Slot] => {
                let home = require("home", home)?;
                let slot_text = require("slot", slot)?;
                let slot =
                    parse_slot_number(slot_text).ok_or_else(|| OwnershipError::InvalidField {
                        field: "slot".to_string(),
                        value: slot_text.to_string(),
                        reason: "not a slot number 1..=4294967295 without leading zeros"
                            .to_string(),
                    })?;
                GuardKindRef::Slot { slot, home }
            }
            [GuardKind::Az] => GuardKindRef::Az {
                az: require("az", az)?,
            },
            [GuardKind::Pool] => GuardKindRef::Pool {
                member: require("pool", pool)?,
            },
            [first, second, ..] => {
                return Err(OwnershipError::MixedKinds {
                    first: *first,
                    second: *second,
                })
            }
        };
        Ok(GuardRef {
            owner_id,
            group_id,
            kind,
        })
    }

    /// [`GuardRef::parse`], then the value must be this deployment's and this group's.
    pub fn parse_for(
        value: &'a str,
        owner_id: &str,
        group_id: &str,
    ) -> Result<Self, OwnershipError> {
        let guard = Self::parse(value)?;
        if guard.owner_id != owner_id {
            return Err(OwnershipError::OtherOwner {
                found: guard.owner_id.to_string(),
                expected: owner_id.to_string(),
            });
        }
        if guard.group_id != group_id {
            return Err(OwnershipError::OtherGroup {
                found: guard.group_id.to_string(),
                expected: group_id.to_string(),
            });
        }
        Ok(guard)
    }

    /// The TXT value exactly as Route 53 stores it: one quoted string, fields in the
    /// documented order.
    pub fn render(&self) -> String {
        let (owner, group) = (self.owner_id, self.group_id);
        match self.kind {
            GuardKindRef::Slot { slot, home } => {
                format!("\"{MARKER} owner={owner} group={group} slot={slot} home={home}\"")
            }
            GuardKindRef::Az { az } => format!("\"{MARKER} owner={owner} group={group} az={az}\""),
            GuardKindRef::Pool { member } => {
                format!("\"{MARKER} owner={owner} group={group} pool={member}\"")
            }
        }
    }

    /// The slot form, or [`OwnershipError::OtherKind`].
    fn into_slot(self) -> Result<OwnershipRef<'a>, OwnershipError> {
        match self.kind {
            GuardKindRef::Slot { slot, home } => Ok(OwnershipRef {
                owner_id: self.owner_id,
                group_id: self.group_id,
                slot,
                home,
            }),
            other => Err(OwnershipError::OtherKind {
                expected: GuardKind::Slot,
                found: other.kind(),
            }),
        }
    }
}

/// Checks that an id can be written into an ownership value and read back unchanged:
/// non-empty, at most [`MAX_TOKEN_LEN`] characters, printable ASCII without spaces,
/// quotes, backslashes or `=`. Configuration validation uses it for `ownerId` and
/// group ids, so that the planner never writes a value it would itself call malformed.
pub fn validate_token(field: &str, value: &str) -> Result<(), OwnershipError> {
    let invalid = |reason: &str| OwnershipError::InvalidField {
        field: field.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if value.is_empty() {
        return Err(invalid("empty"));
    }
    if value.len() > MAX_TOKEN_LEN {
        return Err(invalid(&format!("longer than {MAX_TOKEN_LEN} characters")));
    }
    // Scan bytes (every allowed character is ASCII), without stopping early so that
    // the common, valid case vectorises; find and decode the offender only if any.
    let is_bad = |b: &u8| !b.is_ascii_graphic() | matches!(b, b'"' | b'\\' | b'=');
    if !value
        .as_bytes()
        .iter()
        .fold(false, |bad, b| bad | is_bad(b))
    {
        return Ok(());
    }
    if let Some(bad) = value
        .bytes()
        .position(|b| is_bad(&b))
        .and_then(|at| value.get(at..))
        .and_then(|rest| rest.chars().next())
    {
        return Err(invalid(&format!(
            "character {bad:?} is not allowed (printable ASCII except space, '\"', '\\' and '=')"
        )));
    }
    Ok(())
}

/// `1`, `2`, … without sign or leading zeros, so that each number has one spelling and
/// one name.
fn parse_slot_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Whether `az` can stand in an AZ-local name and in an `az=` ownership field: one DNS
/// label of lower-case letters, digits and `-` (`us-east-1a`, `use1-az1`,
/// `us-west-2-lax-1a`), as ElastiCache reports `PreferredAvailabilityZone`. Anything
/// else (a dot would add a label, upper case would not survive Route 53's lower-casing)
/// is not planned.
pub fn is_az_label(az: &str) -> bool {
    (1..=63).contains(&az.len())
        && az
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The name of the ownership TXT guarding `slot_name`: `<prefix>.<slot name>`.
/// Never the slot name itself, which its CNAME owns exclusively.
pub fn ownership_name(ownership_prefix: &str, slot_name: &str) -> String {
    normalize_name(&format!("{}{slot_name}", ownership_label(ownership_prefix)))
}

/// What the ownership scheme puts before a managed name: the prefix label and a dot,
/// lower case. The one rule behind [`ownership_name`],
/// [`SlotTemplate::ownership_template`] and [`AzPattern::ownership_pattern`].
fn ownership_label(ownership_prefix: &str) -> String {
    format!(
        "{}.",
        ownership_prefix.trim_end_matches('.').to_ascii_lowercase()
    )
}

/// A slot-name template such as `replica{n}.orders.cache.internal.`, split once around
/// its `{n}` so that rendering and recognising names is cheap and exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SlotTemplate {
    prefix: String,
    suffix: String,
}

impl SlotTemplate {
    /// Placeholder replaced by the slot number.
    pub const PLACEHOLDER: &'static str = "{n}";

    /// The domain below which every name of this template lies, when `{n}` sits in the
    /// first label (`replica{n}.orders.cache.internal.` → `orders.cache.internal.`):
    /// the part of the zone worth listing. `None` when the number is in a deeper label
    /// or nothing follows the first label: then only the whole zone holds them all.
    pub fn subtree(&self) -> Option<&str> {
        if self.prefix.contains('.') {
            return None;
        }
        let (_, rest) = self.suffix.split_once('.')?;
        (!rest.is_empty() && !rest.contains('{')).then_some(rest)
    }

    /// Splits a template (normalised: lower case, trailing dot). It must contain `{n}`
    /// exactly once; other checks (inside the zone, legal labels) belong to config
    /// validation.
    pub fn parse(template: &str) -> Result<Self, OwnershipError> {
        let normalized = normalize_name(template);
        let mut parts = normalized.split(Self::PLACEHOLDER);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(prefix), Some(suffix), None) => Ok(SlotTemplate {
                prefix: prefix.to_string(),
                suffix: suffix.to_string(),
            }),
            _ => Err(OwnershipError::TemplatePlaceholder {
                template: template.to_string(),
            }),
        }
    }

    /// The template of the ownership TXT names of these slots (`_rdns.replica{n}.…`).
    pub fn ownership_template(&self, ownership_prefix: &str) -> SlotTemplate {
        SlotTemplate {
            prefix: format!("{}{}", ownership_label(ownership_prefix), self.prefix),
            suffix: self.suffix.clone(),
        }
    }

    /// The name of slot `n`, normalised.
    pub fn name(&self, n: u32) -> String {
        // Built by hand rather than with format!: the planner renders thousands per plan.
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        let mut rest = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let mut name =
            String::with_capacity(self.prefix.len() + (digits.len() - at) + self.suffix.len());
        name.push_str(&self.prefix);
        name.extend(digits[at..].iter().map(|&d| char::from(d)));
        name.push_str(&self.suffix);
        name
    }

    /// The slot number a normalised name stands for under this template, if any.
    /// `replica07.…` is no slot (numbers have one spelling).
    pub fn slot_of(&self, normalized_name: &str) -> Option<u32> {
        normalized_name
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())
            .and_then(parse_slot_number)
    }

    /// Text before `{n}`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Text after `{n}`.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }
}

/// A managed name and the name of the ownership TXT that guards it, both normalised
/// (lower case, trailing dot).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardedName {
    /// The CNAME's name.
    pub name: String,
    /// Its ownership TXT's name ([`ownership_name`]).
    pub ownership_name: String,
}

/// Every name `prefix{az}suffix`, normalised: the AZ-local names, whose AZ is a member's
/// `PreferredAvailabilityZone` and so only known at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AzPattern {
    /// Text before `{az}`.
    pub prefix: String,
    /// Text after `{az}`, ending with the trailing dot.
    pub suffix: String,
}

impl AzPattern {
    /// Splits a normalised AZ-name template around its `{az}`; `None` without one.
    pub fn parse(template: &str) -> Option<Self> {
        let normalized = normalize_name(template);
        let (prefix, suffix) = normalized.split_once(crate::config::AZ_PLACEHOLDER)?;
        Some(AzPattern {
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
        })
    }

    /// The pattern of the ownership TXT names of these names (`_rdns.replica-{az}.…`).
    pub fn ownership_pattern(&self, ownership_prefix: &str) -> AzPattern {
        AzPattern {
            prefix: format!("{}{}", ownership_label(ownership_prefix), self.prefix),
            suffix: self.suffix.clone(),
        }
    }

    /// The name for availability zone `az` (an [`is_az_label`] label, so the result is
    /// normalised like the pattern).
    pub fn render(&self, az: &str) -> String {
        let mut name = String::with_capacity(self.prefix.len() + az.len() + self.suffix.len());
        name.push_str(&self.prefix);
        name.push_str(az);
        name.push_str(&self.suffix);
        name
    }

    /// The pattern with its `{az}` placeholder, e.g. `replica-{az}.cache.internal.`.
    pub fn template(&self) -> String {
        format!(
            "{}{}{}",
            self.prefix,
            crate::config::AZ_PLACEHOLDER,
            self.suffix
        )
    }
}

/// The AZ-local name pattern of a group and the pattern of its ownership TXT names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AzNames {
    pub name: AzPattern,
    pub ownership_name: AzPattern,
}

/// Every name one group may ever write, whatever its topology: the slot names for
/// n = 1..=[`crate::config::MAX_REPLICAS`] (ElastiCache's maximum number of replicas),
/// the pooled name and the AZ-name pattern when configured, each with its ownership TXT
/// name. Configuration validation checks these for collisions between groups, and the
/// deployment's IAM policy allows writing exactly these and nothing else in the zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNames {
    /// Slot `n` at index `n - 1`.
    pub slots: Vec<GuardedName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooled: Option<GuardedName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub az: Option<AzNames>,
}

impl ManagedNames {
    /// Every concrete name (not the AZ patterns), each CNAME name followed by its TXT's:
    /// slots in order, then the pooled name.
    pub fn exact(&self) -> impl Iterator<Item = &str> {
        self.slots
            .iter()
            .chain(&self.pooled)
            .flat_map(|g| [g.name.as_str(), g.ownership_name.as_str()])
    }
}

/// A DNS name the way IAM compares it in the
/// `route53:ChangeResourceRecordSetsNormalizedRecordNames` condition key: "All letters
/// must be lowercase. The DNS name must be without the trailing dot. Characters other
/// than a-z, 0-9, - (hyphen), _ (underscore), and . (period, as a delimiter between
/// labels) must use escape codes in the format \three-digit octal code. For example,
/// `\052` is the octal code for character `*`." (Route 53 Developer Guide, "Using IAM
/// policy conditions for fine-grained access control", Normalizing Route 53 condition
/// key values,
/// <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html#route53_rrset_conditionkeys_normalization>).
///
/// ```
/// use replica_dns_core::ownership::iam_normalized_name;
/// assert_eq!(iam_normalized_name("Replica1.Cache.Internal.").unwrap(), "replica1.cache.internal");
/// assert_eq!(iam_normalized_name("*.cache.internal").unwrap(), "\\052.cache.internal");
/// ```
pub fn iam_normalized_name(name: &str) -> Result<String, OwnershipError> {
    let trimmed = name.trim();
    iam_escape(trimmed.strip_suffix('.').unwrap_or(trimmed), name)
}

/// Lower case, and every character but `a-z 0-9 - _ .` as `\ooo`; `whole` names the
/// name in an error.
fn iam_escape(text: &str, whole: &str) -> Result<String, OwnershipError> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else if u32::from(c) <= 0xff {
            out.push_str(&format!("\\{:03o}", u32::from(c)));
        } else {
            return Err(OwnershipError::NotDnsCharacter {
                name: whole.to_string(),
                character: c,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Ownership {
        Ownership {
            owner_id: "replica-dns-prod".into(),
            group_id: "orders".into(),
            slot: 3,
            home: "orders-002".into(),
        }
    }

    #[test]
    fn rendered_value_parses_back_to_itself() {
        assert_eq!(Ownership::parse(&sample().render()), Ok(sample()));
    }

    #[test]
    fn value_is_one_quoted_string_in_the_documented_order() {
        assert_eq!(
            sample().render(),
            "\"replica-dns owner=replica-dns-prod group=orders slot=3 home=orders-002\""
        );
    }

    #[test]
    fn fields_in_any_order_and_extra_spaces_are_accepted() {
        let value = "\"replica-dns  home=orders-002 slot=3 group=orders owner=replica-dns-prod \"";
        assert_eq!(Ownership::parse(value), Ok(sample()));
    }

    #[test]
    fn malformed_values_are_rejected_with_the_reason() {
        let cases: &[(&str, &str, OwnershipError)] = &[
            (
                "unquoted",
                "replica-dns owner=a group=b slot=1 home=c",
                OwnershipError::NotQuoted {
                    value: "replica-dns owner=a group=b slot=1 home=c".into(),
                },
            ),
            (
                "two strings",
                "\"replica-dns owner=a\" \"group=b slot=1 home=c\"",
                OwnershipError::NotQuoted {
                    value: "\"replica-dns owner=a\" \"group=b slot=1 home=c\"".into(),
                },
            ),
            (
                "external-dns heritage",
                "\"heritage=external-dns,external-dns/owner=default\"",
                OwnershipError::NotReplicaDns {
                    value: "\"heritage=external-dns,external-dns/owner=default\"".into(),
                },
            ),
            (
                "missing home",
                "\"replica-dns owner=a group=b slot=1\"",
                OwnershipError::MissingField {
                    field: "home".into(),
                },
            ),
            (
                "duplicate group",
                "\"replica-dns owner=a group=b group=c slot=1 home=c\"",
                OwnershipError::DuplicateField {
                    field: "group".into(),
                },
            ),
            (
                "unknown word",
                "\"replica-dns owner=a group=b slot=1 home=c v=2\"",
                OwnershipError::UnknownField { word: "v=2".into() },
            ),
            (
                "slot zero",
                "\"replica-dns owner=a group=b slot=0 home=c\"",
                OwnershipError::InvalidField {
                    field: "slot".into(),
                    value: "0".into(),
                    reason: "not a slot number 1..=4294967295 without leading zeros".into(),
                },
            ),
            (
                "slot with leading zero",
                "\"replica-dns owner=a group=b slot=01 home=c\"",
                OwnershipError::InvalidField {
                    field: "slot".into(),
                    value: "01".into(),
                    reason: "not a slot number 1..=4294967295 without leading zeros".into(),
                },
            ),
            (
                "empty owner",
                "\"replica-dns owner= group=b slot=1 home=c\"",
                OwnershipError::InvalidField {
                    field: "owner".into(),
                    value: "".into(),
                    reason: "empty".into(),
                },
            ),
        ];
        for (name, value, expected) in cases {
            assert_eq!(
                Ownership::parse(value).as_ref(),
                Err(expected),
                "case {name}"
            );
        }
    }

    #[test]
    fn az_and_pool_values_round_trip_in_the_documented_form() {
        let az = GuardRef {
            owner_id: "replica-dns-prod",
            group_id: "orders",
            kind: GuardKindRef::Az { az: "us-east-1a" },
        };
        assert_eq!(
            az.render(),
            "\"replica-dns owner=replica-dns-prod group=orders az=us-east-1a\""
        );
        let rendered = az.render();
        assert_eq!(GuardRef::parse(&rendered), Ok(az));
        let pool = GuardRef {
            kind: GuardKindRef::Pool {
                member: "orders-002",
            },
            ..az
        };
        assert_eq!(
            pool.render(),
            "\"replica-dns owner=replica-dns-prod group=orders pool=orders-002\""
        );
        let rendered = pool.render();
        assert_eq!(GuardRef::parse(&rendered), Ok(pool));
        // The slot form is unchanged by the general renderer (production records exist).
        let slot = sample();
        let rendered = slot.render();
        assert_eq!(
            GuardRef::parse(&rendered).map(|g| g.kind),
            Ok(GuardKindRef::Slot {
                slot: 3,
                home: "orders-002"
            })
        );
    }

    #[test]
    fn az_and_pool_values_follow_the_strict_rules() {
        let cases: &[(&str, &str, OwnershipError)] = &[
            (
                "az and pool",
                "\"replica-dns owner=a group=b az=us-east-1a pool=b-002\"",
                OwnershipError::MixedKinds {
                    first: GuardKind::Az,
                    second: GuardKind::Pool,
                },
            ),
            (
                "slot and az",
                "\"replica-dns owner=a group=b slot=1 home=c az=us-east-1a\"",
                OwnershipError::MixedKinds {
                    first: GuardKind::Slot,
                    second: GuardKind::Az,
                },
            ),
            (
                "repeated az",
                "\"replica-dns owner=a group=b az=x-1 az=x-2\"",
                OwnershipError::DuplicateField { field: "az".into() },
            ),
            (
                "unknown word beside pool",
                "\"replica-dns owner=a group=b pool=b-002 weight=1\"",
                OwnershipError::UnknownField {
                    word: "weight=1".into(),
                },
            ),
            (
                "empty pool member",
                "\"replica-dns owner=a group=b pool=\"",
                OwnershipError::InvalidField {
                    field: "pool".into(),
                    value: "".into(),
                    reason: "empty".into(),
                },
            ),
            (
                "no kind at all",
                "\"replica-dns owner=a group=b\"",
                OwnershipError::MissingField {
                    field: "home".into(),
                },
            ),
        ];
        for (name, value, expected) in cases {
            assert_eq!(
                GuardRef::parse(value).as_ref(),
                Err(expected),
                "case {name}"
            );
        }
        // A well-formed AZ value is no slot value.
        assert_eq!(
            Ownership::parse("\"replica-dns owner=a group=b az=us-east-1a\""),
            Err(OwnershipError::OtherKind {
                expected: GuardKind::Slot,
                found: GuardKind::Az
            })
        );
        assert_eq!(
            GuardRef::parse_for("\"replica-dns owner=a group=b pool=b-1\"", "a", "c"),
            Err(OwnershipError::OtherGroup {
                found: "b".into(),
                expected: "c".into()
            })
        );
    }

    #[test]
    fn the_longest_az_and_pool_values_fit_one_txt_string() {
        let long = "x".repeat(MAX_TOKEN_LEN);
        for kind in [
            GuardKindRef::Az { az: &long },
            GuardKindRef::Pool { member: &long },
        ] {
            let value = GuardRef {
                owner_id: &long,
                group_id: &long,
                kind,
            }
            .render();
            assert!(value.len() - 2 <= MAX_TXT_STRING, "{value}");
        }
        assert!(is_az_label("us-west-2-lax-1a"));
        for bad in ["", "us-east-1a.x", "US-EAST-1A", "a b"] {
            assert!(!is_az_label(bad), "{bad:?}");
        }
    }

    #[test]
    fn another_owner_or_group_is_foreign_even_when_ids_share_a_prefix() {
        let value = sample().render();
        assert_eq!(
            Ownership::parse_for(&value, "replica-dns", "orders"),
            Err(OwnershipError::OtherOwner {
                found: "replica-dns-prod".into(),
                expected: "replica-dns".into()
            })
        );
        assert_eq!(
            Ownership::parse_for(&value, "replica-dns-prod", "order"),
            Err(OwnershipError::OtherGroup {
                found: "orders".into(),
                expected: "order".into()
            })
        );
        assert_eq!(
            Ownership::parse_for(&value, "replica-dns-prod", "orders"),
            Ok(sample())
        );
    }

    #[test]
    fn tokens_that_would_not_round_trip_are_rejected() {
        assert!(validate_token("ownerId", "prod-1").is_ok());
        for bad in ["", "has space", "quo\"te", "a=b", "back\\slash", "é"] {
            assert!(validate_token("ownerId", bad).is_err(), "{bad:?}");
        }
        assert!(validate_token("ownerId", &"x".repeat(MAX_TOKEN_LEN + 1)).is_err());
        let longest = Ownership {
            owner_id: "o".repeat(MAX_TOKEN_LEN),
            group_id: "g".repeat(MAX_TOKEN_LEN),
            slot: u32::MAX,
            home: "h".repeat(MAX_TOKEN_LEN),
        };
        assert!(longest.render().len() - 2 <= MAX_TXT_STRING);
    }

    #[test]
    fn ownership_name_is_a_sibling_label_never_the_slot_name() {
        assert_eq!(
            ownership_name("_rdns", "replica1.cache.internal."),
            "_rdns.replica1.cache.internal."
        );
        assert_eq!(
            ownership_name("_RDNS.", "Replica1.Cache.Internal"),
            "_rdns.replica1.cache.internal."
        );
    }

    #[test]
    fn template_renders_and_recognises_slot_names() {
        let template = SlotTemplate::parse("Replica{n}.Orders.cache.internal").unwrap();
        assert_eq!(template.name(4), "replica4.orders.cache.internal.");
        assert_eq!(template.name(10), "replica10.orders.cache.internal.");
        assert_eq!(
            template.name(u32::MAX),
            "replica4294967295.orders.cache.internal."
        );
        assert_eq!(template.slot_of("replica4.orders.cache.internal."), Some(4));
        assert_eq!(
            template.slot_of("replica12.orders.cache.internal."),
            Some(12)
        );
        assert_eq!(template.slot_of("replica04.orders.cache.internal."), None);
        assert_eq!(template.slot_of("replica0.orders.cache.internal."), None);
        assert_eq!(template.slot_of("replica.orders.cache.internal."), None);
        assert_eq!(template.slot_of("replica4.orders-eu.cache.internal."), None);
        let txt = template.ownership_template("_rdns");
        assert_eq!(txt.name(4), "_rdns.replica4.orders.cache.internal.");
        assert_eq!(
            txt.slot_of("_rdns.replica4.orders.cache.internal."),
            Some(4)
        );
    }

    #[test]
    fn subtree_is_what_follows_the_label_holding_the_number() {
        let subtree = |t: &str| {
            SlotTemplate::parse(t)
                .unwrap()
                .subtree()
                .map(str::to_string)
        };
        assert_eq!(
            subtree("replica{n}.Orders.cache.internal").as_deref(),
            Some("orders.cache.internal.")
        );
        assert_eq!(
            subtree("r{n}x.cache.internal.").as_deref(),
            Some("cache.internal.")
        );
        assert_eq!(subtree("replica.{n}.cache.internal."), None);
        assert_eq!(subtree("replica{n}."), None);
        assert_eq!(subtree("replica{n}"), None);
    }

    #[test]
    fn iam_form_is_lower_case_without_the_dot_and_octal_escaped() {
        assert_eq!(
            iam_normalized_name("_RDNS.Replica1.Cache.Internal.").unwrap(),
            "_rdns.replica1.cache.internal"
        );
        assert_eq!(iam_normalized_name("a-b_c.d").unwrap(), "a-b_c.d");
        assert_eq!(iam_normalized_name("*.x.").unwrap(), "\\052.x");
        assert_eq!(
            iam_normalized_name("a b{c}.x.").unwrap(),
            "a\\040b\\173c\\175.x"
        );
        assert_eq!(
            iam_normalized_name("bücher.x."),
            Ok("b\\374cher.x".to_string())
        );
        assert_eq!(
            iam_normalized_name("€.x."),
            Err(OwnershipError::NotDnsCharacter {
                name: "€.x.".into(),
                character: '€'
            })
        );
    }

    #[test]
    fn az_pattern_keeps_its_placeholder() {
        let pattern = AzPattern {
            prefix: "_rdns.replica-".into(),
            suffix: ".cache.internal.".into(),
        };
        assert_eq!(pattern.template(), "_rdns.replica-{az}.cache.internal.");
        assert_eq!(
            pattern.render("us-east-1a"),
            "_rdns.replica-us-east-1a.cache.internal."
        );
    }

    #[test]
    fn template_needs_exactly_one_placeholder() {
        for bad in ["replica.cache.internal.", "r{n}{n}.cache.internal."] {
            assert_eq!(
                SlotTemplate::parse(bad),
                Err(OwnershipError::TemplatePlaceholder {
                    template: bad.into()
                })
            );
        }
    }
}
