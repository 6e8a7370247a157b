"""TLS material of the emulator: one CA generated at start-up (written to
RUN_DIR/tls/ca.pem) and a server certificate per emulated cache node, signed by it.

Why: ElastiCache groups with in-transit encryption serve TLS only, with a certificate
whose names cover the endpoints clients connect to (ElastiCache guide, "ElastiCache
in-transit encryption (TLS)",
https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html).
Here every node's certificate names the node endpoint and the group's primary and
reader endpoints (the stable TCP proxies forward bytes, so a client that connects to the
primary endpoint name verifies the current primary's certificate against that name).
Clients trust the CA file ($REPLICA_DNS_CA_FILE, GET /_replica_dns/tls).

Not a PKI: no revocation, no rotation, no client certificates; keys are EC P-256
(cheap to generate) and live in the run directory, readable only by this user.
"""

from __future__ import annotations

import datetime
import os
import re
import ssl
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALID = datetime.timedelta(days=3650)


@dataclass(frozen=True)
class ServerCert:
    cert_file: str
    key_file: str
    names: tuple[str, ...]


def _write(path: str, data: bytes, private: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class TlsMaterial:
    """The CA and the certificates it issued, under `directory` (created, mode 0700)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self._lock = threading.Lock()
        now = datetime.datetime.now(tz=datetime.timezone.utc)
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "replica-dns local stack"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "replica-dns emulator CA")])
        ski = x509.SubjectKeyIdentifier.from_public_key(self._ca_key.public_key())
        self._ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALID)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        self.ca_file = os.path.join(directory, "ca.pem")
        _write(self.ca_file, self._ca_cert.public_bytes(serialization.Encoding.PEM), private=False)
        _write(os.path.join(directory, "ca.key"), _key_pem(self._ca_key), private=True)
        self._client_ctx: ssl.SSLContext | None = None

    def issue(self, name: str, dns_names: list[str]) -> ServerCert:
        """A server (and client: replicas present it when they replicate) certificate
        for `dns_names`, written as `<name>.pem` / `<name>.key`."""
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        names = tuple(dict.fromkeys(n.lower().rstrip(".") for n in dns_names if n))
        if not names:
            raise ValueError("a server certificate needs at least one DNS name")
        now = datetime.datetime.now(tz=datetime.timezone.utc)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self._ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALID)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()),
                           critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        cert_file = os.path.join(self.directory, f"{safe}.pem")
        key_file = os.path.join(self.directory, f"{safe}.key")
        with self._lock:
            _write(key_file, _key_pem(key), private=True)
            _write(cert_file, cert.public_bytes(serialization.Encoding.PEM), private=False)
        return ServerCert(cert_file=cert_file, key_file=key_file, names=names)

    def client_context(self) -> ssl.SSLContext:
        """What the emulator's own connections to TLS nodes use: trust this CA only,
        verify the certificate and the host name (as a client inside the VPC would)."""
        with self._lock:
            if self._client_ctx is None:
                ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ca_file)
                ctx.check_hostname = True
                self._client_ctx = ctx
            return self._client_ctx
