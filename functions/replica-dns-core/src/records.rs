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

/// `name` is `apex` or below it, by whole labels (both normalised, see
/// [`normalize_name`]): what a listing of the subtree at `apex` holds.
pub fn in_subtree(name: &str, apex: &str) -> bool {
    apex == "."
        || name == apex
        || name
            .strip_suffix(apex)
            .is_some_and(|head| head.ends_with('.'))
}

/// The deepest name every one of `names` is at or below (whole labels, normalised):
/// one listing of it holds every subtree of `names`. `.` when they share no label, or
/// when there are none.
pub fn common_apex<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<String>> = None;
    for name in names {
        let labels: Vec<String> = normalize_name(name)
            .trim_end_matches('.')
            .rsplit('.')
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        common = Some(match common {
            None => labels,
            Some(so_far) => so_far
                .into_iter()
                .zip(labels)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    match common {
        Some(labels) if !labels.is_empty() => {
            let mut apex: Vec<&str> = labels.iter().map(String::as_str).collect();
            apex.reverse();
            format!("{}.", apex.join("."))
        }
        _ => ".".to_string(),
    }
}

impl RecordSet {
    /// A simple (non-weighted) CNAME, as the planner writes it.
    pub fn cname(name: &str, ttl: u32, target: &str) -> Self {
        RecordSet {
            name: normalize_name(name),
            record_type: RecordType::Cname,
            ttl: Some(ttl),
            values: vec![target.to_string()],
            set_identifier: None,
            weight: None,
        }
    }

    /// A simple TXT record with one value; `value` must already carry its quotes, as
    /// Route 53 stores it.
    pub fn txt(name: &str, ttl: u32, value: &str) -> Self {
        RecordSet {
            name: normalize_name(name),
            record_type: RecordType::Txt,
            ttl: Some(ttl),
            values: vec![value.to_string()],
            set_identifier: None,
            weight: None,
        }
    }

    /// True when both describe the same Route 53 record set (name, type and set
    /// identifier), whatever their data: Route 53 holds at most one of each.
    pub fn same_identity(&self, other: &RecordSet) -> bool {
        self.record_type == other.record_type
            && self.set_identifier == other.set_identifier
            && names_equal(&self.name, &other.name)
    }

    /// The target of a simple CNAME: its only value. `None` for anything else.
    pub fn cname_target(&self) -> Option<&str> {
        match (
            &self.record_type,
            self.values.as_slice(),
            &self.set_identifier,
        ) {
            (RecordType::Cname, [target], None) => Some(target),
            _ => None,
        }
    }
}

/// Compares two DNS names as Route 53 does (case-insensitive, trailing dot optional)
/// without allocating.
pub fn names_equal(a: &str, b: &str) -> bool {
    let a = a.trim_ascii();
    let b = b.trim_ascii();
    a.strip_suffix('.')
        .unwrap_or(a)
        .eq_ignore_ascii_case(b.strip_suffix('.').unwrap_or(b))
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_common_apex_is_the_deepest_shared_whole_label_suffix() {
        let apex = |names: &[&str]| common_apex(names.iter().copied());
        assert_eq!(
            apex(&["orders.cache.internal.", "carts.cache.internal"]),
            "cache.internal."
        );
        assert_eq!(
            apex(&["a.orders.cache.internal.", "b.orders.cache.internal."]),
            "orders.cache.internal."
        );
        assert_eq!(apex(&["orders.cache.internal."]), "orders.cache.internal.");
        // Labels, not characters: `xorders` does not share `orders`.
        assert_eq!(
            apex(&["orders.internal.", "xorders.internal."]),
            "internal."
        );
        assert_eq!(apex(&["a.example.", "b.internal."]), ".");
        assert_eq!(apex(&[]), ".");
        for names in [
            &["orders.cache.internal.", "b.carts.cache.internal."][..],
            &[
                "replica1.s0.x.internal.",
                "replica2.s0.x.internal.",
                "x.internal.",
            ][..],
        ] {
            let apex = apex(names);
            assert!(names.iter().all(|n| in_subtree(&normalize_name(n), &apex)));
        }
    }

    use super::*;

    #[test]
    fn names_compare_case_insensitively_with_optional_trailing_dot() {
        assert!(names_equal(
            "Replica1.Cache.Internal",
            "replica1.cache.internal."
        ));
        assert!(!names_equal(
            "replica1.cache.internal.",
            "replica10.cache.internal."
        ));
    }

    #[test]
    fn identity_ignores_data_but_not_type_or_set_identifier() {
        let a = RecordSet::cname("r1.z.", 10, "a.example.");
        let b = RecordSet::cname("R1.z", 60, "b.example.");
        assert!(a.same_identity(&b));
        assert!(!a.same_identity(&RecordSet::txt("r1.z.", 10, "\"x\"")));
        let weighted = RecordSet {
            set_identifier: Some("w1".into()),
            ..a.clone()
        };
        assert!(!a.same_identity(&weighted));
    }
}
