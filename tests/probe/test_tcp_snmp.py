"""TCP connect probes and SNMP through the shared engine, against real sockets on 127.x:
a listening and a closed port, and the lab's SNMP agents (v3 authPriv and v2c)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from communet.lab import Lab
from communet.probe.snmp import SnmpPoller, SnmpV2cCommunity, SnmpV3User
from communet.probe.tcp import tcp_connect
from tests.lab.conftest import spec

USER = SnmpV3User("communet", "lab-auth-key", "lab-priv-key")


def test_tcp_open_and_closed_ports() -> None:
    with socket.socket() as listener, socket.socket() as unused:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        open_port, closed_port = listener.getsockname()[1], unused.getsockname()[1]

        async def main() -> None:
            up = await tcp_connect("127.0.0.1", open_port)
            assert up.success
            assert 0 < up.duration < 1
            down = await tcp_connect("127.0.0.1", closed_port)
            assert not down.success
            assert down.error == "Connection refused"

        asyncio.run(main())


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    specs = [spec("cisco_ios", "ISR4321/K9", "router"), spec("cisco_ios", "WS-C2960X-24TS-L", "sw")]
    with Lab(specs, network="127.72.0.0/24") as running:
        yield running


def test_snmpv3_uptime_boots_and_wan_link(lab: Lab) -> None:
    async def main() -> None:
        poller = SnmpPoller(timeout=1.0)
        address = lab.addresses["router"]
        first = await poller.status(address, lab.port, USER, "GigabitEthernet0/0/0")
        assert first.success
        assert first.boots == 1
        assert first.wan_up is True
        assert first.uptime is not None
        lab.reboot("router")
        second = await poller.status(address, lab.port, USER, "GigabitEthernet0/0/0")
        assert second.success, second.error
        assert second.boots == 2
        assert second.uptime is not None
        assert second.uptime <= first.uptime + 1
        missing = await poller.status(address, lab.port, USER, "GigabitEthernet9/9/9")
        assert (missing.success, missing.wan_up, missing.error) == (True, None, "no WAN interface")
        requests = poller.requests
        v2c = await poller.status(lab.addresses["sw"], lab.port, SnmpV2cCommunity("communet-lab"))
        assert v2c.success
        assert v2c.boots == 1
        assert poller.requests == requests + 1
        wrong = await SnmpPoller(timeout=0.3, retries=0).status(
            address, lab.port, SnmpV3User("communet", "wrong-auth-key", "lab-priv-key")
        )
        assert not wrong.success
        assert wrong.error
        poller.close()

    asyncio.run(main())
