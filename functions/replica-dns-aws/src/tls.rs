//! What the AWS clients trust, and when they build their TLS configuration.
//!
//! The SDK's default HTTPS client reads the system's CA certificates
//! (`rustls-native-certs`: the bundle file, then every file of the certificate
//! directory) and, because its client validation builds a connector, parses them into a
//! root store once per SDK client constructed (five at start-up: aws-config's STS client
//! and ours). Measured with `bench/footprint.py` on this repository's machine, that was
//! 4–14 ms of each function's 15–25 ms init (issue 10 item 8).
//!
//! Here instead:
//! - **Roots compiled in**: Mozilla's root program as `webpki-root-certs` ships it (the
//!   same list Debian's and Amazon Linux's CA bundles are built from), so no file is
//!   read and every runtime image trusts the same roots. AWS's endpoints chain to
//!   Amazon Trust Services roots, which are in it. The cost: root updates come with a
//!   release.
//! - **Plus `AWS_CA_BUNDLE`**, the AWS SDKs' documented setting for a custom PEM bundle
//!   ("General configuration settings", AWS SDKs and Tools Reference Guide:
//!   <https://docs.aws.amazon.com/sdkref/latest/guide/feature-gen-config.html>), for
//!   TLS-inspecting networks. Its certificates are *added* to the public roots, and the
//!   file is read and checked at start-up, so a bad file fails the cold start with its
//!   path rather than every call with "unknown issuer".
//! - **The connector is built on the first request**, not once per client at
//!   construction ([`DeferredConnectors`]).
//!
//! The same CA-bundle rule serves verify's ROLE probe ([`CaBundle`]).

use std::path::PathBuf;
use std::sync::LazyLock;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

/// The AWS SDKs' environment variable for a custom CA bundle (see the module docs).
pub const AWS_CA_BUNDLE_ENV: &str = "AWS_CA_BUNDLE";

/// Extra CA certificates from a PEM file, each checked to be usable as a trust anchor.
#[derive(Debug, Clone)]
pub struct CaBundle {
    certificates: Vec<CertificateDer<'static>>,
    source: PathBuf,
}

/// Why a CA bundle cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaBundleError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} has no PEM certificate (`-----BEGIN CERTIFICATE-----`)")]
    NoCertificate { path: PathBuf },
    #[error("{path} is not valid PEM: {reason}")]
    NotPem { path: PathBuf, reason: String },
    #[error("{path} holds a certificate that cannot be a trust anchor: {reason}")]
    BadCertificate { path: PathBuf, reason: String },
}

impl CaBundle {
    /// The certificates in the PEM file at `path`.
    pub fn from_file(path: impl Into<PathBuf>) -> Result<Self, CaBundleError> {
        let path = path.into();
        let pem = std::fs::read(&path).map_err(|source| CaBundleError::Read {
            path: path.clone(),
            source,
        })?;
        Self::from_pem(&pem, path)
    }

    /// The certificates in `pem` (named `source` in messages).
    pub fn from_pem(pem: &[u8], source: impl Into<PathBuf>) -> Result<Self, CaBundleError> {
        let path = source.into();
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CaBundleError::NotPem {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if certificates.is_empty() {
            return Err(CaBundleError::NoCertificate { path });
        }
        let mut check = RootCertStore::empty();
        for certificate in &certificates {
            check
                .add(certificate.clone())
                .map_err(|e| CaBundleError::BadCertificate {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
        }
        Ok(CaBundle {
            certificates,
            source: path,
        })
    }

    /// An environment variable's value naming a bundle: unset or blank is none.
    pub fn from_env_value(value: Option<&str>) -> Result<Option<Self>, CaBundleError> {
        match value.map(str::trim) {
            None | Some("") => Ok(None),
            Some(path) => Self::from_file(path).map(Some),
        }
    }

    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certificates
    }

    /// Where the certificates came from, for messages.
    pub fn source(&self) -> &std::path::Path {
        &self.source
    }
}

/// Mozilla's roots as PEM, encoded once per process: the SDK's trust store takes PEM.
static PUBLIC_ROOTS_PEM: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut pem = Vec::new();
    for root in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        push_pem(&mut pem, root);
    }
    pem
});

fn push_pem(pem: &mut Vec<u8>, der: &[u8]) {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    pem.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.extend_from_slice(line);
        pem.push(b'\n');
    }
    pem.extend_from_slice(b"-----END CERTIFICATE-----\n");
}

/// The trust store of the AWS clients: the public roots plus `extra`.
fn trust_store(extra: Option<&CaBundle>) -> TrustStore {
    let mut store = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(PUBLIC_ROOTS_PEM.as_slice());
    if let Some(bundle) = extra {
        let mut pem = Vec::new();
        for certificate in bundle.certificates() {
            push_pem(&mut pem, certificate);
        }
        store = store.with_pem_certificate(pem);
    }
    store
}

/// The HTTPS client every AWS client shares: the SDK's default client (rustls with
/// aws-lc-rs, proxy settings from the environment, the connector settings and sleep of
/// each client) with [`trust_store`]'s roots, and connectors built on first use.
pub fn https_client(extra: Option<CaBundle>) -> SharedHttpClient {
    // Encoded once; each connector (one per distinct connector settings) takes a copy.
    let store = trust_store(extra.as_ref());
    let inner = Builder::new().build_with_connector_fn(move |settings, components| {
        // TlsContextBuilder::build cannot fail (aws-smithy-http-client 1.x); should it
        // ever, the default context is the SDK's own behaviour (the system's roots).
        let context = TlsContext::builder()
            .with_trust_store(store.clone())
            .build()
            .unwrap_or_default();
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context);
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    });
    SharedHttpClient::new(DeferredConnectors(inner))
}

/// Delegates to the SDK's client, which builds one connector per distinct connector
/// settings and caches it, but leaves out its `validate_base_client_config`: that
/// builds a connector (TLS configuration and root store included) for every SDK client
/// constructed, only so that certificates are loaded at construction (its own comment
/// says so). Here the first request of a process builds the one connector its clients
/// share.
#[derive(Debug)]
struct DeferredConnectors(SharedHttpClient);

impl HttpClient for DeferredConnectors {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn the_public_roots_are_mozillas_and_all_of_them_parse() {
        let roots = CaBundle::from_pem(&PUBLIC_ROOTS_PEM, "compiled-in roots").unwrap();
        assert_eq!(
            roots.certificates().len(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len()
        );
        assert!(
            roots.certificates().len() > 100,
            "{}",
            roots.certificates().len()
        );
    }

    #[test]
    fn a_bundle_without_certificates_is_refused_with_its_path() {
        let err = CaBundle::from_pem(b"not a certificate", "/etc/ca.pem").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/ca.pem has no PEM certificate (`-----BEGIN CERTIFICATE-----`)"
        );
        let err = CaBundle::from_env_value(Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/ca.pem: "),
            "{err}"
        );
        assert!(CaBundle::from_env_value(Some(" ")).unwrap().is_none());
        assert!(CaBundle::from_env_value(None).unwrap().is_none());
    }

    #[test]
    fn a_bundle_of_garbage_between_pem_markers_is_refused_as_not_pem() {
        let pem = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let err = CaBundle::from_pem(pem, "/etc/ca.pem").unwrap_err();
        assert!(
            err.to_string().starts_with("/etc/ca.pem is not valid PEM"),
            "{err}"
        );
    }
}
