"""SNMP GETs for the NOC through ONE shared pysnmp engine (never an engine per target).

An engine per target costs ~2 MiB and ~50 ms of CPU to build and has stalled the loop in a
public report; one engine holds every agent's discovered engine ID and time window.

Uptime comes from ``snmpEngineTime`` with ``snmpEngineBoots`` (SNMP-FRAMEWORK-MIB: seconds
since the engine's last boot, and how many boots; unlike ``sysUpTime`` it does not wrap at
2^32 centiseconds = 497 days), with ``sysUpTime`` as the fallback for agents without them.
The TSLCD WAN state is ``ifOperStatus`` of the interface the router's model names WAN; its
ifIndex is found once by walking ``ifDescr`` and kept until the device reboots.

SNMPv3 is authPriv (SHA + AES-128), as the inventory requires; v2c only where the caller
passes a community.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    next_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

SYS_UPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
ENGINE_BOOTS = (1, 3, 6, 1, 6, 3, 10, 2, 1, 2, 0)
ENGINE_TIME = (1, 3, 6, 1, 6, 3, 10, 2, 1, 3, 0)
IF_DESCR = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
IF_OPER_STATUS = (1, 3, 6, 1, 2, 1, 2, 2, 1, 8)


@dataclass(frozen=True)
class SnmpV3User:
    """USM user with SHA authentication and AES-128 privacy (authPriv)."""

    user: str
    auth_key: str
    priv_key: str

    def __repr__(self) -> str:
        return f"SnmpV3User({self.user!r}, auth_key='********', priv_key='********')"


@dataclass(frozen=True)
class SnmpV2cCommunity:
    community: str

    def __repr__(self) -> str:
        return "SnmpV2cCommunity('********')"


SnmpAuth = SnmpV3User | SnmpV2cCommunity


@dataclass(frozen=True)
class SnmpStatus:
    success: bool
    uptime: float | None = None  # seconds since the agent's last boot
    boots: int | None = None  # snmpEngineBoots (None: the agent has no SNMP-FRAMEWORK-MIB)
    wan_up: bool | None = None  # None: no WAN interface asked or found
    error: str = ""


@dataclass
class _Agent:
    if_index: dict[str, int] = field(default_factory=dict)  # ifDescr -> ifIndex
    boots: int | None = None


def _value(bind: object) -> int | None:
    value = bind
    if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView):
        return None
    try:
        number: int = int(value)  # type: ignore[call-overload]
        return number
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str:
    pretty = getattr(value, "prettyPrint", None)
    return str(pretty()) if callable(pretty) else str(value)


class SnmpPoller:
    """Polls agents through one engine created on first use (on the running loop)."""

    def __init__(self, *, timeout: float = 2.0, retries: int = 1) -> None:
        self.timeout = timeout
        self.retries = retries
        self._engine: SnmpEngine | None = None
        self._agents: dict[tuple[str, int], _Agent] = {}
        self._auth: dict[SnmpAuth, CommunityData | UsmUserData] = {}
        self.requests = 0

    @property
    def engine(self) -> SnmpEngine:
        if self._engine is None:
            self._engine = SnmpEngine()
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None

    def _auth_data(self, auth: SnmpAuth) -> CommunityData | UsmUserData:
        data = self._auth.get(auth)
        if data is None:
            if isinstance(auth, SnmpV3User):
                data = UsmUserData(
                    auth.user,
                    authKey=auth.auth_key,
                    privKey=auth.priv_key,
                    authProtocol=usmHMACSHAAuthProtocol,
                    privProtocol=usmAesCfb128Protocol,
                )
            else:
                data = CommunityData(auth.community, mpModel=1)  # noqa: S508 - only where asked
            self._auth[auth] = data
        return data

    async def _get(
        self, address: str, port: int, auth: SnmpAuth, oids: list[tuple[int, ...]]
    ) -> tuple[str, list[tuple[tuple[int, ...], object]]]:
        target = await UdpTransportTarget.create(
            (address, port), timeout=self.timeout, retries=self.retries
        )
        self.requests += 1
        error, status, index, binds = await get_cmd(
            self.engine,
            self._auth_data(auth),
            target,
            ContextData(),
            *(ObjectType(ObjectIdentity(oid)) for oid in oids),
            lookupMib=False,
        )
        if error:
            return str(error), []
        if status:
            return f"{status.prettyPrint()} at {index}", []
        return "", [(tuple(name), value) for name, value in binds]

    async def interface_index(
        self, address: str, port: int, auth: SnmpAuth, name: str
    ) -> int | None:
        """ifIndex of the interface whose ifDescr is ``name`` (walks ifDescr with GETNEXT)."""
        target = await UdpTransportTarget.create(
            (address, port), timeout=self.timeout, retries=self.retries
        )
        current = IF_DESCR
        for _ in range(10_000):
            self.requests += 1
            error, status, _index, binds = await next_cmd(
                self.engine,
                self._auth_data(auth),
                target,
                ContextData(),
                ObjectType(ObjectIdentity(current)),
                lookupMib=False,
                lexicographicMode=False,
            )
            if error or status or not binds:
                return None
            oid, value = binds[0]
            current = tuple(oid)
            if current[: len(IF_DESCR)] != IF_DESCR or isinstance(value, EndOfMibView):
                return None
            if _text(value) == name:
                return current[-1]
        return None

    async def status(
        self,
        address: str,
        port: int,
        auth: SnmpAuth,
        wan_interface: str | None = None,
        *,
        retried: bool = False,
    ) -> SnmpStatus:
        """Uptime, boots and (if asked) the WAN interface's oper state of one agent."""
        agent = self._agents.setdefault((address, port), _Agent())
        oids = [ENGINE_TIME, ENGINE_BOOTS, SYS_UPTIME]
        wan_index = agent.if_index.get(wan_interface) if wan_interface else None
        if wan_index is not None:
            # ifDescr too: an index that names another interface now is found again.
            oids += [(*IF_DESCR, wan_index), (*IF_OPER_STATUS, wan_index)]
        error, binds = await self._get(address, port, auth, oids)
        if error:
            return SnmpStatus(False, error=error)
        values = {oid: _value(value) for oid, value in binds}
        names = {oid: value for oid, value in binds if oid[: len(IF_DESCR)] == IF_DESCR}
        engine_time, boots = values.get(ENGINE_TIME), values.get(ENGINE_BOOTS)
        ticks = values.get(SYS_UPTIME)
        uptime = float(engine_time) if engine_time is not None else None
        if uptime is None and ticks is not None:
            uptime = ticks / 100
        agent.boots = boots
        wan_up: bool | None = None
        if wan_interface and not retried:
            name = names.get((*IF_DESCR, wan_index)) if wan_index is not None else None
            if name is None or _text(name) != wan_interface:
                agent.if_index.pop(wan_interface, None)
                found = await self.interface_index(address, port, auth, wan_interface)
                if found is None:
                    return SnmpStatus(True, uptime=uptime, boots=boots, error="no WAN interface")
                agent.if_index[wan_interface] = found
                return await self.status(address, port, auth, wan_interface, retried=True)
        if wan_index is not None:
            oper = values.get((*IF_OPER_STATUS, wan_index))
            wan_up = None if oper is None else oper == 1
        return SnmpStatus(True, uptime=uptime, boots=boots, wan_up=wan_up)

    def forget(self, address: str, port: int) -> None:
        self._agents.pop((address, port), None)
