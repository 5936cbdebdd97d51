"""Measure communes: the I/O edge of readiness, on the shared probes and the plan engine.

Per commune, concurrently with every other commune in scope:

- a burst at a media-like rate (default 50 echoes/s for 10 s) to the meeting-room codec
  (the CE router where there is none): RTT percentiles, RFC 3550 jitter, loss, burst loss;
- a few echoes to every other device of the commune and to its hub's devices (each hub
  once, however many of its communes are in scope);
- a TCP connect to every device's SSH port, and to the codec's SIP 5060, SIP-TLS 5061,
  H.323 1720 (when the province has a gatekeeper) and HTTPS 443;
- the codec's SIP/H.323 registration and configured call rate over its xAPI (one session);
- once per province (its findings go to each of its communes): ping of the MCU/registrar
  and TCP connects to its SIP, SIP-TLS and HTTPS ports (H.323 1720 at its gatekeeper), and
  one NTP query (:mod:`communet.probe.ntp`) to each NTP server: answer, stratum, offset;
- configuration drift of every device: the plan engine, read-only (``Options(check=True)``),
  in a worker thread (it forks its own processes for a province), while the probes run.

All echoes go through ONE :class:`~communet.probe.icmp.Pinger` socket. Every failure is
that device's finding; nothing here raises for a device, only for the probe host itself
(no ICMP privilege: :class:`~communet.probe.icmp.IcmpUnavailableError`).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import asyncssh

from communet.apply import Options, Result, apply_all, plannable
from communet.connect import LabOverlayError, Reach, Reacher, login_secrets, netmiko_connector
from communet.inventory.loader import LoadedInventory
from communet.inventory.resolve import ProvincePlan, ResolvedDevice
from communet.probe.burst import burst
from communet.probe.codec import STATUS_COMMANDS, XapiError, XapiSession, parse_status
from communet.probe.icmp import Pinger
from communet.probe.ntp import ntp_query
from communet.probe.tcp import SERVICES, tcp_connect
from communet.readiness.scope import Commune
from communet.readiness.settings import Settings
from communet.readiness.verdict import (
    Finding,
    State,
    judge_burst,
    judge_call_rate,
    judge_codec,
    judge_drift,
    judge_ntp,
    judge_reach,
    judge_registrar_reach,
    judge_tcp,
    login_failure,
    not_measured,
    worst,
)
from communet.secrets import SecretResolver

CALL_RATE = "xConfiguration Conference DefaultCall Rate"
SIP_SETTINGS = "xConfiguration SIP"  # ListenPort: whether the codec takes inbound SIP
_LISTEN_LINE = re.compile(
    r"^\*c xConfiguration SIP (?:Profile 1 )?ListenPort:\s*(\w+)", re.MULTILINE | re.IGNORECASE
)
_RATE_LINE = re.compile(r"^\*c xConfiguration Conference DefaultCall Rate:\s*(\d+)", re.MULTILINE)
MEDIA_ROLES = ("video_endpoint", "ce_router")  # the burst goes to the first one present
HUB_ROLES = ("ce_router", "aggregation_switch")
CODEC_SIP = ("sip", "sips")  # probed when the codec listens for SIP (SIP ListenPort not Off)
CODEC_SERVICES = ("https",)  # and h323 where the province has a gatekeeper
REGISTRAR_SERVICES = ("sip", "sips", "https")  # and h323 at the gatekeeper's address
DRIFT_NICENESS = 10


@dataclass(frozen=True)
class CommuneReport:
    commune: Commune
    hub: str
    findings: tuple[Finding, ...]
    measured: dict[str, Any]  # raw measurements, for the run's log
    seconds: float

    @property
    def state(self) -> State:
        return worst(self.findings)


@dataclass(frozen=True)
class _Limits:
    """At most this many TCP connects, codec sessions, bursts and reach probes at once: a
    province's worth at the same instant would stall the event loop on key exchanges and
    overflow socket buffers (measured: 549 bursts of 20/s at once lost 60 % of the echoes on
    a shared 2-core machine, 250 lost none), which would read as loss on every line."""

    connects: asyncio.Semaphore
    sessions: asyncio.Semaphore
    bursts: asyncio.Semaphore
    reaches: asyncio.Semaphore


Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class _Counter:
    total: int
    report: Progress
    what: str
    done: int = 0

    def step(self) -> None:
        self.done += 1
        self.report(self.what, self.done, self.total)


async def assess(
    loaded: LoadedInventory,
    chosen: Sequence[Commune],
    *,
    reach: Reacher,
    secrets: SecretResolver,
    settings: Settings,
    progress: Progress | None = None,
) -> list[CommuneReport]:
    """Measure every commune of ``chosen``; results in the order given."""
    report = progress or (lambda _what, _done, _total: None)
    by_site: dict[str, list[ResolvedDevice]] = {}
    hubs: dict[str, list[ResolvedDevice]] = {}
    for device in loaded.devices:
        by_site.setdefault(device.site.slug, []).append(device)
        if device.site.kind == "hub" and device.role in HUB_ROLES:
            hubs.setdefault(device.district, []).append(device)
    gatekeepers = {
        (plan.province.slug, registrar.name)
        for plan in loaded.plans
        for registrar in plan.province.services.registrars
        if registrar.h323_gatekeeper is not None
    }
    pinger = Pinger(timeout=settings.echo_timeout)
    pinger.open()  # IcmpUnavailableError: the one line the caller prints
    try:
        drift_devices = plannable(d for c in chosen for d in by_site.get(c.slug, []))
        drift = (
            asyncio.create_task(
                _drift(
                    loaded,
                    drift_devices,
                    reach=reach,
                    secrets=secrets,
                    settings=settings,
                    report=report,
                )
            )
            if settings.drift
            else None
        )
        limits = _Limits(
            connects=asyncio.Semaphore(settings.connects),
            sessions=asyncio.Semaphore(settings.sessions),
            bursts=asyncio.Semaphore(settings.bursts_at_once),
            reaches=asyncio.Semaphore(settings.reaches_at_once),
        )
        hub_devices = [
            d for district in {c.district for c in chosen} for d in hubs.get(district, [])
        ]
        hub_task = asyncio.gather(
            *(_reach(pinger, d, reach, settings, limits.reaches) for d in hub_devices)
        )
        provinces = {c.province for c in chosen}
        service_task = asyncio.gather(
            *(
                _province_services(pinger, plan, settings, limits)
                for plan in loaded.plans
                if plan.province.slug in provinces
            )
        )
        counter = _Counter(len(chosen), report, "communes")
        measured = await asyncio.gather(
            *(
                _commune(
                    pinger,
                    c,
                    by_site.get(c.slug, []),
                    reach=reach,
                    secrets=secrets,
                    settings=settings,
                    counter=counter,
                    gatekeepers=gatekeepers,
                    limits=limits,
                )
                for c in chosen
            )
        )
        hub_findings = dict(zip([d.hostname for d in hub_devices], await hub_task, strict=True))
        services = dict(await service_task)
        drifts = await drift if drift is not None else {}
    finally:
        pinger.close()
    reports = []
    for commune, (findings, raw, seconds) in zip(chosen, measured, strict=True):
        hub = hubs.get(commune.district, [])
        extra = [hub_findings[d.hostname] for d in hub if hub_findings.get(d.hostname)]
        extra += services.get(commune.province, [])
        for device in plannable(by_site.get(commune.slug, [])):
            result = drifts.get(device.hostname)
            if result is not None:
                extra.append(
                    judge_drift(
                        device.hostname,
                        failed=result.failed,
                        error=result.error,
                        lines=len(result.commands),
                    )
                )
                raw.setdefault("drift", {})[device.hostname] = {
                    "failed": result.failed,
                    "error": result.error,
                    "commands": list(result.commands),
                }
        hub_name = hub[0].site.slug if hub else ""
        reports.append(
            CommuneReport(
                commune, hub_name, tuple(findings + [f for f in extra if f]), raw, seconds
            )
        )
    return reports


async def _drift(
    loaded: LoadedInventory,
    devices: list[ResolvedDevice],
    *,
    reach: Reacher,
    secrets: SecretResolver,
    settings: Settings,
    report: Progress,
) -> dict[str, Result]:
    counter = _Counter(len(devices), report, "drift")
    loop = asyncio.get_running_loop()

    def done(_result: Result) -> None:
        loop.call_soon_threadsafe(counter.step)

    options = Options(check=True, workers=settings.workers, processes=settings.processes)
    connect = netmiko_connector(reach, secrets)

    def compare() -> list[Result]:
        # The measurement comes first: the comparison (and the processes it forks, which
        # inherit this thread's niceness) takes the CPU the probes leave, so a busy planner
        # does not delay the echo replies the probes timestamp.
        os.nice(DRIFT_NICENESS)
        return apply_all(loaded, devices, secrets, connect, options, progress=done)

    with ThreadPoolExecutor(1, thread_name_prefix="readiness-drift") as pool:
        results = await loop.run_in_executor(pool, compare)
    return {r.hostname: r for r in results}


def _where(device: ResolvedDevice, reach: Reacher) -> Reach | None:
    try:
        return reach(device)
    except LabOverlayError:
        return None  # not simulated (an exporter host in the lab): nothing to measure


async def _reach(
    pinger: Pinger,
    device: ResolvedDevice,
    reach: Reacher,
    settings: Settings,
    gate: asyncio.Semaphore,
) -> Finding | None:
    where = _where(device, reach)
    if where is None:
        return None
    received, rtt = await _echoes(pinger, where.address, settings, gate)
    return judge_reach(device.hostname, str(device.role), settings.reach_echoes, received, rtt)


async def _commune(
    pinger: Pinger,
    commune: Commune,
    devices: list[ResolvedDevice],
    *,
    reach: Reacher,
    secrets: SecretResolver,
    settings: Settings,
    counter: _Counter,
    gatekeepers: set[tuple[str, str]],
    limits: _Limits,
) -> tuple[list[Finding], dict[str, Any], float]:
    began = time.monotonic()
    findings: list[Finding] = []
    raw: dict[str, Any] = {}
    located = [(d, _where(d, reach)) for d in devices]
    present = [(d, w) for d, w in located if w is not None]
    media = next(((d, w) for role in MEDIA_ROLES for d, w in present if d.role == role), None)
    jobs: list[Any] = []
    if media is not None:
        jobs.append(_media(pinger, media[0], media[1], settings, raw, limits.bursts))
    for device, where in present:
        if media is None or device is not media[0]:
            jobs.append(_reach(pinger, device, reach, settings, limits.reaches))
        jobs.append(_tcp(device, "ssh", where.address, where.port, settings, limits.connects))
        if device.role == "video_endpoint":
            h323 = (device.province, device.registrar or "") in gatekeepers
            jobs += _codec_ports(device, where, settings, limits, h323=h323)
            codec = _codec(
                device,
                where,
                commune,
                secrets=secrets,
                settings=settings,
                raw=raw,
                expect_h323=h323,
                gate=limits.sessions,
            )
            jobs.append(_codec_and_sip_ports(codec, device, where, settings, limits, raw))
    for outcome in await asyncio.gather(*jobs):
        if isinstance(outcome, list):
            findings += outcome
        elif outcome is not None:
            findings.append(outcome)
    counter.step()
    return findings, raw, time.monotonic() - began


async def _media(  # noqa: PLR0917
    pinger: Pinger,
    device: ResolvedDevice,
    where: Reach,
    settings: Settings,
    raw: dict[str, Any],
    gate: asyncio.Semaphore,
) -> list[Finding]:
    window = max(settings.window, 10 / settings.rate)
    async with gate:  # waves: the echoes of all bursts together stay within the budget
        # Spread the bursts over one echo interval: in step, a province's echoes would leave
        # (and come back) in one clump every interval instead of a steady stream.
        await asyncio.sleep(random.random() / settings.rate)  # noqa: S311 - not crypto
        result = await burst(
            pinger, where.address, rate=settings.rate, duration=settings.seconds, window=window
        )
    raw["burst"] = {"device": device.hostname, **asdict(result), "window": window}
    return judge_burst(device.hostname, result, settings.thresholds)


async def _tcp(  # noqa: PLR0917
    device: ResolvedDevice,
    service: str,
    address: str,
    port: int,
    settings: Settings,
    gate: asyncio.Semaphore,
) -> Finding:
    async with gate:
        result = await tcp_connect(address, port, settings.tcp_timeout)
    return judge_tcp(device.hostname, service, result)


def _codec_ports(
    device: ResolvedDevice, where: Reach, settings: Settings, limits: _Limits, *, h323: bool
) -> list[Any]:
    """The codec's media service ports (the lab serves them in network mode only)."""
    services = (*CODEC_SERVICES, "h323") if h323 else CODEC_SERVICES
    if not settings.service_ports:
        return [_skipped(not_measured("tcp", device.hostname, "skip.lab"))]
    return [
        _tcp(device, name, where.address, SERVICES[name], settings, limits.connects)
        for name in services
    ]


async def _codec_and_sip_ports(  # noqa: PLR0917
    codec: Awaitable[list[Finding]],
    device: ResolvedDevice,
    where: Reach,
    settings: Settings,
    limits: _Limits,
    raw: dict[str, Any],
) -> list[Finding]:
    """The codec's xAPI session first: it says whether the codec takes inbound SIP at all.
    With ``SIP ListenPort: Off`` (RoomOS's default) calls come over its registration to the
    MCU and ports 5060/5061 are closed by design: probing them would only raise a false alarm.
    """
    findings: list[Finding] = await codec
    listen = (raw.get("codec") or {}).get("sip_listen")
    if not settings.service_ports:
        return findings
    if listen is None or listen.lower() == "off":
        # Off: closed by design. None: the session failed (already a finding) or the
        # firmware has no such setting: whether it should listen is unknown, so not judged.
        code = "tcp.unread" if listen is None else "tcp.not_listening"
        return [
            *findings,
            *(
                Finding(
                    "tcp",
                    device.hostname,
                    State.SKIP,
                    "",
                    code,
                    {"service": name, "port": str(SERVICES[name]), "setting": listen or ""},
                )
                for name in CODEC_SIP
            ),
        ]
    checks = [
        _tcp(device, name, where.address, SERVICES[name], settings, limits.connects)
        for name in CODEC_SIP
    ]
    return [*findings, *await asyncio.gather(*checks)]


async def _skipped(finding: Finding) -> Finding:
    return finding


async def _echoes(
    pinger: Pinger, address: str, settings: Settings, gate: asyncio.Semaphore
) -> tuple[int, float | None]:
    """A few echoes to ``address``: how many came back, and the median RTT."""
    rtts: list[float] = []
    target = pinger.add(address, observer=lambda _seq, rtt: rtts.append(rtt))
    try:
        async with gate:  # held while sending only: the budget is echoes per second
            for _ in range(settings.reach_echoes):
                pinger.send(target)
                await asyncio.sleep(0.1)
        await asyncio.sleep(settings.echo_timeout)
    finally:
        pinger.remove(target)
    received = min(len(rtts), settings.reach_echoes)
    return received, (sorted(rtts)[len(rtts) // 2] if rtts else None)


async def _province_services(
    pinger: Pinger, plan: ProvincePlan, settings: Settings, limits: _Limits
) -> tuple[str, list[Finding]]:
    """The MCU/registrar (ping, SIP, SIP-TLS, HTTPS; H.323 at its gatekeeper) and each NTP
    server (one query), once for every commune of the province."""
    services = plan.province.services
    jobs: list[Any] = []
    for registrar in services.registrars:
        address = str(registrar.address)
        subject = f"{registrar.name} ({address})"
        ports = [(address, subject, name) for name in REGISTRAR_SERVICES]
        if registrar.h323_gatekeeper is not None:
            gatekeeper = str(registrar.h323_gatekeeper)
            ports.append((gatekeeper, f"{registrar.name} ({gatekeeper})", "h323"))
        jobs.append(_registrar_reach(pinger, address, subject, settings, limits))
        jobs += [_registrar_port(a, s, name, settings, limits) for a, s, name in ports]
    jobs += [_ntp(str(server), settings) for server in services.ntp]
    return plan.province.slug, list(await asyncio.gather(*jobs))


async def _registrar_reach(
    pinger: Pinger, address: str, subject: str, settings: Settings, limits: _Limits
) -> Finding:
    where = settings.service_address(address)
    if where is None:
        return not_measured("registrar", subject, "skip.lab")
    received, rtt = await _echoes(pinger, where, settings, limits.reaches)
    return judge_registrar_reach(subject, settings.reach_echoes, received, rtt)


async def _registrar_port(
    address: str, subject: str, service: str, settings: Settings, limits: _Limits
) -> Finding:
    where = settings.service_address(address)
    if where is None:
        return not_measured("registrar", subject, "skip.lab")
    async with limits.connects:
        result = await tcp_connect(where, SERVICES[service], settings.tcp_timeout)
    return judge_tcp(subject, service, result, check="registrar")


async def _ntp(address: str, settings: Settings) -> Finding:
    where = settings.service_address(address)
    if where is None:
        return not_measured("ntp", address, "skip.lab")
    result = await ntp_query(where, timeout=settings.ntp_timeout)
    return judge_ntp(address, result, settings.thresholds)


async def _codec(
    device: ResolvedDevice,
    where: Reach,
    commune: Commune,
    *,
    secrets: SecretResolver,
    settings: Settings,
    raw: dict[str, Any],
    expect_h323: bool,
    gate: asyncio.Semaphore,
) -> list[Finding]:
    username, password, _enable = login_secrets(device, secrets)
    try:
        async with gate:  # at most so many codec sessions at once
            session = await XapiSession.open(
                where.address,
                where.port,
                username=username.reveal(),
                password=password.reveal(),
                known_hosts=where.known_hosts,
                timeout=settings.codec_timeout,
            )
            try:
                replies = [
                    await session.request(c, settings.codec_timeout)
                    for c in (*STATUS_COMMANDS, CALL_RATE, SIP_SETTINGS)
                ]
            finally:
                session.close()
    except (OSError, asyncssh.Error, XapiError, TimeoutError) as error:
        reason = str(error) or type(error).__name__
        raw["codec"] = {"device": device.hostname, "error": reason}
        return [login_failure("sip", device.hostname, reason)]
    text = "\n".join(replies)
    status = parse_status(text)
    match = _RATE_LINE.search(text)
    rate = int(match.group(1)) if match else None
    listen = _LISTEN_LINE.search(text)
    link = commune.site.link
    bandwidth = link.bandwidth_mbps if link is not None else None
    raw["codec"] = {
        "device": device.hostname,
        "sip": status.sip,
        "h323": status.h323,
        "call_rate_kbps": rate,
        "bandwidth_mbps": bandwidth,
        "sip_listen": listen.group(1) if listen else None,
    }
    return [
        *judge_codec(device.hostname, status, expect_h323=expect_h323),
        judge_call_rate(device.hostname, rate, bandwidth, settings.thresholds),
    ]
