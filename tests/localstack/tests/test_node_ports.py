"""Cache nodes listen on ports that no outgoing connection can take in the meantime.

Not an AWS behaviour: a property of the stack. A node's port is fixed when the node is
created (DescribeCacheClusters reports it) and its redis-server binds it seconds later, or
again after a failover or a replacement. Ports in the kernel's ephemeral range
(/proc/sys/net/ipv4/ip_local_port_range) are what outgoing connections take as their
local port, so a node port from that range can be taken in between: a bench run lost a
node to "bind: Address already in use". Node ports are taken below that range
(emulator/procs.py, NodePorts).
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from conftest import wait_until
from test_elasticache import create, describe, members

LOCALSTACK = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(LOCALSTACK))

from emulator.procs import NodePorts, _bindable, ephemeral_low  # noqa: E402


def test_node_ports_are_distinct_and_below_the_ephemeral_range():
    ports = NodePorts()
    taken = [ports.take() for _ in range(500)]
    assert len(set(taken)) == len(taken)
    assert all(10000 <= p < ephemeral_low() for p in taken), sorted(taken)[-5:]


def test_a_port_something_listens_on_is_not_handed_out():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert not _bindable(port)
        # A range of exactly 1,001 ports, one of them in use: never that one.
        ports = NodePorts(low=port - 500, high=port + 500)
        assert port not in {ports.take() for _ in range(200)}


def test_the_emulators_nodes_listen_below_the_ephemeral_range(emulator):
    ec = emulator.client("elasticache")
    gid = create(ec, None, n=3)
    wait_until(lambda: describe(ec, gid)["Status"] == "available", timeout=30)
    ms = members(describe(ec, gid))
    ports = [m["ReadEndpoint"]["Port"] for m in ms.values()]
    assert len(ports) == 3 and all(p < ephemeral_low() for p in ports), ports
