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
  (Message = {"ElastiCache:<Event>": "<id>"}).

Not covered: cluster mode enabled (left to moto), Multi-AZ rules, snapshots, auth,
TLS, global datastores.
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import random
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
    InvalidParameterValueException,
    ReplicationGroupNotFound,
)
from moto.elasticache.models import ReplicationGroup, elasticache_backends
from moto.elasticache.responses import ElastiCacheResponse

from .procs import RedisProcesses, free_port, redis_command
from .settings import SETTINGS

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
    topic_active: bool = True
    created: bool = False
    busy: int = 0
    primary_proxy: TcpProxy | None = None
    reader_proxy: TcpProxy | None = None
    next_number: int = 1
    rr: itertools.count = field(default_factory=itertools.count)

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
    def __init__(self, procs: RedisProcesses) -> None:
        self.procs = procs
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

    def _az(self, region: str, index: int, preferred: list[str] | None) -> str:
        if preferred:
            return preferred[index] if index < len(preferred) else preferred[-1]
        return f"{region}{'abc'[index % 3]}"

    def publish(self, g: Group, event: str, source_id: str) -> None:
        """Publish an ElastiCache notification as ElastiCache does: the SNS Message is
        a JSON object keyed by the event name."""
        message = json.dumps({f"ElastiCache:{event}": source_id})
        record = {"time": _now().isoformat(), "topicArn": g.topic_arn, "event": f"ElastiCache:{event}",
                  "sourceId": source_id, "message": message, "published": False}
        if g.topic_arn and g.topic_active:
            try:
                from moto.sns.models import sns_backends

                parts = g.topic_arn.split(":")
                backend = sns_backends[parts[4]][parts[3]]
                record["messageId"] = backend.publish(message=message, arn=g.topic_arn)
                record["published"] = True
            except Exception as exc:  # AWS marks the topic inactive; we log and go on
                log.warning("could not publish %s to %s: %s", event, g.topic_arn, exc)
        with self.lock:
            self.events.append(record)

    def _start_node(self, g: Group, n: Node, replicaof: int | None) -> None:
        n.proc = self.procs.start(f"{g.gid}/{n.cluster_id}", n.port, replicaof)

    def _replicaof(self, port: int, primary_port: int | None) -> None:
        if primary_port is None:
            redis_command(port, "REPLICAOF", "NO", "ONE")
        else:
            redis_command(port, "REPLICAOF", "127.0.0.1", str(primary_port))

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
                        "address": n.address, "port": n.port, "role": n.role,
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
                     azs: list[str] | None, topic_arn: str | None) -> None:
        rand = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
        g = Group(account=account, region=region, gid=rg.replication_group_id, rg=rg, rand=rand,
                  nodes=[], topic_arn=topic_arn)
        for i in range(total):
            cid = f"{g.gid}-{i + 1:03d}"
            g.nodes.append(Node(cluster_id=cid, address=g.node_address(cid), port=free_port(),
                                az=self._az(region, i, azs), role="primary" if i == 0 else "replica"))
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
                self.publish(g, "CacheClusterProvisioningComplete", n.cluster_id)

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
        with self.lock:
            g = self.groups.get((account, region, gid))
            if g is None:
                return
            if topic_arn is not None:
                g.topic_arn = topic_arn or None
            if status is not None:
                g.topic_active = status == "active"

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
            self._replicaof(new.port, None)
            new.role = "primary"
            old.role = "replica"
            for n in g.nodes:
                if n is not new and n is not old and n.available:
                    self._replicaof(n.port, new.port)
            old.cluster_status, old.node_status = "modifying", "rebooting"
            self._sync(g)
        self.procs.stop(old.proc)
        old.proc = None
        self.publish(g, "FailoverComplete", g.gid)
        self.publish(g, "CacheNodeReplaceStarted", old.cluster_id)
        self._later(replace_seconds, lambda: self._replace_done(g, old))

    def _replace_done(self, g: Group, n: Node) -> None:
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
        self.publish(g, "CacheNodeReplaceComplete", n.cluster_id)

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
            self.publish(g, "CacheNodeReplaceStarted", n.cluster_id)
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
            added = []
            for i in range(new_count - current):
                cid = f"{g.gid}-{g.next_number:03d}"
                g.next_number += 1
                node = Node(cluster_id=cid, address=g.node_address(cid), port=free_port(),
                            az=self._az(region, len(g.nodes), azs and azs[i:]), role="replica")
                g.nodes.append(node)
                added.append(node)
            g.busy += 1
            self._sync(g)

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
                self.publish(g, "CacheClusterProvisioningComplete", n.cluster_id)
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
                self.publish(g, "DeleteCacheClusterComplete", n.cluster_id)

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
                        "AuthTokenEnabled": False,
                        "TransitEncryptionEnabled": False,
                        "AtRestEncryptionEnabled": False,
                        "ReplicationGroupLogDeliveryEnabled": False,
                        "NetworkType": "ipv4",
                        "IpDiscovery": "ipv4",
                    }
                    if g.topic_arn:
                        d["NotificationConfiguration"] = {
                            "TopicArn": g.topic_arn, "TopicStatus": "active" if g.topic_active else "inactive"}
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
_orig_delete_rg = ElastiCacheResponse.delete_replication_group
_orig_modify_rg = ElastiCacheResponse.modify_replication_group


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
    _orig_create(self)  # moto validates and stores the group object
    gid = self._get_param("ReplicationGroupId")
    rg = self.elasticache_backend.replication_groups[gid]
    azs = self._get_param("PreferredCacheClusterAZs") or None
    if not azs and ngc:
        first = ngc[0]
        azs = [a for a in [first.get("PrimaryAvailabilityZone")] + list(first.get("ReplicaAvailabilityZones") or []) if a] or None
    _mgr().create_group(self.current_account, self.region, rg, total, azs, self._get_param("NotificationTopicArn"))
    return ActionResult({"ReplicationGroup": rg})


def _describe_cache_clusters(self: ElastiCacheResponse) -> ActionResult:
    cid = self._get_param("CacheClusterId")
    show = bool(self._get_bool_param("ShowCacheNodeInfo", False))
    not_in_rg = bool(self._get_bool_param("ShowCacheClustersNotInReplicationGroups", False))
    managed = [] if not_in_rg else _mgr().cluster_dicts(self.current_account, self.region, cid, show)
    if cid:
        if managed:
            return ActionResult({"CacheClusters": managed})
        return _orig_describe_cc(self)
    others = list(self.elasticache_backend.describe_cache_clusters())
    return ActionResult({"CacheClusters": managed + others})


def _delete_replication_group(self: ElastiCacheResponse) -> ActionResult:
    gid = self._get_param("ReplicationGroupId")
    result = _orig_delete_rg(self)
    _mgr().delete_group(self.current_account, self.region, gid)
    self.elasticache_backend.replication_groups.pop(gid, None)
    return result


def _modify_replication_group(self: ElastiCacheResponse) -> ActionResult:
    result = _orig_modify_rg(self)
    _mgr().set_topic(self.current_account, self.region, self._get_param("ReplicationGroupId"),
                     self._get_param("NotificationTopicArn"), self._get_param("NotificationTopicStatus"))
    return result


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


def install(procs: RedisProcesses) -> ElastiCacheManager:
    global MANAGER
    MANAGER = ElastiCacheManager(procs)
    ElastiCacheResponse.create_replication_group = _create_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.describe_cache_clusters = _describe_cache_clusters  # type: ignore[method-assign]
    ElastiCacheResponse.delete_replication_group = _delete_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.modify_replication_group = _modify_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.test_failover = _test_failover  # type: ignore[attr-defined]
    ElastiCacheResponse.increase_replica_count = _increase_replica_count  # type: ignore[attr-defined]
    ElastiCacheResponse.decrease_replica_count = _decrease_replica_count  # type: ignore[attr-defined]
    return MANAGER


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
        ("GET", "/_replica_dns/elasticache/events"): lambda _d: (200, {"events": list(mgr.events)}),
    }
