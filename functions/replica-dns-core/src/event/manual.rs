//! Manual resync input typed by an operator in the Step Functions console or passed by
//! the CLI: `{"replicationGroupId": "…"}` or `{"all": true}`, optionally
//! `"dryRun": true`. Strict, because a typo here should be an error, not a silent resync
//! of the wrong scope.

use serde_json::{Map, Value};

use crate::ids::{check_id, IdKind};

use super::{json_type, EventError, Origin, Request, ResyncTarget};

const GROUP: &str = "replicationGroupId";
const ALL: &str = "all";
const DRY_RUN: &str = "dryRun";

pub(super) fn parse_manual(object: &Map<String, Value>) -> Result<Request, EventError> {
    // Unknown fields first: `{"replicationGroupID": "x"}` should say "unknown field",
    // not "needs replicationGroupId".
    let mut unknown: Vec<&String> = object
        .keys()
        .filter(|k| ![GROUP, ALL, DRY_RUN].contains(&k.as_str()))
        .collect();
    unknown.sort();
    if let Some(field) = unknown.first() {
        return Err(EventError::ManualUnknownField {
            field: (*field).clone(),
        });
    }

    let dry_run = match object.get(DRY_RUN) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(wrong_type(DRY_RUN, "a boolean", other)),
    };
    let group = match object.get(GROUP) {
        None => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => return Err(wrong_type(GROUP, "a string", other)),
    };
    let all = match object.get(ALL) {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => return Err(wrong_type(ALL, "true", other)),
    };

    let target = match (group, all) {
        (Some(_), Some(_)) => return Err(EventError::ManualAmbiguous),
        (None, None) => return Err(EventError::ManualNoTarget),
        (None, Some(false)) => return Err(EventError::ManualAllFalse),
        (None, Some(true)) => ResyncTarget::All,
        (Some(id), None) => {
            let id = id.trim();
            if id.is_empty() {
                return Err(EventError::ManualEmptyGroupId);
            }
            if let Err(problem) = check_id(IdKind::ReplicationGroup, id) {
                return Err(EventError::ManualInvalidGroupId {
                    id: id.to_string(),
                    problem,
                });
            }
            ResyncTarget::Group {
                replication_group_id: id.to_string(),
            }
        }
    };
    Ok(Request {
        origin: Origin::Manual,
        target,
        dry_run,
    })
}

fn wrong_type(field: &'static str, expected: &'static str, found: &Value) -> EventError {
    EventError::ManualWrongType {
        field,
        expected,
        found: json_type(found),
    }
}
