//! `replica-dns managed-names`, as the CDK app runs it at synth: the names IAM must allow
//! per group, in IAM's normalised form, and the constants.

// Tests unwrap freely: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use serde_json::{json, Value};

const VALID_CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../replica-dns-core/tests/fixtures/config/valid.json"
);

fn managed_names(file: &str, azs: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["managed-names", file];
    for az in azs {
        args.extend(["--availability-zone", az]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_replica-dns"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn prints_each_groups_names_in_iam_form_and_the_constants() {
    let (code, stdout, stderr) = managed_names(VALID_CONFIG, &["us-east-1a", "us-east-1b"]);
    assert_eq!(code, Some(0), "{stderr}");
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(out["maxReplicas"], 5);
    assert_eq!(out["defaultOwnershipPrefix"], "_rdns");
    assert_eq!(out["configEnvVar"], "REPLICA_DNS_CONFIG");
    assert_eq!(out["configEnvBudgetBytes"], 3072);
    assert_eq!(out["azPlaceholder"], "{az}");
    assert_eq!(out["recordTypes"], json!(["CNAME", "TXT"]));

    let orders = &out["groups"][0];
    assert_eq!(orders["replicationGroupId"], "orders");
    assert_eq!(orders["hostedZoneId"], "Z0123456789ABCDEFGHIJ");
    assert_eq!(orders["recordsSubtree"], "orders.cache.internal.");
    let mut expected: Vec<String> = (1..=5)
        .flat_map(|n| {
            [
                format!("replica{n}.orders.cache.internal"),
                format!("_rdns.replica{n}.orders.cache.internal"),
            ]
        })
        .collect();
    expected.push("replicas.orders.cache.internal".into());
    expected.push("_rdns.replicas.orders.cache.internal".into());
    // One AZ name (and its TXT name) per Availability Zone given: exact, no pattern.
    for az in ["us-east-1a", "us-east-1b"] {
        expected.push(format!("replica-{az}.orders.cache.internal"));
        expected.push(format!("_rdns.replica-{az}.orders.cache.internal"));
    }
    assert_eq!(orders["normalizedRecordNames"], json!(expected));
    assert!(
        !stdout.contains('*') && !stdout.contains("{az}\"."),
        "{stdout}"
    );
    assert_eq!(
        orders["slots"][1],
        json!({"slot": 2, "name": "replica2.orders.cache.internal.", "ownershipName": "_rdns.replica2.orders.cache.internal."})
    );

    // The second group's template has no trailing dot: the names are the same form.
    let carts = &out["groups"][1];
    assert_eq!(
        carts["normalizedRecordNames"][9],
        "_rdns.replica5.carts.cache.internal"
    );
    assert_eq!(carts["normalizedRecordNames"].as_array().unwrap().len(), 10);
    assert_eq!(carts["pooled"], Value::Null);
}

#[test]
fn az_names_without_the_regions_zones_or_with_a_bad_zone_are_refused() {
    let (code, stdout, stderr) = managed_names(VALID_CONFIG, &[]);
    assert_eq!((code, stdout.as_str()), (Some(1), ""));
    assert!(
        stderr.contains("group orders configures azNames")
            && stderr.contains("--availability-zone"),
        "{stderr}"
    );
    let (code, _, stderr) = managed_names(VALID_CONFIG, &["us-east-1*"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("\"us-east-1*\" is not an Availability Zone name"),
        "{stderr}"
    );
}

#[test]
fn an_invalid_configuration_prints_its_problems_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("managed-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.json");
    std::fs::write(
        &file,
        json!({"ownerId": "prod", "groups": [{
            "replicationGroupId": "orders", "hostedZoneId": "Z0123456789ABCDEFGHIJ",
            "zoneName": "cache.internal.", "nameTemplate": "replica.orders.cache.internal."
        }]})
        .to_string(),
    )
    .unwrap();
    let (code, stdout, stderr) = managed_names(file.to_str().unwrap(), &[]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "groups[0].nameTemplate: has no `{n}` placeholder for the slot number\n"
    );
}
