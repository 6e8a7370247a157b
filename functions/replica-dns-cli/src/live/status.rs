//! `replica-dns status`: per group, each slot name → target → member → role (core
//! `status`, from a snapshot and the zone's records), whether the name resolves (DNS,
//! through the system resolver or `--resolver`), ownership and what the next run would
//! change. Exit status 1 when a name points at a primary or a slot is missing.

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
        observed.push(Observed { status, resolution });
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

/// The human table, then one line per group and per finding.
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
        for (name, resolution) in status.names.iter().zip(&group.resolution) {
            rows.push(vec![
                status.replication_group_id.clone(),
                name.name.clone(),
                name.target.clone().unwrap_or_else(|| "-".into()),
                name.member.clone().unwrap_or_else(|| "-".into()),
                role(name.role).into(),
                resolved(name.target.as_deref(), resolution),
                ownership(&name.ownership).into(),
                pending(name.pending).into(),
            ]);
        }
        let findings: Vec<String> = status
            .findings()
            .map(|(name, finding)| {
                format!("{}: {} {finding}", status.replication_group_id, name.name)
            })
            .collect();
        lines.push(format!(
            "{}: {} replica(s), {} name(s), {} finding(s)",
            status.replication_group_id,
            status.replicas,
            status.names.len(),
            findings.len()
        ));
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
}
