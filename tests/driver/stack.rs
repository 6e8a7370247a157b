//! The running local stack as the tests see it: the environment that
//! `tests/localstack/run` exports, turned into AWS SDK clients and addresses.
//! Not the stack itself (that is tests/localstack/), and nothing here starts processes.

use crate::host::LambdaHost;
use crate::http;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Region and account of every ARN the local stack makes.
pub const REGION: &str = "us-east-1";
pub const ACCOUNT_ID: &str = "123456789012";

/// Clients and addresses of the local stack.
#[derive(Debug, Clone)]
pub struct Stack {
    pub route53: aws_sdk_route53::Client,
    pub elasticache: aws_sdk_elasticache::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub sns: aws_sdk_sns::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    /// `AWS_ENDPOINT_URL`: the emulator (moto + extensions).
    pub endpoint_url: String,
    /// `REPLICA_DNS_DNS_ADDR`: the DNS server answering the emulated zones.
    pub dns_addr: SocketAddr,
    /// `REPLICA_DNS_CONTROL_URL`: the emulator's control API.
    pub control_url: String,
    pub lambda_host: LambdaHost,
    /// Where the Lambda binaries are (`REPLICA_DNS_BIN_DIR`, else `$CARGO_TARGET_DIR/debug`,
    /// else `<cache>/target/debug`, [`cache_dir`]).
    pub bin_dir: PathBuf,
    /// `REPLICA_DNS_RUN_DIR`: logs of this run (function logs under `lambda/`), if known.
    pub run_dir: Option<PathBuf>,
    /// `REPLICA_DNS_CA_FILE`: the CA (PEM) that signs the certificates of the stack's TLS
    /// cache nodes, generated at each start; needed to talk to TLS groups.
    pub ca_file: Option<PathBuf>,
}

fn var(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| {
        anyhow!("{name} is not set: run the tests inside the local stack, e.g. `tests/localstack/run -- cargo test -p replica-dns-tests --test e2e`")
    })
}

/// A variable's value, or `None` when it is unset or empty (as the shell's `${VAR:-…}`).
fn non_empty_var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The replica-dns cache directory:
/// `${REPLICA_DNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/replica-dns}` (for root,
/// `/root/.cache/replica-dns`). The rule's home for Rust; the scripts take it from
/// tests/cache-dir.sh, which sets `CARGO_TARGET_DIR` from it, so this default applies
/// only when the tests run outside them.
fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = non_empty_var("REPLICA_DNS_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let xdg = match non_empty_var("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(non_empty_var("HOME").ok_or_else(|| {
            anyhow!("HOME is not set: set REPLICA_DNS_CACHE_DIR or CARGO_TARGET_DIR")
        })?)
        .join(".cache"),
    };
    Ok(xdg.join("replica-dns"))
}

impl Stack {
    /// Reads the environment exported by `tests/localstack/run` and builds SDK clients
    /// through `aws-config`, so `AWS_ENDPOINT_URL*` apply exactly as they do in the Lambdas.
    pub async fn from_env() -> Result<Self> {
        let endpoint_url = var("AWS_ENDPOINT_URL")?;
        let dns_addr: SocketAddr = var("REPLICA_DNS_DNS_ADDR")?
            .parse()
            .context("REPLICA_DNS_DNS_ADDR must be ip:port")?;
        let control_url = var("REPLICA_DNS_CONTROL_URL")?;
        let lambda_host = LambdaHost {
            url: var("REPLICA_DNS_LAMBDA_HOST_URL")?,
        };
        let bin_dir = match non_empty_var("REPLICA_DNS_BIN_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => match non_empty_var("CARGO_TARGET_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => cache_dir()?.join("target"),
            }
            .join("debug"),
        };
        let config = aws_config::load_from_env().await;
        if config.region().map(|r| r.as_ref()) != Some(REGION) {
            bail!(
                "AWS_REGION must be {REGION} in the local stack, found {:?}",
                config.region()
            );
        }
        Ok(Self {
            route53: aws_sdk_route53::Client::new(&config),
            elasticache: aws_sdk_elasticache::Client::new(&config),
            sfn: aws_sdk_sfn::Client::from_conf(
                aws_sdk_sfn::config::Builder::from(&config)
                    .credentials_provider(observer_credentials())
                    .build(),
            ),
            sns: aws_sdk_sns::Client::new(&config),
            secretsmanager: aws_sdk_secretsmanager::Client::new(&config),
            endpoint_url,
            dns_addr,
            control_url,
            lambda_host,
            bin_dir,
            run_dir: std::env::var("REPLICA_DNS_RUN_DIR").ok().map(PathBuf::from),
            ca_file: std::env::var("REPLICA_DNS_CA_FILE")
                .ok()
                .filter(|p| !p.trim().is_empty())
                .map(PathBuf::from),
        })
    }

    /// The TLS client for the stack's TLS cache nodes (trusting [`Stack::ca_file`]).
    pub fn tls_connector(&self) -> Result<tokio_rustls::TlsConnector> {
        let ca_file = self.ca_file.as_deref().ok_or_else(|| {
            anyhow!("REPLICA_DNS_CA_FILE is not set: the local stack exports it (its CA for TLS cache nodes)")
        })?;
        crate::resp::tls_connector(ca_file)
    }

    /// `POST {control}/{path}` with a JSON body; returns the JSON answer or an error
    /// carrying the emulator's message.
    pub async fn control_post(&self, path: &str, body: &Value) -> Result<Value> {
        let r = http::request(
            "POST",
            &self.control_url,
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await?;
        if r.status != 200 {
            bail!("emulator control POST {path}: {} {}", r.status, r.text());
        }
        r.json()
    }

    /// `GET {control}/{path}`.
    pub async fn control_get(&self, path: &str) -> Result<Value> {
        let r = http::request("GET", &self.control_url, path, &[], b"").await?;
        if r.status != 200 {
            bail!("emulator control GET {path}: {} {}", r.status, r.text());
        }
        r.json()
    }

    /// Changes emulator timings (e.g. `{"route53_insync_seconds": 1}`). They are global:
    /// tests running in parallel share them.
    pub async fn set_emulator_settings(&self, settings: &Value) -> Result<Value> {
        self.control_post("/settings", settings).await
    }

    /// The last lines of function `name`'s log, for failure messages.
    pub fn function_log_tail(&self, name: &str, lines: usize) -> String {
        let Some(dir) = &self.run_dir else {
            return String::new();
        };
        let path = dir.join("lambda").join(format!("{name}.log"));
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let all: Vec<&str> = text.lines().collect();
                format!(
                    "--- {}\n{}",
                    path.display(),
                    all[all.len().saturating_sub(lines)..].join("\n")
                )
            }
            Err(_) => String::new(),
        }
    }

    /// `arn:aws:lambda:us-east-1:123456789012:function:{name}`.
    pub fn function_arn(name: &str) -> String {
        format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
    }
}

/// The Step Functions client's credentials: the emulator's observer key, which its
/// throttles let through (tests/localstack/emulator/throttle.py), so the driver's own
/// polling of executions does not take the tokens of the product it watches.
fn observer_credentials() -> aws_sdk_sfn::config::Credentials {
    aws_sdk_sfn::config::Credentials::new(
        "replica-dns-observer",
        "testing",
        None,
        None,
        "replica-dns test driver",
    )
}
