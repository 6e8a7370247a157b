//! An index over one hosted zone's records for the slot templates of every group planned
//! in that zone, built in one pass over the zone, so that planning a group is a couple of
//! binary searches instead of a scan (1 000 groups in a 12 000-record zone).
//!
//! How it works. A template `prefix{n}suffix` renders a name when the name is `prefix`,
//! then a slot number (decimal, no leading zero), then `suffix`. So for each record we
//! try only the positions where some template's prefix ends (a zone's templates have a
//! handful of prefix lengths between them), read the digits there as the slot number,
//! and look the (prefix, suffix) pair up in a hash map of the templates. Each match is an
//! entry (template position, slot number, record); the entries are sorted once, so a
//! template's records are one contiguous run, in slot order, and records at one slot in
//! a fixed order whatever order the zone listed them in.
//!
//! The AZ-local names (`prefix{az}suffix`, `{az}` one label) and the exact names (the
//! pooled name and its TXT name) are found in the same pass: for each AZ pattern shape,
//! the name must start with its prefix, end with its suffix and hold one label between
//! them; for exact names, one hash lookup of the whole name. Both only when some group of
//! the zone has them, so a zone of slot-only groups pays nothing for them.
//!
//! Not a cache and not shared between plans: it borrows the records it indexes.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::ownership::{AzPattern, SlotTemplate};
use crate::records::{normalize_name, RecordSet};

/// The hasher of the planner's maps: foldhash's fast hash with a fixed seed (the keys are
/// the zone's and the configuration's own names, not attacker-chosen, and a fixed seed
/// keeps runs reproducible). SipHash, std's default, dominated the planner's profile.
pub(crate) type FastHash = foldhash::fast::FixedState;

/// Slot numbers above this many digits cannot be a `u32` anyway.
const MAX_SLOT_DIGITS: usize = 9;

/// (template position, slot number, record).
pub(crate) type Entry<'a> = (usize, u32, &'a RecordSet);

/// For each template given to [`ZoneIndex::new`] (by position), the records whose name
/// it renders, by slot number.
pub(crate) struct ZoneIndex<'a> {
    /// Every match, sorted: by template position, then slot number, then record.
    entries: Vec<Entry<'a>>,
    /// `entries[starts[p]..starts[p + 1]]` are template `p`'s: found by offset, not by
    /// searching the whole zone's entries for each group.
    starts: Vec<usize>,
    /// Matches of the AZ patterns: (pattern position, the AZ label, record), sorted.
    az_entries: Vec<AzEntry<'a>>,
    az_starts: Vec<usize>,
    /// Records at the exact names: (name position, record), sorted.
    exact_entries: Vec<(usize, &'a RecordSet)>,
    exact_starts: Vec<usize>,
}

/// (AZ pattern position, AZ label, record). The label is borrowed from the record's name
/// when Route 53 returned it normalised (always, in practice).
pub(crate) type AzEntry<'a> = (usize, Cow<'a, str>, &'a RecordSet);

/// What to index besides the slot templates: the AZ-name patterns and the exact names
/// (normalised) of the groups planned in a zone, by position.
#[derive(Default)]
pub(crate) struct Extra<'t> {
    pub(crate) azs: Vec<&'t AzPattern>,
    pub(crate) exact: Vec<&'t str>,
}

impl<'a> ZoneIndex<'a> {
    /// An index of the slot templates only.
    #[cfg(test)]
    pub(crate) fn new(records: &'a [RecordSet], templates: &[&SlotTemplate]) -> Self {
        Self::with_extra(records, templates, &Extra::default())
    }

    pub(crate) fn with_extra(
        records: &'a [RecordSet],
        templates: &[&SlotTemplate],
        extra: &Extra<'_>,
    ) -> Self {
        let shapes = Shapes::new(templates);
        let az_shapes = AzShapes::new(&extra.azs);
        let mut exact: HashMap<&str, Vec<usize>, FastHash> = HashMap::default();
        for (position, name) in extra.exact.iter().enumerate() {
            exact.entry(name).or_default().push(position);
        }
        // The names first, in a pass of their own: they sit in as many heap blocks as
        // there are records, and a loop that only reads them lets the CPU fetch many at
        // once instead of waiting for each in turn between hash lookups (which halved the
        // time to build the index). Route 53 returns names normalised: only a name that is
        // not is copied.
        let names: Vec<Cow<'_, str>> = records.iter().map(|r| normalised(&r.name)).collect();
        let mut entries = Vec::with_capacity(records.len());
        let mut az_entries: Vec<AzEntry<'a>> = Vec::new();
        let mut exact_entries: Vec<(usize, &'a RecordSet)> = Vec::new();
        for (record, name) in records.iter().zip(&names) {
            shapes.for_each_match(name, |position, n| entries.push((position, n, record)));
            if !az_shapes.is_empty() {
                az_shapes
                    .for_each_match(name, |position, az| az_entries.push((position, az, record)));
            }
            if !exact.is_empty() {
                if let Some(positions) = exact.get(name.as_ref()) {
                    exact_entries.extend(positions.iter().map(|&p| (p, record)));
                }
            }
        }
        entries.sort_unstable();
        az_entries.sort_unstable();
        exact_entries.sort_unstable();
        let starts = (0..=templates.len())
            .map(|position| entries.partition_point(|e| e.0 < position))
            .collect();
        let az_starts = (0..=extra.azs.len())
            .map(|position| az_entries.partition_point(|e| e.0 < position))
            .collect();
        let exact_starts = (0..=extra.exact.len())
            .map(|position| exact_entries.partition_point(|e| e.0 < position))
            .collect();
        ZoneIndex {
            entries,
            starts,
            az_entries,
            az_starts,
            exact_entries,
            exact_starts,
        }
    }

    /// The entries of AZ pattern `position`, in AZ order (then record order).
    pub(crate) fn az_entries_of(&self, position: usize) -> &[AzEntry<'a>] {
        match (
            self.az_starts.get(position),
            self.az_starts.get(position + 1),
        ) {
            (Some(&start), Some(&end)) => &self.az_entries[start..end],
            _ => &[],
        }
    }

    /// The records at AZ `az` of AZ pattern `position`.
    pub(crate) fn at_az(
        &self,
        position: usize,
        az: &str,
    ) -> impl Iterator<Item = &'a RecordSet> + Clone + '_ {
        let entries = self.az_entries_of(position);
        let start = entries.partition_point(|e| e.1.as_ref() < az);
        let end = entries.partition_point(|e| e.1.as_ref() <= az);
        entries[start..end].iter().map(|e| e.2)
    }

    /// The records at exact name `position`, in a fixed order.
    pub(crate) fn at_exact(
        &self,
        position: usize,
    ) -> impl Iterator<Item = &'a RecordSet> + Clone + '_ {
        let entries = match (
            self.exact_starts.get(position),
            self.exact_starts.get(position + 1),
        ) {
            (Some(&start), Some(&end)) => &self.exact_entries[start..end],
            _ => &[],
        };
        entries.iter().map(|e| e.1)
    }

    /// The entries of template `position`, in slot order.
    fn of_template(&self, position: usize) -> &[Entry<'a>] {
        match (self.starts.get(position), self.starts.get(position + 1)) {
            (Some(&start), Some(&end)) => &self.entries[start..end],
            _ => &[],
        }
    }

    /// The records at slot `n` of template `position` (as index entries, whose third
    /// field is the record).
    pub(crate) fn at(&self, position: usize, n: u32) -> &[Entry<'a>] {
        let entries = self.of_template(position);
        let start = entries.partition_point(|e| e.1 < n);
        let end = entries.partition_point(|e| e.1 <= n);
        &entries[start..end]
    }

    /// Slot numbers n of template `position` that have at least one record.
    pub(crate) fn slots_of(&self, position: usize) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.of_template(position).iter().map(|e| e.1)
    }
}

/// The templates being indexed, by their shape (prefix, suffix).
struct Shapes<'t> {
    /// (prefix, suffix) → the positions of the templates of that shape (two groups may
    /// share one).
    positions: HashMap<(&'t str, &'t str), Vec<usize>, FastHash>,
    /// The lengths the templates' prefixes have, ascending, each once: the only places
    /// in a name where a slot number can start.
    prefix_lengths: Vec<usize>,
}

impl<'t> Shapes<'t> {
    fn new(templates: &[&'t SlotTemplate]) -> Self {
        let mut positions: HashMap<_, Vec<usize>, FastHash> = HashMap::default();
        for (position, template) in templates.iter().enumerate() {
            positions
                .entry((template.prefix(), template.suffix()))
                .or_default()
                .push(position);
        }
        let mut prefix_lengths: Vec<usize> = templates.iter().map(|t| t.prefix().len()).collect();
        prefix_lengths.sort_unstable();
        prefix_lengths.dedup();
        Shapes {
            positions,
            prefix_lengths,
        }
    }

    /// Calls `f(template position, n)` for every template that renders `name` (which
    /// is normalised) with slot number `n`.
    fn for_each_match(&self, name: &str, mut f: impl FnMut(usize, u32)) {
        for &start in &self.prefix_lengths {
            for (n, end) in slot_numbers_at(name, start) {
                if let Some(positions) = self.positions.get(&(&name[..start], &name[end..])) {
                    positions.iter().for_each(|&position| f(position, n));
                }
            }
        }
    }
}

/// The AZ patterns being indexed, by their shape (prefix, suffix).
struct AzShapes<'t> {
    positions: HashMap<(&'t str, &'t str), Vec<usize>, FastHash>,
    /// The (prefix length, suffix length) pairs the patterns have, each once.
    lengths: Vec<(usize, usize)>,
}

impl<'t> AzShapes<'t> {
    fn new(patterns: &[&'t AzPattern]) -> Self {
        let mut positions: HashMap<_, Vec<usize>, FastHash> = HashMap::default();
        for (position, pattern) in patterns.iter().enumerate() {
            positions
                .entry((pattern.prefix.as_str(), pattern.suffix.as_str()))
                .or_default()
                .push(position);
        }
        let mut lengths: Vec<(usize, usize)> = patterns
            .iter()
            .map(|p| (p.prefix.len(), p.suffix.len()))
            .collect();
        lengths.sort_unstable();
        lengths.dedup();
        AzShapes { positions, lengths }
    }

    fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// Calls `f(pattern position, az)` for every pattern that renders `name` (normalised)
    /// with a one-label `az`. Takes the `Cow` itself (not `&str`) to lend the label out
    /// of the record's own name when it was not copied.
    #[allow(clippy::ptr_arg)]
    fn for_each_match<'a>(&self, name: &Cow<'a, str>, mut f: impl FnMut(usize, Cow<'a, str>)) {
        for &(prefix, suffix) in &self.lengths {
            let Some(end) = name.len().checked_sub(suffix) else {
                continue;
            };
            let (Some(head), Some(az), Some(tail)) =
                (name.get(..prefix), name.get(prefix..end), name.get(end..))
            else {
                continue;
            };
            if az.is_empty() || az.contains('.') {
                continue;
            }
            if let Some(positions) = self.positions.get(&(head, tail)) {
                let label = match name {
                    Cow::Borrowed(whole) => Cow::Borrowed(&whole[prefix..end]),
                    Cow::Owned(_) => Cow::Owned(az.to_string()),
                };
                positions.iter().for_each(|&p| f(p, label.clone()));
            }
        }
    }
}

/// The slot numbers that can be read in `name` from byte `start`, with the byte where
/// each ends: every prefix of the digit run there (`r120.` at 1: 1, 12 and 120), none
/// when it starts with 0 (one spelling per number) or is no digit at all.
fn slot_numbers_at(name: &str, start: usize) -> impl Iterator<Item = (u32, usize)> + '_ {
    let bytes = name.as_bytes();
    let run = match bytes.get(start) {
        Some(b'1'..=b'9') => bytes[start..]
            .iter()
            .take(MAX_SLOT_DIGITS)
            .take_while(|b| b.is_ascii_digit())
            .count(),
        _ => 0,
    };
    (start + 1..=start + run).filter_map(move |end| Some((name[start..end].parse().ok()?, end)))
}

/// `name` in the form [`normalize_name`] produces (lower case, no blanks, trailing dot),
/// borrowed when it already is.
fn normalised(name: &str) -> Cow<'_, str> {
    // Every byte looked at, without stopping at the first dirty one: names are short and
    // nearly always clean, and a loop without an early exit vectorises.
    let dirty = name.bytes().fold(false, |dirty, b| {
        dirty | b.is_ascii_uppercase() | b.is_ascii_whitespace()
    });
    let clean = name.ends_with('.') && !dirty;
    if clean {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(normalize_name(name))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The reference the index must agree with: every split of `name` around a decimal
    /// number without leading zero, i.e. every template `prefix{n}suffix` that renders
    /// `name`, found by scanning every digit run. Returns whether `name` was normalised;
    /// when it was not, nothing is called.
    fn for_each_pattern<'n>(name: &'n str, mut f: impl FnMut(&'n str, u32, &'n str)) -> bool {
        if normalised(name) != name {
            return false;
        }
        for start in 0..name.len() {
            for (n, end) in slot_numbers_at(name, start) {
                f(&name[..start], n, &name[end..]);
            }
        }
        true
    }

    #[test]
    fn every_digit_substring_without_leading_zero_is_a_pattern() {
        let mut seen = Vec::new();
        assert!(for_each_pattern("r10.a2.", |p, n, s| seen.push((p, n, s))));
        assert!(!for_each_pattern("R1.a.", |_, _, _| {}));
        assert!(!for_each_pattern("r1.a", |_, _, _| {}));
        assert_eq!(
            seen,
            vec![("r", 1, "0.a2."), ("r", 10, ".a2."), ("r10.a", 2, ".")]
        );
    }

    #[test]
    fn splits_at_template_prefixes_find_what_the_full_scan_finds() {
        let templates: Vec<SlotTemplate> = [
            "r{n}.a.",
            "r1{n}.a.",
            "r{n}0.a.",
            "x.r{n}.a.",
            "{n}.a.",
            "r12.{n}.",
        ]
        .iter()
        .map(|t| SlotTemplate::parse(t).unwrap())
        .collect();
        let refs: Vec<&SlotTemplate> = templates.iter().collect();
        let names = [
            "r1.a.",
            "r12.a.",
            "r120.a.",
            "r10.a.",
            "r0.a.",
            "x.r7.a.",
            "7.a.",
            "07.a.",
            "r12.3.",
            "r12.30.",
            "r1234567891.a.",
            "r.a.",
            "a.",
        ];
        let records: Vec<RecordSet> = names.iter().map(|n| RecordSet::cname(n, 1, "t.")).collect();
        let index = ZoneIndex::new(&records, &refs);
        let mut expected: Vec<(usize, u32, &RecordSet)> = Vec::new();
        for record in &records {
            for_each_pattern(&record.name, |prefix, n, suffix| {
                for (p, t) in templates.iter().enumerate() {
                    if t.prefix() == prefix && t.suffix() == suffix {
                        expected.push((p, n, record));
                    }
                }
            });
        }
        expected.sort_unstable();
        assert!(expected.len() > names.len() / 2);
        assert_eq!(index.entries, expected);
    }

    #[test]
    fn records_are_found_by_template_and_slot_whatever_their_spelling() {
        let slot = SlotTemplate::parse("replica{n}.g1.z.").unwrap();
        let txt = slot.ownership_template("_rdns");
        let records = vec![
            RecordSet::cname("replica2.g1.z.", 10, "a."),
            RecordSet::txt("_rdns.replica2.g1.z.", 10, "\"x\""),
            RecordSet {
                name: "REPLICA12.G1.Z".into(),
                ..RecordSet::cname("x.", 10, "b.")
            },
            RecordSet::cname("replica2.g10.z.", 10, "c."),
            RecordSet::cname("replica02.g1.z.", 10, "d."),
        ];
        let index = ZoneIndex::new(&records, &[&slot, &txt]);
        assert_eq!(index.slots_of(0).collect::<Vec<_>>(), vec![2, 12]);
        assert_eq!(index.slots_of(1).collect::<Vec<_>>(), vec![2]);
        assert_eq!(index.at(0, 2), &[(0, 2, &records[0])]);
        assert_eq!(index.at(0, 12), &[(0, 12, &records[2])]);
        assert_eq!(index.at(1, 2), &[(1, 2, &records[1])]);
        assert!(index.at(0, 3).is_empty());
    }

    #[test]
    fn az_names_and_exact_names_are_found_in_the_same_pass() {
        let slot = SlotTemplate::parse("replica{n}.z.").unwrap();
        let az = AzPattern::parse("replica-{az}.z.").unwrap();
        let az_txt = az.ownership_pattern("_rdns");
        let records = vec![
            RecordSet::cname("replica-us-east-1b.z.", 10, "b."),
            RecordSet::cname("replica-us-east-1a.z.", 10, "a."),
            RecordSet::txt("_rdns.replica-us-east-1a.z.", 10, "\"x\""),
            RecordSet::cname("replica-a.b.z.", 10, "two labels."),
            RecordSet::cname("replica-.z.", 10, "empty."),
            RecordSet {
                name: "Pool.Z".into(),
                ..RecordSet::cname("x.", 10, "p.")
            },
            RecordSet::cname("replica1.z.", 10, "s."),
        ];
        let extra = Extra {
            azs: vec![&az, &az_txt],
            exact: vec!["pool.z.", "_rdns.pool.z."],
        };
        let index = ZoneIndex::with_extra(&records, &[&slot], &extra);
        let azs: Vec<&str> = index
            .az_entries_of(0)
            .iter()
            .map(|e| e.1.as_ref())
            .collect();
        assert_eq!(azs, vec!["us-east-1a", "us-east-1b"]);
        assert_eq!(
            index.at_az(0, "us-east-1a").collect::<Vec<_>>(),
            vec![&records[1]]
        );
        assert_eq!(
            index.at_az(1, "us-east-1a").collect::<Vec<_>>(),
            vec![&records[2]]
        );
        assert_eq!(index.at_exact(0).collect::<Vec<_>>(), vec![&records[5]]);
        assert_eq!(index.at_exact(1).count(), 0);
        assert_eq!(index.slots_of(0).collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn two_groups_of_one_shape_both_get_the_record() {
        let a = SlotTemplate::parse("replica{n}.z.").unwrap();
        let b = SlotTemplate::parse("replica{n}.z.").unwrap();
        let records = vec![RecordSet::cname("replica3.z.", 10, "a.")];
        let index = ZoneIndex::new(&records, &[&a, &b]);
        assert_eq!(index.at(0, 3), &[(0, 3, &records[0])]);
        assert_eq!(index.at(1, 3), &[(1, 3, &records[0])]);
    }
}
