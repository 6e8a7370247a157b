"""ElastiCache extension (cluster mode disabled): replication groups whose nodes are
real redis-server processes on 127.0.0.1, with AWS's lifecycle around them.

- CreateReplicationGroup makes a primary and N-1 replicas (`<gid>-001`, `-002`, ...),
  'creating' for `node_create_seconds`, then 'available' with redis running (replicas
  REPLICAOF the primary).
- Each node has its own stable port (its ReadEndpoint port). The PrimaryEndpoint and
  ReaderEndpoint are stable loopback TCP proxies: the primary one forwards each new
  connection to the current primary, the reader one round-robins the available
  replicas (the primary when there is none), as AWS's DNS-based endpoints do.
- TestFailover, IncreaseReplicaCount, DecreaseReplicaCount and node replacement, each
  with the SNS notifications ElastiCache publishes, in its format
  (Message = {"ElastiCache:<Event>": "<id>", ...}), only while ElastiCache may publish
  to the topic (its access policy, no KMS); otherwise the topic goes `inactive`.
- Per-cluster notification configuration (ModifyCacheCluster), reported by
  DescribeCacheClusters as NotificationConfiguration {TopicArn, TopicStatus}.
- In-transit encryption (TLS only, certificates from emulator/tls.py) and AUTH tokens.
- Availability Zones: each member is in the AZ asked for (PreferredCacheClusterAZs,
  NodeGroupConfiguration, IncreaseReplicaCount's PreferredAvailabilityZones), otherwise
  spread over the cache subnet group's AZs (the region's a/b/c without one); a member
  keeps its AZ (and id and endpoint) through failover and node replacement.

Not covered: cluster mode enabled (left to moto), Multi-AZ rules, snapshots, RBAC user
groups, TransitEncryptionMode "preferred", AUTH token rotation, global datastores,
DescribeEvents.
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import random
import re
import socket
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.elasticache import exceptions as ec_exc
from moto.elasticache.exceptions import (
    CacheClusterNotFound,
    CacheSubnetGroupNotFound,
    InvalidParameterValueException,
    ReplicationGroupNotFound,
)
from moto.elasticache.models import ReplicationGroup, elasticache_backends
from moto.elasticache.responses import ElastiCacheResponse

from .procs import NodePorts, NodeSecurity, RedisProcesses, redis_command
from .settings import SETTINGS
from .sns_ext import policy_allows_service_publish
from .tls import TlsMaterial

log = logging.getLogger("emulator.elasticache")


class InvalidReplicationGroupState(ec_exc.ElastiCacheException):
    code = "InvalidReplicationGroupState"


class NodeGroupNotFound(ec_exc.ElastiCacheException):
    code = "NodeGroupNotFoundFault"


class TestFailoverNotAvailable(ec_exc.ElastiCacheException):
    code = "TestFailoverNotAvailableFault"


# moto only serialises exceptions it can attribute to the service's exceptions module.
for _cls in (InvalidReplicationGroupState, NodeGroupNotFound, TestFailoverNotAvailable):
    _cls.__module__ = "moto.elasticache.exceptions"

_REGION_SHORT = {
    "us-east-1": "use1", "us-east-2": "use2", "us-west-1": "usw1", "us-west-2": "usw2",
    "eu-west-1": "euw1", "eu-west-2": "euw2", "eu-central-1": "euc1",
    "ap-southeast-1": "apse1", "ap-southeast-2": "apse2", "ap-northeast-1": "apne1",
}
MAX_REPLICAS = 5


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.timezone.utc)


class TcpProxy:
    """A stable loopback port that forwards each new connection to `target()`."""

    def __init__(self, target: Callable[[], int | None]) -> None:
        self.target = target
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name=f"proxy-{self.port}").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            port = self.target()
            if port is None:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self._closed = True
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass
class Node:
    cluster_id: str
    address: str
    port: int
    az: str
    role: str  # primary | replica
    cluster_status: str = "creating"  # creating | available | modifying | deleting
    node_status: str = "creating"  # creating | available | rebooting | deleting
    created: datetime.datetime = field(default_factory=_now)
    proc: Any = None
    # This cluster's notification configuration (ElastiCache keeps one per cluster;
    # ModifyReplicationGroup sets every member's, ModifyCacheCluster one member's).
    topic_arn: str | None = None
    topic_status: str = "active"  # active | inactive
    security: NodeSecurity | None = None

    @property
    def available(self) -> bool:
        return self.cluster_status == "available"


@dataclass
class Group:
    account: str
    region: str
    gid: str
    rg: ReplicationGroup
    rand: str
    nodes: list[Node]
    topic_arn: str | None
    topic_status: str = "active"  # the group's own configuration (group-level events)
    created: bool = False
    busy: int = 0
    primary_proxy: TcpProxy | None = None
    reader_proxy: TcpProxy | None = None
    next_number: int = 1
    rr: itertools.count = field(default_factory=itertools.count)
    transit_encryption: bool = False
    auth_token: str | None = None
    # Where ElastiCache may place members: the AZs of the cache subnet group's subnets, or
    # (no subnet group: the default VPC's subnets) the region's a, b and c.
    subnet_group: str | None = None
    candidate_azs: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        return _REGION_SHORT.get(self.region, "use1")

    @property
    def primary_address(self) -> str:
        return f"{self.gid}.{self.rand}.ng.0001.{self.short}.cache.amazonaws.com"

    @property
    def reader_address(self) -> str:
        return f"{self.gid}-ro.{self.rand}.ng.0001.{self.short}.cache.amazonaws.com"

    def node_address(self, cid: str) -> str:
        return f"{cid}.{self.rand}.0001.{self.short}.cache.amazonaws.com"

    @property
    def status(self) -> str:
        if not self.created:
            return "creating"
        return "modifying" if self.busy > 0 else "available"

    def primary(self) -> Node | None:
        return next((n for n in self.nodes if n.role == "primary"), None)

    def node(self, cid: str) -> Node | None:
        return next((n for n in self.nodes if n.cluster_id == cid), None)


class ElastiCacheManager:
    def __init__(self, procs: RedisProcesses, tls: TlsMaterial | None = None) -> None:
        self.procs = procs
        self.node_ports = NodePorts()
        self.tls = tls
        self.lock = threading.RLock()
        self.groups: dict[tuple[str, str, str], Group] = {}
        self.events: list[dict[str, Any]] = []
        self._timers: list[threading.Timer] = []
        self._closed = False

    # -- helpers ------------------------------------------------------------------
    def _later(self, seconds: float, fn: Callable[[], None]) -> None:
        def run() -> None:
            if self._closed:
                return
            try:
                fn()
            except Exception:
                log.exception("scheduled ElastiCache transition failed")

        if seconds <= 0:
            run()
            return
        t = threading.Timer(seconds, run)
        t.daemon = True
        self._timers.append(t)
        t.start()

    def _registered(self, g: Group) -> bool:
        """False once the group was deleted: pending transitions then do nothing."""
        with self.lock:
            return self.groups.get((g.account, g.region, g.gid)) is g

    def _group(self, account: str, region: str, gid: str) -> Group:
        g = self.groups.get((account, region, gid))
        if g is None:
            raise ReplicationGroupNotFound(gid)
        return g

    @staticmethod
    def _spread(candidates: list[str], taken: list[str], count: int) -> list[str]:
        """ElastiCache's own choice of AZs ("Default: system chosen Availability Zones",
        CreateReplicationGroup PreferredCacheClusterAZs; "If this member of
        ReplicaConfiguration is omitted, ElastiCache selects the availability zone for each
        of the replicas", ConfigureShard PreferredAvailabilityZones,
        https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ConfigureShard.html).
        How AWS chooses is not documented; its guide recommends "that you create the primary
        node and read replicas in different Availability Zones" (Multi-AZ guide,
        https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html), so each new
        node goes to the candidate AZ with the fewest members (ties: candidate order)."""
        out: list[str] = []
        for _ in range(count):
            used = taken + out
            out.append(min(candidates, key=lambda az: (used.count(az), candidates.index(az))))
        return out

    def _may_publish(self, g: Group, topic_arn: str) -> tuple[bool, str]:
        """Can ElastiCache publish to `topic_arn` right now? As AWS documents it
        (ElastiCache guide, "Event Notifications and Amazon SNS",
        https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ElastiCacheSNS.html):
        the topic must be in the cluster's account and Region and must not be encrypted
        (a KMS-encrypted topic shows as inactive); and ("Managing ElastiCache Amazon SNS
        notifications", https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ECEvents.SNS.html)
        its access policy must allow Principal {"AWS": "*"} SNS:Publish under a condition
        on AWS:SourceOwner = the account id; aws:SourceAccount (the default of newly
        created topics) does not work, so ElastiCache's request carries AWS:SourceOwner
        only. The policy is read at each publish, like AWS does when it pushes."""
        from moto.sns.models import sns_backends

        parts = topic_arn.split(":")
        if len(parts) < 6 or parts[2] != "sns":
            return False, f"{topic_arn} is not an SNS topic ARN"
        if parts[4] != g.account or parts[3] != g.region:
            return False, "the topic is not in the cluster's account and Region"
        topic = sns_backends[g.account][g.region].topics.get(topic_arn)
        if topic is None:
            return False, "the topic does not exist"
        if getattr(topic, "kms_master_key_id", ""):
            return False, "the topic is encrypted (KmsMasterKeyId is set)"
        return policy_allows_service_publish(topic.policy, topic_arn, {"AWS:SourceOwner": g.account},
                                             required_keys=("aws:SourceOwner",))

    def publish(self, g: Group, event: str, source_id: str, node: Node | None = None,
                extra: dict[str, str] | None = None) -> None:
        """Publish an ElastiCache notification as ElastiCache does: the SNS Message is
        a JSON object keyed by the event name (plus `extra` keys, for the events AWS
        sends them with). A cluster's event goes to that cluster's topic, a group's
        event to the group's. Nothing is published while the configuration is
        inactive; a topic ElastiCache may not publish to is set inactive, for the group
        and every member notifying it, and stays so until the notification
        configuration is modified (ModifyReplicationGroup / ModifyCacheCluster with
        NotificationTopicArn or NotificationTopicStatus=active). Silently, as on AWS:
        the event is still recorded (GET /_replica_dns/elasticache/events, with the
        reason)."""
        body = {f"ElastiCache:{event}": source_id}
        body.update(extra or {})
        message = json.dumps(body)
        with self.lock:
            topic_arn = node.topic_arn if node is not None else g.topic_arn
            status = node.topic_status if node is not None else g.topic_status
        record: dict[str, Any] = {"time": _now().isoformat(), "topicArn": topic_arn,
                                  "event": f"ElastiCache:{event}", "sourceId": source_id,
                                  "message": message, "published": False}
        if not topic_arn:
            record["reason"] = "no notification topic configured"
        elif status != "active":
            record["reason"] = "the notification topic is inactive"
        else:
            ok, why = self._may_publish(g, topic_arn)
            if not ok:
                record["reason"] = f"ElastiCache cannot publish: {why}; topic set inactive"
                log.warning("ElastiCache cannot publish %s to %s (%s): topic status now inactive",
                            event, topic_arn, why)
                with self.lock:
                    if g.topic_arn == topic_arn:
                        g.topic_status = "inactive"
                    for n in g.nodes:
                        if n.topic_arn == topic_arn:
                            n.topic_status = "inactive"
            else:
                try:
                    from moto.sns.models import sns_backends

                    backend = sns_backends[g.account][g.region]
                    record["messageId"] = backend.publish(message=message, arn=topic_arn)
                    record["published"] = True
                except Exception as exc:  # a delivery failure is SNS's business, not a status change
                    record["reason"] = f"SNS publish failed: {exc}"
                    log.warning("could not publish %s to %s: %s", event, topic_arn, exc)
        with self.lock:
            self.events.append(record)

    def _start_node(self, g: Group, n: Node, replicaof: int | None) -> None:
        n.proc = self.procs.start(f"{g.gid}/{n.cluster_id}", n.port, replicaof, n.security)

    def _replicaof(self, n: Node, primary_port: int | None) -> None:
        if primary_port is None:
            redis_command(n.port, "REPLICAOF", "NO", "ONE", security=n.security)
        else:
            redis_command(n.port, "REPLICAOF", "127.0.0.1", str(primary_port), security=n.security)

    def _new_node(self, g: Group, cid: str, az: str, role: str) -> Node:
        """A member cluster with the group's notification configuration and, for a TLS
        group, its own server certificate naming its endpoint and the group's primary
        and reader endpoints (the names a client may verify)."""
        n = Node(cluster_id=cid, address=g.node_address(cid), port=self.node_ports.take(), az=az, role=role,
                 topic_arn=g.topic_arn, topic_status=g.topic_status)
        if g.transit_encryption:
            assert self.tls is not None, "TLS material missing"
            cert = self.tls.issue(f"{g.gid}-{cid}", [n.address, g.primary_address, g.reader_address])
            n.security = NodeSecurity(cert_file=cert.cert_file, key_file=cert.key_file,
                                      ca_file=self.tls.ca_file, password=g.auth_token,
                                      hostname=n.address, client_context=self.tls.client_context())
        elif g.auth_token is not None:
            n.security = NodeSecurity(password=g.auth_token, hostname=n.address)
        return n

    def _sync(self, g: Group) -> None:
        """Mirror our state into moto's ReplicationGroup object (what moto serialises)."""
        rg = g.rg
        primary = g.primary()
        rg.status = g.status
        rg.member_clusters = [n.cluster_id for n in g.nodes]
        rg.primary_cluster_id = primary.cluster_id if primary else None
        members = []
        for n in g.nodes:
            members.append({
                "cache_cluster_id": n.cluster_id,
                "cache_node_id": "0001",
                "read_endpoint": {"address": n.address, "port": n.port},
                "preferred_availability_zone": n.az,
                "current_role": n.role,
            })
        ng: dict[str, Any] = {
            "node_group_id": "0001",
            "status": g.status,
            "node_group_members": members,
            "primary_endpoint": {"address": g.primary_address, "port": g.primary_proxy.port if g.primary_proxy else 6379},
            "reader_endpoint": {"address": g.reader_address, "port": g.reader_proxy.port if g.reader_proxy else 6379},
        }
        rg.node_groups = [ng]

    def _primary_target(self, g: Group) -> int | None:
        with self.lock:
            p = g.primary()
            return p.port if p and p.available else None

    def _reader_target(self, g: Group) -> int | None:
        with self.lock:
            replicas = [n for n in g.nodes if n.role == "replica" and n.available]
            if not replicas:
                return self._primary_target(g)
            return replicas[next(g.rr) % len(replicas)].port

    # -- lookups used by the DNS server and the control API ------------------------
    def resolve(self, name: str) -> str | None:
        name = name.rstrip(".").lower()
        with self.lock:
            for g in self.groups.values():
                if name in (g.primary_address, g.reader_address):
                    return "127.0.0.1"
                for n in g.nodes:
                    if name == n.address:
                        return "127.0.0.1"
        return None

    def describe_nodes(self) -> list[dict[str, Any]]:
        with self.lock:
            out = []
            for g in self.groups.values():
                for n in g.nodes:
                    out.append({
                        "replicationGroupId": g.gid, "cacheClusterId": n.cluster_id,
                        "address": n.address, "port": n.port, "role": n.role, "availabilityZone": n.az,
                        "cacheClusterStatus": n.cluster_status, "cacheNodeStatus": n.node_status,
                        "pid": n.proc.pid if n.proc is not None and n.proc.poll() is None else None,
                    })
            return out

    def find_cluster(self, cid: str) -> tuple[Group, Node]:
        with self.lock:
            for g in self.groups.values():
                n = g.node(cid)
                if n is not None:
                    return g, n
        raise CacheClusterNotFound(cid)

    # -- operations -----------------------------------------------------------------
    def create_group(self, account: str, region: str, rg: ReplicationGroup, total: int,
                     azs: list[str] | None, topic_arn: str | None, transit_encryption: bool = False,
                     auth_token: str | None = None, subnet_group: str | None = None,
                     candidate_azs: list[str] | None = None) -> None:
        """`azs`: one AZ per member, primary first (PreferredCacheClusterAZs, or the
        NodeGroupConfiguration's PrimaryAvailabilityZone + ReplicaAvailabilityZones), already
        checked against `total`; None: ElastiCache chooses (`_spread`)."""
        rand = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
        g = Group(account=account, region=region, gid=rg.replication_group_id, rg=rg, rand=rand,
                  nodes=[], topic_arn=topic_arn, transit_encryption=transit_encryption,
                  auth_token=auth_token, subnet_group=subnet_group,
                  candidate_azs=candidate_azs or [f"{region}{x}" for x in "abc"])
        given = [a for a in azs or [] if a]
        # Only one side of a NodeGroupConfiguration given: ElastiCache chooses the rest.
        fill = iter(self._spread(g.candidate_azs, given, total - len(given)))
        placed = [a or next(fill) for a in azs] if azs else list(fill)
        for i in range(total):
            cid = f"{g.gid}-{i + 1:03d}"
            g.nodes.append(self._new_node(g, cid, placed[i], "primary" if i == 0 else "replica"))
        g.next_number = total + 1
        g.primary_proxy = TcpProxy(lambda: self._primary_target(g))
        g.reader_proxy = TcpProxy(lambda: self._reader_target(g))
        with self.lock:
            self.groups[(account, region, g.gid)] = g
            self._sync(g)

        def finish() -> None:
            if not self._registered(g):
                return
            primary = g.nodes[0]
            self._start_node(g, primary, None)
            for n in g.nodes[1:]:
                self._start_node(g, n, primary.port)
            with self.lock:
                for n in g.nodes:
                    n.cluster_status = n.node_status = "available"
                g.created = True
                self._sync(g)
            for n in g.nodes:
                self.publish(g, "CacheClusterProvisioningComplete", n.cluster_id, node=n)
            # ElastiCache guide, "Event Notifications and Amazon SNS": "The replication
            # group was successfully created." (after its clusters; the order between
            # the two kinds is not documented).
            self.publish(g, "CreateReplicationGroupComplete", g.gid)

        self._later(SETTINGS.node_create_seconds, finish)

    def delete_group(self, account: str, region: str, gid: str) -> None:
        with self.lock:
            g = self.groups.pop((account, region, gid), None)
        if g is None:
            return
        for n in g.nodes:
            self.procs.stop(n.proc)
        for p in (g.primary_proxy, g.reader_proxy):
            if p:
                p.close()

    def set_topic(self, account: str, region: str, gid: str, topic_arn: str | None, status: str | None) -> None:
        """ModifyReplicationGroup's NotificationTopicArn / NotificationTopicStatus: the
        group's configuration and every member's. A new topic ARN starts active
        (ElastiCache guide, "Managing ElastiCache Amazon SNS notifications": after fixing
        the policy, re-enable the notifications by modifying the configuration)."""
        with self.lock:
            g = self.groups.get((account, region, gid))
            if g is None:
                return
            targets: list[Group | Node] = [g, *g.nodes]
            for t in targets:
                if topic_arn is not None:
                    t.topic_arn = topic_arn or None
                    t.topic_status = "active"
                if status is not None:
                    t.topic_status = status

    def set_cluster_topic(self, account: str, region: str, cid: str, topic_arn: str | None,
                          status: str | None) -> dict[str, Any]:
        """ModifyCacheCluster's NotificationTopicArn / NotificationTopicStatus for one
        member cluster ("Managing ElastiCache Amazon SNS notifications": modify-cache-cluster
        --notification-topic-arn / --notification-topic-status)."""
        with self.lock:
            for (acc, reg, _), g in self.groups.items():
                n = g.node(cid) if (acc, reg) == (account, region) else None
                if n is None:
                    continue
                if topic_arn is not None:
                    n.topic_arn = topic_arn or None
                    n.topic_status = "active"
                if status is not None:
                    n.topic_status = status
                return self.cluster_dicts(account, region, cid, show_nodes=False)[0]
        raise CacheClusterNotFound(cid)

    def test_failover(self, account: str, region: str, gid: str, node_group_id: str) -> ReplicationGroup:
        with self.lock:
            g = self._group(account, region, gid)
            if node_group_id.lstrip("0") != "1":
                raise NodeGroupNotFound(f"The node group {node_group_id} was not found in replication group {gid}")
            if g.status != "available":
                raise InvalidReplicationGroupState(f"Replication group {gid} is not in available state")
            primary = g.primary()
            if primary is None or not primary.available or not any(
                n.role == "replica" and n.available for n in g.nodes
            ):
                raise TestFailoverNotAvailable(f"Test failover is not available for replication group {gid}: no available replica")
            g.busy += 1
            self._sync(g)
        self._later(SETTINGS.failover_seconds, lambda: self._failover(g, primary, SETTINGS.node_replace_seconds))
        return g.rg

    def _failover(self, g: Group, old: Node, replace_seconds: float) -> None:
        """Promote the first available replica, demote `old` and replace it."""
        with self.lock:
            candidates = [n for n in g.nodes if n.role == "replica" and n.available]
            if not candidates:
                g.busy -= 1
                self._sync(g)
                return
            new = candidates[0]
            self._replicaof(new, None)
            new.role = "primary"
            old.role = "replica"
            for n in g.nodes:
                if n is not new and n is not old and n.available:
                    self._replicaof(n, new.port)
            old.cluster_status, old.node_status = "modifying", "rebooting"
            self._sync(g)
        self.procs.stop(old.proc)
        old.proc = None
        # The documented order (ElastiCache guide, "Testing Multi-AZ with Automatic
        # Failover", DescribeEvents messages): "Test Failover API called for node group"
        # (group), "Failover from master node X to replica node Y completed" (cluster,
        # then group), "Recovering cache nodes" (cluster), "Finished recovery for cache
        # nodes" (cluster); https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html
        # Of these, the SNS event table ("Event Notifications and Amazon SNS") lists
        # FailoverComplete ("Failover to replica node %s completed"),
        # CacheNodeReplaceStarted and CacheNodeReplaceComplete ("Finished recovery for
        # cache nodes %s"); it has no event for "Test Failover API called", so none is
        # published. FailoverComplete is one message keyed by the group with the
        # promoted cluster and the group beside it, as delivered notifications carry
        # them ({"ElastiCache:FailoverComplete": "my-group", "Cache Cluster ID":
        # "my-group-001", "Replication Group ID": "my-group"}); which member AWS names
        # in "Cache Cluster ID" is not documented: here the promoted replica, the node
        # the documented message text names.
        self.publish(g, "FailoverComplete", g.gid,
                     extra={"Cache Cluster ID": new.cluster_id, "Replication Group ID": g.gid})
        self.publish(g, "CacheNodeReplaceStarted", old.cluster_id, node=old)
        self._later(replace_seconds, lambda: self._replace_done(g, old))

    def _replace_done(self, g: Group, n: Node) -> None:
        # The same Node comes back: same cluster id, AZ and endpoint. Multi-AZ guide,
        # "Failure scenarios with Multi-AZ responses" (link in _spread): "a replacement read
        # replica is created and provisioned in the same Availability Zone as the failed
        # primary", "The replacement replicas are created in the Availability Zones of the
        # failed nodes so that the distribution of nodes is maintained", and "each of the
        # replacement nodes will have the same endpoint as the node it is replacing".
        with self.lock:
            if n not in g.nodes or not self._registered(g):
                return
            primary = g.primary()
            primary_port = primary.port if primary is not None and primary is not n else None
        self._start_node(g, n, primary_port)
        with self.lock:
            n.cluster_status = n.node_status = "available"
            g.busy -= 1
            self._sync(g)
        self.publish(g, "CacheNodeReplaceComplete", n.cluster_id, node=n)

    def replace_node(self, cid: str, seconds: float | None) -> dict[str, Any]:
        """Replace a node like ElastiCache's recovery does: unavailable for `seconds`,
        then back with the same endpoint as a replica. Replacing the primary fails over
        to a replica first (FailoverComplete), as a Multi-AZ group does."""
        secs = SETTINGS.node_replace_seconds if seconds is None else float(seconds)
        with self.lock:
            g, n = self.find_cluster(cid)
            if not n.available:
                raise InvalidReplicationGroupState(f"Cache cluster {cid} is not available (status {n.cluster_status})")
            g.busy += 1
            if n.role == "primary" and any(m.role == "replica" and m.available for m in g.nodes):
                self._sync(g)
                failover = True
            else:
                failover = False
                n.cluster_status, n.node_status = "modifying", "rebooting"
                self._sync(g)
        if failover:
            self._later(0, lambda: self._failover(g, n, secs))
        else:
            self.procs.stop(n.proc)
            n.proc = None
            self.publish(g, "CacheNodeReplaceStarted", n.cluster_id, node=n)
            self._later(secs, lambda: self._replace_done(g, n))
        return {"replicationGroupId": g.gid, "cacheClusterId": cid, "seconds": secs, "failover": failover}

    def increase_replica_count(self, account: str, region: str, gid: str, new_count: int | None,
                               config: list[dict[str, Any]] | None) -> ReplicationGroup:
        azs = None
        if config:
            shard = config[0]
            new_count = int(shard.get("NewReplicaCount", new_count or 0))
            azs = shard.get("PreferredAvailabilityZones")
        if new_count is None:
            raise InvalidParameterValueException("Either NewReplicaCount or ReplicaConfiguration must be provided.")
        with self.lock:
            g = self._group(account, region, gid)
            if g.status != "available":
                raise InvalidReplicationGroupState(f"Replication group {gid} is not in available state")
            current = len(g.nodes) - 1
            if new_count <= current:
                raise InvalidParameterValueException(
                    f"The new replica count {new_count} must be greater than the current replica count {current}.")
            if new_count > MAX_REPLICAS:
                raise InvalidParameterValueException(
                    f"The new replica count {new_count} exceeds the maximum of {MAX_REPLICAS} replicas.")
            # ConfigureShard PreferredAvailabilityZones (API reference, link in _spread):
            # "A list of PreferredAvailabilityZone strings that specify which availability
            # zones the replication group's nodes are to be in. The nummber [sic] of
            # PreferredAvailabilityZone values must equal the value of NewReplicaCount plus 1
            # to account for the primary node." Existing members do not move (an AZ is
            # fixed at creation), so the new replicas take the entries past the current
            # members: [primary, existing replicas..., new replicas...]. Whether AWS checks
            # the leading entries against the existing members is not documented: not here.
            if azs:
                if len(azs) != new_count + 1:
                    raise InvalidParameterValueException(
                        f"The number of PreferredAvailabilityZones ({len(azs)}) must equal NewReplicaCount "
                        f"plus 1 ({new_count + 1}).")
                _check_azs(g.subnet_group, g.candidate_azs, azs, "PreferredAvailabilityZones")
                placed = list(azs[len(g.nodes):])
            else:
                placed = self._spread(g.candidate_azs, [n.az for n in g.nodes], new_count - current)
            added = []
            for i in range(new_count - current):
                cid = f"{g.gid}-{g.next_number:03d}"
                g.next_number += 1
                node = self._new_node(g, cid, placed[i], "replica")
                g.nodes.append(node)
                added.append(node)
            g.busy += 1
            self._sync(g)
        # "Event Notifications and Amazon SNS": "The process of adding replicas to your
        # cluster has begun."
        self.publish(g, "ReplicationGroupIncreaseReplicaCountStarted", g.gid)

        def finish() -> None:
            for n in added:
                if not self._registered(g):
                    return
                with self.lock:
                    p = g.primary()
                    primary_port = p.port if p is not None and p.available else None
                self._start_node(g, n, primary_port)
                with self.lock:
                    n.cluster_status = n.node_status = "available"
                    self._sync(g)
            for n in added:
                self.publish(g, "CacheClusterProvisioningComplete", n.cluster_id, node=n)
            with self.lock:
                g.busy -= 1
                self._sync(g)
            self.publish(g, "ReplicationGroupIncreaseReplicaCountFinished", g.gid)

        self._later(SETTINGS.node_create_seconds, finish)
        return g.rg

    def decrease_replica_count(self, account: str, region: str, gid: str, new_count: int | None,
                               config: list[dict[str, Any]] | None, to_remove: list[str] | None) -> ReplicationGroup:
        if config:
            new_count = int(config[0].get("NewReplicaCount", new_count or 0))
        with self.lock:
            g = self._group(account, region, gid)
            if g.status != "available":
                raise InvalidReplicationGroupState(f"Replication group {gid} is not in available state")
            replicas = [n for n in g.nodes if n.role == "replica"]
            if to_remove:
                chosen = []
                for cid in to_remove:
                    n = g.node(cid)
                    if n is None:
                        raise InvalidParameterValueException(
                            f"Cache cluster {cid} is not a member of replication group {gid}.")
                    if n.role == "primary":
                        raise InvalidParameterValueException(
                            f"Cannot remove the primary cache cluster {cid} of replication group {gid}.")
                    chosen.append(n)
                if new_count is not None and len(replicas) - len(chosen) != new_count:
                    raise InvalidParameterCombination(
                        "ReplicasToRemove and NewReplicaCount do not agree.")
            else:
                if new_count is None:
                    raise InvalidParameterValueException(
                        "Either NewReplicaCount, ReplicaConfiguration or ReplicasToRemove must be provided.")
                if new_count < 0 or new_count >= len(replicas):
                    raise InvalidParameterValueException(
                        f"The new replica count {new_count} must be less than the current replica count {len(replicas)}.")
                chosen = sorted(replicas, key=lambda n: n.cluster_id)[new_count:]
            for n in chosen:
                n.cluster_status, n.node_status = "deleting", "deleting"
            g.busy += 1
            self._sync(g)

        def finish() -> None:
            for n in chosen:
                self.procs.stop(n.proc)
                n.proc = None
            with self.lock:
                g.nodes = [n for n in g.nodes if n not in chosen]
                g.busy -= 1
                self._sync(g)
            for n in chosen:
                self.publish(g, "DeleteCacheClusterComplete", n.cluster_id, node=n)

        self._later(SETTINGS.node_delete_seconds, finish)
        return g.rg

    def cluster_dicts(self, account: str, region: str, cid: str | None, show_nodes: bool) -> list[dict[str, Any]]:
        out = []
        with self.lock:
            for (acc, reg, _), g in self.groups.items():
                if acc != account or reg != region:
                    continue
                for n in g.nodes:
                    if cid and n.cluster_id != cid:
                        continue
                    d: dict[str, Any] = {
                        "CacheClusterId": n.cluster_id,
                        "ReplicationGroupId": g.gid,
                        "CacheClusterStatus": n.cluster_status,
                        "CacheNodeType": g.rg.cache_node_type,
                        "Engine": g.rg.engine,
                        "EngineVersion": g.rg.engine_version or "7.1",
                        "NumCacheNodes": 1,
                        "PreferredAvailabilityZone": n.az,
                        "CacheClusterCreateTime": n.created,
                        "ARN": f"arn:aws:elasticache:{region}:{account}:cluster:{n.cluster_id}",
                        "AutoMinorVersionUpgrade": True,
                        "SnapshotRetentionLimit": 0,
                        "AuthTokenEnabled": g.auth_token is not None,
                        "TransitEncryptionEnabled": g.transit_encryption,
                        "AtRestEncryptionEnabled": bool(g.rg.at_rest_encryption_enabled),
                        "ReplicationGroupLogDeliveryEnabled": False,
                        "NetworkType": "ipv4",
                        "IpDiscovery": "ipv4",
                    }
                    if g.subnet_group:
                        d["CacheSubnetGroupName"] = g.subnet_group
                    if g.transit_encryption:
                        d["TransitEncryptionMode"] = "required"
                    if g.auth_token is not None and g.rg.auth_token_last_modified_date:
                        d["AuthTokenLastModifiedDate"] = g.rg.auth_token_last_modified_date
                    if n.topic_arn:
                        # API reference, NotificationConfiguration {TopicArn, TopicStatus}:
                        # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_NotificationConfiguration.html
                        d["NotificationConfiguration"] = {"TopicArn": n.topic_arn, "TopicStatus": n.topic_status}
                    if show_nodes:
                        d["CacheNodes"] = [{
                            "CacheNodeId": "0001",
                            "CacheNodeStatus": n.node_status,
                            "CacheNodeCreateTime": n.created,
                            "Endpoint": {"Address": n.address, "Port": n.port},
                            "ParameterGroupStatus": "in-sync",
                            "CustomerAvailabilityZone": n.az,
                        }]
                    out.append(d)
        return out

    def close(self) -> None:
        self._closed = True
        for t in self._timers:
            t.cancel()
        with self.lock:
            groups = list(self.groups.values())
            self.groups.clear()
        for g in groups:
            for p in (g.primary_proxy, g.reader_proxy):
                if p:
                    p.close()


class InvalidParameterCombination(ec_exc.InvalidParameterCombinationException):
    pass


InvalidParameterCombination.__module__ = "moto.elasticache.exceptions"

MANAGER: ElastiCacheManager | None = None


def _mgr() -> ElastiCacheManager:
    assert MANAGER is not None, "elasticache_ext.install() not called"
    return MANAGER


_orig_create = ElastiCacheResponse.create_replication_group
_orig_describe_cc = ElastiCacheResponse.describe_cache_clusters
_orig_describe_rg = ElastiCacheResponse.describe_replication_groups
_orig_delete_rg = ElastiCacheResponse.delete_replication_group
_orig_modify_rg = ElastiCacheResponse.modify_replication_group


def _check_azs(subnet_group: str | None, candidates: list[str], azs: list[str], param: str) -> None:
    """CreateReplicationGroup PreferredCacheClusterAZs: "If you are creating your
    replication group in an Amazon VPC (recommended), you can only locate clusters in
    Availability Zones associated with the subnets in the selected subnet group."
    (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html;
    the error wording is ours, AWS's is not documented.) Without a subnet group any AZ
    name is taken as given."""
    if subnet_group is None:
        return
    for az in azs:
        if az not in candidates:
            raise InvalidParameterValueException(
                f"{param}: Availability Zone {az} is not associated with a subnet of cache subnet group "
                f"{subnet_group} ({', '.join(candidates)}).")


def _subnet_group_azs(self: ElastiCacheResponse, name: str | None) -> tuple[str | None, list[str] | None]:
    """The AZs of a cache subnet group's subnets (moto models subnet groups over its EC2
    subnets), in subnet order, each once. No subnet group: (None, None), the caller's
    default (the region's a, b, c, standing in for the default VPC's subnets). An unknown
    name is CacheSubnetGroupNotFoundFault, as on AWS."""
    if not name:
        return None, None
    sg = self.elasticache_backend.cache_subnet_groups.get(name)
    if sg is None:
        raise CacheSubnetGroupNotFound(name)
    azs: list[str] = []
    for sub in sg.subnets:
        az = sub.get("subnet_availability_zone") or sub.get("Subnet_availability_zone")
        if isinstance(az, dict):
            az = az.get("Name")
        if az and az not in azs:
            azs.append(az)
    return name, azs or None


def _create_replication_group(self: ElastiCacheResponse) -> ActionResult:
    cluster_mode = (self._get_param("ClusterMode") or "").lower()
    num_node_groups = self._get_int_param("NumNodeGroups")
    if cluster_mode == "enabled" or (num_node_groups or 1) > 1:
        return _orig_create(self)  # cluster mode enabled: moto as is
    num = self._get_int_param("NumCacheClusters")
    per = self._get_int_param("ReplicasPerNodeGroup")
    ngc = self._get_param("NodeGroupConfiguration") or []
    if num is not None:
        total = num
    elif per is not None:
        total = per + 1
    elif ngc and ngc[0].get("ReplicaCount") is not None:
        total = int(ngc[0]["ReplicaCount"]) + 1
    else:
        total = 1
    if not 1 <= total <= MAX_REPLICAS + 1:
        raise InvalidParameterValueException(
            f"NumCacheClusters must be between 1 and {MAX_REPLICAS + 1} for a replication group (got {total}).")
    transit = bool(self._get_bool_param("TransitEncryptionEnabled", False))
    token = self._get_param("AuthToken")
    _check_security(transit, token, self._get_param("TransitEncryptionMode"), self._get_param("UserGroupIds"))
    # Member AZs (API reference, CreateReplicationGroup / NodeGroupConfiguration): with
    # PreferredCacheClusterAZs "The primary cluster is created in the first AZ in the list"
    # and "The number of Availability Zones listed must equal the value of NumCacheClusters";
    # with NodeGroupConfiguration, PrimaryAvailabilityZone is "The Availability Zone where
    # the primary node of this node group (shard) is launched" and ReplicaAvailabilityZones
    # "A list of Availability Zones to be used for the read replicas. The number of
    # Availability Zones in this list must match the value of ReplicaCount or
    # ReplicasPerNodeGroup if not specified." (Error wording ours: not documented.)
    azs = self._get_param("PreferredCacheClusterAZs") or None
    if azs and len(azs) != total:
        raise InvalidParameterValueException(
            f"The number of PreferredCacheClusterAZs ({len(azs)}) must equal NumCacheClusters ({total}).")
    if not azs and ngc:
        first = ngc[0]
        primary_az = first.get("PrimaryAvailabilityZone")
        replica_azs = list(first.get("ReplicaAvailabilityZones") or [])
        if replica_azs and len(replica_azs) != total - 1:
            raise InvalidParameterValueException(
                f"The number of ReplicaAvailabilityZones ({len(replica_azs)}) must match the replica count "
                f"({total - 1}).")
        if primary_az or replica_azs:
            # Only one side given: ElastiCache chooses the other (placed after the given ones).
            azs = [primary_az] + (replica_azs or [None] * (total - 1))
    subnet_group, candidates = _subnet_group_azs(self, self._get_param("CacheSubnetGroupName"))
    _check_azs(subnet_group, candidates or [], [a for a in azs or [] if a], "PreferredCacheClusterAZs")
    _orig_create(self)  # moto validates and stores the group object
    gid = self._get_param("ReplicationGroupId")
    rg = self.elasticache_backend.replication_groups[gid]
    rg.transit_encryption_enabled = transit
    rg.transit_encryption_mode = "required" if transit else None
    rg.at_rest_encryption_enabled = bool(self._get_bool_param("AtRestEncryptionEnabled", False))
    _mgr().create_group(self.current_account, self.region, rg, total, azs, self._get_param("NotificationTopicArn"),
                        transit_encryption=transit, auth_token=token, subnet_group=subnet_group,
                        candidate_azs=candidates)
    return ActionResult({"ReplicationGroup": rg})


# AuthToken rules, CreateReplicationGroup API reference (AuthToken):
# https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
# "AuthToken can be specified only on replication groups where TransitEncryptionEnabled
# is true"; printable ASCII only, 16 to 128 characters, "The only permitted printable
# special characters are !, &, #, $, ^, <, >, and -". Same in the ElastiCache guide,
# "Authenticating with the Valkey and Redis OSS AUTH command":
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html
_AUTH_TOKEN = re.compile(r"[A-Za-z0-9!&#$^<>-]{16,128}")


def _check_security(transit: bool, token: str | None, mode: str | None, user_groups: Any) -> None:
    if token is not None:
        if not transit:
            raise InvalidParameterValueException(
                "AuthToken can be specified only on replication groups where TransitEncryptionEnabled is true.")
        if not 16 <= len(token) <= 128:
            raise InvalidParameterValueException("Invalid AuthToken provided: it must be 16 to 128 characters long.")
        if not _AUTH_TOKEN.fullmatch(token):
            raise InvalidParameterValueException(
                "Invalid AuthToken provided: only printable ASCII letters, digits and the special "
                "characters !, &, #, $, ^, <, >, - are permitted.")
    if mode is not None:
        # TransitEncryptionMode: "preferred" | "required" (same API reference page).
        if mode not in ("preferred", "required"):
            raise InvalidParameterValueException(
                f"Invalid TransitEncryptionMode {mode!r}: valid values are preferred and required.")
        if not transit:
            raise InvalidParameterValueException(
                "TransitEncryptionMode can be set only when TransitEncryptionEnabled is true.")
        if mode == "preferred":
            # AWS serves TLS and plaintext on one port; one redis-server cannot.
            raise InvalidParameterValueException(
                "TransitEncryptionMode preferred is not modelled by the replica-dns emulator; use required.")
    if user_groups:
        raise InvalidParameterValueException(
            "UserGroupIds (RBAC) is not modelled by the replica-dns emulator; use AuthToken.")


# DescribeCacheClusters pagination, API reference
# (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheClusters.html):
# MaxRecords "Default: 100. Constraints: minimum 20; maximum 100"; "If more records exist
# than the specified MaxRecords value, a marker is included in the response so that the
# remaining results can be retrieved", and a request with Marker "includes only records
# beyond the marker, up to the value specified by MaxRecords". The marker is opaque; here
# it is the last id returned, so clusters created or deleted between pages never shift
# the position.
CLUSTERS_PAGE_DEFAULT, CLUSTERS_PAGE_MIN, CLUSTERS_PAGE_MAX = 100, 20, 100


def _max_records(self: ElastiCacheResponse, default: int, low: int, high: int) -> int:
    """A Describe* request's MaxRecords (the default when absent), refused outside
    [low, high] with InvalidParameterValue as the API does."""
    max_records = self._get_int_param("MaxRecords")
    if max_records is None:
        return default
    if not low <= max_records <= high:
        raise InvalidParameterValueException(
            f"Invalid value for MaxRecords: {max_records}. It must be between {low} and {high}.")
    return max_records


def _cluster_id(c: Any) -> str:
    return c["CacheClusterId"] if isinstance(c, dict) else c.cache_cluster_id


def _describe_cache_clusters(self: ElastiCacheResponse) -> ActionResult:
    cid = self._get_param("CacheClusterId")
    show = bool(self._get_bool_param("ShowCacheNodeInfo", False))
    not_in_rg = bool(self._get_bool_param("ShowCacheClustersNotInReplicationGroups", False))
    max_records = _max_records(self, CLUSTERS_PAGE_DEFAULT, CLUSTERS_PAGE_MIN, CLUSTERS_PAGE_MAX)
    managed = [] if not_in_rg else _mgr().cluster_dicts(self.current_account, self.region, cid, show)
    if cid:
        if managed:
            return ActionResult({"CacheClusters": managed})
        return _orig_describe_cc(self)
    others = list(self.elasticache_backend.describe_cache_clusters())
    clusters = sorted(managed + others, key=lambda c: _cluster_id(c).lower())
    marker = self._get_param("Marker")
    if marker:
        clusters = [c for c in clusters if _cluster_id(c).lower() > marker.lower()]
    page = clusters[:max_records]
    result: dict[str, Any] = {"CacheClusters": page}
    if len(clusters) > max_records:
        result["Marker"] = _cluster_id(page[-1])
    return ActionResult(result)


# DescribeReplicationGroups, API reference
# (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeReplicationGroups.html):
# ReplicationGroupId: "If you do not specify this parameter, information about all
# replication groups is returned."; MaxRecords "Default: 100. Constraints: minimum 20;
# maximum 100" and "If more records exist than the specified MaxRecords value, a marker
# is included in the response so that the remaining results can be retrieved"; Marker:
# "If this parameter is specified, the response includes only records beyond the
# marker, up to the value specified by MaxRecords." moto 5.2.5 lists the groups in
# creation order through its generic paginator: any MaxRecords taken (5, 101...), and a
# marker naming the next group, so the listing fails (InvalidToken) when that group is
# deleted between pages. Here, as DescribeCacheClusters above: every group of the
# account and Region (the emulated ones and moto's own, cluster mode enabled), ordered
# by id (case-insensitive), the marker is the last id returned. A listed group is the very
# object a by-id describe serialises (kept up to date by ElastiCacheManager._sync), so
# MemberClusters, NodeGroups (members, CurrentRole, endpoints), Status and the
# security fields are the same either way.
GROUPS_PAGE_DEFAULT, GROUPS_PAGE_MIN, GROUPS_PAGE_MAX = 100, 20, 100


def _describe_replication_groups(self: ElastiCacheResponse) -> ActionResult:
    max_records = _max_records(self, GROUPS_PAGE_DEFAULT, GROUPS_PAGE_MIN, GROUPS_PAGE_MAX)
    if self._get_param("ReplicationGroupId"):
        return _orig_describe_rg(self)  # by id: moto as is (ReplicationGroupNotFoundFault)
    groups = sorted(self.elasticache_backend.replication_groups.values(),
                    key=lambda g: g.replication_group_id.lower())
    marker = self._get_param("Marker")
    if marker:
        groups = [g for g in groups if g.replication_group_id.lower() > marker.lower()]
    page = groups[:max_records]
    result: dict[str, Any] = {"ReplicationGroups": page}
    if len(groups) > max_records:
        result["Marker"] = page[-1].replication_group_id
    return ActionResult(result)


def _delete_replication_group(self: ElastiCacheResponse) -> ActionResult:
    gid = self._get_param("ReplicationGroupId")
    result = _orig_delete_rg(self)
    _mgr().delete_group(self.current_account, self.region, gid)
    self.elasticache_backend.replication_groups.pop(gid, None)
    return result


def _topic_status_param(self: ElastiCacheResponse) -> str | None:
    status = self._get_param("NotificationTopicStatus")
    if status is not None and status not in ("active", "inactive"):
        raise InvalidParameterValueException(
            f"Invalid NotificationTopicStatus {status!r}: valid values are active and inactive.")
    return status


_UNMODELLED_MODIFY = ("AuthToken", "AuthTokenUpdateStrategy", "TransitEncryptionEnabled",
                      "TransitEncryptionMode", "UserGroupIdsToAdd", "UserGroupIdsToRemove")


def _modify_replication_group(self: ElastiCacheResponse) -> ActionResult:
    # Changing security in place (AUTH token rotation, enabling TLS, RBAC) is not
    # modelled; refuse it rather than answer success and change nothing.
    for name in _UNMODELLED_MODIFY:
        if self._get_param(name) is not None:
            raise InvalidParameterValueException(
                f"ModifyReplicationGroup {name} is not modelled by the replica-dns emulator.")
    status = _topic_status_param(self)
    result = _orig_modify_rg(self)
    _mgr().set_topic(self.current_account, self.region, self._get_param("ReplicationGroupId"),
                     self._get_param("NotificationTopicArn"), status)
    return result


def _modify_cache_cluster(self: ElastiCacheResponse) -> ActionResult:
    """ModifyCacheCluster (missing in moto 5.2.5) for member clusters of emulated
    groups: NotificationTopicArn / NotificationTopicStatus of that cluster."""
    status = _topic_status_param(self)
    cluster = _mgr().set_cluster_topic(self.current_account, self.region, self._get_param("CacheClusterId"),
                                       self._get_param("NotificationTopicArn"), status)
    return ActionResult({"CacheCluster": cluster})


def _test_failover(self: ElastiCacheResponse) -> ActionResult:
    rg = _mgr().test_failover(self.current_account, self.region, self._get_param("ReplicationGroupId"),
                              self._get_param("NodeGroupId") or "")
    return ActionResult({"ReplicationGroup": rg})


def _increase_replica_count(self: ElastiCacheResponse) -> ActionResult:
    rg = _mgr().increase_replica_count(self.current_account, self.region, self._get_param("ReplicationGroupId"),
                                       self._get_int_param("NewReplicaCount"), self._get_param("ReplicaConfiguration"))
    return ActionResult({"ReplicationGroup": rg})


def _decrease_replica_count(self: ElastiCacheResponse) -> ActionResult:
    rg = _mgr().decrease_replica_count(self.current_account, self.region, self._get_param("ReplicationGroupId"),
                                       self._get_int_param("NewReplicaCount"), self._get_param("ReplicaConfiguration"),
                                       self._get_param("ReplicasToRemove"))
    return ActionResult({"ReplicationGroup": rg})


def install(procs: RedisProcesses, tls: TlsMaterial | None = None) -> ElastiCacheManager:
    global MANAGER
    MANAGER = ElastiCacheManager(procs, tls)
    ElastiCacheResponse.create_replication_group = _create_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.describe_cache_clusters = _describe_cache_clusters  # type: ignore[method-assign]
    ElastiCacheResponse.describe_replication_groups = _describe_replication_groups  # type: ignore[method-assign]
    ElastiCacheResponse.delete_replication_group = _delete_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.modify_replication_group = _modify_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.modify_cache_cluster = _modify_cache_cluster  # type: ignore[attr-defined]
    ElastiCacheResponse.test_failover = _test_failover  # type: ignore[attr-defined]
    ElastiCacheResponse.increase_replica_count = _increase_replica_count  # type: ignore[attr-defined]
    ElastiCacheResponse.decrease_replica_count = _decrease_replica_count  # type: ignore[attr-defined]
    return MANAGER


def _events_matching(mgr: ElastiCacheManager, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded events, optionally only those of `?sourceId=` and/or `?event=`
    (e.g. ElastiCache:FailoverComplete). A driver polling for one group's notification
    asks for just it: the whole list grows with every event of the run, and 20 groups
    polling it every 50 ms in an AZ outage cost the emulator more CPU than the pipeline."""
    query = data.get("_query", {})
    source, event = query.get("sourceId"), query.get("event")
    with mgr.lock:
        events = list(mgr.events)
    return [e for e in events
            if (source is None or e["sourceId"] == source) and (event is None or e["event"] == event)]


def control_routes(mgr: ElastiCacheManager) -> dict:
    from .wsgi import ControlError

    def replace(d: dict) -> tuple[int, Any]:
        cid = d.get("cacheClusterId")
        if not isinstance(cid, str) or not cid:
            raise ControlError(400, "cacheClusterId (string) is required")
        seconds = d.get("seconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0):
            raise ControlError(400, "seconds must be a non-negative number")
        try:
            return 200, mgr.replace_node(cid, seconds)
        except CacheClusterNotFound as exc:
            raise ControlError(404, str(exc)) from exc
        except InvalidReplicationGroupState as exc:
            raise ControlError(409, str(exc)) from exc

    return {
        ("POST", "/_replica_dns/elasticache/replace-node"): replace,
        ("GET", "/_replica_dns/elasticache/nodes"): lambda _d: (200, {"nodes": mgr.describe_nodes()}),
        ("GET", "/_replica_dns/elasticache/events"): lambda d: (200, {"events": _events_matching(mgr, d)}),
        # Where clients find the CA that signed every TLS node's certificate.
        ("GET", "/_replica_dns/tls"): lambda _d: (200, {"caFile": mgr.tls.ca_file if mgr.tls else None}),
    }
