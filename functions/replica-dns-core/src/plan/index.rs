//! An index over one hosted zone's records, built once per zone, so that planning a group
//! costs lookups rather than scans (1 000 groups in a 12 000-record zone).
//!
//! Not a cache and not shared between plans: it borrows the records it indexes.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::ownership::SlotTemplate;
use crate::records::{normalize_name, RecordSet};

/// Slot numbers above this many digits cannot be a `u32` anyway.
const MAX_SLOT_DIGITS: usize = 9;

/// Each record's name normalised (borrowed when it already is, which is how Route 53
/// returns names), kept apart from the index so the index can borrow it.
pub(crate) struct NormalizedNames<'r> {
    names: Vec<Cow<'r, str>>,
}

impl<'r> NormalizedNames<'r> {
    pub(crate) fn new(records: &'r [RecordSet]) -> Self {
        let names = records
            .iter()
            .map(|r| {
                let n = r.name.as_str();
                let normal = n.ends_with('.')
                    && !n.bytes().any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace());
                if normal {
                    Cow::Borrowed(n)
                } else {
                    Cow::Owned(normalize_name(n))
                }
            })
            .collect();
        NormalizedNames { names }
    }
}

/// Records by exact name, and names by every way they could be a rendered template
/// (`replica12.x.` is `replica{n}.x.` with n = 12, `replica1{n}.x.` with n = 2, …).
pub(crate) struct ZoneIndex<'a> {
    records: &'a [RecordSet],
    by_name: HashMap<&'a str, Vec<usize>>,
    by_pattern: HashMap<(&'a str, &'a str), Vec<u32>>,
}

impl<'a> ZoneIndex<'a> {
    pub(crate) fn new(records: &'a [RecordSet], names: &'a NormalizedNames<'_>) -> Self {
        let mut by_name: HashMap<&'a str, Vec<usize>> = HashMap::with_capacity(records.len());
        let mut by_pattern: HashMap<(&'a str, &'a str), Vec<u32>> =
            HashMap::with_capacity(records.len());
        for (i, name) in names.names.iter().enumerate() {
            let name: &'a str = name.as_ref();
            let entry = by_name.entry(name).or_default();
            entry.push(i);
            if entry.len() > 1 {
                // Patterns of this name are already recorded.
                continue;
            }
            for_each_pattern(name, |prefix, n, suffix| {
                by_pattern.entry((prefix, suffix)).or_default().push(n);
            });
        }
        ZoneIndex {
            records,
            by_name,
            by_pattern,
        }
    }

    /// All records at this normalised name.
    pub(crate) fn at(&self, normalized_name: &str) -> Vec<&'a RecordSet> {
        self.by_name
            .get(normalized_name)
            .map(|ids| ids.iter().map(|&i| &self.records[i]).collect())
            .unwrap_or_default()
    }

    /// Slot numbers n for which some record's name is `template.name(n)`.
    pub(crate) fn slots_of<'s>(&'s self, template: &'s SlotTemplate) -> &'s [u32] {
        // The map is covariant in its key lifetime: view it with the template's lifetime
        // so a borrowed (prefix, suffix) pair can be looked up without allocating.
        let by_pattern: &'s HashMap<(&'s str, &'s str), Vec<u32>> = &self.by_pattern;
        by_pattern
            .get(&(template.prefix(), template.suffix()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// Calls `f(prefix, n, suffix)` for every split of `name` around a decimal number without
/// leading zero, i.e. every template `prefix{n}suffix` that renders `name`.
fn for_each_pattern<'n>(name: &'n str, mut f: impl FnMut(&'n str, u32, &'n str)) {
    let bytes = name.as_bytes();
    let mut run_start = None;
    for end_of_run in 0..=bytes.len() {
        let is_digit = bytes.get(end_of_run).is_some_and(u8::is_ascii_digit);
        match (run_start, is_digit) {
            (None, true) => run_start = Some(end_of_run),
            (Some(start), false) => {
                for i in start..end_of_run {
                    if bytes[i] == b'0' {
                        continue;
                    }
                    for j in (i + 1)..=end_of_run.min(i + MAX_SLOT_DIGITS) {
                        if let Ok(n) = name[i..j].parse::<u32>() {
                            f(&name[..i], n, &name[j..]);
                        }
                    }
                }
                run_start = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_digit_substring_without_leading_zero_is_a_pattern() {
        let mut seen = Vec::new();
        for_each_pattern("r10.a2.", |p, n, s| seen.push((p, n, s)));
        assert_eq!(
            seen,
            vec![("r", 1, "0.a2."), ("r", 10, ".a2."), ("r10.a", 2, ".")]
        );
    }
}
