//! Asking a node `ROLE`, the ground truth of which node is the primary, over the `redis`
//! crate: plaintext, or TLS (checked against the node's endpoint name with the local
//! stack's CA, `REPLICA_DNS_CA_FILE`) with `AUTH`, as the group requires. One connection
//! per question. Not verify's probe (functions/replica-dns-verify): the tests' oracle
//! shares no code with what it checks, only the crates.

use anyhow::{anyhow, bail, Context, Result};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisConnectionInfo, Value};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// What a Redis node says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// `master`: accepts writes; `replicas` are `ip:port` of the attached replicas.
    Primary { replicas: Vec<String> },
    /// `slave`: replicates from `primary` (`ip:port`); `state` e.g. `connected`.
    Replica { primary: String, state: String },
    /// Anything else (`sentinel`).
    Other(String),
}

impl Role {
    pub fn is_primary(&self) -> bool {
        matches!(self, Role::Primary { .. })
    }
    pub fn is_replica(&self) -> bool {
        matches!(self, Role::Replica { .. })
    }
}

/// How to talk to a node.
#[derive(Clone, Default)]
pub struct Access {
    /// TLS, checking the certificate against this name (the node's endpoint address).
    pub tls: Option<(TlsConnector, String)>,
    /// Sent as `AUTH <token>` first.
    pub auth_token: Option<String>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("tls", &self.tls.as_ref().map(|(_, name)| name))
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A TLS client trusting only the CA certificates in the PEM file at `ca_file` (the
/// local stack's CA signs every node certificate).
pub fn tls_connector(ca_file: &Path) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca_file)
        .with_context(|| format!("reading CA file {}", ca_file.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing CA file {}", ca_file.display()))?;
    if certs.is_empty() {
        bail!("CA file {} holds no certificate", ca_file.display());
    }
    for cert in certs {
        roots.add(cert)?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Sends one command (after `AUTH`, if `access` has a token) and returns its reply,
/// within 5 s.
pub async fn command(addr: SocketAddr, access: &Access, args: &[&str]) -> Result<Value> {
    let run = async {
        let tcp = TcpStream::connect(addr).await?;
        match &access.tls {
            None => exchange(tcp, access, args).await,
            Some((connector, name)) => {
                let name = ServerName::try_from(name.clone())?;
                let stream = connector.connect(name, tcp).await?;
                exchange(stream, access, args).await
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .map_err(|_| anyhow!("no answer from redis at {addr} within 5 s"))?
        .with_context(|| format!("redis {addr} ({access:?}) {}", args.join(" ")))
}

async fn exchange<S>(stream: S, access: &Access, args: &[&str]) -> Result<Value>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let info = RedisConnectionInfo::default().set_skip_set_lib_name();
    let config = AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(5)));
    let (mut connection, driver) =
        MultiplexedConnection::new_with_config(&info, stream, config).await?;
    let driver = tokio::spawn(driver);
    let result = async {
        if let Some(token) = &access.auth_token {
            redis::cmd("AUTH")
                .arg(token)
                .query_async::<Value>(&mut connection)
                .await
                .context("AUTH")?;
        }
        let (name, rest) = args.split_first().ok_or_else(|| anyhow!("no command"))?;
        let mut cmd = redis::cmd(name);
        for arg in rest {
            cmd.arg(*arg);
        }
        Ok(cmd.query_async::<Value>(&mut connection).await?)
    }
    .await;
    driver.abort();
    result
}

/// Asks `ROLE` at `addr`.
pub async fn role(addr: SocketAddr, access: &Access) -> Result<Role> {
    let reply = command(addr, access, &["ROLE"]).await?;
    parse_role(&reply).with_context(|| format!("ROLE reply of {addr}: {reply:?}"))
}

fn text(value: &Value) -> String {
    match value {
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

fn parse_role(reply: &Value) -> Result<Role> {
    let Value::Array(items) = reply else {
        bail!("not an array")
    };
    let kind = items
        .first()
        .map(text)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| anyhow!("no role name"))?;
    Ok(match kind.as_str() {
        "master" => Role::Primary {
            replicas: match items.get(2) {
                Some(Value::Array(rs)) => rs
                    .iter()
                    .filter_map(|r| match r {
                        Value::Array(f) if f.len() >= 2 => {
                            Some(format!("{}:{}", text(&f[0]), text(&f[1])))
                        }
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
        },
        "slave" => Role::Replica {
            primary: format!(
                "{}:{}",
                items.get(1).map(text).unwrap_or_default(),
                items.get(2).map(text).unwrap_or_default()
            ),
            state: items.get(3).map(text).unwrap_or_default(),
        },
        other => Role::Other(other.to_string()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn parses_primary_and_replica_role_replies() {
        let primary = Value::Array(vec![
            bulk("master"),
            Value::Int(42),
            Value::Array(vec![Value::Array(vec![
                bulk("127.0.0.1"),
                bulk("7001"),
                bulk("42"),
            ])]),
        ]);
        assert_eq!(
            parse_role(&primary).unwrap(),
            Role::Primary {
                replicas: vec!["127.0.0.1:7001".into()]
            }
        );
        let replica = Value::Array(vec![
            bulk("slave"),
            bulk("127.0.0.1"),
            Value::Int(7000),
            bulk("connected"),
            Value::Int(42),
        ]);
        assert_eq!(
            parse_role(&replica).unwrap(),
            Role::Replica {
                primary: "127.0.0.1:7000".into(),
                state: "connected".into()
            }
        );
    }

    #[test]
    fn access_debug_hides_the_token() {
        let access = Access {
            tls: None,
            auth_token: Some("Secret-Token-0123456789".into()),
        };
        assert!(!format!("{access:?}").contains("Secret-Token"));
    }
}
