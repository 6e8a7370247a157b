//! Name resolution through the local stack's DNS server (REPLICA_DNS_DNS_ADDR), the
//! stand-in for the VPC resolver of a private hosted zone. Not the system resolver:
//! nothing here reads /etc/resolv.conf, and answers are never cached between calls.

use anyhow::{Context, Result};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RecordType;
use hickory_resolver::Resolver;
use std::net::{IpAddr, SocketAddr};

/// One answer record, in presentation form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Fully qualified, lower case, with the trailing dot.
    pub name: String,
    pub record_type: String,
    pub ttl: u32,
    /// e.g. the CNAME target (with trailing dot) or the IP address.
    pub value: String,
}

/// Looks `name` up with `record_type` at `server` (UDP, TCP fallback). NXDOMAIN and
/// NODATA come back as an empty list, other failures as errors.
pub async fn lookup(
    server: SocketAddr,
    name: &str,
    record_type: RecordType,
) -> Result<Vec<Answer>> {
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.port();
    let config = ResolverConfig::from_parts(
        None,
        vec![],
        vec![NameServerConfig::new(server.ip(), true, vec![udp, tcp])],
    );
    let mut builder = Resolver::builder_with_config(config, TokioRuntimeProvider::default());
    builder.options_mut().cache_size = 0;
    builder.options_mut().attempts = 2;
    let resolver = builder.build().context("building the DNS resolver")?;
    let fqdn = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    match resolver.lookup(fqdn.as_str(), record_type).await {
        Ok(lookup) => Ok(lookup
            .answers()
            .iter()
            .map(|r| Answer {
                name: r.name.to_string().to_ascii_lowercase(),
                record_type: r.record_type().to_string(),
                ttl: r.ttl,
                value: r.data.to_string(),
            })
            .collect()),
        Err(e) if e.is_no_records_found() => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("resolving {fqdn} {record_type} at {server}")),
    }
}

/// The IPv4 addresses `name` finally resolves to (following CNAMEs), as a client would.
pub async fn resolve_ips(server: SocketAddr, name: &str) -> Result<Vec<IpAddr>> {
    Ok(lookup(server, name, RecordType::A)
        .await?
        .into_iter()
        .filter(|a| a.record_type == "A")
        .filter_map(|a| a.value.parse().ok())
        .collect())
}
