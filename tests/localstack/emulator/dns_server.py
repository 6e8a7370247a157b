"""Loopback DNS server (UDP and TCP) standing in for a VPC resolver: answers the hosted
zones' records straight from moto's Route 53 backend (in-process, so a change is
visible at once) and the ElastiCache endpoint names (A 127.0.0.1).

CNAMEs are chased within what the server knows, returning the chain as a recursive
resolver would. Weighted record sets answer one member chosen by weight. Names it does
not know get NXDOMAIN; it never recurses to the internet. Alias records are not served.
"""

from __future__ import annotations

import logging
import random
import re
from typing import Callable

from dnslib import CNAME, QTYPE, RCODE, RR, TXT, A, AAAA, DNSRecord, MX, NS
from dnslib.server import BaseResolver, DNSLogger, DNSServer

log = logging.getLogger("emulator.dns")

# name (normalised, trailing dot) -> list of (rtype, ttl, value); provided by elasticache_ext
EndpointLookup = Callable[[str], str | None]


def _norm(name: str) -> str:
    return name.rstrip(".").lower() + "."


_TXT_PART = re.compile(r'"((?:[^"\\]|\\.)*)"')


def txt_strings(value: str) -> list[str]:
    """Route 53 stores TXT values as one or more quoted strings."""
    parts = _TXT_PART.findall(value)
    if not parts:
        return [value]
    return [re.sub(r"\\(.)", r"\1", p) for p in parts]


class Resolver(BaseResolver):
    def __init__(self, endpoint_lookup: EndpointLookup) -> None:
        self.endpoint_lookup = endpoint_lookup

    # -- data sources -------------------------------------------------------------
    def _zone_records(self, name: str) -> tuple[bool, list[tuple[str, int, list[str], object]]]:
        """(name is inside some zone, record sets at `name` as (type, ttl, values, weight))."""
        from moto.route53.models import route53_backends

        best = None
        for account in list(route53_backends.keys()):
            for partition in list(route53_backends[account].keys()):
                backend = route53_backends[account][partition]
                for zone in list(backend.zones.values()):
                    zname = _norm(zone.name)
                    if name == zname or name.endswith("." + zname):
                        if best is None or len(zname) > len(_norm(best.name)):
                            best = zone
        if best is None:
            return False, []
        out = []
        for rs in list(best.rrsets):
            if _norm(rs.name) == name and rs.records:
                values = [v["Value"] if isinstance(v, dict) else str(v) for v in rs.records]
                out.append((rs.type, int(rs.ttl or 300), values, rs.weight))
        return True, out

    # -- resolution ---------------------------------------------------------------
    def _answers(self, name: str, qtype: str, depth: int = 0) -> tuple[bool, list[RR]]:
        """(name exists, answer RRs) for name/qtype, chasing CNAMEs."""
        if depth > 8:
            return True, []
        addr = self.endpoint_lookup(name)
        if addr is not None:
            if qtype in ("A", "ANY"):
                return True, [RR(name, QTYPE.A, rdata=A(addr), ttl=15)]
            return True, []
        in_zone, rrsets = self._zone_records(name)
        if not in_zone or not rrsets:
            return False, []
        by_type: dict[str, list[tuple[int, list[str], object]]] = {}
        for rtype, ttl, values, weight in rrsets:
            by_type.setdefault(rtype, []).append((ttl, values, weight))

        def pick(entries: list[tuple[int, list[str], object]]) -> tuple[int, list[str]]:
            """One record set of a name and type per query. A simple set is alone in its
            group (route53_ext keeps one routing policy per name and type). Weighted sets,
            API reference ResourceRecordSet Weight
            (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html):
            "Route 53 calculates the sum of the weights for the resource record sets that
            have the same combination of DNS name and type. Route 53 then responds to
            queries based on the ratio of a resource's weight to the total."; "if you set
            Weight to 0 for a resource record set, Route 53 never responds to queries with
            the applicable value for that resource record set. However, if you set Weight
            to 0 for all resource record sets that have the same combination of DNS name
            and type, traffic is routed to all resources with equal probability." Health
            checks (which change the weight-0 rule) are not modelled. Each type is its own
            group: the TXT at a weighted name is chosen apart from its A/CNAME."""
            if len(entries) == 1:
                return entries[0][0], entries[0][1]
            weights = [float(w or 0) for _, _, w in entries]
            if sum(weights) <= 0:
                weights = [1.0] * len(entries)
            ttl, values, _ = random.choices(entries, weights=weights)[0]
            return ttl, values

        if qtype != "CNAME" and "CNAME" in by_type:
            ttl, values = pick(by_type["CNAME"])
            target = _norm(values[0])
            rrs = [RR(name, QTYPE.CNAME, rdata=CNAME(target), ttl=ttl)]
            _, more = self._answers(target, qtype, depth + 1)
            return True, rrs + more
        if qtype not in by_type:
            return True, []
        ttl, values = pick(by_type[qtype])
        rrs = []
        for v in values:
            rdata = self._rdata(qtype, v)
            if rdata is not None:
                rrs.append(RR(name, getattr(QTYPE, qtype), rdata=rdata, ttl=ttl))
        return True, rrs

    @staticmethod
    def _rdata(qtype: str, value: str):
        if qtype == "A":
            return A(value)
        if qtype == "AAAA":
            return AAAA(value)
        if qtype == "CNAME":
            return CNAME(_norm(value))
        if qtype == "TXT":
            return TXT([s.encode() for s in txt_strings(value)])
        if qtype == "NS":
            return NS(_norm(value))
        if qtype == "MX":
            pref, _, host = value.partition(" ")
            return MX(_norm(host), int(pref))
        return None

    def resolve(self, request: DNSRecord, handler) -> DNSRecord:
        reply = request.reply()
        reply.header.ra = 1
        qname = _norm(str(request.q.qname))
        qtype = QTYPE[request.q.qtype]
        try:
            exists, rrs = self._answers(qname, qtype)
        except Exception:  # never let a lookup bug kill the server thread
            log.exception("DNS lookup of %s %s failed", qname, qtype)
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if not exists:
            reply.header.rcode = RCODE.NXDOMAIN
        for rr in rrs:
            reply.add_answer(rr)
        return reply


class DnsServers:
    """One UDP and one TCP listener on the same loopback port."""

    def __init__(self, port: int, endpoint_lookup: EndpointLookup, address: str = "127.0.0.1") -> None:
        resolver = Resolver(endpoint_lookup)
        quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self.udp = DNSServer(resolver, port=port, address=address, logger=quiet)
        self.tcp = DNSServer(resolver, port=port, address=address, tcp=True, logger=quiet)

    def start(self) -> None:
        self.udp.start_thread()
        self.tcp.start_thread()

    def stop(self) -> None:
        for s in (self.udp, self.tcp):
            try:
                s.stop()
                s.server.server_close()
            except Exception:
                pass
