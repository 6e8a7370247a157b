//! `Adapters::from_env` against a loopback HTTP server: the endpoint comes from the
//! standard `AWS_ENDPOINT_URL_*` variables alone (what the local stack relies on), with
//! no endpoint code of ours; and an unusable `AWS_CA_BUNDLE` refused at start. Own test
//! binary, because it sets process environment.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use replica_dns_aws::{Adapters, RecordStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PAGE: &str = r#"<?xml version="1.0"?>
<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets><ResourceRecordSet><Name>replica1.cache.internal.</Name><Type>CNAME</Type><TTL>10</TTL><ResourceRecords><ResourceRecord><Value>a.</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>"#;

/// Answers one request with `PAGE` and returns the request head it received.
async fn serve_once(listener: TcpListener) -> String {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed before the request head ended");
        head.extend_from_slice(&buf[..n]);
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
        PAGE.len()
    );
    socket.write_all(response.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test]
async fn endpoint_region_and_credentials_come_from_the_environment() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(serve_once(listener));
    // Only this test runs in this binary, so nothing reads the environment concurrently.
    for (key, value) in [
        (
            "AWS_ENDPOINT_URL_ROUTE_53",
            format!("http://127.0.0.1:{port}"),
        ),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ] {
        std::env::set_var(key, value);
    }

    // An AWS_CA_BUNDLE that cannot be used fails the start with the variable and the
    // path, before any call (tls.rs); unset, the public roots alone are trusted.
    std::env::set_var("AWS_CA_BUNDLE", "/nonexistent/corporate-ca.pem");
    let err = Adapters::from_env().await.unwrap_err().to_string();
    assert!(
        err.starts_with("AWS_CA_BUNDLE: cannot read /nonexistent/corporate-ca.pem: "),
        "{err}"
    );
    std::env::remove_var("AWS_CA_BUNDLE");

    let aws = Adapters::from_env().await.unwrap();
    let records = aws.records.list_records("Z1", None).await.unwrap();

    let head = server.await.unwrap();
    assert!(
        head.starts_with("GET /2013-04-01/hostedzone/Z1/rrset HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: aws4-hmac-sha256 credential=testing/"),
        "{head}"
    );
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].name, "replica1.cache.internal.");
}
