//! The knobs of one run (waits, polls, retry budgets): their defaults, their bounds and
//! how they are read — from an execution input, where they sit beside the event, and
//! from the deployment's execution defaults, where nothing else may sit. One home, so
//! the trigger (start-up), the filter (every execution) and the CLI (at synth, for the
//! CDK's `executionDefaults`) apply the same rule.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::shown;

/// Knobs of one run, taken from the execution input (top-level fields of any input) with
/// production defaults, so a test stack can run with 1-second waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Tunables {
    /// Seconds before the first availability check while a replaced node comes back;
    /// each check that finds it still pending doubles the next wait, up to 4 × this.
    pub wait_seconds: u32,
    /// Give up waiting for nodes this long after the first check, in seconds.
    pub await_deadline_seconds: u32,
    /// Seconds between GetChange polls while Route 53 propagates a change.
    pub verify_poll_seconds: u32,
    /// GetChange polls before verification gives up (the execution fails).
    pub max_verify_polls: u32,
    /// Re-plans after a compare-and-swap conflict.
    pub max_conflict_retries: u32,
    /// Re-plans when verification finds the records or the topology moved on.
    pub max_resync_rounds: u32,
    /// Most groups one round of the fleet pass (`{"all": true}`) writes before it
    /// verifies them; the rest are planned again in the next round. Lower it to roll a
    /// change out a few groups at a time. The size of the fleet state caps a round too.
    pub fleet_groups_per_round: u32,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            wait_seconds: 15,
            await_deadline_seconds: 1800,
            verify_poll_seconds: 10,
            max_verify_polls: 30,
            max_conflict_retries: 3,
            max_resync_rounds: 3,
            fleet_groups_per_round: FLEET_GROUPS_PER_ROUND_LIMIT,
        }
    }
}

/// The highest `fleetGroupsPerRound`, and its default: no cap but the fleet state's size.
pub const FLEET_GROUPS_PER_ROUND_LIMIT: u32 = 1000;

/// One tunable: its name in an execution input, its bounds and where it lives in
/// [`Tunables`]. The bounds keep a typo (`waitSeconds: 15000`) from parking an execution
/// for hours, and a Wait state needs at least 1 s.
struct Field {
    name: &'static str,
    /// What the number counts, for the message when it is not a whole number.
    unit: &'static str,
    lowest: u32,
    highest: u32,
    slot: fn(&mut Tunables) -> &mut u32,
}

const FIELDS: [Field; 7] = [
    Field {
        name: "waitSeconds",
        unit: "seconds",
        lowest: 1,
        highest: 3600,
        slot: |t| &mut t.wait_seconds,
    },
    Field {
        name: "awaitDeadlineSeconds",
        unit: "seconds",
        lowest: 1,
        highest: 86_400,
        slot: |t| &mut t.await_deadline_seconds,
    },
    Field {
        name: "verifyPollSeconds",
        unit: "seconds",
        lowest: 1,
        highest: 600,
        slot: |t| &mut t.verify_poll_seconds,
    },
    Field {
        name: "maxVerifyPolls",
        unit: "attempts",
        lowest: 1,
        highest: 1000,
        slot: |t| &mut t.max_verify_polls,
    },
    Field {
        name: "maxConflictRetries",
        unit: "attempts",
        lowest: 0,
        highest: 20,
        slot: |t| &mut t.max_conflict_retries,
    },
    Field {
        name: "maxResyncRounds",
        unit: "attempts",
        lowest: 0,
        highest: 20,
        slot: |t| &mut t.max_resync_rounds,
    },
    Field {
        name: "fleetGroupsPerRound",
        unit: "groups",
        lowest: 1,
        highest: FLEET_GROUPS_PER_ROUND_LIMIT,
        slot: |t| &mut t.fleet_groups_per_round,
    },
];

/// A tunable that cannot be used, or a key that is not a tunable where only tunables
/// may be; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TunableError {
    #[error("{name} must be a whole number of {unit}, found {found}")]
    NotANumber {
        name: &'static str,
        unit: &'static str,
        found: String,
    },
    #[error("{name} must be between {lowest} and {highest}, found {found}")]
    OutOfRange {
        name: &'static str,
        lowest: u32,
        highest: u32,
        found: u64,
    },
    #[error("unknown field {found}; expected any of {expected}")]
    UnknownField { found: String, expected: String },
    #[error("expected a JSON object of tunables such as {{\"waitSeconds\": 30}}, found {found}")]
    NotAnObject { found: String },
}

/// How far the wait for replaced nodes grows: each look that finds members still pending
/// doubles it, up to this many times `waitSeconds` (60 s with the default 15 s).
pub const AWAIT_BACKOFF_LIMIT: u32 = 4;

impl Tunables {
    /// Seconds of the wait for replaced nodes after one of `last` seconds that ended with
    /// members still pending: double, at least `waitSeconds`, at most
    /// [`AWAIT_BACKOFF_LIMIT`] × `waitSeconds`. A replacement takes minutes, and its
    /// CacheNodeReplaceComplete starts a newer execution that takes over, so a waiting run
    /// need not poll at the first rate throughout: with the defaults, ten minutes cost
    /// about 12 polls instead of 40 (each one DescribeCacheClusters and three states).
    pub fn next_await_wait(&self, last: u32) -> u32 {
        let limit = self.wait_seconds.saturating_mul(AWAIT_BACKOFF_LIMIT);
        last.saturating_mul(2).max(self.wait_seconds).min(limit)
    }

    /// The names of the tunable fields, as they appear in an execution input.
    pub fn field_names() -> impl Iterator<Item = &'static str> {
        FIELDS.iter().map(|field| field.name)
    }

    /// Removes the tunable fields from an execution input object and returns them over
    /// the defaults, so what remains is exactly the event or manual request. A field with
    /// the wrong type or out of range is an error naming it.
    pub fn take_from(input: &mut Map<String, Value>) -> Result<Self, TunableError> {
        let mut tunables = Tunables::default();
        for field in &FIELDS {
            let Some(value) = input.remove(field.name) else {
                continue;
            };
            *(field.slot)(&mut tunables) = field.read(&value)?;
        }
        Ok(tunables)
    }

    /// Validates a deployment's execution defaults (the trigger's
    /// `REPLICA_DNS_EXECUTION_DEFAULTS`, the CDK's `executionDefaults`): a JSON object
    /// of tunables only, each in range. A misspelt key is an error naming it, instead of
    /// a default that silently never applies.
    pub fn check_defaults(value: &Value) -> Result<Map<String, Value>, TunableError> {
        let Value::Object(defaults) = value else {
            return Err(TunableError::NotAnObject {
                found: shown(&value.to_string()),
            });
        };
        let mut rest = defaults.clone();
        Tunables::take_from(&mut rest)?;
        if let Some(unknown) = rest.keys().next() {
            return Err(TunableError::UnknownField {
                found: shown(unknown),
                expected: Tunables::field_names().collect::<Vec<_>>().join(", "),
            });
        }
        Ok(defaults.clone())
    }
}

/// The JSON Schema of a deployment's execution defaults (every tunable optional), from
/// the Rust type, with the bounds [`Tunables::check_defaults`] enforces.
pub fn execution_defaults_schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Tunables)).unwrap_or_default();
    for field in &FIELDS {
        if let Some(property) = schema
            .pointer_mut(&format!("/properties/{}", field.name))
            .and_then(Value::as_object_mut)
        {
            property.insert("minimum".into(), field.lowest.into());
            property.insert("maximum".into(), field.highest.into());
        }
    }
    crate::config::sorted_json(schema)
}

impl Field {
    fn read(&self, value: &Value) -> Result<u32, TunableError> {
        let whole = value.as_u64().ok_or_else(|| TunableError::NotANumber {
            name: self.name,
            unit: self.unit,
            found: shown(&value.to_string()),
        })?;
        match u32::try_from(whole) {
            Ok(number) if (self.lowest..=self.highest).contains(&number) => Ok(number),
            _ => Err(TunableError::OutOfRange {
                name: self.name,
                lowest: self.lowest,
                highest: self.highest,
                found: whole,
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn the_wait_for_nodes_doubles_from_wait_seconds_up_to_the_limit() {
        let t = Tunables {
            wait_seconds: 15,
            ..Tunables::default()
        };
        let mut waits = vec![t.wait_seconds];
        for _ in 0..4 {
            let next = t.next_await_wait(*waits.last().unwrap());
            waits.push(next);
        }
        assert_eq!(waits, [15, 30, 60, 60, 60]);
        // A run from before the field existed (0) waits waitSeconds.
        assert_eq!(t.next_await_wait(0), 15);
        assert_eq!(t.next_await_wait(u32::MAX), 60);
        let fast = Tunables {
            wait_seconds: 1,
            ..Tunables::default()
        };
        assert_eq!(fast.next_await_wait(1), 2);
        assert_eq!(fast.next_await_wait(4), 4);
    }

    #[test]
    fn tunables_default_when_absent_and_leave_the_rest_of_the_input() {
        let mut input = object(json!({"replicationGroupId": "orders", "waitSeconds": 1}));
        let tunables = Tunables::take_from(&mut input).unwrap();
        assert_eq!(tunables.wait_seconds, 1);
        assert_eq!(tunables.max_conflict_retries, 3);
        assert_eq!(input, object(json!({"replicationGroupId": "orders"})));
    }

    #[test]
    fn every_field_is_read_into_its_own_place() {
        let mut input = object(json!({
            "waitSeconds": 2, "awaitDeadlineSeconds": 3, "verifyPollSeconds": 4,
            "maxVerifyPolls": 5, "maxConflictRetries": 6, "maxResyncRounds": 7,
            "fleetGroupsPerRound": 8
        }));
        let tunables = Tunables::take_from(&mut input).unwrap();
        assert_eq!(
            tunables,
            Tunables {
                wait_seconds: 2,
                await_deadline_seconds: 3,
                verify_poll_seconds: 4,
                max_verify_polls: 5,
                max_conflict_retries: 6,
                max_resync_rounds: 7,
                fleet_groups_per_round: 8,
            }
        );
        assert!(input.is_empty());
    }

    #[test]
    fn tunables_out_of_range_or_mistyped_name_the_field() {
        for (input, needle) in [
            (
                json!({"waitSeconds": 0}),
                "waitSeconds must be between 1 and 3600, found 0",
            ),
            (
                json!({"waitSeconds": 5_000_000_000u64}),
                "waitSeconds must be between 1 and 3600, found 5000000000",
            ),
            (
                json!({"maxVerifyPolls": "5"}),
                "maxVerifyPolls must be a whole number of attempts",
            ),
            (
                json!({"verifyPollSeconds": 1.5}),
                "verifyPollSeconds must be a whole number of seconds",
            ),
            (
                json!({"fleetGroupsPerRound": "all"}),
                "fleetGroupsPerRound must be a whole number of groups",
            ),
            (
                json!({"fleetGroupsPerRound": 0}),
                "fleetGroupsPerRound must be between 1 and 1000, found 0",
            ),
        ] {
            let err = Tunables::take_from(&mut object(input)).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn the_schema_states_every_field_with_its_default_and_bounds() {
        let schema = execution_defaults_schema();
        assert_eq!(schema["additionalProperties"], false);
        for field in &FIELDS {
            let property = &schema["properties"][field.name];
            assert_eq!(property["minimum"], field.lowest, "{}", field.name);
            assert_eq!(property["maximum"], field.highest, "{}", field.name);
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{}",
                field.name
            );
        }
        assert_eq!(schema["properties"]["waitSeconds"]["default"], 15);
    }

    #[test]
    fn execution_defaults_accept_only_tunables() {
        let ok = Tunables::check_defaults(&json!({"waitSeconds": 30})).unwrap();
        assert_eq!(ok, object(json!({"waitSeconds": 30})));
        let err = Tunables::check_defaults(&json!({"waitSecond": 30})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown field `waitSecond`; expected any of waitSeconds, awaitDeadlineSeconds, \
             verifyPollSeconds, maxVerifyPolls, maxConflictRetries, maxResyncRounds, \
             fleetGroupsPerRound"
        );
        let err = Tunables::check_defaults(&json!([1])).unwrap_err();
        assert!(
            err.to_string().starts_with("expected a JSON object"),
            "{err}"
        );
        let err = Tunables::check_defaults(&json!({"maxResyncRounds": 99})).unwrap_err();
        assert!(err.to_string().contains("between 0 and 20"), "{err}");
    }
}
