//! The configuration reference, generated from the Rust types: their JSON Schema
//! (schemars reads the serde attributes and the doc comments) and a Markdown page made
//! from it. `replica-dns config-schema` / `config-reference` print them; the checked-in
//! `docs/config.schema.json` and `docs/configuration.md` are compared with this output by
//! a test, so the reference cannot drift from what the Lambdas accept.
//!
//! The schema states shapes, types, defaults and documented bounds; the validator
//! (`Config::from_json`) checks more (names inside the zone, one owner per name, ids as
//! ElastiCache allows them) and names each problem with its field path.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::Config;
use crate::tunables::execution_defaults_schema;

/// The configuration file's JSON Schema (draft 2020-12), keys sorted.
pub fn config_schema() -> Value {
    sorted(serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default())
}

/// `value` with every object's keys in sorted order. serde_json keeps insertion order
/// when another crate of the build enables its `preserve_order` feature and sorts
/// otherwise, so without this the generated reference would depend on which crates are
/// compiled together (a workspace test build differs from `-p replica-dns-cli`).
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The reference page: every object of the configuration, then the execution defaults,
/// as tables of field, type, default and meaning.
pub fn reference_markdown() -> String {
    let schema = config_schema();
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = String::from(
        "# Configuration reference\n\n\
         Generated from the Rust types by `replica-dns config-reference` (the JSON Schema is\n\
         [`config.schema.json`](config.schema.json), from `replica-dns config-schema`); a test\n\
         fails when this page and the code disagree. Check a file with\n\
         `replica-dns validate-config FILE`: it applies these rules and more (names inside the\n\
         zone, one owner per name, ids as ElastiCache allows them) and names every problem\n\
         with its field path.\n",
    );
    object_section(&mut out, "Config (the file)", &schema, &defs);
    for (name, def) in &defs {
        if def.get("properties").is_some() {
            object_section(&mut out, name, def, &defs);
        } else {
            enum_section(&mut out, name, def);
        }
    }
    let defaults = execution_defaults_schema();
    out.push_str(
        "\n## Execution defaults\n\n\
         Tunables of a run: the CDK's `executionDefaults` (checked at synth by\n\
         `replica-dns validate-execution-defaults`), or top-level fields of a manual\n\
         execution input. Each is optional; unknown keys are refused.\n\n\
         | field | type | default | range | meaning |\n|---|---|---|---|---|\n",
    );
    for (field, property) in properties(&defaults) {
        let _ = writeln!(
            out,
            "| `{field}` | {} | {} | {}–{} | {} |",
            type_of(property),
            shown_default(property),
            property["minimum"],
            property["maximum"],
            description(property)
        );
    }
    out
}

fn object_section(out: &mut String, title: &str, object: &Value, defs: &Map<String, Value>) {
    let required: Vec<&str> = object["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let _ = write!(out, "\n## {title}\n\n");
    if let Some(text) = object.get("description").and_then(Value::as_str) {
        let _ = write!(out, "{}\n\n", one_line(text));
    }
    if object["additionalProperties"] == false {
        out.push_str("Unknown fields are refused.\n\n");
    }
    out.push_str("| field | type | required | default | meaning |\n|---|---|---|---|---|\n");
    for (field, property) in properties(object) {
        let _ = writeln!(
            out,
            "| `{field}` | {} | {} | {} | {} |",
            type_of_in(property, defs),
            if required.contains(&field.as_str()) {
                "yes"
            } else {
                "no"
            },
            shown_default(property),
            description(property)
        );
    }
}

fn enum_section(out: &mut String, title: &str, def: &Value) {
    let _ = write!(out, "\n## {title}\n\n");
    if let Some(text) = def.get("description").and_then(Value::as_str) {
        let _ = write!(out, "{}\n\n", one_line(text));
    }
    out.push_str("| value | meaning |\n|---|---|\n");
    for variant in def["oneOf"].as_array().into_iter().flatten() {
        let value = variant
            .get("const")
            .or_else(|| variant["enum"].get(0))
            .map(Value::to_string)
            .unwrap_or_default();
        let _ = writeln!(out, "| `{value}` | {} |", description(variant));
    }
}

fn properties(object: &Value) -> Vec<(String, &Value)> {
    object["properties"]
        .as_object()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

fn type_of(property: &Value) -> String {
    match &property["type"] {
        Value::String(t) => t.clone(),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".into(),
    }
}

/// A property's type, with a link to the section of a referenced object or enum.
fn type_of_in(property: &Value, defs: &Map<String, Value>) -> String {
    let reference = property
        .get("$ref")
        .or_else(|| {
            property["anyOf"]
                .as_array()
                .and_then(|a| a.iter().find_map(|v| v.get("$ref")))
        })
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next());
    match reference {
        Some(name) if defs.contains_key(name) => {
            format!("[{name}](#{})", name.to_lowercase())
        }
        _ if property["type"] == "array" => {
            format!("array of {}", type_of_in(&property["items"], defs))
        }
        _ => type_of(property),
    }
}

fn shown_default(property: &Value) -> String {
    match property.get("default") {
        Some(value) => format!("`{value}`"),
        None => "–".into(),
    }
}

fn description(property: &Value) -> String {
    property
        .get("description")
        .and_then(Value::as_str)
        .map(one_line)
        .unwrap_or_default()
}

/// Doc comments are wrapped at 90 columns; a table cell is one line, and `|` would end it.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn the_schema_refuses_unknown_fields_and_knows_every_group_field() {
        let schema = config_schema();
        assert_eq!(schema["additionalProperties"], false);
        let group = &schema["$defs"]["GroupConfig"];
        assert_eq!(group["additionalProperties"], false);
        for field in [
            "replicationGroupId",
            "hostedZoneId",
            "zoneName",
            "nameTemplate",
            "ttl",
            "noReplicaPolicy",
            "authSecretArn",
        ] {
            assert!(group["properties"].get(field).is_some(), "{field}");
        }
        assert_eq!(
            group["properties"]["ttl"]["default"],
            super::super::DEFAULT_TTL
        );
    }

    #[test]
    fn the_schema_lists_keys_in_sorted_order_whatever_serde_json_keeps() {
        fn check(value: &Value) {
            if let Value::Object(object) = value {
                let keys: Vec<&String> = object.keys().collect();
                let mut want = keys.clone();
                want.sort();
                assert_eq!(keys, want);
                object.values().for_each(check);
            }
        }
        check(&config_schema());
        check(&crate::tunables::execution_defaults_schema());
    }

    #[test]
    fn the_reference_has_a_row_per_field_with_its_meaning() {
        let page = reference_markdown();
        assert!(page.contains("| `ownerId` | string | yes |"), "{page}");
        assert!(
            page.contains("| `ttl` | integer | no | `10` | TTL of the CNAME"),
            "{page}"
        );
        assert!(
            page.contains("| `\"keep\"` | Leave the records as they are. |"),
            "{page}"
        );
        assert!(
            page.contains("| `waitSeconds` | integer | `15` | 1–3600 |"),
            "{page}"
        );
    }
}
