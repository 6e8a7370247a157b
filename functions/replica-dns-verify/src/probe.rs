//! The optional last check of verify: what a client sees. Each slot name is resolved
//! through the DNS server at `REPLICA_DNS_RESOLVER` (inside a VPC: the VPC resolver;
//! unset: the system resolver) and, with `REPLICA_DNS_PROBE_ROLE=true`, the Redis behind
//! it is asked `ROLE`. Disabled unless one of the two variables is set.
//!
//! It reports findings; verify decides what they mean.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use replica_dns_core::plan::{Routing, SlotPlan};
use replica_dns_core::records::normalize_name;
use replica_dns_core::topology::Topology;
use replica_dns_lambda::startup::{env_flag, StartupError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `ip:port` of the DNS server to ask.
pub const RESOLVER_ENV: &str = "REPLICA_DNS_RESOLVER";
/// `true` to ask each target Redis `ROLE`.
pub const PROBE_ROLE_ENV: &str = "REPLICA_DNS_PROBE_ROLE";

const TIMEOUT: Duration = Duration::from_secs(3);

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Whether anything was checked at all.
    pub checked: bool,
    /// Names that do not (yet) resolve to their planned target.
    pub not_propagated: Vec<String>,
    /// Targets that answered something other than a replica's ROLE, or did not answer.
    pub wrong_role: Vec<String>,
}

/// Checks slots the way a client would.
pub trait Probe {
    fn check(
        &self,
        slots: &[SlotPlan],
        topology: &Topology,
    ) -> impl Future<Output = Findings> + Send;
}

/// The probe that checks nothing (neither variable set).
pub struct NoProbe;

impl Probe for NoProbe {
    async fn check(&self, _slots: &[SlotPlan], _topology: &Topology) -> Findings {
        Findings::default()
    }
}

/// Resolution through a DNS server and `ROLE` over the Redis protocol.
#[derive(Debug, Clone)]
pub struct DnsRoleProbe {
    enabled: bool,
    resolver: Option<SocketAddr>,
    ask_role: bool,
}

impl DnsRoleProbe {
    /// Reads [`RESOLVER_ENV`] and [`PROBE_ROLE_ENV`].
    pub fn from_env() -> Result<Self, StartupError> {
        let resolver = match std::env::var(RESOLVER_ENV) {
            Ok(text) if !text.trim().is_empty() => Some(
                text.trim()
                    .parse::<SocketAddr>()
                    .map_err(|e| StartupError::Invalid {
                        name: RESOLVER_ENV,
                        reason: format!("expected ip:port, found {text:?} ({e})"),
                    })?,
            ),
            _ => None,
        };
        let ask_role = env_flag(PROBE_ROLE_ENV)?;
        Ok(DnsRoleProbe {
            enabled: resolver.is_some() || ask_role,
            resolver,
            ask_role,
        })
    }

    /// A fresh resolver per check: a cached answer from the previous poll would hide
    /// the change being verified.
    fn resolver(&self) -> Result<TokioResolver, String> {
        let builder = match self.resolver {
            Some(addr) => {
                let mut server = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut server.connections {
                    connection.port = addr.port();
                }
                TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![server]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => TokioResolver::builder_tokio().map_err(|e| e.to_string())?,
        };
        builder.build().map_err(|e| e.to_string())
    }
}

impl Probe for DnsRoleProbe {
    async fn check(&self, slots: &[SlotPlan], topology: &Topology) -> Findings {
        let mut findings = Findings::default();
        if !self.enabled {
            return findings;
        }
        findings.checked = true;
        let resolver = match self.resolver() {
            Ok(resolver) => resolver,
            Err(e) => {
                findings
                    .not_propagated
                    .push(format!("cannot build a resolver: {e}"));
                return findings;
            }
        };
        for slot in slots {
            let Some(target) = &slot.target_address else {
                continue;
            };
            if slot.routing == Routing::Removed {
                continue;
            }
            match resolver.lookup(slot.name.as_str(), RecordType::CNAME).await {
                Ok(lookup) => {
                    let cnames: Vec<String> = lookup
                        .answers()
                        .iter()
                        .filter_map(|r| match &r.data {
                            RData::CNAME(cname) => Some(normalize_name(&cname.0.to_string())),
                            _ => None,
                        })
                        .collect();
                    if !cnames.contains(&normalize_name(target)) {
                        findings.not_propagated.push(format!(
                            "{} resolves to {cnames:?}, expected {target}",
                            slot.name
                        ));
                        continue;
                    }
                }
                Err(e) => {
                    findings
                        .not_propagated
                        .push(format!("{} does not resolve: {e}", slot.name));
                    continue;
                }
            }
            if !self.ask_role || matches!(slot.routing, Routing::Primary | Routing::AsIs) {
                continue;
            }
            let port = slot
                .target_cluster_id
                .as_deref()
                .and_then(|id| topology.members.iter().find(|m| m.cache_cluster_id == id))
                .and_then(|m| m.read_endpoint.as_ref())
                .map(|e| e.port)
                .unwrap_or(6379);
            let ip = match resolver.lookup_ip(slot.name.as_str()).await {
                Ok(ips) => ips.iter().next(),
                Err(_) => None,
            };
            let Some(ip) = ip else {
                findings
                    .not_propagated
                    .push(format!("{} has no address", slot.name));
                continue;
            };
            match ask_role(SocketAddr::new(ip, port)).await {
                Ok(role) if role == "slave" || role == "replica" => {}
                Ok(role) => findings
                    .wrong_role
                    .push(format!("{} -> {ip}:{port} answers ROLE {role}", slot.name)),
                Err(e) => findings
                    .wrong_role
                    .push(format!("{} -> {ip}:{port}: {e}", slot.name)),
            }
        }
        findings
    }
}

/// Sends `ROLE` and returns the first element of the reply (`master`, `slave`, …).
pub async fn ask_role(addr: SocketAddr) -> Result<String, String> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        stream
            .write_all(b"*1\r\n$4\r\nROLE\r\n")
            .await
            .map_err(|e| e.to_string())?;
        let mut buffer = vec![0u8; 512];
        let mut filled = 0;
        loop {
            let read = stream
                .read(&mut buffer[filled..])
                .await
                .map_err(|e| e.to_string())?;
            if read == 0 {
                break;
            }
            filled += read;
            if let Some(role) = parse_role_reply(&buffer[..filled])? {
                return Ok(role);
            }
            if filled == buffer.len() {
                break;
            }
        }
        Err("connection closed before a ROLE reply".to_string())
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("no ROLE reply within {}s", TIMEOUT.as_secs()))?
}

/// Parses the start of a RESP `ROLE` reply; `Ok(None)` while incomplete.
pub fn parse_role_reply(bytes: &[u8]) -> Result<Option<String>, String> {
    let text = String::from_utf8_lossy(bytes);
    if let Some(error) = text.strip_prefix('-') {
        return Err(format!(
            "ROLE refused: {}",
            error.lines().next().unwrap_or_default()
        ));
    }
    let mut lines = text.split("\r\n");
    match (lines.next(), lines.next(), lines.next()) {
        (Some(array), Some(length), Some(role))
            if array.starts_with('*') && length.starts_with('$') =>
        {
            let expected: usize = length[1..]
                .parse()
                .map_err(|_| format!("bad reply {text:?}"))?;
            if role.len() >= expected && lines.next().is_some() {
                Ok(Some(role[..expected].to_string()))
            } else {
                Ok(None)
            }
        }
        (Some(first), _, _) if !first.is_empty() && !first.starts_with('*') => {
            Err(format!("unexpected ROLE reply {text:?}"))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn role_replies_are_parsed() {
        assert_eq!(
            parse_role_reply(b"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n").unwrap(),
            Some("slave".into())
        );
        assert_eq!(
            parse_role_reply(b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n").unwrap(),
            Some("master".into())
        );
        assert_eq!(parse_role_reply(b"*3\r\n$6\r\nmas").unwrap(), None);
        assert!(parse_role_reply(b"-NOAUTH Authentication required.\r\n")
            .unwrap_err()
            .contains("NOAUTH"));
    }

    #[tokio::test]
    async fn ask_role_talks_resp_to_a_server() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 64];
            let n = socket.read(&mut request).await.unwrap();
            assert_eq!(&request[..n], b"*1\r\n$4\r\nROLE\r\n");
            socket
                .write_all(
                    b"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$9\r\nconnected\r\n:1\r\n",
                )
                .await
                .unwrap();
        });
        assert_eq!(ask_role(addr).await.unwrap(), "slave");
        server.await.unwrap();
    }
}
