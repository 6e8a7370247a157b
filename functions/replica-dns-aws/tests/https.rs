//! The AWS clients' HTTPS client against a loopback TLS server with a private CA: the
//! trust of `tls.rs` (Mozilla's roots, compiled in, plus an `AWS_CA_BUNDLE`) decides
//! whether the SDK's call gets through. The local stack speaks plain HTTP, so this is
//! the one test of the TLS path the Lambdas take to AWS.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_route53::config::Credentials;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use replica_dns_aws::route53::Route53Records;
use replica_dns_aws::tls::{https_client, CaBundle};
use replica_dns_aws::RecordStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const PAGE: &str = r#"<?xml version="1.0"?>
<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets><ResourceRecordSet><Name>replica1.cache.internal.</Name><Type>CNAME</Type><TTL>10</TTL><ResourceRecords><ResourceRecord><Value>a.</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>"#;

/// A private CA and a server certificate it signed for `localhost`.
struct Pki {
    ca_pem: String,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "replica-dns https test CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// Serves TLS on loopback until the test ends: each connection whose handshake succeeds
/// gets `PAGE`; each handshake's outcome is sent on the channel.
async fn serve(pki: &Pki) -> (u16, mpsc::UnboundedReceiver<Result<(), String>>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![pki.cert.clone()], pki.key.clone_key())
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let mut stream = match acceptor.accept(socket).await {
                Ok(stream) => {
                    let _ = tx.send(Ok(()));
                    stream
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    continue;
                }
            };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0, "connection closed before the request head ended");
                head.extend_from_slice(&buf[..n]);
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
            stream.write_all(response.as_bytes()).await.unwrap();
            stream.shutdown().await.unwrap();
        }
    });
    (port, rx)
}

async fn records_over_https(port: u16, extra: Option<CaBundle>) -> Route53Records {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client(extra))
        .endpoint_url(format!("https://localhost:{port}"))
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    Route53Records::new(aws_sdk_route53::Client::new(&config))
}

#[tokio::test]
async fn a_server_whose_ca_is_in_the_bundle_is_trusted() {
    let pki = pki();
    let (port, mut handshakes) = serve(&pki).await;
    let bundle = CaBundle::from_pem(pki.ca_pem.as_bytes(), "test CA").unwrap();

    let records = records_over_https(port, Some(bundle))
        .await
        .list_records("Z1", None)
        .await
        .unwrap();

    assert_eq!(handshakes.recv().await, Some(Ok(())));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].name, "replica1.cache.internal.");
}

#[tokio::test]
async fn a_server_whose_ca_is_not_public_is_refused_without_the_bundle() {
    let pki = pki();
    let (port, mut handshakes) = serve(&pki).await;
    // The system's trust is not consulted: were it (the SDK's default client reads
    // SSL_CERT_FILE through rustls-native-certs), this would make the server trusted.
    let system_bundle = std::env::temp_dir().join(format!("replica-dns-https-{port}.pem"));
    std::fs::write(&system_bundle, &pki.ca_pem).unwrap();
    std::env::set_var("SSL_CERT_FILE", &system_bundle);

    let err = records_over_https(port, None)
        .await
        .list_records("Z1", None)
        .await
        .unwrap_err();

    // The client refused the server's certificate: the handshake failed on the server's
    // side too, and no request was answered.
    std::fs::remove_file(&system_bundle).unwrap();
    let seen = handshakes.recv().await.unwrap();
    assert!(seen.is_err(), "the handshake succeeded: {seen:?}");
    let chain = format!("{err:?}");
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("unknown issuer"),
        "{chain}"
    );
}
