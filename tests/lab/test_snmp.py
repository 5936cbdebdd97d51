"""The lab's SNMP agent: checked against RFC 3414's test vector and, where installed, against
net-snmp's own command-line tools (v2c and v3 authPriv)."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

from communet.lab import Lab
from communet.lab.snmp import (
    GET,
    integer,
    items,
    localized_key,
    octets,
    oid,
    read,
    sequence,
    to_int,
    to_oid,
)

SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
ENGINE_BOOTS = "1.3.6.1.6.3.10.2.1.2.0"
IF_OPER_1 = "1.3.6.1.2.1.2.2.1.8.1"
NET_SNMP = shutil.which("snmpget") is not None


def test_key_localization_matches_rfc3414_a32() -> None:
    key = localized_key("maplesyrup", bytes.fromhex("000000000000000000000002"))
    assert key.hex() == "6695febc9288e36282235fc7151f128497b38f3f"


def test_oid_encoding_round_trips() -> None:
    name = (1, 3, 6, 1, 4, 1, 2011, 2, 23, 300000)
    _, payload, _ = read(oid(name))
    assert to_oid(payload) == name
    assert to_int(read(integer(-129))[1]) == -129


def v2c_get(address: str, port: int, community: str, name: tuple[int, ...]) -> bytes:
    pdu = sequence(
        integer(7), integer(0), integer(0), sequence(sequence(oid(name), b"\x05\x00")), tag=GET
    )
    message = sequence(integer(1), octets(community), pdu)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(message, (address, port))
        reply = sock.recv(65535)
    response = items(read(reply)[1])[2][1]
    varbind = items(items(items(response)[3][1])[0][1])
    return varbind[1][1]


def test_v2c_get_over_udp(lab: Lab) -> None:
    value = v2c_get(
        lab.addresses["ios-show"], lab.port, "communet-lab", (1, 3, 6, 1, 2, 1, 1, 5, 0)
    )
    assert value == b"ios-show"


def snmp(lab: Lab, host: str, *args: str, v3: bool = False, auth: str = "lab-auth-key") -> str:
    target = f"{lab.addresses[host]}:{lab.port}"
    if v3:
        security = [
            "-v3",
            "-l",
            "authPriv",
            "-u",
            "communet",
            "-a",
            "SHA",
            "-A",
            auth,
            "-x",
            "AES",
            "-X",
            "lab-priv-key",
        ]
    else:
        security = ["-v2c", "-c", "communet-lab"]
    result = subprocess.run(
        ["snmpget", "-On", "-t", "1", "-r", "0", *security, target, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return result.stdout + result.stderr


@pytest.mark.skipif(not NET_SNMP, reason="net-snmp's snmpget is not installed")
def test_net_snmp_v2c_and_v3_authpriv(lab: Lab) -> None:
    v2 = snmp(lab, "vrp-switch", SYS_NAME, ENGINE_BOOTS)
    assert '.1.3.6.1.2.1.1.5.0 = STRING: "vrp-switch"' in v2
    assert ".1.3.6.1.6.3.10.2.1.2.0 = INTEGER: 1" in v2
    v3 = snmp(lab, "codec-ce8", SYS_NAME, SYS_UPTIME, IF_OPER_1, v3=True)
    assert '.1.3.6.1.2.1.1.5.0 = STRING: "codec-ce8"' in v3
    assert ".1.3.6.1.2.1.2.2.1.8.1 = INTEGER: 1" in v3
    assert "Timeticks" in v3
    assert "Authentication failure" in snmp(lab, "codec-ce8", SYS_NAME, v3=True, auth="wrong-key1")


@pytest.mark.skipif(not NET_SNMP, reason="net-snmp's snmpget is not installed")
def test_net_snmp_sees_reboots_shutdowns_and_outages(lab: Lab) -> None:
    host = "snmp-router"
    before = snmp(lab, host, ENGINE_BOOTS)
    boots = int(before.rsplit("INTEGER: ", 1)[1].split()[0])
    lab.reboot(host)
    after = snmp(lab, host, ENGINE_BOOTS, SYS_UPTIME, v3=True)
    assert f".1.3.6.1.6.3.10.2.1.2.0 = INTEGER: {boots + 1}" in after
    lab.set_fault(host, down=True)
    try:
        assert "Timeout" in snmp(lab, host, SYS_NAME)
    finally:
        lab.clear_faults(host)
    # ifIndex 3 is the router's third port: shut in the lab's base config
    assert ".1.3.6.1.2.1.2.2.1.8.3 = INTEGER: 2" in snmp(lab, host, "1.3.6.1.2.1.2.2.1.8.3")
