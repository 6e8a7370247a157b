//! The optional last check of verify: what a client sees. Each name of the plan (slots,
//! AZ-local names, the pooled name: [`NameCheck::of_plan`]) is resolved through the DNS
//! server at `REPLICA_DNS_RESOLVER` (inside a VPC: the VPC resolver; unset: the system
//! resolver) and, with `REPLICA_DNS_PROBE_ROLE=true`, every target behind it is asked
//! `ROLE` the way the group requires: over TLS when it has in-transit
//! encryption (certificate checked against the node's endpoint name; trust in
//! [`tls`]), after `AUTH` with the group's `authSecretArn` credentials when configured
//! (cached per warm sandbox, [`credentials`]). Disabled unless one of the two variables
//! is set.
//!
//! It reports findings; verify decides what they mean.

pub mod credentials;
pub mod role;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use replica_dns_aws::ports::SecretSource;
use replica_dns_core::config::GroupConfig;
use replica_dns_core::plan::{GroupPlan, Routing, Warning};
use replica_dns_core::records::{names_equal, normalize_name};
use replica_dns_core::security::{node_access, AccessError, NodeAccess};
use replica_dns_core::topology::Topology;
use replica_dns_lambda::startup::{env_flag, StartupError};

use credentials::{CredentialCache, CredentialError, SECRET_TTL};
use role::{ask_role, RoleError, RoleTarget};
use tls::{TlsTrust, PROBE_CA_FILE_ENV};

/// `ip:port` of the DNS server to ask.
pub const RESOLVER_ENV: &str = "REPLICA_DNS_RESOLVER";
/// `true` to ask each target Redis `ROLE`.
pub const PROBE_ROLE_ENV: &str = "REPLICA_DNS_PROBE_ROLE";

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Whether anything was checked at all.
    pub checked: bool,
    /// Names that do not (yet) resolve to their planned target.
    pub not_propagated: Vec<String>,
    /// Targets that answered something other than a replica's ROLE, or did not answer.
    pub wrong_role: Vec<String>,
    /// Targets the probe could not get into: the TLS handshake failed (certificate not
    /// trusted, not valid for the node's name, no TLS at all) or authentication did
    /// (`WRONGPASS`, `NOAUTH`, `NOPERM`). Not drift: re-planning cannot fix it.
    pub refused: Vec<String>,
}

/// Why the probe could not check a group at all. Each says what a person must fix,
/// except a [`CredentialError::Read`] of kind Transient (throttling), which is worth a
/// retry.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Credentials(#[from] CredentialError),
}

/// One name as a client uses it, and where the plan says it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCheck {
    /// The DNS name (a slot, an AZ-local name or the pooled name).
    pub name: String,
    /// Where it may resolve to: a slot's or an AZ name's one target; for the pooled name
    /// every record of the pool, since Route 53 answers one weighted record per query.
    pub targets: Vec<CheckTarget>,
    /// Whether an answer outside `targets` means the change has not reached the resolver.
    /// False for a pooled name that shares its name with weighted records that are not
    /// ours: the resolver may answer one of theirs.
    pub exclusive: bool,
    /// Whether every target must answer `ROLE` as a replica: false where the plan sends
    /// the name to the primary on purpose (`noReplicaPolicy` `primary`) or leaves it as
    /// it was (`keep`).
    pub expect_replica: bool,
}

/// One place a name may lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTarget {
    /// The CNAME value: a node's read endpoint (or the primary endpoint).
    pub address: String,
    /// The member it is the endpoint of, when the plan knows (for the port and the
    /// message).
    pub cluster_id: Option<String>,
}

impl NameCheck {
    /// Every name `plan` leaves in place, with its targets: slots and AZ names one target
    /// each, the pooled name all of its records. Deleted names and a pool with no record
    /// left are not checked (nothing to resolve).
    pub fn of_plan(plan: &GroupPlan) -> Vec<NameCheck> {
        let single = |name: &str, address: &Option<String>, id: &Option<String>, routing| {
            let address = address.as_ref().filter(|_| routing != Routing::Removed)?;
            Some(NameCheck {
                name: name.to_owned(),
                targets: vec![CheckTarget {
                    address: address.clone(),
                    cluster_id: id.clone(),
                }],
                exclusive: true,
                expect_replica: matches!(routing, Routing::Home | Routing::Interim),
            })
        };
        let slots = plan
            .slots
            .iter()
            .filter_map(|s| single(&s.name, &s.target_address, &s.target_cluster_id, s.routing));
        let az_names = plan
            .az_names
            .iter()
            .filter_map(|a| single(&a.name, &a.target_address, &a.target_cluster_id, a.routing));
        let pool = plan.pool.as_ref().and_then(|pool| {
            let records: Vec<_> = pool
                .members
                .iter()
                .filter(|m| m.routing != Routing::Removed)
                .filter_map(|m| Some((m, m.target_address.as_ref()?)))
                .collect();
            if records.is_empty() {
                return None;
            }
            let shared = plan.warnings.iter().any(|w| match w {
                Warning::ForeignPoolRecord { name, .. } | Warning::PoolBlocked { name, .. } => {
                    names_equal(name, &pool.name)
                }
                _ => false,
            });
            Some(NameCheck {
                name: pool.name.clone(),
                targets: records
                    .iter()
                    .map(|(m, address)| CheckTarget {
                        address: (*address).clone(),
                        // Under the primary fallback the SetIdentifier is the primary's
                        // id, but the record points at the primary endpoint.
                        cluster_id: (m.routing != Routing::Primary)
                            .then(|| m.set_identifier.clone()),
                    })
                    .collect(),
                exclusive: !shared,
                expect_replica: records
                    .iter()
                    .all(|(m, _)| matches!(m.routing, Routing::Home | Routing::Interim)),
            })
        });
        slots.chain(az_names).chain(pool).collect()
    }
}

/// Checks names the way a client would.
pub trait Probe {
    /// Checks the `names` of `group` (its configuration: where the credentials are)
    /// against `topology` (a fresh snapshot: roles, endpoints, whether the group has TLS
    /// and AUTH).
    fn check(
        &self,
        names: &[NameCheck],
        topology: &Topology,
        group: &GroupConfig,
    ) -> impl Future<Output = Result<Findings, ProbeError>> + Send;
}

/// A borrowed probe probes the same way (the fleet pass lends verify's own probe to
/// each group's check).
impl<P: Probe + Sync> Probe for &P {
    fn check(
        &self,
        names: &[NameCheck],
        topology: &Topology,
        group: &GroupConfig,
    ) -> impl Future<Output = Result<Findings, ProbeError>> + Send {
        (**self).check(names, topology, group)
    }
}

/// The probe that checks nothing (neither variable set).
pub struct NoProbe;

impl Probe for NoProbe {
    async fn check(
        &self,
        _names: &[NameCheck],
        _topology: &Topology,
        _group: &GroupConfig,
    ) -> Result<Findings, ProbeError> {
        Ok(Findings::default())
    }
}

/// Resolution through a DNS server and `ROLE` over the Redis protocol, with TLS and
/// credentials from `S` as each group requires.
pub struct DnsRoleProbe<S> {
    enabled: bool,
    resolver: Option<SocketAddr>,
    ask_role: bool,
    tls: TlsTrust,
    credentials: CredentialCache<S>,
}

impl<S: SecretSource> DnsRoleProbe<S> {
    /// Reads [`RESOLVER_ENV`], [`PROBE_ROLE_ENV`] and [`PROBE_CA_FILE_ENV`] (checking
    /// the CA file now, so a bad one fails the cold start with its name); secrets are
    /// read from `secrets` when a group needs them, not here.
    pub fn from_env(secrets: S) -> Result<Self, StartupError> {
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
        let tls = TlsTrust::from_env_value(std::env::var(PROBE_CA_FILE_ENV).ok().as_deref())
            .map_err(|e| StartupError::Invalid {
                name: PROBE_CA_FILE_ENV,
                reason: e.to_string(),
            })?;
        Ok(Self::new(resolver, ask_role, tls, secrets))
    }

    /// A probe asking `resolver` (the system resolver when `None`), asking `ROLE` when
    /// `ask_role`, trusting `tls`, reading credentials from `secrets`.
    pub fn new(resolver: Option<SocketAddr>, ask_role: bool, tls: TlsTrust, secrets: S) -> Self {
        DnsRoleProbe {
            enabled: resolver.is_some() || ask_role,
            resolver,
            ask_role,
            tls,
            credentials: CredentialCache::new(secrets, SECRET_TTL),
        }
    }

    /// The secret store credentials are read from.
    pub fn secrets(&self) -> &S {
        self.credentials.source()
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

impl<S: SecretSource + Send + Sync> Probe for DnsRoleProbe<S> {
    async fn check(
        &self,
        names: &[NameCheck],
        topology: &Topology,
        group: &GroupConfig,
    ) -> Result<Findings, ProbeError> {
        let mut findings = Findings::default();
        if !self.enabled {
            return Ok(findings);
        }
        findings.checked = true;
        let resolver = match self.resolver() {
            Ok(resolver) => resolver,
            Err(e) => {
                findings
                    .not_propagated
                    .push(format!("cannot build a resolver: {e}"));
                return Ok(findings);
            }
        };
        // Each target is asked once, however many names lead to it (a replica often
        // holds a slot, an AZ name and a pool record): with the names, for the message.
        let mut to_ask: Vec<(&CheckTarget, Vec<&str>)> = Vec::new();
        for check in names {
            if check.targets.is_empty() {
                continue;
            }
            match resolver
                .lookup(check.name.as_str(), RecordType::CNAME)
                .await
            {
                Ok(lookup) => {
                    let cnames: Vec<String> = lookup
                        .answers()
                        .iter()
                        .filter_map(|r| match &r.data {
                            RData::CNAME(cname) => Some(normalize_name(&cname.0.to_string())),
                            _ => None,
                        })
                        .collect();
                    let expected = check
                        .targets
                        .iter()
                        .any(|t| cnames.iter().any(|c| names_equal(c, &t.address)));
                    if check.exclusive && !expected {
                        let wanted: Vec<&str> =
                            check.targets.iter().map(|t| t.address.as_str()).collect();
                        findings.not_propagated.push(match wanted.as_slice() {
                            [one] => {
                                format!("{} resolves to {cnames:?}, expected {one}", check.name)
                            }
                            many => format!(
                                "{} resolves to {cnames:?}, expected one of {}",
                                check.name,
                                many.join(", ")
                            ),
                        });
                        continue;
                    }
                }
                Err(e) => {
                    findings
                        .not_propagated
                        .push(format!("{} does not resolve: {e}", check.name));
                    continue;
                }
            }
            if !self.ask_role || !check.expect_replica {
                continue;
            }
            for target in &check.targets {
                match to_ask
                    .iter_mut()
                    .find(|(t, _)| names_equal(&t.address, &target.address))
                {
                    Some((_, names)) => names.push(&check.name),
                    None => to_ask.push((target, vec![&check.name])),
                }
            }
        }

        // Decided on the first ROLE check, so a group that needs none (no replica) is
        // not failed over its credentials.
        let mut access: Option<NodeAccess> = None;
        let mut may_reread = true;
        for (target, via) in to_ask {
            let via = via.join(", ");
            let address = target.address.as_str();
            let port = target
                .cluster_id
                .as_deref()
                .and_then(|id| topology.member(id))
                .and_then(|m| m.read_endpoint.as_ref())
                .map(|e| e.port)
                .unwrap_or(6379);
            // The target's own name, as the client reaches it after the CNAME: for the
            // pooled name the only way to each record's node, since one query answers one.
            let ip = match resolver.lookup_ip(address).await {
                Ok(ips) => ips.iter().next(),
                Err(_) => None,
            };
            let Some(ip) = ip else {
                findings
                    .not_propagated
                    .push(format!("{via} -> {address} has no address"));
                continue;
            };
            let access = match &access {
                Some(access) => access,
                None => access.insert(node_access(topology, group)?),
            };
            let node = RoleTarget {
                addr: SocketAddr::new(ip, port),
                server_name: address.trim_end_matches('.'),
            };
            let tls = access.tls.then_some(&self.tls);
            let result = match &access.auth_secret_arn {
                None => ask_role(node, tls, None).await,
                Some(arn) => {
                    self.credentials
                        .with_credentials(arn, &mut may_reread, |credentials| async move {
                            ask_role(node, tls, Some(&credentials)).await
                        })
                        .await?
                }
            };
            let at = format!(
                "{via} -> node {} ({address}:{port} at {ip})",
                target.cluster_id.as_deref().unwrap_or("?"),
            );
            match result {
                Ok(role) if role == "slave" || role == "replica" => {}
                Ok(role) => findings
                    .wrong_role
                    .push(format!("{at} answers ROLE {role}")),
                Err(e) if e.is_access_refusal() => {
                    findings.refused.push(refusal(&at, &e, access));
                }
                Err(e) => findings.wrong_role.push(format!("{at}: {e}")),
            }
        }
        Ok(findings)
    }
}

/// One refused node, with what to fix: the secret (by ARN) and the server's reply for
/// authentication, the trust or the node's TLS for a handshake.
fn refusal(at: &str, error: &RoleError, access: &NodeAccess) -> String {
    let secret = access.auth_secret_arn.as_deref();
    match (error, secret) {
        (RoleError::AuthRefused { .. }, Some(arn)) => {
            format!("{at}: {error} (credentials from secret {arn})")
        }
        (RoleError::NotAllowed { code, .. }, None) if code == "NOAUTH" => format!(
            "{at}: {error}: the node requires authentication; set the group's authSecretArn"
        ),
        (RoleError::NotAllowed { code, .. }, Some(arn)) if code == "NOPERM" => format!(
            "{at}: {error}: the user in secret {arn} may not run ROLE; allow it (`+role`) in the user's access string"
        ),
        (_, Some(arn)) => format!("{at}: {error} (credentials from secret {arn})"),
        (_, None) => format!("{at}: {error}"),
    }
}
