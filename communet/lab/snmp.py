"""A small SNMP agent for every lab device: v2c and v3 USM (authPriv: HMAC-SHA-96, AES-128).

Answers get / get-next / get-bulk for what the NOC exporter reads: sysDescr, sysObjectID,
sysUpTime, sysName, the ifTable's index/descr/admin/oper status, and the SNMP engine's ID,
boots and time (uptime that does not wrap after 497 days). Written from RFC 3416 (PDUs),
RFC 3414 (USM, key localization), RFC 3826 (AES) and RFC 3418 (SNMPv2-MIB); sets are refused.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import cast

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from communet.lab.core import Device

Oid = tuple[int, ...]

INTEGER, OCTETS, NULL, OID, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
COUNTER32, GAUGE32, TIMETICKS = 0x41, 0x42, 0x43
GET, GETNEXT, RESPONSE, SET, GETBULK, REPORT = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5, 0xA8
NO_SUCH_OBJECT, END_OF_MIB = 0x80, 0x82
NOT_WRITABLE = 17

SYS = (1, 3, 6, 1, 2, 1, 1)
IF_ENTRY = (1, 3, 6, 1, 2, 1, 2, 2, 1)
ENGINE = (1, 3, 6, 1, 6, 3, 10, 2, 1)
USM_STATS = (1, 3, 6, 1, 6, 3, 15, 1, 1)
UNKNOWN_USER, WRONG_DIGEST, UNKNOWN_ENGINE, NOT_IN_TIME = 3, 5, 4, 2
DECRYPTION_ERROR = 6


# ------------------------------------------------------------------------------------ BER
def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _length(len(payload)) + payload


def integer(value: int, tag: int = INTEGER) -> bytes:
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def octets(value: bytes | str) -> bytes:
    return tlv(OCTETS, value.encode() if isinstance(value, str) else value)


def oid(value: Oid) -> bytes:
    body = bytearray([40 * value[0] + value[1]])
    for arc in value[2:]:
        rest = arc
        chunk = [rest & 0x7F]
        rest >>= 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def sequence(*items: bytes, tag: int = SEQUENCE) -> bytes:
    return tlv(tag, b"".join(items))


def read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """One TLV at ``pos``: (tag, payload, position after it)."""
    tag = data[pos]
    size = data[pos + 1]
    pos += 2
    if size & 0x80:
        count = size & 0x7F
        size = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + size > len(data):
        raise ValueError("truncated BER")
    return tag, data[pos : pos + size], pos + size


def items(payload: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(payload):
        tag, value, pos = read(payload, pos)
        out.append((tag, value))
    return out


def to_int(payload: bytes) -> int:
    return int.from_bytes(payload, "big", signed=True) if payload else 0


def to_oid(payload: bytes) -> Oid:
    arcs = [payload[0] // 40, payload[0] % 40]
    value = 0
    for byte in payload[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    return tuple(arcs)


# ------------------------------------------------------------------------------------ USM
def localized_key(password: str, engine_id: bytes) -> bytes:
    """RFC 3414 A.2.2 (SHA): 1 MiB of the repeated password, then localized to the engine."""
    secret = password.encode()
    repeated = (secret * (1048576 // len(secret) + 1))[:1048576]
    ku = hashlib.sha1(repeated).digest()  # noqa: S324 - SHA-1 is what USM specifies
    return hashlib.sha1(ku + engine_id + ku).digest()  # noqa: S324


@dataclass(frozen=True)
class UsmUser:
    name: str
    auth_password: str
    priv_password: str


def engine_id_for(device: Device) -> bytes:
    enterprise = {"cisco_ios": 9, "cisco_roomos": 5596}.get(device.spec.platform, 2011)
    return (0x80000000 | enterprise).to_bytes(4, "big") + b"\x04" + device.hostname[:27].encode()


# ------------------------------------------------------------------------------------ MIB
def mib(device: Device) -> list[tuple[Oid, bytes]]:
    """The device's MIB view, sorted by OID."""
    rows: list[tuple[Oid, bytes]] = [
        ((*SYS, 1, 0), octets(device.describe())),
        ((*SYS, 2, 0), oid(device.object_id())),
        ((*SYS, 3, 0), integer(int(device.uptime() * 100) & 0xFFFFFFFF, TIMETICKS)),
        ((*SYS, 5, 0), octets(device.hostname)),
        ((*ENGINE, 1, 0), octets(engine_id_for(device))),
        ((*ENGINE, 2, 0), integer(device.boots)),
        ((*ENGINE, 3, 0), integer(int(device.uptime()))),
        ((*ENGINE, 4, 0), integer(1500)),
    ]
    for index, (name, admin, oper) in enumerate(device.if_table(), start=1):
        rows.append(((*IF_ENTRY, 1, index), integer(index)))
        rows.append(((*IF_ENTRY, 2, index), octets(name)))
        rows.append(((*IF_ENTRY, 7, index), integer(1 if admin else 2)))
        rows.append(((*IF_ENTRY, 8, index), integer(1 if oper else 2)))
    rows.append(((1, 3, 6, 1, 2, 1, 2, 1, 0), integer(len(device.if_table()))))
    return sorted(rows)


def answer(rows: list[tuple[Oid, bytes]], pdu_tag: int, pdu: bytes) -> bytes:
    """The response PDU (tag included) to a get/get-next/get-bulk/set PDU body."""
    fields = items(pdu)
    request_id = fields[0][1]
    binds = [to_oid(items(b)[0][1]) for _, b in items(fields[3][1])]
    keys = [row[0] for row in rows]
    out: list[tuple[Oid, bytes]] = []

    def following(name: Oid) -> tuple[Oid, bytes]:
        index = bisect.bisect_right(keys, name)
        return rows[index] if index < len(rows) else (name, tlv(END_OF_MIB, b""))

    error = 0
    if pdu_tag == GET:
        found = dict(rows)
        out = [(name, found.get(name, tlv(NO_SUCH_OBJECT, b""))) for name in binds]
    elif pdu_tag == GETNEXT:
        out = [following(name) for name in binds]
    elif pdu_tag == GETBULK:
        non_repeaters = max(0, to_int(fields[1][1]))
        repetitions = min(max(0, to_int(fields[2][1])), 100)
        out = [following(name) for name in binds[:non_repeaters]]
        current = list(binds[non_repeaters:])
        for _ in range(repetitions):
            step = [following(name) for name in current]
            out.extend(step)
            current = [name for name, _ in step]
            if all(value[0] == END_OF_MIB for _, value in step):
                break
    else:
        error = NOT_WRITABLE
        out = [(name, tlv(NULL, b"")) for name in binds]
    varbinds = sequence(*(sequence(oid(name), value) for name, value in out))
    return sequence(
        tlv(INTEGER, request_id),
        integer(error),
        integer(1 if error else 0),
        varbinds,
        tag=RESPONSE,
    )


# ---------------------------------------------------------------------------------- agent
class SnmpAgent(asyncio.DatagramProtocol):
    """One UDP endpoint: one device."""

    def __init__(self, device: Device, community: str, user: UsmUser) -> None:
        self.device = device
        self.community = community.encode()
        self.user = user
        self.engine_id = engine_id_for(device)
        self._keys: tuple[bytes, bytes] | None = None
        self.stats = {UNKNOWN_USER: 0, WRONG_DIGEST: 0, UNKNOWN_ENGINE: 0, NOT_IN_TIME: 0}
        self.stats[DECRYPTION_ERROR] = 0
        self.transport: asyncio.DatagramTransport | None = None

    @property
    def keys(self) -> tuple[bytes, bytes]:
        if self._keys is None:  # ~10 ms of SHA-1: only for devices somebody asks over v3
            self._keys = (
                localized_key(self.user.auth_password, self.engine_id),
                localized_key(self.user.priv_password, self.engine_id)[:16],
            )
        return self._keys

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if not self.device.answering() or self.device.faults.link_down:
            return
        try:
            reply = self.handle(data)
        except (ValueError, IndexError, KeyError):
            return  # malformed: a real agent drops it too
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def handle(self, data: bytes) -> bytes | None:
        tag, body, _ = read(data)
        if tag != SEQUENCE:
            return None
        fields = items(body)
        version = to_int(fields[0][1])
        if version == 1:
            if fields[1][1] != self.community:
                return None
            pdu_tag, pdu = fields[2]
            response = answer(mib(self.device), pdu_tag, pdu)
            return sequence(integer(1), octets(self.community), response)
        if version == 3:
            return self._v3(data, fields)
        return None

    # -- SNMPv3 / USM
    def _v3(self, data: bytes, fields: list[tuple[int, bytes]]) -> bytes | None:  # noqa: PLR0911
        header = items(fields[1][1])
        message_id = to_int(header[0][1])
        flags = header[2][1][0] if header[2][1] else 0
        security = items(read(fields[2][1])[1])
        engine, user = security[0][1], security[3][1]
        auth_params, salt = security[4][1], security[5][1]
        if not engine:
            return self._report(message_id, UNKNOWN_ENGINE, b"", b"", 0)
        if engine != self.engine_id:
            return self._report(message_id, UNKNOWN_ENGINE, b"", b"", 0)
        if user.decode(errors="replace") != self.user.name:
            return self._report(message_id, UNKNOWN_USER, user, b"", 0)
        if not flags & 0x01 or not flags & 0x02:
            return None  # the lab's user is authPriv only, like the inventory's SNMPv3
        auth_key, priv_key = self.keys
        if len(auth_params) != 12:
            return self._report(message_id, WRONG_DIGEST, user, b"", 0)
        blanked = data.replace(b"\x04\x0c" + auth_params, b"\x04\x0c" + b"\0" * 12, 1)
        expected = hmac.new(auth_key, blanked, hashlib.sha1).digest()[:12]
        if not hmac.compare_digest(expected, auth_params):
            return self._report(message_id, WRONG_DIGEST, user, b"", 0)
        boots, time_ = to_int(security[1][1]), to_int(security[2][1])
        if boots != self.device.boots or abs(time_ - int(self.device.uptime())) > 150:
            return self._report(message_id, NOT_IN_TIME, user, auth_key, 0x01)
        iv = boots.to_bytes(4, "big") + time_.to_bytes(4, "big") + salt
        cipher = Cipher(algorithms.AES(priv_key), CFB(iv)).decryptor()
        try:
            scoped = items(read(cipher.update(fields[3][1]) + cipher.finalize())[1])
        except (ValueError, IndexError):
            return self._report(message_id, DECRYPTION_ERROR, user, auth_key, 0x01)
        pdu_tag, pdu = scoped[2]
        response = answer(mib(self.device), pdu_tag, pdu)
        plain = sequence(octets(self.engine_id), octets(scoped[1][1]), response)
        return self._message(message_id, 0x03, user, plain, auth_key, priv_key)

    def _report(
        self, message_id: int, stat: int, user: bytes, auth_key: bytes, flags: int
    ) -> bytes:
        self.stats[stat] += 1
        bind = sequence(oid((*USM_STATS, stat, 0)), integer(self.stats[stat], COUNTER32))
        pdu = sequence(integer(0), integer(0), integer(0), sequence(bind), tag=REPORT)
        scoped = sequence(octets(self.engine_id), octets(b""), pdu)
        return self._message(message_id, flags, user, scoped, auth_key, b"")

    def _message(  # noqa: PLR0917
        self,
        message_id: int,
        flags: int,
        user: bytes,
        scoped: bytes,
        auth_key: bytes,
        priv_key: bytes,
    ) -> bytes:
        boots, time_ = self.device.boots, int(self.device.uptime())
        salt = b""
        data = scoped
        if flags & 0x02:
            salt = os.urandom(8)
            iv = boots.to_bytes(4, "big") + time_.to_bytes(4, "big") + salt
            encryptor = Cipher(algorithms.AES(priv_key), CFB(iv)).encryptor()
            data = octets(encryptor.update(scoped) + encryptor.finalize())

        def build(auth: bytes) -> bytes:
            params = sequence(
                octets(self.engine_id),
                integer(boots),
                integer(time_),
                octets(user),
                octets(auth),
                octets(salt),
            )
            header = sequence(
                integer(message_id), integer(65507), octets(bytes([flags])), integer(3)
            )
            return sequence(integer(3), header, octets(params), data)

        if not flags & 0x01:
            return build(b"")
        blank = build(b"\0" * 12)
        digest = hmac.new(auth_key, blank, hashlib.sha1).digest()[:12]
        return build(digest)


async def start_agents(
    by_address: dict[str, Device], port: int, community: str, user: UsmUser
) -> list[asyncio.DatagramTransport]:
    loop = asyncio.get_running_loop()
    transports: list[asyncio.DatagramTransport] = []
    for address, device in by_address.items():
        factory = functools.partial(SnmpAgent, device, community, user)
        transport, _ = await loop.create_datagram_endpoint(factory, local_addr=(address, port))
        transports.append(transport)
    return transports
