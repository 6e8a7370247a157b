//! What the ROLE probe trusts when a group has in-transit encryption, and how a failed
//! TLS handshake is told apart (name mismatch, untrusted issuer, expired, no TLS at all).
//! Not the connection itself (see `role.rs`).
//!
//! Trust: Mozilla's root program as compiled into `webpki-roots`, plus the PEM
//! certificates in [`PROBE_CA_FILE_ENV`] if set. ElastiCache's node certificates chain
//! to a publicly trusted root: AWS's own instructions connect with `valkey-cli --tls`
//! and no `--cacert` (ElastiCache guide, "Connecting to ElastiCache … with in-transit
//! encryption using valkey-cli"). Compiled-in roots rather than the system's
//! (`rustls-native-certs`): no file is read at cold start or per connection, and the
//! same roots hold in every runtime image (a container image may ship no CA bundle);
//! the cost is that root updates come with a release. The extra CA file serves the
//! local stack (its CA is generated at start-up) and TLS-inspecting networks.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use replica_dns_aws::tls::{CaBundle, CaBundleError};
use rustls::{CertificateError, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Path of a PEM file with extra CA certificates the probe trusts besides the public
/// roots.
pub const PROBE_CA_FILE_ENV: &str = "REPLICA_DNS_PROBE_CA_FILE";

/// The probe's trust: public roots plus an optional extra CA bundle. The extra
/// certificates are read and checked when it is built (at cold start, so a bad file
/// fails the start with the variable's name; the rule is the AWS clients' too:
/// [`CaBundle`]); the TLS client configuration is built on the first TLS connection, so
/// a function that never probes a TLS group pays nothing for it.
pub struct TlsTrust {
    extra: Option<CaBundle>,
    connector: OnceLock<TlsConnector>,
}

impl std::fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTrust")
            .field(
                "extra_certificates",
                &self.extra.as_ref().map_or(0, |b| b.certificates().len()),
            )
            .field("extra_source", &self.extra.as_ref().map(CaBundle::source))
            .field("built", &self.connector.get().is_some())
            .finish()
    }
}

impl TlsTrust {
    /// Public roots only.
    pub fn public_roots() -> Self {
        Self::with_bundle(None)
    }

    fn with_bundle(extra: Option<CaBundle>) -> Self {
        TlsTrust {
            extra,
            connector: OnceLock::new(),
        }
    }

    /// Public roots plus the certificates in the PEM file at `path`.
    pub fn with_ca_file(path: impl Into<PathBuf>) -> Result<Self, CaBundleError> {
        CaBundle::from_file(path).map(|b| Self::with_bundle(Some(b)))
    }

    /// Public roots plus the certificates in `pem` (named `source` in messages).
    pub fn with_ca_pem(pem: &[u8], source: impl Into<PathBuf>) -> Result<Self, CaBundleError> {
        CaBundle::from_pem(pem, source).map(|b| Self::with_bundle(Some(b)))
    }

    /// [`PROBE_CA_FILE_ENV`] as the environment has it (unset or empty: public roots).
    pub fn from_env_value(value: Option<&str>) -> Result<Self, CaBundleError> {
        CaBundle::from_env_value(value).map(Self::with_bundle)
    }

    /// What is trusted, for messages about untrusted certificates.
    pub fn describe(&self) -> String {
        match &self.extra {
            None => format!(
                "the probe trusts Mozilla's public roots (webpki-roots); set {PROBE_CA_FILE_ENV} to add a private CA"
            ),
            Some(bundle) => format!(
                "the probe trusts Mozilla's public roots (webpki-roots) and {} ({PROBE_CA_FILE_ENV})",
                bundle.source().display()
            ),
        }
    }

    /// The TLS connector, built on first use and kept. TLS 1.2 and 1.3 (ElastiCache
    /// accepts TLS 1.2 and later), crypto from aws-lc-rs, chosen explicitly rather than
    /// by crate features so no second provider in the tree can change it.
    pub fn connector(&self) -> Result<TlsConnector, rustls::Error> {
        if let Some(connector) = self.connector.get() {
            return Ok(connector.clone());
        }
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // Each was checked when the trust was built, so none is ignored here.
        if let Some(bundle) = &self.extra {
            let (_added, _ignored) =
                roots.add_parsable_certificates(bundle.certificates().to_vec());
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(self
            .connector
            .get_or_init(|| TlsConnector::from(Arc::new(config)))
            .clone())
    }
}

/// Why a TLS handshake failed, in the terms a person fixes it by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsFailure {
    #[error("the certificate is not valid for {name:?} ({detail})")]
    NameMismatch { name: String, detail: String },
    #[error("the certificate is not trusted ({detail}); {trust}")]
    Untrusted { detail: String, trust: String },
    #[error("the certificate is expired or not yet valid ({detail})")]
    Expired { detail: String },
    #[error("the certificate was rejected ({detail})")]
    BadCertificate { detail: String },
    #[error(
        "the server did not answer with TLS ({detail}): is in-transit encryption on for this node and port?"
    )]
    NotTls { detail: String },
    #[error("the TLS handshake failed ({detail})")]
    Handshake { detail: String },
    #[error("{name:?} is not a name a TLS certificate can be checked against")]
    BadServerName { name: String },
}

impl TlsFailure {
    /// Classifies the error of a handshake with `name` (tokio-rustls reports rustls'
    /// errors inside an `io::Error`).
    pub fn of_handshake(error: &std::io::Error, name: &str, trust: &TlsTrust) -> Self {
        let detail = error.to_string();
        match error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::InvalidCertificate(cert)) => match cert {
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsFailure::NameMismatch {
                    name: name.to_owned(),
                    detail,
                },
                CertificateError::UnknownIssuer => TlsFailure::Untrusted {
                    detail,
                    trust: trust.describe(),
                },
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. } => TlsFailure::Expired { detail },
                _ => TlsFailure::BadCertificate { detail },
            },
            Some(
                rustls::Error::InvalidMessage(_)
                | rustls::Error::InappropriateMessage { .. }
                | rustls::Error::InappropriateHandshakeMessage { .. },
            ) => TlsFailure::NotTls { detail },
            Some(_) => TlsFailure::Handshake { detail },
            None => match error.kind() {
                // A plaintext server closes on the ClientHello (a protocol error to it).
                std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe => TlsFailure::NotTls {
                    detail: format!("the connection closed during the handshake: {detail}"),
                },
                _ => TlsFailure::Handshake { detail },
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn io(error: rustls::Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, error)
    }

    #[test]
    fn handshake_errors_are_told_apart() {
        let trust = TlsTrust::public_roots();
        let name = "orders-002.abc.cache.amazonaws.com";
        let case = |e: std::io::Error| TlsFailure::of_handshake(&e, name, &trust);
        assert!(matches!(
            case(io(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName
            ))),
            TlsFailure::NameMismatch { .. }
        ));
        match case(io(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ))) {
            TlsFailure::Untrusted { trust, .. } => {
                assert!(trust.contains(PROBE_CA_FILE_ENV), "{trust}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            case(io(rustls::Error::InvalidCertificate(
                CertificateError::Expired
            ))),
            TlsFailure::Expired { .. }
        ));
        assert!(matches!(
            case(io(rustls::Error::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType
            ))),
            TlsFailure::NotTls { .. }
        ));
        assert!(matches!(
            case(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "tls handshake eof"
            )),
            TlsFailure::NotTls { .. }
        ));
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_with_its_path() {
        // The bundle rule itself is tested where it lives (replica-dns-aws tls.rs).
        let err = TlsTrust::with_ca_pem(b"not a certificate", "/etc/ca.pem").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/ca.pem has no PEM certificate (`-----BEGIN CERTIFICATE-----`)"
        );
        let blank = TlsTrust::from_env_value(Some(" ")).unwrap();
        assert!(blank.describe().contains("set REPLICA_DNS_PROBE_CA_FILE"));
    }
}
