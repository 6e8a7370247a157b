//! A tiny RESP (Redis protocol) client: enough to ask a node `ROLE`, the ground truth of
//! which node is the primary. Not a Redis client: one command per connection.

use anyhow::{anyhow, bail, Context, Result};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

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

/// A parsed RESP value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Simple(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Vec<Value>),
}

impl Value {
    fn as_str(&self) -> Option<&str> {
        match self {
            Value::Simple(s) | Value::Bulk(Some(s)) => Some(s),
            _ => None,
        }
    }
    fn as_text(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            other => other.as_str().unwrap_or_default().to_string(),
        }
    }
}

/// Sends one command and reads its reply (5 s budget).
pub async fn command(addr: SocketAddr, args: &[&str]) -> Result<Value> {
    let run = async {
        let stream = TcpStream::connect(addr).await?;
        let mut stream = BufReader::new(stream);
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.get_mut().write_all(out.as_bytes()).await?;
        read_value(&mut stream).await
    };
    tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .map_err(|_| anyhow!("no answer from redis at {addr} within 5 s"))?
        .with_context(|| format!("redis {addr} {}", args.join(" ")))
}

/// Asks `ROLE` at `addr`.
pub async fn role(addr: SocketAddr) -> Result<Role> {
    let reply = command(addr, &["ROLE"]).await?;
    parse_role(&reply).with_context(|| format!("ROLE reply of {addr}: {reply:?}"))
}

fn parse_role(reply: &Value) -> Result<Role> {
    let Value::Array(items) = reply else {
        bail!("not an array")
    };
    let kind = items
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("no role name"))?;
    Ok(match kind {
        "master" => Role::Primary {
            replicas: match items.get(2) {
                Some(Value::Array(rs)) => rs
                    .iter()
                    .filter_map(|r| match r {
                        Value::Array(f) if f.len() >= 2 => {
                            Some(format!("{}:{}", f[0].as_text(), f[1].as_text()))
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
                items.get(1).map(Value::as_text).unwrap_or_default(),
                items.get(2).map(Value::as_text).unwrap_or_default()
            ),
            state: items.get(3).map(Value::as_text).unwrap_or_default(),
        },
        other => Role::Other(other.to_string()),
    })
}

async fn read_value<R: AsyncBufReadExt + Unpin + Send>(r: &mut R) -> Result<Value> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        bail!("connection closed");
    }
    let line = line.trim_end_matches("\r\n");
    let (kind, rest) = line.split_at(line.len().min(1));
    match kind {
        "+" => Ok(Value::Simple(rest.to_string())),
        "-" => bail!("redis error: {rest}"),
        ":" => Ok(Value::Int(rest.parse()?)),
        "$" => {
            let len: i64 = rest.parse()?;
            if len < 0 {
                return Ok(Value::Bulk(None));
            }
            let mut buf = vec![0u8; usize::try_from(len)? + 2];
            r.read_exact(&mut buf).await?;
            buf.truncate(buf.len() - 2);
            Ok(Value::Bulk(Some(
                String::from_utf8_lossy(&buf).into_owned(),
            )))
        }
        "*" => {
            let n: i64 = rest.parse()?;
            let mut items = Vec::new();
            for _ in 0..n.max(0) {
                items.push(Box::pin(read_value(r)).await?);
            }
            Ok(Value::Array(items))
        }
        _ => bail!("unexpected RESP line {line:?}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    async fn parse(bytes: &[u8]) -> Value {
        read_value(&mut BufReader::new(bytes)).await.unwrap()
    }

    #[tokio::test]
    async fn parses_primary_and_replica_role_replies() {
        let primary = parse(b"*3\r\n$6\r\nmaster\r\n:42\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7001\r\n$2\r\n42\r\n").await;
        assert_eq!(
            parse_role(&primary).unwrap(),
            Role::Primary {
                replicas: vec!["127.0.0.1:7001".into()]
            }
        );
        let replica =
            parse(b"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:7000\r\n$9\r\nconnected\r\n:42\r\n")
                .await;
        assert_eq!(
            parse_role(&replica).unwrap(),
            Role::Replica {
                primary: "127.0.0.1:7000".into(),
                state: "connected".into()
            }
        );
    }
}
