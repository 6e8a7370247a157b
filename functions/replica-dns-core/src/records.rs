//! DNS records as Route 53 stores them, reduced to what the planner needs.
//! Names are absolute, lower-case and end with a dot; Route 53 returns them that way
//! (with `\052`-style escapes, which the adapter decodes).

use serde::{Deserialize, Serialize};

/// The record types the planner reasons about. Anything else at a managed name is kept
/// as `Other` so the planner can report the clash instead of overwriting it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RecordType {
    #[serde(rename = "CNAME")]
    Cname,
    #[serde(rename = "TXT")]
    Txt,
    #[serde(untagged)]
    Other(String),
}

impl RecordType {
    /// The type as Route 53 spells it.
    pub fn as_str(&self) -> &str {
        match self {
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
            RecordType::Other(other) => other,
        }
    }
}

/// One resource record set. `values` hold the record data exactly as Route 53 returns
/// it (TXT values keep their surrounding quotes), because a DELETE must match it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSet {
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: RecordType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    #[serde(default)]
    pub values: Vec<String>,
    /// Weighted records (the optional pooled name) carry a set identifier and a weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

/// Normalises a DNS name the way Route 53 compares names: lower case, trailing dot.
pub fn normalize_name(name: &str) -> String {
    let mut normalized = name.trim().to_ascii_lowercase();
    if !normalized.ends_with('.') {
        normalized.push('.');
    }
    normalized
}
