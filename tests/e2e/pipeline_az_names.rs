//! AZ-local names (`replica-{az}.…`) and the pooled name (one weighted CNAME per
//! replica) through the whole pipeline (issue 12 item 4): a group of one primary and
//! replicas over three AZs with both options configured, through a failover, a node
//! replacement and a replica added in a new AZ. Each test ends with
//! [`assert_az_names_and_pool`]: the names as Route 53 holds them, as the local DNS
//! answers them, and `ROLE` replica on every target.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use hickory_resolver::proto::rr::RecordType;
use replica_dns_tests::{Member, Scenario, Stack};

use crate::pipeline_common::{
    assert_converged, assert_resolves_to, group_available, resync, settle,
};

/// Queries of the pooled name: with up to three equal weights, the chance that one
/// record is never answered is below 1e-6.
const POOL_QUERIES: usize = 40;

/// A scenario whose members sit in `azs` (primary first), with AZ names and a pool.
async fn az_scenario(prefix: &str, azs: &[&str]) -> Scenario {
    let stack = Stack::from_env().await.unwrap();
    let replicas = u8::try_from(azs.len() - 1).unwrap();
    stack
        .scenario(prefix)
        .replicas(replicas)
        .availability_zones(azs)
        .az_names_and_pool()
        .build()
        .await
        .unwrap()
}

fn trim(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Where the AZ names and the pool point, as [`assert_az_names_and_pool`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzView {
    /// AZ → the member its name points at.
    pub az_names: BTreeMap<String, String>,
    /// The members with a record in the pool.
    pub pool: BTreeSet<String>,
}

/// Asserts the slots converged ([`assert_converged`]) and the AZ names and the pool with
/// them, the product's promise for both options:
/// - one AZ name per AZ the members are in, and no other: a simple CNAME at a replica,
///   in the name's own AZ when that AZ has one, with its `az=` ownership TXT;
/// - the pool: one weighted CNAME per replica (SetIdentifier = its id, weight 1, value
///   its endpoint), each with its weighted `pool=` TXT, and nothing else at the name;
/// - through the local DNS, each AZ name resolves to its target and on to the node's
///   address, and the pooled name answers each replica's record and nothing else;
/// - every target answers `ROLE` = replica.
pub async fn assert_az_names_and_pool(s: &Scenario) -> AzView {
    assert_converged(s).await;
    let group = &s.config.groups[0];
    let members = s.members().await.unwrap();
    let replicas: Vec<&Member> = members
        .iter()
        .filter(|m| m.current_role == "replica")
        .collect();
    let records = s.records().await.unwrap();
    let spanned: BTreeSet<String> = members
        .iter()
        .filter_map(|m| m.availability_zone.clone())
        .collect();
    let replica_at = |target: &str| {
        replicas
            .iter()
            .find(|m| trim(&m.address) == trim(target))
            .copied()
    };

    let mut az_names = BTreeMap::new();
    for az in &spanned {
        let name = group.az_name(az).unwrap();
        let cname = records
            .iter()
            .find(|r| r.name == name && r.record_type == "CNAME")
            .unwrap_or_else(|| panic!("{name} missing; records {records:#?}"));
        assert_eq!(cname.set_identifier, None, "{name}: {cname:?}");
        let target = &cname.values[0];
        let member = replica_at(target).unwrap_or_else(|| {
            panic!("{name} -> {target} is not a current replica; members {members:?}")
        });
        if replicas
            .iter()
            .any(|m| m.availability_zone.as_deref() == Some(az))
        {
            assert_eq!(
                member.availability_zone.as_deref(),
                Some(az.as_str()),
                "{name} is not on a replica of its AZ although {az} has one: {members:?}"
            );
        }
        let txt = records
            .iter()
            .find(|r| r.name == format!("_rdns.{name}") && r.record_type == "TXT")
            .unwrap_or_else(|| panic!("{name} has no ownership TXT"));
        assert!(
            txt.values[0].contains(&format!("az={az}")),
            "{name}: {txt:?}"
        );
        assert_resolves_to(s, &name, member).await;
        az_names.insert(az.clone(), member.cache_cluster_id.clone());
    }
    // No AZ name of an AZ the group does not span.
    let suffix = format!(".{}", s.zone_name);
    let all_az_names: Vec<&str> = records
        .iter()
        .filter(|r| r.record_type == "CNAME")
        .filter_map(|r| {
            r.name
                .strip_prefix("replica-")?
                .strip_suffix(suffix.as_str())
        })
        .filter(|az| !az.contains('.'))
        .collect();
    assert_eq!(
        all_az_names.len(),
        spanned.len(),
        "AZ names {all_az_names:?}, AZs {spanned:?}"
    );

    let pool_name =
        replica_dns_core::records::normalize_name(&group.pooled_name.as_ref().unwrap().name);
    let at_pool: Vec<_> = records.iter().filter(|r| r.name == pool_name).collect();
    let mut pool = BTreeSet::new();
    for record in &at_pool {
        assert_eq!(record.record_type, "CNAME", "{record:?}");
        assert_eq!(record.weight, Some(1), "{record:?}");
        let set = record.set_identifier.clone().unwrap();
        let member = replica_at(&record.values[0])
            .unwrap_or_else(|| panic!("pool record {record:?} is not on a current replica"));
        assert_eq!(member.cache_cluster_id, set, "{record:?}");
        pool.insert(set);
    }
    let ids: BTreeSet<String> = replicas
        .iter()
        .map(|m| m.cache_cluster_id.clone())
        .collect();
    assert_eq!(pool, ids, "the pool is not the replicas: {at_pool:#?}");
    let guards: BTreeSet<String> = records
        .iter()
        .filter(|r| r.name == format!("_rdns.{pool_name}") && r.record_type == "TXT")
        .map(|r| {
            let set = r.set_identifier.clone().unwrap();
            assert!(r.values[0].contains(&format!("pool={set}")), "{r:?}");
            set
        })
        .collect();
    assert_eq!(guards, ids, "one ownership TXT per pool record");

    // The pooled name through the local DNS: one record per query, every replica's
    // record answered, nothing else.
    let mut answered = BTreeSet::new();
    for _ in 0..POOL_QUERIES {
        let answers = s.resolve(&pool_name, RecordType::CNAME).await.unwrap();
        let cnames: Vec<_> = answers
            .iter()
            .filter(|a| a.record_type == "CNAME")
            .collect();
        assert_eq!(cnames.len(), 1, "{pool_name}: {answers:?}");
        let member = replica_at(&cnames[0].value)
            .unwrap_or_else(|| panic!("{pool_name} answered {answers:?}, no current replica"));
        answered.insert(member.cache_cluster_id.clone());
    }
    assert_eq!(
        answered, ids,
        "records the local DNS answered for {pool_name}"
    );

    for member in &replicas {
        let role = s.role(member).await.unwrap();
        assert!(
            role.is_replica(),
            "{} answers ROLE {role:?}",
            member.cache_cluster_id
        );
    }
    AzView { az_names, pool }
}

/// The member `id`'s AZ.
fn az_of(members: &[Member], id: &str) -> String {
    members
        .iter()
        .find(|m| m.cache_cluster_id == id)
        .and_then(|m| m.availability_zone.clone())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failover_converges_with_the_az_names_and_the_pool_off_the_new_primary() {
    let s = az_scenario("az-failover", &["us-east-1a", "us-east-1b", "us-east-1c"]).await;
    resync(&s).await;
    let before = assert_az_names_and_pool(&s).await;
    let members = s.members().await.unwrap();
    let old_primary = s.primary().await.unwrap().cache_cluster_id;
    // The primary's AZ has no replica: its name falls back to one elsewhere.
    assert_ne!(before.az_names["us-east-1a"], old_primary, "{before:?}");

    s.failover().await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let after = assert_az_names_and_pool(&s).await;

    let new_primary = s.primary().await.unwrap().cache_cluster_id;
    assert_ne!(new_primary, old_primary);
    assert!(!after.pool.contains(&new_primary), "{after:?}");
    assert!(
        !after.az_names.values().any(|id| id == &new_primary),
        "an AZ name is on the new primary: {after:?}"
    );
    // The old primary is a replica now, back in the name of its own AZ.
    assert_eq!(after.az_names["us-east-1a"], old_primary, "{after:?}");
    // Sticky: the AZ whose replica stayed one kept its name's target.
    let kept_az = ["us-east-1b", "us-east-1c"]
        .into_iter()
        .find(|az| *az != az_of(&members, &new_primary))
        .unwrap();
    assert_eq!(after.az_names[kept_az], before.az_names[kept_az]);
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_node_leaves_its_az_name_and_the_pool_meanwhile_and_returns() {
    let s = az_scenario("az-replace", &["us-east-1a", "us-east-1b", "us-east-1c"]).await;
    resync(&s).await;
    let before = assert_az_names_and_pool(&s).await;
    let replaced = before.az_names["us-east-1c"].clone();
    let group = &s.config.groups[0];
    let az_name = group.az_name("us-east-1c").unwrap();
    let pool_name = format!("pool.{}", s.zone_name);

    s.replace_node(&replaced, Some(12.0)).await.unwrap();
    // Interim, while the node is replaced: the AZ name on a replica of another AZ, and
    // the replaced node out of the pool.
    let start = Instant::now();
    let interim = loop {
        let records = s.records().await.unwrap();
        let az_target = records
            .iter()
            .find(|r| r.name == az_name && r.record_type == "CNAME")
            .map(|r| r.values[0].clone());
        let pool: BTreeSet<String> = records
            .iter()
            .filter(|r| r.name == pool_name && r.record_type == "CNAME")
            .filter_map(|r| r.set_identifier.clone())
            .collect();
        let members = s.members().await.unwrap();
        let on_replaced = |target: &str| {
            members
                .iter()
                .any(|m| m.cache_cluster_id == replaced && trim(&m.address) == trim(target))
        };
        if let Some(target) = az_target.filter(|t| !on_replaced(t)) {
            if !pool.contains(&replaced) {
                break (target, pool);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(12),
            "no interim routing while {replaced} was replaced: {records:#?}\n{}",
            s.logs_tail(30)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        interim.0.starts_with(&before.az_names["us-east-1b"]),
        "{az_name} fell back to {}, expected the other replica {}",
        interim.0,
        before.az_names["us-east-1b"]
    );
    assert_eq!(interim.1.len(), 1, "{interim:?}");

    group_available(&s).await;
    settle(&s).await;
    let after = assert_az_names_and_pool(&s).await;
    assert_eq!(after, before, "the names did not return");
    s.teardown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_added_in_a_new_az_gets_its_az_name_and_joins_the_pool() {
    let s = az_scenario("az-add", &["us-east-1a", "us-east-1b"]).await;
    resync(&s).await;
    let before = assert_az_names_and_pool(&s).await;
    assert_eq!(before.az_names.len(), 2, "{before:?}");

    s.add_replica_in("us-east-1c").await.unwrap();
    group_available(&s).await;
    settle(&s).await;
    let after = assert_az_names_and_pool(&s).await;

    let members = s.members().await.unwrap();
    let added = members
        .iter()
        .find(|m| m.availability_zone.as_deref() == Some("us-east-1c"))
        .map(|m| m.cache_cluster_id.clone())
        .unwrap();
    assert_eq!(after.az_names.get("us-east-1c"), Some(&added), "{after:?}");
    assert!(after.pool.contains(&added), "{after:?}");
    for (az, id) in &before.az_names {
        assert_eq!(after.az_names.get(az), Some(id), "{az} moved without cause");
    }
    s.teardown().await.unwrap();
}
