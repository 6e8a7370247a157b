//! ElastiCache's rules for the identifiers replica-dns reads from configuration, events
//! and console input, checked before an id is used, echoed in output or logged; and how
//! any text from outside is shown in a message (escaped and bounded). Not lookup: whether
//! an id exists is ElastiCache's answer.
//!
//! The rules (ElastiCache API Reference, CreateReplicationGroup `ReplicationGroupId`,
//! <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html>,
//! and CreateCacheCluster `CacheClusterId`,
//! <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheCluster.html>):
//! 1 to 40 (group) or 50 (cluster) letters, digits or hyphens; the first a letter; no
//! trailing hyphen and no two consecutive hyphens. ElastiCache stores and reports ids
//! in lower case, so an upper-case id could never match an event.

use std::fmt;

/// ElastiCache's limit on replication group ids.
pub const MAX_GROUP_ID_LEN: usize = 40;
/// ElastiCache's limit on cache cluster ids.
pub const MAX_CLUSTER_ID_LEN: usize = 50;
/// How much of an outside value a message shows.
pub const MAX_SHOWN_CHARS: usize = 64;

/// Which kind of id is checked: they differ in length only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    ReplicationGroup,
    CacheCluster,
}

impl IdKind {
    fn max_len(self) -> usize {
        match self {
            IdKind::ReplicationGroup => MAX_GROUP_ID_LEN,
            IdKind::CacheCluster => MAX_CLUSTER_ID_LEN,
        }
    }
}

/// Why a text is not an ElastiCache id; worded to follow "`<id>` …".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    Empty,
    TooLong { len: usize, max: usize },
    UpperCase(char),
    BadCharacter(char),
    FirstNotLetter,
    HyphenPlacement,
}

impl fmt::Display for IdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdProblem::Empty => f.write_str("is empty"),
            IdProblem::TooLong { len, max } => {
                write!(f, "is {len} characters long; ElastiCache allows at most {max}")
            }
            IdProblem::UpperCase(c) => write!(
                f,
                "has upper-case {c:?}; ElastiCache reports ids in lower case, so it would never match an event"
            ),
            IdProblem::BadCharacter(c) => write!(
                f,
                "has character {c:?}; ElastiCache ids use lower-case letters, digits and `-`"
            ),
            IdProblem::FirstNotLetter => f.write_str("must start with a letter (ElastiCache rule)"),
            IdProblem::HyphenPlacement => {
                f.write_str("must not end with `-` or contain `--` (ElastiCache rule)")
            }
        }
    }
}

/// Checks `id` against ElastiCache's rules for `kind`.
pub fn check_id(kind: IdKind, id: &str) -> Result<(), IdProblem> {
    let len = id.chars().count();
    if id.is_empty() {
        Err(IdProblem::Empty)
    } else if len > kind.max_len() {
        Err(IdProblem::TooLong {
            len,
            max: kind.max_len(),
        })
    } else if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        Err(if c.is_ascii_uppercase() {
            IdProblem::UpperCase(c)
        } else {
            IdProblem::BadCharacter(c)
        })
    } else if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        Err(IdProblem::FirstNotLetter)
    } else if id.ends_with('-') || id.contains("--") {
        Err(IdProblem::HyphenPlacement)
    } else {
        Ok(())
    }
}

/// Any text from outside as a message shows it: in backticks, control characters and
/// quotes escaped (so one log event stays one line), at most [`MAX_SHOWN_CHARS`] characters
/// with the rest counted, so a hostile value cannot flood a log or an execution history.
pub fn shown(text: &str) -> String {
    let total = text.chars().count();
    let head: String = text.chars().take(MAX_SHOWN_CHARS).collect();
    if total > MAX_SHOWN_CHARS {
        format!(
            "`{}`… ({} more characters)",
            head.escape_debug(),
            total - MAX_SHOWN_CHARS
        )
    } else {
        format!("`{}`", head.escape_debug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elasticache_rules_hold_for_both_kinds() {
        let cases: &[(&str, Option<IdProblem>)] = &[
            ("orders", None),
            ("orders-002", None),
            ("a", None),
            ("", Some(IdProblem::Empty)),
            ("Orders", Some(IdProblem::UpperCase('O'))),
            ("or ders", Some(IdProblem::BadCharacter(' '))),
            ("or\nders", Some(IdProblem::BadCharacter('\n'))),
            ("2orders", Some(IdProblem::FirstNotLetter)),
            ("orders-", Some(IdProblem::HyphenPlacement)),
            ("ord--ers", Some(IdProblem::HyphenPlacement)),
        ];
        for (id, expected) in cases {
            for kind in [IdKind::ReplicationGroup, IdKind::CacheCluster] {
                assert_eq!(check_id(kind, id).err(), *expected, "{id:?} as {kind:?}");
            }
        }
        let long = "a".repeat(45);
        assert_eq!(
            check_id(IdKind::ReplicationGroup, &long),
            Err(IdProblem::TooLong { len: 45, max: 40 })
        );
        assert_eq!(check_id(IdKind::CacheCluster, &long), Ok(()));
    }

    #[test]
    fn shown_text_is_one_escaped_bounded_line() {
        assert_eq!(shown("orders"), "`orders`");
        assert_eq!(shown("a\nb\u{1b}[31m"), "`a\\nb\\u{1b}[31m`");
        let long = shown(&"x".repeat(100));
        assert!(long.ends_with("… (36 more characters)"), "{long}");
        assert!(!long.contains('\n'));
    }
}
