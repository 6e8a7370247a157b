//! One `ROLE` question to one node: TCP to the address the slot name resolved to, TLS
//! (checking the certificate against the node's endpoint name) when the group has
//! in-transit encryption, `AUTH` when credentials are given, then `ROLE`. The Redis
//! protocol is the `redis` crate's; the TLS is ours (see the workspace manifest for why).
//! Every failure is classified ([`RoleError`]) so verify can tell "this node is not a
//! replica" from "the probe cannot get in". It decides nothing itself.
//!
//! Time limits, all short because a healthy node inside the VPC answers within
//! milliseconds and verify checks up to five names in one invocation (60 s budget):
//! [`CONNECT_TIMEOUT`] for the TCP connect and again for the TLS handshake,
//! [`REPLY_TIMEOUT`] for each reply, [`ATTEMPT_TIMEOUT`] for the whole attempt. A node
//! that does not answer in time is reported as not answering (drift, as before), not as
//! refusing: a replica resyncing after a failover is briefly slow.

use std::net::SocketAddr;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisConnectionInfo, RedisError, Value};
use replica_dns_core::security::Credentials;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::tls::{TlsFailure, TlsTrust};

/// TCP connect, and separately the TLS handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Each reply (`AUTH`, `ROLE`, the plaintext `PING` after a stalled handshake).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(1);
/// One whole attempt, connect to `ROLE` reply: at most 6 s per node (12 s when a
/// rotated secret is re-read), so five names fit verify's 60 s with room for DNS.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(6);

/// Where to ask: the address to connect to (what the slot name resolved to: that is
/// what proves the name leads to the node) and the name the node's TLS certificate must
/// be valid for (the CNAME target, i.e. the node's endpoint address).
#[derive(Debug, Clone, Copy)]
pub struct RoleTarget<'a> {
    pub addr: SocketAddr,
    pub server_name: &'a str,
}

/// Why a node's role could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("cannot connect: {0}")]
    Connect(#[source] std::io::Error),
    #[error("no {phase} within {}s", after.as_secs_f32())]
    Timeout {
        phase: &'static str,
        after: Duration,
    },
    #[error("TLS: {0}")]
    Tls(#[from] TlsFailure),
    #[error("the TLS client cannot be set up: {0}")]
    TlsSetup(#[source] rustls::Error),
    /// The server answered `AUTH` with an error (`WRONGPASS …`, or `ERR AUTH <password>
    /// called without any password configured …` for a node without AUTH).
    #[error("AUTH was refused: the server replied {reply:?}")]
    AuthRefused { reply: String },
    /// The server answered `ROLE` with `NOAUTH` (credentials needed) or `NOPERM` (the
    /// authenticated user may not run `ROLE`).
    #[error("ROLE was refused: the server replied {reply:?}")]
    NotAllowed { code: String, reply: String },
    /// Any other error reply to `ROLE`.
    #[error("ROLE failed: the server replied {reply:?}")]
    Refused { reply: String },
    #[error("unexpected ROLE reply {0}")]
    Unexpected(String),
    #[error("the connection failed: {0}")]
    Redis(#[source] RedisError),
}

impl RoleError {
    /// The probe could not get in (TLS or authentication): no re-plan can fix that, a
    /// person must fix credentials or trust.
    pub fn is_access_refusal(&self) -> bool {
        matches!(
            self,
            RoleError::Tls(_)
                | RoleError::TlsSetup(_)
                | RoleError::AuthRefused { .. }
                | RoleError::NotAllowed { .. }
        )
    }

    /// An authentication failure that fresh credentials might fix (a rotated secret).
    pub fn is_auth_failure(&self) -> bool {
        match self {
            RoleError::AuthRefused { .. } => true,
            RoleError::NotAllowed { code, .. } => code == "NOAUTH",
            _ => false,
        }
    }
}

/// Asks the node at `target` for its role (`master`, `slave`, …), within
/// [`ATTEMPT_TIMEOUT`]. `tls`: the trust to check the certificate with, `None` for a
/// plaintext group. `credentials`: sent with `AUTH` first, if any.
pub async fn ask_role(
    target: RoleTarget<'_>,
    tls: Option<&TlsTrust>,
    credentials: Option<&Credentials>,
) -> Result<String, RoleError> {
    tokio::time::timeout(ATTEMPT_TIMEOUT, attempt(target, tls, credentials))
        .await
        .unwrap_or(Err(RoleError::Timeout {
            phase: "ROLE answer",
            after: ATTEMPT_TIMEOUT,
        }))
}

async fn attempt(
    target: RoleTarget<'_>,
    tls: Option<&TlsTrust>,
    credentials: Option<&Credentials>,
) -> Result<String, RoleError> {
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(target.addr))
        .await
        .map_err(|_| RoleError::Timeout {
            phase: "TCP connection",
            after: CONNECT_TIMEOUT,
        })?
        .map_err(RoleError::Connect)?;
    // Small request/reply exchanges: no Nagle delay. Failing to set it changes nothing
    // but latency.
    let _ = tcp.set_nodelay(true);
    let Some(trust) = tls else {
        return exchange(tcp, credentials).await;
    };
    let name = ServerName::try_from(target.server_name.to_owned()).map_err(|_| {
        TlsFailure::BadServerName {
            name: target.server_name.to_owned(),
        }
    })?;
    let connector = trust.connector().map_err(RoleError::TlsSetup)?;
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name, tcp)).await
    {
        Ok(handshake) => handshake.map_err(|e| TlsFailure::of_handshake(&e, target.server_name, trust))?,
        // A plaintext Redis takes the ClientHello for the start of an inline command
        // and waits for its end: the handshake just stalls. Tell that apart from a slow
        // node by asking the port in plaintext.
        Err(_) => {
            return Err(match plaintext_reply(target.addr).await {
                Some(reply) => TlsFailure::NotTls {
                    detail: format!(
                        "no handshake within {}s, and the port answers plaintext RESP: {reply:?} to PING",
                        CONNECT_TIMEOUT.as_secs()
                    ),
                }
                .into(),
                None => RoleError::Timeout {
                    phase: "TLS handshake",
                    after: CONNECT_TIMEOUT,
                },
            })
        }
    };
    exchange(stream, credentials).await
}

/// The first reply line of a plaintext inline `PING` (`+PONG`, `-NOAUTH …`), if the port
/// answers RESP without TLS within [`REPLY_TIMEOUT`]. Sends nothing secret.
async fn plaintext_reply(addr: SocketAddr) -> Option<String> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let ask = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream.write_all(b"PING\r\n").await.ok()?;
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).await.ok()?;
        let line = line.trim_end().to_owned();
        line.starts_with(['+', '-']).then_some(line)
    };
    tokio::time::timeout(REPLY_TIMEOUT, ask)
        .await
        .ok()
        .flatten()
}

/// `AUTH` (if credentials) and `ROLE` on an established stream.
async fn exchange<S>(stream: S, credentials: Option<&Credentials>) -> Result<String, RoleError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // No credentials in the connection info: the crate's own AUTH reports only
    // "Password authentication failed", and the server's reply is what a person needs.
    // No `CLIENT SETINFO` either: an RBAC user limited to `+role` would log NOPERMs.
    let info = RedisConnectionInfo::default().set_skip_set_lib_name();
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(None)
        .set_response_timeout(Some(REPLY_TIMEOUT));
    let (mut connection, driver) = MultiplexedConnection::new_with_config(&info, stream, config)
        .await
        .map_err(RoleError::Redis)?;
    // The driver moves bytes between the socket and `connection`; it ends with the
    // connection, and is stopped when this function returns in any case.
    let _driver = AbortOnDrop(tokio::spawn(driver));

    if let Some(credentials) = credentials {
        let mut auth = redis::cmd("AUTH");
        if let Some(username) = credentials.username() {
            auth.arg(username);
        }
        auth.arg(credentials.password());
        if let Err(e) = auth.query_async::<Value>(&mut connection).await {
            return Err(match e.code() {
                Some(_) => RoleError::AuthRefused {
                    reply: server_reply(&e, Some(credentials)),
                },
                None => transport_error(e, "AUTH reply"),
            });
        }
    }
    let reply = redis::cmd("ROLE")
        .query_async::<Value>(&mut connection)
        .await
        .map_err(|e| match e.code() {
            Some(code @ ("NOAUTH" | "NOPERM")) => RoleError::NotAllowed {
                code: code.to_owned(),
                reply: server_reply(&e, credentials),
            },
            Some(_) => RoleError::Refused {
                reply: server_reply(&e, credentials),
            },
            None => transport_error(e, "ROLE reply"),
        })?;
    role_name(&reply)
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn transport_error(error: RedisError, phase: &'static str) -> RoleError {
    if error.is_timeout() {
        RoleError::Timeout {
            phase,
            after: REPLY_TIMEOUT,
        }
    } else {
        RoleError::Redis(error)
    }
}

/// The server's error reply as it sent it (`WRONGPASS invalid username-password pair…`).
/// Should a server ever echo the password back, it is masked.
fn server_reply(error: &RedisError, credentials: Option<&Credentials>) -> String {
    let reply = match (error.code(), error.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_owned(),
        _ => error.to_string(),
    };
    match credentials {
        Some(c) if !c.password().is_empty() => reply.replace(c.password(), "<redacted>"),
        _ => reply,
    }
}

/// The first element of a `ROLE` reply: `master`, `slave` or `sentinel`.
pub fn role_name(reply: &Value) -> Result<String, RoleError> {
    let first = match reply {
        Value::Array(items) => items.first(),
        _ => None,
    };
    match first {
        Some(Value::BulkString(bytes)) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        Some(Value::SimpleString(text)) => Ok(text.clone()),
        _ => Err(RoleError::Unexpected(format!("{reply:?}"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn role_replies_are_read_by_their_first_element() {
        let replica = Value::Array(vec![
            Value::BulkString(b"slave".to_vec()),
            Value::BulkString(b"10.0.0.1".to_vec()),
            Value::Int(6379),
            Value::BulkString(b"connected".to_vec()),
            Value::Int(42),
        ]);
        assert_eq!(role_name(&replica).unwrap(), "slave");
        let primary = Value::Array(vec![
            Value::BulkString(b"master".to_vec()),
            Value::Int(0),
            Value::Array(vec![]),
        ]);
        assert_eq!(role_name(&primary).unwrap(), "master");
        assert!(matches!(
            role_name(&Value::Okay),
            Err(RoleError::Unexpected(_))
        ));
    }

    /// A one-connection fake node: checks what it is sent, answers with `reply`.
    async fn fake_node(expect: &'static [u8], reply: &'static [u8]) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; expect.len()];
            socket.read_exact(&mut request).await.unwrap();
            assert_eq!(request, expect);
            socket.write_all(reply).await.unwrap();
            // Keep the connection open until the client is done.
            let _ = socket.read(&mut [0u8; 1]).await;
        });
        addr
    }

    fn target(addr: SocketAddr) -> RoleTarget<'static> {
        RoleTarget {
            addr,
            server_name: "node.example",
        }
    }

    #[tokio::test]
    async fn plaintext_role_is_asked_without_anything_else() {
        let addr = fake_node(
            b"*1\r\n$4\r\nROLE\r\n",
            b"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$9\r\nconnected\r\n:1\r\n",
        )
        .await;
        assert_eq!(ask_role(target(addr), None, None).await.unwrap(), "slave");
    }

    #[tokio::test]
    async fn noauth_to_role_is_an_access_refusal_quoting_the_server() {
        let addr = fake_node(
            b"*1\r\n$4\r\nROLE\r\n",
            b"-NOAUTH Authentication required.\r\n",
        )
        .await;
        let err = ask_role(target(addr), None, None).await.unwrap_err();
        assert!(err.is_access_refusal() && err.is_auth_failure(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "ROLE was refused: the server replied \"NOAUTH Authentication required.\""
        );
    }

    #[tokio::test]
    async fn a_silent_node_times_out_in_the_reply_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(socket);
        });
        let started = std::time::Instant::now();
        let err = ask_role(target(addr), None, None).await.unwrap_err();
        assert!(matches!(err, RoleError::Timeout { .. }), "{err:?}");
        assert!(!err.is_access_refusal());
        assert!(
            started.elapsed() < ATTEMPT_TIMEOUT,
            "{:?}",
            started.elapsed()
        );
    }
}
