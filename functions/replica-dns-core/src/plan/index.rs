//! An index over one hosted zone's records, built once per zone for the templates of the
//! groups planned in it, so that planning a group costs a few binary searches rather than
//! scans (1 000 groups in a 12 000-record zone).
//!
//! Not a cache and not shared between plans: it borrows the records it indexes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::ownership::SlotTemplate;
use crate::records::{normalize_name, RecordSet};

/// Slot numbers above this many digits cannot be a `u32` anyway.
const MAX_SLOT_DIGITS: usize = 9;

/// For each template given to [`ZoneIndex::new`] (by position), the records whose name
/// renders it, by slot number.
pub(crate) struct ZoneIndex<'a> {
    /// (template position, slot number, record), sorted: records of one name are
    /// contiguous and in a fixed order whatever order the zone listed them in.
    entries: Vec<Entry<'a>>,
    /// `entries[starts[p]..starts[p + 1]]` are the entries of template position `p`:
    /// a group's records are found by offset, not by searching the whole zone.
    starts: Vec<usize>,
}

/// (template position, slot number, record).
pub(crate) type Entry<'a> = (usize, u32, &'a RecordSet);

impl<'a> ZoneIndex<'a> {
    pub(crate) fn new(records: &'a [RecordSet], templates: &[&SlotTemplate]) -> Self {
        // Pattern → first template position of that shape; `same_shape[p]` chains the
        // others (two groups may share a template): no allocation per template.
        let mut by_pattern: HashMap<(&str, &str), usize, FxBuild> =
            HashMap::with_capacity_and_hasher(templates.len(), FxBuild::default());
        let mut same_shape = vec![NONE; templates.len()];
        let mut prefix_lengths = LengthSet::default();
        for (position, template) in templates.iter().enumerate().rev() {
            prefix_lengths.insert(template.prefix().len());
            if let Some(first) = by_pattern.insert((template.prefix(), template.suffix()), position)
            {
                same_shape[position] = first;
            }
        }
        let mut short_prefix_lengths: Vec<usize> = (0..LengthSet::SHORT)
            .filter(|&len| prefix_lengths.contains(len))
            .collect();
        short_prefix_lengths.sort_unstable();
        let patterns = Patterns {
            by_pattern,
            same_shape,
            prefix_lengths,
            short_prefix_lengths,
        };
        // Whether each stored name is normalised (Route 53 returns them so), in a pass of
        // its own: the names live in as many heap blocks as there are records, and a tight
        // loop without data-dependent branches lets the CPU fetch many of them at once
        // instead of stalling on each in turn.
        let clean: Vec<bool> = records.iter().map(|r| is_normalised(&r.name)).collect();
        let mut found: Vec<Entry<'a>> = Vec::with_capacity(records.len());
        for (record, clean) in records.iter().zip(clean) {
            if clean {
                patterns.add_splits(&record.name, record, &mut found);
            } else {
                // Only a name that is not normalised is copied.
                let name = normalize_name(&record.name);
                for_each_pattern(&name, |prefix, n, suffix| {
                    patterns.add((prefix, n, suffix), record, &mut found);
                });
            }
        }
        // Counting sort by template position, then each (small) bucket on its own: the
        // same order as sorting every entry, without comparing across templates.
        let mut starts = vec![0usize; templates.len() + 1];
        for entry in &found {
            starts[entry.0 + 1] += 1;
        }
        for p in 0..templates.len() {
            starts[p + 1] += starts[p];
        }
        let mut next = starts.clone();
        let mut entries: Vec<Entry<'a>> = vec![(0, 0, &EMPTY); found.len()];
        for entry in found {
            entries[next[entry.0]] = entry;
            next[entry.0] += 1;
        }
        for p in 0..templates.len() {
            entries[starts[p]..starts[p + 1]].sort_unstable();
        }
        ZoneIndex { entries, starts }
    }

    /// The entries of template `position`, in slot order.
    fn bucket(&self, position: usize) -> &[Entry<'a>] {
        match (self.starts.get(position), self.starts.get(position + 1)) {
            (Some(&start), Some(&end)) => &self.entries[start..end],
            _ => &[],
        }
    }

    /// The records at slot `n` of template `position` (as index entries, whose third
    /// field is the record).
    pub(crate) fn at(&self, position: usize, n: u32) -> &[Entry<'a>] {
        let bucket = self.bucket(position);
        let start = bucket.partition_point(|e| e.1 < n);
        let len = bucket[start..].iter().take_while(|e| e.1 == n).count();
        &bucket[start..start + len]
    }

    /// Slot numbers n of template `position` that have at least one record.
    pub(crate) fn slots_of(&self, position: usize) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.bucket(position).iter().map(|e| e.1)
    }
}

/// End of a [`Patterns::same_shape`] chain.
const NONE: usize = usize::MAX;

/// The templates being indexed, keyed by their shape `prefix{n}suffix`.
struct Patterns<'t> {
    by_pattern: HashMap<(&'t str, &'t str), usize, FxBuild>,
    same_shape: Vec<usize>,
    /// Most splits of a name cannot be a template (their prefix has no template's
    /// length): rejected before hashing, which dominated building the index.
    prefix_lengths: LengthSet,
    /// The prefix lengths below [`LengthSet::SHORT`], ascending.
    short_prefix_lengths: Vec<usize>,
}

impl Patterns<'_> {
    /// Adds `record` (whose name is normalised) under every template that renders its
    /// name. Same splits as [`for_each_pattern`], but a number is looked for only where
    /// some template's prefix ends, instead of scanning every byte for digit runs.
    fn add_splits<'a>(&self, name: &str, record: &'a RecordSet, found: &mut Vec<Entry<'a>>) {
        if self.prefix_lengths.any_long {
            splits(name, |prefix, n, suffix| {
                self.add((prefix, n, suffix), record, found)
            });
            return;
        }
        let bytes = name.as_bytes();
        for &i in &self.short_prefix_lengths {
            // A slot number starts here: a digit other than 0 (one spelling per number).
            match bytes.get(i) {
                Some(b'1'..=b'9') => {}
                Some(_) => continue,
                None => break,
            }
            let end_of_run = bytes[i..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .map_or(bytes.len(), |k| i + k);
            for j in (i + 1)..=end_of_run.min(i + MAX_SLOT_DIGITS) {
                if let Ok(n) = name[i..j].parse::<u32>() {
                    self.add((&name[..i], n, &name[j..]), record, found);
                }
            }
        }
    }

    /// Adds `record` at slot `n` of every template shaped `prefix{n}suffix`.
    fn add<'a>(
        &self,
        (prefix, n, suffix): (&str, u32, &str),
        record: &'a RecordSet,
        found: &mut Vec<Entry<'a>>,
    ) {
        if !self.prefix_lengths.contains(prefix.len()) {
            return;
        }
        let mut position = match self.by_pattern.get(&(prefix, suffix)) {
            Some(&first) => first,
            None => return,
        };
        while position != NONE {
            found.push((position, n, record));
            position = self.same_shape[position];
        }
    }
}

/// Placeholder filling the counting sort's output before every slot is written.
static EMPTY: RecordSet = RecordSet {
    name: String::new(),
    record_type: crate::records::RecordType::Txt,
    ttl: None,
    values: Vec::new(),
    set_identifier: None,
    weight: None,
};

/// Which name lengths some template prefix has (a bitmap up to 255, one flag beyond).
#[derive(Default)]
struct LengthSet {
    bits: [u64; 4],
    any_long: bool,
}

impl LengthSet {
    /// Lengths below this are kept exactly; longer ones only as "some".
    const SHORT: usize = 256;

    fn insert(&mut self, len: usize) {
        match self.bits.get_mut(len / 64) {
            Some(word) => *word |= 1 << (len % 64),
            None => self.any_long = true,
        }
    }

    fn contains(&self, len: usize) -> bool {
        match self.bits.get(len / 64) {
            Some(word) => word & (1 << (len % 64)) != 0,
            None => self.any_long,
        }
    }
}

/// Calls `f(prefix, n, suffix)` for every split of `name` around a decimal number without
/// leading zero, i.e. every template `prefix{n}suffix` that renders `name`. Returns
/// whether `name` was already normalised (lower case, no blanks, trailing dot); when it
/// was not, nothing is called and the caller retries on a normalised copy.
fn for_each_pattern<'n>(name: &'n str, f: impl FnMut(&'n str, u32, &'n str)) -> bool {
    if !is_normalised(name) {
        return false;
    }
    splits(name, f);
    true
}

/// Lower case, no blanks, trailing dot: the form [`normalize_name`] produces.
fn is_normalised(name: &str) -> bool {
    let bytes = name.as_bytes();
    // Folded without short-circuit so that the scan vectorises: names are short and
    // nearly always clean, so stopping early saves nothing.
    bytes.last() == Some(&b'.')
        && !bytes.iter().fold(false, |dirty, b| {
            dirty | b.is_ascii_uppercase() | b.is_ascii_whitespace()
        })
}

/// The splits of [`for_each_pattern`], for a name known to be normalised.
fn splits<'n>(name: &'n str, mut f: impl FnMut(&'n str, u32, &'n str)) {
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

/// Hash maps of the planner keyed by names and ids from the input: see [`FxHasher`].
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// A small multiplicative hasher (the rustc "Fx" scheme): the keys are the zone's own
/// names, not attacker-chosen, and SipHash dominated the planner's profile.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        // Assembled with shifts: a variable-length copy here costs more than the hash.
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let word = rest
                .iter()
                .rev()
                .fold(0u64, |word, &byte| (word << 8) | u64::from(byte));
            self.add(word);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
}
