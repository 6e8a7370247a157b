"""In-transit encryption and AUTH on emulated ElastiCache groups: TLS-only nodes whose
certificates (signed by the emulator's CA) name their endpoints, AUTH tokens with AWS's
rules, and failover / replacement / added replicas that keep working over TLS."""

from __future__ import annotations

import os
import socket
import ssl

import pytest
from botocore.exceptions import ClientError

from conftest import unique, wait_until

TOKEN = "Secret-Token-0123456789!&#$^<>"


def ca_file(emulator) -> str:
    status, body = emulator.control("GET", "/tls")
    assert status == 200, body
    return body["caFile"]


def resp(*args: str) -> bytes:
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode())
    return out


def read_reply(f) -> bytes:
    line = f.readline()
    kind = line[:1]
    if kind == b"$":
        n = int(line[1:-2])
        return line if n < 0 else line + f.read(n + 2)
    if kind == b"*":
        return line + b"".join(read_reply(f) for _ in range(int(line[1:-2])))
    return line


def tls_command(emulator, port: int, hostname: str, *commands: tuple[str, ...]) -> list[bytes]:
    """Run `commands` on one TLS connection to 127.0.0.1:port, verifying the server's
    certificate against the emulator's CA for `hostname`; returns the replies."""
    ctx = ssl.create_default_context(cafile=ca_file(emulator))
    with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
        with ctx.wrap_socket(raw, server_hostname=hostname) as s:
            s.sendall(b"".join(resp(*c) for c in commands))
            with s.makefile("rb") as f:
                return [read_reply(f) for _ in commands]


def role_of(emulator, port: int, hostname: str, token: str | None = TOKEN) -> str:
    cmds = ([("AUTH", token)] if token else []) + [("ROLE",)]
    reply = tls_command(emulator, port, hostname, *cmds)[-1]
    return reply.split(b"\r\n")[2].decode()


def create(ec, n: int = 2, token: str | None = TOKEN, **kw) -> str:
    gid = unique("t")
    args = dict(ReplicationGroupId=gid, ReplicationGroupDescription="tls", CacheNodeType="cache.t4g.micro",
                Engine="redis", AutomaticFailoverEnabled=True, NumCacheClusters=n, TransitEncryptionEnabled=True)
    if token:
        args["AuthToken"] = token
    args.update(kw)
    ec.create_replication_group(**args)
    wait_until(lambda: group(ec, gid)["Status"] == "available")
    return gid


def group(ec, gid: str) -> dict:
    return ec.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]


def members(ec, gid: str) -> dict[str, dict]:
    return {m["CacheClusterId"]: m for m in group(ec, gid)["NodeGroups"][0]["NodeGroupMembers"]}


def test_ca_file_is_published_by_the_control_api(emulator):
    """The emulator's CA (generated at start-up, in the run directory) is where
    GET /_replica_dns/tls says, a PEM certificate clients can trust."""
    path = ca_file(emulator)
    assert os.path.isabs(path) and path.endswith("/tls/ca.pem")
    with open(path) as f:
        assert f.read().startswith("-----BEGIN CERTIFICATE-----")
    ssl.create_default_context(cafile=path)  # loads as a trust anchor


def test_describe_reports_transit_encryption_and_auth_like_aws(emulator):
    """AWS DescribeReplicationGroups: TransitEncryptionEnabled, AtRestEncryptionEnabled
    (false unless requested), AuthTokenEnabled, TransitEncryptionMode "required";
    DescribeCacheClusters reports TransitEncryptionEnabled / AuthTokenEnabled per
    cluster. A plain group reports false and no mode."""
    ec = emulator.client("elasticache")
    gid = create(ec)
    g = group(ec, gid)
    assert (g["TransitEncryptionEnabled"], g["AtRestEncryptionEnabled"], g["AuthTokenEnabled"],
            g["TransitEncryptionMode"]) == (True, False, True, "required")
    for c in ec.describe_cache_clusters()["CacheClusters"]:
        if c.get("ReplicationGroupId") == gid:
            assert (c["TransitEncryptionEnabled"], c["AuthTokenEnabled"], c["TransitEncryptionMode"]) == \
                (True, True, "required")
    plain = unique("p")
    ec.create_replication_group(ReplicationGroupId=plain, ReplicationGroupDescription="p",
                                CacheNodeType="cache.t4g.micro", Engine="redis", NumCacheClusters=1,
                                AtRestEncryptionEnabled=True)
    p = group(ec, plain)
    assert (p["TransitEncryptionEnabled"], p["AtRestEncryptionEnabled"], p["AuthTokenEnabled"]) == \
        (False, True, False)
    assert "TransitEncryptionMode" not in p


def test_tls_node_answers_role_with_ca_hostname_and_auth_token(emulator):
    """AWS (in-transit encryption + AUTH): a client that speaks TLS, trusts the CA,
    verifies the node's endpoint name and sends AUTH <token> can run ROLE - on each
    node, and through the primary and reader endpoints (whose names every node's
    certificate carries)."""
    ec = emulator.client("elasticache")
    gid = create(ec, n=3)
    ms = members(ec, gid)
    roles = {cid: role_of(emulator, m["ReadEndpoint"]["Port"], m["ReadEndpoint"]["Address"]) for cid, m in ms.items()}
    assert roles == {f"{gid}-001": "master", f"{gid}-002": "slave", f"{gid}-003": "slave"}
    ng = group(ec, gid)["NodeGroups"][0]
    assert role_of(emulator, ng["PrimaryEndpoint"]["Port"], ng["PrimaryEndpoint"]["Address"]) == "master"
    assert role_of(emulator, ng["ReaderEndpoint"]["Port"], ng["ReaderEndpoint"]["Address"]) == "slave"
    # Replication itself runs over TLS with the token (masterauth).
    p, r = ms[f"{gid}-001"]["ReadEndpoint"], ms[f"{gid}-003"]["ReadEndpoint"]
    assert tls_command(emulator, p["Port"], p["Address"], ("AUTH", TOKEN), ("SET", "k", "v"))[1] == b"+OK\r\n"
    wait_until(lambda: tls_command(emulator, r["Port"], r["Address"], ("AUTH", TOKEN), ("GET", "k"))[1]
               == b"$1\r\nv\r\n", timeout=20)


def test_tls_node_refuses_plaintext_and_other_names(emulator):
    """AWS (TransitEncryptionMode required): plaintext connections are refused; the
    node's certificate names its own endpoint, not another node's."""
    ec = emulator.client("elasticache")
    gid = create(ec)
    ms = members(ec, gid)
    ep = ms[f"{gid}-002"]["ReadEndpoint"]
    with socket.create_connection(("127.0.0.1", ep["Port"]), timeout=3) as s:
        s.sendall(resp("PING"))
        s.settimeout(2)
        try:
            got = s.recv(100)
        except OSError:
            got = b""
    assert b"PONG" not in got
    with pytest.raises(ssl.SSLCertVerificationError):
        role_of(emulator, ep["Port"], ms[f"{gid}-001"]["ReadEndpoint"]["Address"])


def test_wrong_or_missing_auth_token_is_refused(emulator):
    """AWS (Redis OSS AUTH): a wrong token is WRONGPASS, none is NOAUTH."""
    ec = emulator.client("elasticache")
    gid = create(ec, n=1)
    ep = members(ec, gid)[f"{gid}-001"]["ReadEndpoint"]
    wrong = tls_command(emulator, ep["Port"], ep["Address"], ("AUTH", "Not-The-Token-12345"), ("ROLE",))
    assert wrong[0].startswith(b"-WRONGPASS") and wrong[1].startswith(b"-NOAUTH")
    assert tls_command(emulator, ep["Port"], ep["Address"], ("PING",))[0].startswith(b"-NOAUTH")


def test_tls_without_auth_token_needs_no_auth(emulator):
    """AWS: TransitEncryptionEnabled without AuthToken is TLS without a password
    (AuthTokenEnabled false)."""
    ec = emulator.client("elasticache")
    gid = create(ec, n=2, token=None)
    assert group(ec, gid)["AuthTokenEnabled"] is False
    ep = members(ec, gid)[f"{gid}-002"]["ReadEndpoint"]
    assert role_of(emulator, ep["Port"], ep["Address"], token=None) == "slave"


def test_failover_replacement_and_new_replicas_work_on_a_tls_group(emulator):
    """AWS: TestFailover, node replacement and IncreaseReplicaCount behave the same on a
    TLS + AUTH group: the promoted replica is primary over TLS, the replaced node is
    back as a TLS replica on its endpoint, a new replica serves TLS and replicates."""
    ec = emulator.client("elasticache")
    gid = create(ec, n=3)
    ec.test_failover(ReplicationGroupId=gid, NodeGroupId="0001")
    wait_until(lambda: group(ec, gid)["Status"] == "available")
    ms = members(ec, gid)
    roles = {cid: role_of(emulator, m["ReadEndpoint"]["Port"], m["ReadEndpoint"]["Address"]) for cid, m in ms.items()}
    assert roles == {f"{gid}-001": "slave", f"{gid}-002": "master", f"{gid}-003": "slave"}
    ng = group(ec, gid)["NodeGroups"][0]
    assert role_of(emulator, ng["PrimaryEndpoint"]["Port"], ng["PrimaryEndpoint"]["Address"]) == "master"
    ec.increase_replica_count(ReplicationGroupId=gid, NewReplicaCount=3, ApplyImmediately=True)
    wait_until(lambda: group(ec, gid)["Status"] == "available")
    new = members(ec, gid)[f"{gid}-004"]["ReadEndpoint"]
    assert role_of(emulator, new["Port"], new["Address"]) == "slave"
    p = ms[f"{gid}-002"]["ReadEndpoint"]
    tls_command(emulator, p["Port"], p["Address"], ("AUTH", TOKEN), ("SET", "after", "failover"))
    for cid in (f"{gid}-001", f"{gid}-004"):
        r = members(ec, gid)[cid]["ReadEndpoint"]
        wait_until(lambda: tls_command(emulator, r["Port"], r["Address"], ("AUTH", TOKEN), ("GET", "after"))[1]
                   == b"$8\r\nfailover\r\n", timeout=20)


@pytest.mark.parametrize("kwargs, needle", [
    pytest.param(dict(TransitEncryptionEnabled=False, AuthToken=TOKEN), "TransitEncryptionEnabled", id="no-tls"),
    pytest.param(dict(AuthToken="short-token-15ch"[:15]), "16 to 128", id="too-short"),
    pytest.param(dict(AuthToken="x" * 129), "16 to 128", id="too-long"),
    pytest.param(dict(AuthToken="has@at-sign-0123456"), "special", id="at-sign"),
    pytest.param(dict(AuthToken="has/slash-01234567"), "special", id="slash"),
    pytest.param(dict(AuthToken='has"quote-01234567'), "special", id="quote"),
    pytest.param(dict(AuthToken="has space 01234567"), "special", id="space"),
    pytest.param(dict(TransitEncryptionMode="optional"), "TransitEncryptionMode", id="bad-mode"),
])
def test_auth_token_rules_are_enforced_as_aws_documents_them(emulator, kwargs, needle):
    """AWS CreateReplicationGroup (AuthToken): only with TransitEncryptionEnabled; 16 to
    128 printable ASCII characters; the only special characters allowed are
    !, &, #, $, ^, <, >, -. Violations are InvalidParameterValue and create nothing."""
    ec = emulator.client("elasticache")
    gid = unique("bad")
    args = dict(ReplicationGroupId=gid, ReplicationGroupDescription="t", CacheNodeType="cache.t4g.micro",
                Engine="redis", NumCacheClusters=1, TransitEncryptionEnabled=True)
    args.update(kwargs)
    with pytest.raises(ClientError) as info:
        ec.create_replication_group(**args)
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert needle in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        group(ec, gid)
    assert info.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_longest_token_with_every_permitted_special_character_is_accepted(emulator):
    """AWS: a 128-character token of letters, digits and !&#$^<>- is valid."""
    ec = emulator.client("elasticache")
    token = ("Ab9!&#$^<>-" * 12)[:128]
    gid = create(ec, n=1, token=token)
    ep = members(ec, gid)[f"{gid}-001"]["ReadEndpoint"]
    assert role_of(emulator, ep["Port"], ep["Address"], token=token) == "master"


def test_changing_security_in_place_is_refused_not_faked(emulator):
    """Emulator gap, made visible: AUTH token rotation / enabling TLS in place
    (ModifyReplicationGroup AuthToken, TransitEncryptionEnabled, ...) is refused with
    InvalidParameterValue instead of answering success without effect."""
    ec = emulator.client("elasticache")
    gid = create(ec, n=1)
    with pytest.raises(ClientError) as info:
        ec.modify_replication_group(ReplicationGroupId=gid, AuthToken=TOKEN + "x", AuthTokenUpdateStrategy="ROTATE",
                                    ApplyImmediately=True)
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"
    ep = members(ec, gid)[f"{gid}-001"]["ReadEndpoint"]
    assert role_of(emulator, ep["Port"], ep["Address"]) == "master"
