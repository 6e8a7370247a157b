//! `replica-dns status`: per group, each slot name → target → member → role (core
//! `status`, from a snapshot and the zone's records), then its AZ-local names (with the
//! AZ of the member behind each) and the records of its pooled name, whether each name
//! resolves (DNS, through the system resolver or `--resolver`; the pooled name answers
//! one record per query), ownership and what the next run would change. Exit status 1
//! when a name points at a primary or a slot, an AZ name or the whole pool is missing.

use std::net::{IpAddr, SocketAddr};

use anyhow::Result;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use replica_dns_aws::Adapters;
use replica_dns_core::config::{Config, GroupConfig};
use replica_dns_core::plan::SlotAction;
use replica_dns_core::records::{names_equal, normalize_name};
use replica_dns_core::status::{group_status, GroupStatus, NameOwnership, TargetRole};
use serde::Serialize;

use super::{exit, read_group, table};

/// What DNS says about a name.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// The CNAME the resolver answers, normalised.
    pub cname: Option<String>,
    pub addresses: Vec<IpAddr>,
    /// Why the name did not resolve, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Resolution {
    pub fn resolves(&self) -> bool {
        !self.addresses.is_empty()
    }
}

/// One group's status with each name's resolution (same order as `status.names`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    #[serde(flatten)]
    pub status: GroupStatus,
    pub resolution: Vec<Resolution>,
    /// Same order as `status.azNames`; absent when the group has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub az_resolution: Vec<Resolution>,
    /// The pooled name, asked once: Route 53 answers one weighted record per query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_resolution: Option<Resolution>,
}

/// Reads, classifies and resolves each selected group.
pub async fn observe(
    aws: &Adapters,
    config: &Config,
    groups: &[&GroupConfig],
    resolver: Option<SocketAddr>,
) -> Result<Vec<Observed>> {
    let dns = build_resolver(resolver)?;
    let mut observed = Vec::new();
    for group in groups {
        let (topology, records) = read_group(aws, group).await?;
        let status = group_status(&config.owner_id, group, &topology, &records)?;
        let mut resolution = Vec::with_capacity(status.names.len());
        for name in &status.names {
            resolution.push(resolve(&dns, &name.name).await);
        }
        let mut az_resolution = Vec::with_capacity(status.az_names.len());
        for name in &status.az_names {
            az_resolution.push(resolve(&dns, &name.name).await);
        }
        let pool_resolution = match &status.pool {
            Some(pool) => Some(resolve(&dns, &pool.name).await),
            None => None,
        };
        observed.push(Observed {
            status,
            resolution,
            az_resolution,
            pool_resolution,
        });
    }
    Ok(observed)
}

/// A fresh resolver (no answers cached from before): `server` when given, else the
/// system's (/etc/resolv.conf).
fn build_resolver(server: Option<SocketAddr>) -> Result<TokioResolver> {
    let builder = match server {
        Some(addr) => {
            let mut name_server = NameServerConfig::udp_and_tcp(addr.ip());
            for connection in &mut name_server.connections {
                connection.port = addr.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![name_server]),
                TokioRuntimeProvider::default(),
            )
        }
        None => TokioResolver::builder_tokio()?,
    };
    Ok(builder.build()?)
}

async fn resolve(dns: &TokioResolver, name: &str) -> Resolution {
    let cname = match dns.lookup(name, RecordType::CNAME).await {
        Ok(lookup) => lookup.answers().iter().find_map(|r| match &r.data {
            RData::CNAME(cname) => Some(normalize_name(&cname.0.to_string())),
            _ => None,
        }),
        Err(_) => None,
    };
    match dns.lookup_ip(name).await {
        Ok(ips) => Resolution {
            cname,
            addresses: ips.iter().collect(),
            error: None,
        },
        Err(e) => Resolution {
            cname,
            addresses: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

/// The human table, then one line per group and per finding. AZ-local names follow the
/// slots (MEMBER says the member's AZ), then one row per record of the pooled name
/// (`<name> [<SetIdentifier>]`; RESOLVES says which record DNS answered this time).
pub fn render(observed: &[Observed]) -> String {
    let mut rows = vec![[
        "GROUP",
        "NAME",
        "TARGET",
        "MEMBER",
        "ROLE",
        "RESOLVES",
        "OWNERSHIP",
        "NEXT RUN",
    ]
    .map(String::from)
    .to_vec()];
    let mut lines = Vec::new();
    for group in observed {
        let status = &group.status;
        let id = &status.replication_group_id;
        for (name, resolution) in status.names.iter().zip(&group.resolution) {
            rows.push(vec![
                id.clone(),
                name.name.clone(),
                name.target.clone().unwrap_or_else(|| "-".into()),
                name.member.clone().unwrap_or_else(|| "-".into()),
                role(name.role).into(),
                resolved(name.target.as_deref(), resolution),
                ownership(&name.ownership).into(),
                pending(name.pending).into(),
            ]);
        }
        for (name, resolution) in status.az_names.iter().zip(&group.az_resolution) {
            let member = match (&name.member, &name.member_az) {
                (None, _) => "-".to_string(),
                (Some(m), Some(az)) if *az == name.az => format!("{m} (in {az})"),
                (Some(m), Some(az)) => format!("{m} (in {az}: fallback)"),
                (Some(m), None) => m.clone(),
            };
            rows.push(vec![
                id.clone(),
                name.name.clone(),
                name.target.clone().unwrap_or_else(|| "-".into()),
                member,
                role(name.role).into(),
                resolved(name.target.as_deref(), resolution),
                ownership(&name.ownership).into(),
                pending(name.pending).into(),
            ]);
        }
        if let Some(pool) = &status.pool {
            let answered = group.pool_resolution.as_ref();
            for record in &pool.records {
                let resolves = match (answered, &record.target) {
                    (Some(r), Some(target)) => match &r.cname {
                        Some(cname) if names_equal(cname, target) => "answered".to_string(),
                        Some(_) => "in pool".to_string(),
                        None if r.resolves() => "in pool".to_string(),
                        None => "no".to_string(),
                    },
                    _ => "-".to_string(),
                };
                rows.push(vec![
                    id.clone(),
                    format!("{} [{}]", pool.name, record.set_identifier),
                    record.target.clone().unwrap_or_else(|| "-".into()),
                    record.member.clone().unwrap_or_else(|| "-".into()),
                    role(record.role).into(),
                    resolves,
                    ownership(&record.ownership).into(),
                    pending(record.pending).into(),
                ]);
            }
        }
        let findings: Vec<String> = status
            .findings()
            .map(|(name, finding)| format!("{id}: {name} {finding}"))
            .collect();
        let mut counts = format!(
            "{id}: {} replica(s), {} name(s)",
            status.replicas,
            status.names.len()
        );
        if !status.az_names.is_empty() {
            counts.push_str(&format!(", {} AZ name(s)", status.az_names.len()));
        }
        if let Some(pool) = &status.pool {
            let present = pool.records.iter().filter(|r| r.target.is_some()).count();
            counts.push_str(&format!(", {present} pool record(s)"));
        }
        lines.push(format!("{counts}, {} finding(s)", findings.len()));
        lines.extend(findings);
    }
    let mut out = table(&rows);
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Exit status: [`exit::FINDING`] when any group has a finding.
pub fn exit_status(observed: &[Observed]) -> u8 {
    if observed
        .iter()
        .any(|g| g.status.findings().next().is_some())
    {
        exit::FINDING
    } else {
        exit::OK
    }
}

fn role(role: TargetRole) -> &'static str {
    match role {
        TargetRole::Replica => "replica",
        TargetRole::UnavailableReplica => "replica (not available)",
        TargetRole::Primary => "PRIMARY",
        TargetRole::PrimaryEndpoint => "PRIMARY (primary endpoint)",
        TargetRole::NotAMember => "not a member",
        TargetRole::Missing => "missing",
    }
}

fn ownership(ownership: &NameOwnership) -> &'static str {
    match ownership {
        NameOwnership::Ours => "ours",
        NameOwnership::HandEdited { .. } => "hand-edited",
        NameOwnership::Foreign { .. } => "foreign",
        NameOwnership::Adoptable => "foreign (adopted next run)",
        NameOwnership::None => "-",
    }
}

fn pending(action: SlotAction) -> &'static str {
    match action {
        SlotAction::None => "-",
        SlotAction::Create => "create",
        SlotAction::Replace => "replace",
        SlotAction::Delete => "delete",
    }
}

/// `yes (addresses)`, `no`, or `stale (cname)` when DNS still answers another CNAME
/// than Route 53 holds (the change has not reached the resolver, or it caches the old
/// answer for the TTL).
fn resolved(target: Option<&str>, resolution: &Resolution) -> String {
    match (&resolution.cname, target) {
        (Some(cname), Some(target)) if !names_equal(cname, target) => {
            return format!("stale ({cname})");
        }
        _ => {}
    }
    if resolution.resolves() {
        let addresses: Vec<String> = resolution.addresses.iter().map(IpAddr::to_string).collect();
        format!("yes ({})", addresses.join(" "))
    } else {
        "no".into()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn resolution_says_yes_no_or_stale() {
        let answer = |cname: Option<&str>, ip: bool| Resolution {
            cname: cname.map(str::to_string),
            addresses: if ip {
                vec![IpAddr::from([10, 0, 0, 7])]
            } else {
                Vec::new()
            },
            error: None,
        };
        let target = Some("orders-002.abc.cache.amazonaws.com");
        assert_eq!(
            resolved(
                target,
                &answer(Some("orders-002.abc.cache.amazonaws.com."), true)
            ),
            "yes (10.0.0.7)"
        );
        assert_eq!(resolved(target, &answer(None, false)), "no");
        assert_eq!(
            resolved(
                target,
                &answer(Some("orders-001.abc.cache.amazonaws.com."), true)
            ),
            "stale (orders-001.abc.cache.amazonaws.com.)"
        );
        assert_eq!(resolved(None, &answer(None, false)), "no");
    }

    /// orders-001 primary in us-east-1a, orders-002 and orders-003 replicas in 1b and 1c;
    /// slots, AZ names and the pool as a run leaves them.
    fn observed_with_az_and_pool() -> Observed {
        use replica_dns_core::plan::{apply_changes, plan_group};
        use replica_dns_core::topology::{Endpoint, Member, Role, Topology};
        let group: GroupConfig = serde_json::from_value(serde_json::json!({
            "replicationGroupId": "orders", "hostedZoneId": "Z1",
            "zoneName": "cache.internal.", "nameTemplate": "replica{n}.cache.internal.",
            "azNames": {"template": "replica-{az}.cache.internal."},
            "pooledName": {"name": "pool.cache.internal."}
        }))
        .unwrap();
        let member = |id: &str, role, az: &str| Member {
            cache_cluster_id: id.into(),
            role,
            read_endpoint: Some(Endpoint {
                address: format!("{id}.abc.cache.amazonaws.com"),
                port: 6379,
            }),
            availability_zone: Some(az.into()),
            cluster_status: "available".into(),
            node_status: None,
            notification: None,
        };
        let topology = Topology {
            replication_group_id: "orders".into(),
            status: "available".into(),
            primary_endpoint: None,
            reader_endpoint: None,
            members: vec![
                member("orders-001", Role::Primary, "us-east-1a"),
                member("orders-002", Role::Replica, "us-east-1b"),
                member("orders-003", Role::Replica, "us-east-1c"),
            ],
            transit_encryption_enabled: false,
            auth_token_enabled: false,
        };
        let plan = plan_group("prod", &group, &topology, &[]).unwrap();
        let records = apply_changes(&[], &plan.changes).unwrap();
        let status = group_status("prod", &group, &topology, &records).unwrap();
        let answer = |name: &str| Resolution {
            cname: Some(format!("{name}.abc.cache.amazonaws.com.")),
            addresses: vec![IpAddr::from([10, 0, 0, 7])],
            error: None,
        };
        Observed {
            resolution: status
                .names
                .iter()
                .map(|n| answer(n.member.as_deref().unwrap()))
                .collect(),
            az_resolution: status
                .az_names
                .iter()
                .map(|a| answer(a.member.as_deref().unwrap()))
                .collect(),
            pool_resolution: Some(answer("orders-003")),
            status,
        }
    }

    // Issue 12 item 1: the AZ names and the pool's records beside the slots.
    #[test]
    fn the_table_lists_az_names_with_their_members_az_and_each_pool_record() {
        let out = render(&[observed_with_az_and_pool()]);
        let rows: Vec<String> = out
            .lines()
            .skip(1)
            .take(7)
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let at = |id: &str| format!("{id}.abc.cache.amazonaws.com");
        assert_eq!(
            rows[2..],
            [
                format!("orders replica-us-east-1a.cache.internal. {} orders-002 (in us-east-1b: fallback) replica yes (10.0.0.7) ours -", at("orders-002")),
                format!("orders replica-us-east-1b.cache.internal. {} orders-002 (in us-east-1b) replica yes (10.0.0.7) ours -", at("orders-002")),
                format!("orders replica-us-east-1c.cache.internal. {} orders-003 (in us-east-1c) replica yes (10.0.0.7) ours -", at("orders-003")),
                // DNS answered orders-003's record this time; orders-002's is in the pool.
                format!("orders pool.cache.internal. [orders-002] {} orders-002 replica in pool ours -", at("orders-002")),
                format!("orders pool.cache.internal. [orders-003] {} orders-003 replica answered ours -", at("orders-003")),
            ],
            "{out}"
        );
        assert!(
            out.contains(
                "orders: 2 replica(s), 2 name(s), 3 AZ name(s), 2 pool record(s), 0 finding(s)\n"
            ),
            "{out}"
        );
        assert_eq!(exit_status(&[observed_with_az_and_pool()]), exit::OK);
    }

    #[test]
    fn the_json_carries_az_names_and_pool_records_with_their_resolution() {
        let json = serde_json::to_value(observed_with_az_and_pool()).unwrap();
        assert_eq!(json["azNames"].as_array().unwrap().len(), 3);
        assert_eq!(json["azNames"][0]["az"], "us-east-1a");
        assert_eq!(json["azNames"][0]["member"], "orders-002");
        assert_eq!(json["azNames"][0]["memberAz"], "us-east-1b");
        assert_eq!(json["azNames"][0]["role"], "replica");
        assert_eq!(json["azResolution"].as_array().unwrap().len(), 3);
        assert_eq!(json["pool"]["name"], "pool.cache.internal.");
        let records = json["pool"]["records"].as_array().unwrap();
        let sets: Vec<_> = records
            .iter()
            .map(|r| (r["setIdentifier"].as_str().unwrap(), r["weight"].as_u64()))
            .collect();
        assert_eq!(sets, [("orders-002", Some(1)), ("orders-003", Some(1))]);
        assert_eq!(
            json["poolResolution"]["cname"],
            "orders-003.abc.cache.amazonaws.com."
        );
    }

    #[test]
    fn an_az_name_on_the_new_primary_is_a_finding_line_and_exit_1() {
        let mut observed = observed_with_az_and_pool();
        let name = &mut observed.status.az_names[2];
        name.role = TargetRole::Primary;
        name.finding = Some(replica_dns_core::status::Finding::OnPrimary);
        let out = render(std::slice::from_ref(&observed));
        assert!(
            out.contains("orders: replica-us-east-1c.cache.internal. points at the primary\n"),
            "{out}"
        );
        assert!(out.contains(", 1 finding(s)\n"), "{out}");
        assert_eq!(exit_status(&[observed]), exit::FINDING);
    }
}
