//! Configuration parsing and validation: every problem reported at once, each with its
//! field path and reason.

// Tests unwrap freely: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use replica_dns_core::config::{
    Config, ConfigProblem, NoReplicaPolicy, CONFIG_ENV_VAR, DEFAULT_OWNERSHIP_PREFIX, DEFAULT_TTL,
    MAX_ENV_VALUE_BYTES,
};
use replica_dns_core::ownership::validate_token;
use serde_json::{json, Value};

const VALID: &str = include_str!("fixtures/config/valid.json");

/// Two groups in one zone, every optional part used once.
fn base() -> Value {
    serde_json::from_str(VALID).unwrap()
}

fn lines(config: &Value) -> Vec<String> {
    match Config::from_json(&config.to_string()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn valid_fixture_parses_with_defaults_applied() {
    let config = Config::from_json(VALID).unwrap();
    assert_eq!(config.owner_id, "replica-dns-prod");
    assert_eq!(config.groups.len(), 2);
    let orders = &config.groups[0];
    assert_eq!(orders.ttl, 30);
    assert_eq!(orders.no_replica_policy, NoReplicaPolicy::Primary);
    assert_eq!(
        orders.slot_name(3).as_deref(),
        Ok("replica3.orders.cache.internal.")
    );
    assert_eq!(
        orders.az_name("us-east-1a").as_deref(),
        Some("replica-us-east-1a.orders.cache.internal.")
    );
    assert_eq!(
        orders.auth_secret_arn.as_deref(),
        Some("arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/redis-auth-a1B2c3")
    );
    let carts = &config.groups[1];
    assert_eq!(carts.auth_secret_arn, None);
    assert_eq!(carts.ttl, DEFAULT_TTL);
    assert_eq!(carts.ownership_prefix, DEFAULT_OWNERSHIP_PREFIX);
    assert_eq!(carts.no_replica_policy, NoReplicaPolicy::Keep);
    assert!(carts.adopt_existing);
    assert!(config.validate().is_ok());
}

#[test]
fn configuration_round_trips_through_its_env_value() {
    let config = Config::from_json(VALID).unwrap();
    let env = config.env_value().unwrap();
    assert!(!env.contains('\n'), "compact");
    assert_eq!(Config::from_env_value(Some(&env)).unwrap(), config);
}

#[test]
fn each_rule_reports_the_field_and_the_reason() {
    type Mutate = fn(&mut Value);
    let cases: Vec<(&str, Mutate, Vec<&str>)> = vec![
        ("empty owner id", |c| c["ownerId"] = json!(""), vec!["ownerId: must not be empty"]),
        (
            "owner id with a quote",
            |c| c["ownerId"] = json!("prod\"x"),
            vec!["ownerId: has character '\"'; allowed: letters, digits, `-`, `_`, `.` (it is written into TXT records)"],
        ),
        (
            "owner id too long",
            |c| c["ownerId"] = json!("o".repeat(65)),
            vec!["ownerId: is 65 characters long; at most 64"],
        ),
        ("no groups", |c| c["groups"] = json!([]), vec!["groups: must list at least one group"]),
        (
            "empty group id",
            |c| c["groups"][1]["replicationGroupId"] = json!(""),
            vec!["groups[1].replicationGroupId: must not be empty"],
        ),
        (
            "upper-case group id",
            |c| c["groups"][1]["replicationGroupId"] = json!("Carts"),
            vec!["groups[1].replicationGroupId: has upper-case 'C'; ElastiCache reports ids in lower case, so it would never match an event"],
        ),
        (
            "group id with underscore",
            |c| c["groups"][1]["replicationGroupId"] = json!("carts_1"),
            vec!["groups[1].replicationGroupId: has character '_'; ElastiCache ids use lower-case letters, digits and `-`"],
        ),
        (
            "group id starting with a digit",
            |c| c["groups"][1]["replicationGroupId"] = json!("1carts"),
            vec!["groups[1].replicationGroupId: must start with a letter (ElastiCache rule)"],
        ),
        (
            "group id with double hyphen",
            |c| c["groups"][1]["replicationGroupId"] = json!("carts--a"),
            vec!["groups[1].replicationGroupId: must not end with `-` or contain `--` (ElastiCache rule)"],
        ),
        (
            "group id too long",
            |c| c["groups"][1]["replicationGroupId"] = json!("c".repeat(41)),
            vec!["groups[1].replicationGroupId: is 41 characters long; ElastiCache allows at most 40"],
        ),
        (
            "duplicate group id",
            |c| c["groups"][1]["replicationGroupId"] = json!("orders"),
            vec!["groups[1].replicationGroupId: duplicates groups[0].replicationGroupId"],
        ),
        (
            "hosted zone id with /hostedzone/",
            |c| c["groups"][0]["hostedZoneId"] = json!("/hostedzone/Z0123456789ABCDEFGHIJ"),
            vec!["groups[0].hostedZoneId: must be the bare id (`Z…`), without `/hostedzone/`"],
        ),
        (
            "hosted zone id in lower case",
            |c| c["groups"][0]["hostedZoneId"] = json!("z0123"),
            vec!["groups[0].hostedZoneId: `z0123` is not a Route 53 hosted zone id (up to 32 upper-case letters and digits, e.g. `Z0123456789ABCDEFGHIJ`)"],
        ),
        (
            "hosted zone id as the local emulator issues it",
            |c| {
                c["groups"][0]["hostedZoneId"] = json!("6D3LTA0ZPGAJA0RQ9X2B1C");
                c["groups"][1]["hostedZoneId"] = json!("6D3LTA0ZPGAJA0RQ9X2B1C");
            },
            vec![],
        ),
        (
            "zone name with a space",
            |c| c["groups"][0]["zoneName"] = json!("cache internal."),
            vec!["groups[0].zoneName: `cache internal.` is not a valid DNS name: label `cache internal` has character ' '; allowed: letters, digits, `-`, `_`"],
        ),
        (
            "template without {n}",
            |c| c["groups"][0]["nameTemplate"] = json!("replica.orders.cache.internal."),
            vec!["groups[0].nameTemplate: has no `{n}` placeholder for the slot number"],
        ),
        (
            "template with {n} twice",
            |c| c["groups"][0]["nameTemplate"] = json!("r{n}.{n}.orders.cache.internal."),
            vec!["groups[0].nameTemplate: has `{n}` 2 times; it must appear exactly once"],
        ),
        (
            "template with another placeholder",
            |c| c["groups"][0]["nameTemplate"] = json!("r{n}-{az}.orders.cache.internal."),
            vec!["groups[0].nameTemplate: has placeholder `{az}`; only `{n}` is allowed here"],
        ),
        (
            "name outside the zone",
            |c| c["groups"][0]["nameTemplate"] = json!("replica{n}.orders.example.com."),
            vec!["groups[0].nameTemplate: `replica5.orders.example.com.` is outside the zone `cache.internal.`"],
        ),
        (
            "name that only ends like the zone",
            |c| c["groups"][0]["nameTemplate"] = json!("replica{n}.xcache.internal."),
            vec!["groups[0].nameTemplate: `replica5.xcache.internal.` is outside the zone `cache.internal.`"],
        ),
        (
            "label longer than 63",
            |c| c["groups"][0]["nameTemplate"] = json!(format!("{}{{n}}.cache.internal.", "r".repeat(63))),
            vec![
                "groups[0].nameTemplate: `rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr5.cache.internal.` is not a valid DNS name: label `rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr5` is 64 characters long; DNS allows 63",
            ],
        ),
        (
            "name longer than 253",
            |c| c["groups"][0]["nameTemplate"] = json!(format!("r{{n}}.{}cache.internal.", "a.".repeat(120))),
            vec![
                "groups[0].nameTemplate: `r5.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.cache.internal.` is not a valid DNS name: it is 257 characters long; DNS allows 253",
            ],
        ),
        (
            "ownership TXT name too long although the name fits",
            |c| c["groups"][0]["nameTemplate"] = json!(format!("r{{n}}.{}cache.internal.", "a.".repeat(118))),
            vec![
                "groups[0].nameTemplate: `_rdns.r5.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.cache.internal.` is not a valid DNS name: its ownership TXT name is too long or invalid: it is 259 characters long; DNS allows 253",
            ],
        ),
        (
            "name at the zone apex",
            |c| c["groups"][0]["pooledName"]["name"] = json!("cache.internal."),
            vec!["groups[0].pooledName.name: `cache.internal.` is the zone apex; a CNAME cannot live there"],
        ),
        (
            "ttl zero",
            |c| c["groups"][0]["ttl"] = json!(0),
            vec!["groups[0].ttl: must be between 1 and 3600 seconds, found 0"],
        ),
        (
            "ttl above an hour",
            |c| c["groups"][0]["ttl"] = json!(86400),
            vec!["groups[0].ttl: must be between 1 and 3600 seconds, found 86400"],
        ),
        (
            "negative ttl",
            |c| c["groups"][0]["ttl"] = json!(-5),
            vec!["groups[0].ttl: must be between 1 and 3600 seconds, found -5"],
        ),
        (
            "fractional ttl",
            |c| c["groups"][0]["ttl"] = json!(1.5),
            vec!["groups[0].ttl: must be between 1 and 3600 seconds, found 1.5"],
        ),
        (
            "ownership prefix with a dot",
            |c| c["groups"][0]["ownershipPrefix"] = json!("_r.dns"),
            vec!["groups[0].ownershipPrefix: `_r.dns` must be a single DNS label, without dots"],
        ),
        (
            "ownership prefix empty",
            |c| c["groups"][0]["ownershipPrefix"] = json!(""),
            vec!["groups[0].ownershipPrefix: must not be empty"],
        ),
        (
            "az template without {az}",
            |c| c["groups"][0]["azNames"]["template"] = json!("replica-local.orders.cache.internal."),
            vec!["groups[0].azNames.template: has no `{az}` placeholder for the availability zone"],
        ),
        (
            "az template outside the zone",
            |c| c["groups"][0]["azNames"]["template"] = json!("replica-{az}.orders.example.com."),
            vec!["groups[0].azNames.template: `replica-us-west-2-lax-1a.orders.example.com.` is outside the zone `cache.internal.`"],
        ),
        (
            "pooled name outside the zone",
            |c| c["groups"][0]["pooledName"]["name"] = json!("pool.orders.example.com."),
            vec!["groups[0].pooledName.name: `pool.orders.example.com.` is outside the zone `cache.internal.`"],
        ),
        (
            "pooled name with a placeholder",
            |c| c["groups"][0]["pooledName"]["name"] = json!("pool{n}.orders.cache.internal."),
            vec!["groups[0].pooledName.name: has placeholder `{n}`; only no placeholder is allowed here"],
        ),
        (
            "auth secret as its full ARN",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/redis-auth-a1B2c3"),
            vec![],
        ),
        (
            "auth secret in another partition",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:orders-auth-Zz9Yy8"),
            vec![],
        ),
        (
            "auth secret without the random suffix",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth"),
            vec!["groups[0].authSecretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth` is not the full ARN: it must end in the `-` and 6 random characters Secrets Manager appends to the name (e.g. `…:secret:orders-auth-a1B2c3`), because IAM grants secretsmanager:GetSecretValue on exactly that ARN"],
        ),
        (
            "auth secret as a bare name",
            |c| c["groups"][0]["authSecretArn"] = json!("orders-auth-a1B2c3"),
            vec!["groups[0].authSecretArn: `orders-auth-a1B2c3` is not a secret ARN; expected the secret's full ARN `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`"],
        ),
        (
            "auth secret ARN of another service",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws:ssm:us-east-1:123456789012:parameter/orders-auth"),
            vec!["groups[0].authSecretArn: `arn:aws:ssm:us-east-1:123456789012:parameter/orders-auth` is not a secret ARN; expected the secret's full ARN `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`"],
        ),
        (
            "auth secret ARN of another service with the secret's shape",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws:kms:us-east-1:123456789012:secret:orders-auth-a1B2c3"),
            vec!["groups[0].authSecretArn: `arn:aws:kms:us-east-1:123456789012:secret:orders-auth-a1B2c3` is a `kms` ARN; expected a Secrets Manager secret (`arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`)"],
        ),
        (
            "auth secret with a short account",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws:secretsmanager:us-east-1:12345:secret:orders-auth-a1B2c3"),
            vec!["groups[0].authSecretArn: `arn:aws:secretsmanager:us-east-1:12345:secret:orders-auth-a1B2c3` has account `12345`; expected a 12-digit account id"],
        ),
        (
            "auth secret without a region",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws:secretsmanager::123456789012:secret:orders-auth-a1B2c3"),
            vec!["groups[0].authSecretArn: `arn:aws:secretsmanager::123456789012:secret:orders-auth-a1B2c3` has region ``; expected a region such as `us-east-1`"],
        ),
        (
            "auth secret with a space in its name",
            |c| c["groups"][0]["authSecretArn"] = json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:orders auth-a1B2c3"),
            vec!["groups[0].authSecretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:orders auth-a1B2c3` has secret name `orders auth-a1B2c3`; names are 1 to 512 letters, digits and `/_+=.@-`"],
        ),
        (
            "auth secret empty",
            |c| c["groups"][0]["authSecretArn"] = json!(""),
            vec!["groups[0].authSecretArn: must not be empty"],
        ),
        (
            "unknown policy",
            |c| c["groups"][0]["noReplicaPolicy"] = json!("failover"),
            vec!["groups[0].noReplicaPolicy: must be one of \"primary\", \"keep\", \"delete\", found \"failover\""],
        ),
    ];
    for (name, mutate, expected) in cases {
        let mut config = base();
        mutate(&mut config);
        assert_eq!(lines(&config), expected, "{name}");
    }
}

#[test]
fn names_claimed_twice_in_one_zone_are_reported() {
    type Mutate = fn(&mut Value);
    let cases: Vec<(&str, Mutate, Vec<&str>)> = vec![
        (
            "same template in two groups",
            |c| c["groups"][1]["nameTemplate"] = json!("replica{n}.orders.cache.internal."),
            vec!["groups[1].nameTemplate: `replica1.orders.cache.internal.` is also claimed by groups[0].nameTemplate (`replica1.orders.cache.internal.`)"],
        ),
        (
            "templates differing only in case",
            |c| c["groups"][1]["nameTemplate"] = json!("Replica{n}.Orders.cache.internal."),
            vec!["groups[1].nameTemplate: `replica1.orders.cache.internal.` is also claimed by groups[0].nameTemplate (`replica1.orders.cache.internal.`)"],
        ),
        (
            "templates that never render the same name",
            |c| c["groups"][1]["nameTemplate"] = json!("replica{n}3.orders.cache.internal."),
            vec![],
        ),
        (
            "a fixed-looking name inside another group's range",
            |c| c["groups"][1]["pooledName"] = json!({"name": "replica4.orders.cache.internal."}),
            vec!["groups[1].pooledName.name: `replica4.orders.cache.internal.` is also claimed by groups[0].nameTemplate (`replica4.orders.cache.internal.`)"],
        ),
        (
            "pooled name equal to the group's own slot name",
            |c| c["groups"][0]["pooledName"]["name"] = json!("replica2.orders.cache.internal."),
            vec!["groups[0].pooledName.name: `replica2.orders.cache.internal.` is also claimed by groups[0].nameTemplate (`replica2.orders.cache.internal.`)"],
        ),
        (
            "az names overlapping another group's az names",
            |c| c["groups"][1]["azNames"] = json!({"template": "replica-{az}.orders.cache.internal."}),
            vec!["groups[1].azNames.template: `replica-{az}.orders.cache.internal.` is also claimed by groups[0].azNames.template (`replica-{az}.orders.cache.internal.`)"],
        ),
        (
            "an az template that could render another group's az names",
            |c| c["groups"][1]["azNames"] = json!({"template": "{az}.orders.cache.internal."}),
            vec!["groups[1].azNames.template: `{az}.orders.cache.internal.` is also claimed by groups[0].azNames.template (`replica-{az}.orders.cache.internal.`)"],
        ),
        (
            "az names never collide with slot names that cannot be an az",
            |c| c["groups"][1]["azNames"] = json!({"template": "replica{az}.orders.cache.internal."}),
            vec![],
        ),
        (
            "az pattern covering a pooled name",
            |c| c["groups"][1]["pooledName"] = json!({"name": "replica-us-east-1a.orders.cache.internal."}),
            vec!["groups[1].pooledName.name: `replica-us-east-1a.orders.cache.internal.` is also claimed by groups[0].azNames.template (`replica-{az}.orders.cache.internal.`)"],
        ),
        (
            "a slot name at another group's ownership TXT name",
            |c| c["groups"][1]["nameTemplate"] = json!("_rdns.replica{n}.orders.cache.internal."),
            vec!["groups[1].nameTemplate: `_rdns.replica1.orders.cache.internal.` is also claimed by groups[0].nameTemplate (ownership TXT `_rdns.replica1.orders.cache.internal.`)"],
        ),
        (
            "same names in a different hosted zone are fine",
            |c| {
                c["groups"][1]["hostedZoneId"] = json!("Z9999999999ABCDEFGHIJ");
                c["groups"][1]["nameTemplate"] = json!("replica{n}.orders.cache.internal.");
            },
            vec![],
        ),
        (
            "one hosted zone declared with two names",
            |c| {
                c["groups"][1]["zoneName"] = json!("carts.internal.");
                c["groups"][1]["nameTemplate"] = json!("replica{n}.carts.internal.");
            },
            vec!["groups[1].zoneName: hosted zone `Z0123456789ABCDEFGHIJ` is declared as `cache.internal.` at groups[0].zoneName"],
        ),
    ];
    for (name, mutate, expected) in cases {
        let mut config = base();
        mutate(&mut config);
        assert_eq!(lines(&config), expected, "{name}");
    }
}

#[test]
fn structure_problems_name_the_field() {
    type Mutate = fn(&mut Value);
    let cases: Vec<(&str, Mutate, Vec<&str>)> = vec![
        (
            "unknown top-level field",
            |c| c["owner"] = json!("x"),
            vec!["owner: unknown field (expected one of: ownerId, groups)"],
        ),
        (
            "unknown group field",
            |c| c["groups"][1]["zoneID"] = json!("x"),
            vec!["groups[1].zoneID: unknown field (expected one of: replicationGroupId, hostedZoneId, zoneName, nameTemplate, ttl, noReplicaPolicy, adoptExisting, ownershipPrefix, azNames, pooledName, authSecretArn)"],
        ),
        (
            "unknown nested field",
            |c| c["groups"][0]["azNames"]["fallback"] = json!(true),
            vec!["groups[0].azNames.fallback: unknown field (expected one of: template)"],
        ),
        (
            "missing required fields",
            |c| {
                c.as_object_mut().unwrap().remove("ownerId");
                c["groups"][1].as_object_mut().unwrap().remove("zoneName");
            },
            vec!["ownerId: is required", "groups[1].zoneName: is required"],
        ),
        (
            "wrong types",
            |c| {
                c["groups"][0]["adoptExisting"] = json!("yes");
                c["groups"][0]["ttl"] = json!("10");
                c["groups"][1]["nameTemplate"] = json!(["replica{n}"]);
            },
            vec![
                "groups[0].ttl: must be a whole number of seconds, found a string",
                "groups[0].adoptExisting: must be a boolean, found a string",
                "groups[1].nameTemplate: must be a string, found an array",
            ],
        ),
        ("groups not an array", |c| c["groups"] = json!({}), vec!["groups: must be an array, found an object"]),
        ("group not an object", |c| c["groups"][1] = json!("carts"), vec!["groups[1]: must be an object, found a string"]),
        (
            "pooled name not an object",
            |c| c["groups"][0]["pooledName"] = json!("pool.orders.cache.internal."),
            vec!["groups[0].pooledName: must be an object, found a string"],
        ),
        ("optional parts may be null", |c| c["groups"][0]["azNames"] = Value::Null, vec![]),
        ("no auth secret may be null", |c| c["groups"][0]["authSecretArn"] = Value::Null, vec![]),
        (
            "auth secret not a string",
            |c| c["groups"][0]["authSecretArn"] = json!({"arn": "x"}),
            vec!["groups[0].authSecretArn: must be a string, found an object"],
        ),
    ];
    for (name, mutate, expected) in cases {
        let mut config = base();
        mutate(&mut config);
        assert_eq!(lines(&config), expected, "{name}");
    }
}

#[test]
fn every_problem_is_reported_at_once_in_document_order() {
    let config = json!({
        "ownerId": "",
        "extra": 1,
        "groups": [
            {"replicationGroupId": "Orders", "hostedZoneId": "Z1", "zoneName": "cache.internal.",
             "nameTemplate": "replica.cache.internal.", "ttl": 0},
            {"replicationGroupId": "carts", "hostedZoneId": "Z1", "zoneName": "cache.internal.",
             "nameTemplate": "replica{n}.carts.example.com.", "bogus": true},
            {"replicationGroupId": "carts", "hostedZoneId": "Z1", "zoneName": "cache.internal.",
             "nameTemplate": "replica{n}.carts.cache.internal.", "ttl": 99999}
        ]
    });
    assert_eq!(
        lines(&config),
        [
            "extra: unknown field (expected one of: ownerId, groups)",
            "ownerId: must not be empty",
            "groups[0].replicationGroupId: has upper-case 'O'; ElastiCache reports ids in lower case, so it would never match an event",
            "groups[0].nameTemplate: has no `{n}` placeholder for the slot number",
            "groups[0].ttl: must be between 1 and 3600 seconds, found 0",
            "groups[1].bogus: unknown field (expected one of: replicationGroupId, hostedZoneId, zoneName, nameTemplate, ttl, noReplicaPolicy, adoptExisting, ownershipPrefix, azNames, pooledName, authSecretArn)",
            "groups[1].nameTemplate: `replica5.carts.example.com.` is outside the zone `cache.internal.`",
            "groups[2].replicationGroupId: duplicates groups[1].replicationGroupId",
            "groups[2].ttl: must be between 1 and 3600 seconds, found 99999",
        ]
    );
}

#[test]
fn validate_on_a_typed_config_reports_the_same_rules() {
    let mut config = Config::from_json(VALID).unwrap();
    config.groups[1].ttl = 0;
    config.groups[1].name_template = config.groups[0].name_template.clone();
    let errors = config.validate().unwrap_err();
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "groups[1].ttl: must be between 1 and 3600 seconds, found 0",
            "groups[1].nameTemplate: `replica1.orders.cache.internal.` is also claimed by groups[0].nameTemplate (`replica1.orders.cache.internal.`)",
        ]
    );
    assert_eq!(errors.to_string(), lines.join("\n"));
}

#[test]
fn not_json_and_unset_variable_are_errors_that_do_not_echo_the_document() {
    let secretish = r#"{"ownerId": "prod", "groups": [ "hunter2" "#;
    let errors = Config::from_json(secretish).unwrap_err();
    let text = errors.to_string();
    assert!(text.starts_with("config: is not valid JSON ("), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(matches!(
        errors.iter().next().unwrap().problem,
        ConfigProblem::NotJson(_)
    ));

    for value in [None, Some(""), Some("  ")] {
        let errors = Config::from_env_value(value).unwrap_err();
        assert_eq!(errors.to_string(), format!("{CONFIG_ENV_VAR}: is not set"));
    }
    assert_eq!(
        Config::from_json("[]").unwrap_err().to_string(),
        "config: must be an object, found an array"
    );
}

#[test]
fn config_too_large_for_the_lambda_environment_is_refused() {
    let mut config = base();
    let groups: Vec<Value> = (0..40)
        .map(|i| {
            json!({"replicationGroupId": format!("group-{i}"), "hostedZoneId": "Z0123456789ABCDEFGHIJ",
                   "zoneName": "cache.internal.", "nameTemplate": format!("replica{{n}}.group-{i}.cache.internal.")})
        })
        .collect();
    config["groups"] = json!(groups);
    let parsed = Config::from_json(&config.to_string()).unwrap();
    let error = parsed.env_value().unwrap_err().to_string();
    let size = serde_json::to_string(&parsed).unwrap().len();
    assert!(size > MAX_ENV_VALUE_BYTES);
    assert_eq!(
        error,
        format!("config: is {size} bytes as compact JSON, over the 3072-byte budget for the REPLICA_DNS_CONFIG environment variable (Lambda allows 4 KiB of variables in total)")
    );
}

fn group_json(id: &str, zone_id: &str, template: &str) -> Value {
    json!({"replicationGroupId": id, "hostedZoneId": zone_id, "zoneName": "cache.internal.",
           "nameTemplate": template})
}

proptest! {
    #[test]
    fn from_json_never_panics(text in ".{0,200}") {
        let _ = Config::from_json(&text);
    }

    #[test]
    fn from_json_never_panics_on_config_shaped_documents(
        owner in prop_oneof![Just(json!("o")), Just(json!(1)), Just(Value::Null)],
        fields in prop::collection::btree_map(
            prop_oneof![
                Just("replicationGroupId"), Just("hostedZoneId"), Just("zoneName"),
                Just("nameTemplate"), Just("ttl"), Just("azNames"), Just("pooledName"),
                Just("ownershipPrefix"), Just("noReplicaPolicy"), Just("x")
            ],
            prop_oneof![
                "[a-z{}.\\-_]{0,20}".prop_map(Value::String),
                any::<i64>().prop_map(|n| json!(n)),
                Just(json!({"template": "{az}.cache.internal."})),
                Just(json!({"name": "p.cache.internal."})),
                Just(Value::Null),
            ],
            0..10,
        ),
    ) {
        let group: serde_json::Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let doc = json!({"ownerId": owner, "groups": [group]});
        if let Err(errors) = Config::from_json(&doc.to_string()) {
            prop_assert!(!errors.is_empty());
            for error in &errors {
                prop_assert!(!error.to_string().is_empty());
            }
        }
    }

    /// Contract with the ownership module: every owner and group id the validator
    /// accepts can be written into an ownership TXT value and read back.
    #[test]
    fn accepted_ids_are_valid_ownership_tokens(
        owner in prop_oneof!["[a-zA-Z0-9._-]{0,70}", "[ -~]{0,70}"],
        group in prop_oneof!["[a-z][a-z0-9-]{0,44}", "[ -~]{0,45}"],
    ) {
        let doc = json!({"ownerId": owner, "groups": [
            group_json(&group, "Z1", "r{n}.cache.internal.")]});
        if let Ok(config) = Config::from_json(&doc.to_string()) {
            prop_assert!(validate_token("owner", &config.owner_id).is_ok());
            prop_assert!(validate_token("group", &config.groups[0].replication_group_id).is_ok());
        }
    }

    /// Whether two groups collide does not depend on their order, and the same template
    /// twice in one zone always does.
    #[test]
    fn collision_detection_is_symmetric(
        a in "[a-c]{1,2}\\{n\\}[a-c0-9]{0,2}",
        b in "[a-c]{1,2}\\{n\\}[a-c0-9]{0,2}",
    ) {
        let template = |t: &str| format!("{t}.cache.internal.");
        let forward = json!({"ownerId": "o", "groups": [
            group_json("ga", "Z1", &template(&a)), group_json("gb", "Z1", &template(&b))]});
        let backward = json!({"ownerId": "o", "groups": [
            group_json("gb", "Z1", &template(&b)), group_json("ga", "Z1", &template(&a))]});
        let collides = |doc: &Value| Config::from_json(&doc.to_string()).is_err();
        prop_assert_eq!(collides(&forward), collides(&backward));
        let rendered_overlap = (1..=5).any(|i| (1..=5).any(|j| {
            a.replace("{n}", &i.to_string()) == b.replace("{n}", &j.to_string())
        }));
        prop_assert_eq!(collides(&forward), rendered_overlap);
        let other_zone = json!({"ownerId": "o", "groups": [
            group_json("ga", "Z1", &template(&a)), group_json("gb", "Z2", &template(&b))]});
        prop_assert!(!collides(&other_zone));
    }

    /// Two AZ-name templates that render the same name for real AZ names or ids are
    /// always reported (the check may be conservative, never blind).
    #[test]
    fn az_template_overlap_is_never_missed(
        a in "[a-c-]{0,3}\\{az\\}[a-c0-9-]{0,2}",
        b in "[a-c-]{0,3}\\{az\\}[a-c0-9-]{0,2}",
    ) {
        let with_az = |id: &str, t: &str| {
            let mut g = group_json(id, "Z1", &format!("s{{n}}.{id}.cache.internal."));
            g["azNames"] = json!({"template": format!("{t}.cache.internal.")});
            g
        };
        let valid = |g: Value| Config::from_json(&json!({"ownerId": "o", "groups": [g]}).to_string()).is_ok();
        prop_assume!(valid(with_az("ga", &a)) && valid(with_az("gb", &b)));
        let azs = ["us-east-1a", "use1-az1", "eu-west-2b", "us-west-2-lax-1a"];
        let renders_same = azs.iter().any(|x| azs.iter().any(|y| a.replace("{az}", x) == b.replace("{az}", y)));
        let doc = json!({"ownerId": "o", "groups": [with_az("ga", &a), with_az("gb", &b)]});
        if renders_same {
            prop_assert!(Config::from_json(&doc.to_string()).is_err(), "{} vs {}", a, b);
        }
    }
}
