"""The per-target metrics and their text exposition, rendered by hand from cached labels.

prometheus_client needs seconds of CPU to expose 10,000 targets × a dozen series (a sample
object and a label dict per line); here each target's label text is built once, when the
target is added, and a scrape joins pre-built prefixes with the current values. Rendering
runs in slices of targets so that the event loop (and the probes' send schedule) gets control
back between slices.

Series per target (topology labels province, district, commune, instance, role, platform on
every one, so alerts and Alertmanager inhibit rules need no join):

- every device: ``communet_icmp_requests_total``, ``communet_icmp_rtt_seconds`` (a histogram:
  3 buckets + ``+Inf`` + ``_sum`` + ``_count``, the count being the replies received in time)
  and ``communet_icmp_jitter_seconds`` — 8 series;
- switches and routers (SNMP): ``communet_snmp_up``, ``communet_device_uptime_seconds``,
  ``communet_snmp_engine_boots`` — 3 more (11), the CE router also
  ``communet_wan_link_up`` (12);
- codecs (xAPI): ``communet_codec_up``, ``communet_device_uptime_seconds``,
  ``communet_codec_registered{protocol="sip"|"h323"}`` — 4 more (12);
- each TCP service asked for (``--tcp.services``, off by default): ``communet_tcp_up`` and
  ``communet_tcp_connect_duration_seconds`` — 2 more per service.

Uptime and boots are exported only while the last poll succeeded (a stale value would hide
a dead agent); the ``_up`` series are always there.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from communet.probe.codec import CodecStatus
from communet.probe.icmp import COUNTERS_WORD, DEFAULT_BUCKETS, RECENT_ECHOES, EchoTarget
from communet.probe.snmp import SnmpStatus
from communet.probe.tcp import TcpResult
from communet_exporter.targets import Target


class _NativeRender(Protocol):
    """:mod:`communet_exporter._render` (its stub types the call)."""

    render: Callable[..., tuple[str, str, str, int, int, int]]


native_render: _NativeRender | None
try:  # the ICMP series compiled (setup.py); without it render_slice formats them in Python
    from communet_exporter import _render as native_render
except ImportError:  # pragma: no cover - a build without a C compiler
    native_render = None

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RECENT = (1 << RECENT_ECHOES) - 1  # EchoTarget.answered_recently()'s window, as a mask

FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("communet_icmp_requests_total", "counter", "ICMP echo requests sent to the target."),
    (
        "communet_icmp_rtt_seconds",
        "histogram",
        "Round-trip time of the echo replies received in time (count = replies received).",
    ),
    (
        "communet_icmp_jitter_seconds",
        "gauge",
        "RFC 3550 interarrival jitter of the echo replies (J += (|D| - J) / 16).",
    ),
    ("communet_snmp_up", "gauge", "1 if the last SNMP poll of the device succeeded."),
    (
        "communet_device_uptime_seconds",
        "gauge",
        "Seconds since the device booted (snmpEngineTime, else sysUpTime; codecs: xStatus).",
    ),
    ("communet_snmp_engine_boots", "gauge", "snmpEngineBoots: how often the device booted."),
    ("communet_wan_link_up", "gauge", "1 if the TSLCD WAN interface is up (ifOperStatus)."),
    ("communet_codec_up", "gauge", "1 if the codec answered its last xAPI status poll."),
    (
        "communet_codec_registered",
        "gauge",
        "1 if the codec is registered to its call control (SIP registrar, H.323 gatekeeper).",
    ),
    ("communet_tcp_up", "gauge", "1 if the last TCP connect to the service succeeded."),
    (
        "communet_tcp_connect_duration_seconds",
        "gauge",
        "Seconds the last TCP connect to the service took (to success or failure).",
    ),
)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def label_text(labels: Iterable[tuple[str, str]]) -> str:
    return ",".join(f'{name}="{escape(value)}"' for name, value in labels)


@functools.cache
def bound_texts(buckets: tuple[float, ...]) -> tuple[str, ...]:
    """The ``le`` label values of ``buckets`` (without ``+Inf``), made once per bucket set."""
    return tuple(_number(b) for b in buckets)


@functools.cache
def histogram_template(buckets: tuple[float, ...]) -> str:
    """One ``str.format`` template for a target's whole RTT histogram: ``{0}`` the labels,
    then the cumulative bucket counts, the sum and the count (one call per target)."""
    bounds = [*bound_texts(buckets), "+Inf"]
    lines = [
        f'communet_icmp_rtt_seconds_bucket{{{{{{0}},le="{bound}"}}}} {{{index + 1}}}\n'
        for index, bound in enumerate(bounds)
    ]
    lines.append(f"communet_icmp_rtt_seconds_sum{{{{{{0}}}}}} {{{len(bounds) + 1}!r}}\n")
    lines.append(f"communet_icmp_rtt_seconds_count{{{{{{0}}}}}} {{{len(bounds) + 2}}}\n")
    return "".join(lines)


@dataclass(slots=True)
class TargetState:
    """A target and everything measured about it; replaced only when the target changes.

    Only the label text is kept per target (built once): the lines are formatted around it
    at each scrape, which costs less memory than caching every line's prefix and about the
    same CPU.
    """

    target: Target
    echo: EchoTarget
    labels: str = ""
    snmp: SnmpStatus | None = None
    codec: CodecStatus | None = None
    tcp: dict[str, TcpResult] = field(default_factory=dict)
    # no SNMP, codec or TCP probe: the render reads nothing of the target but the echoes
    # (at 10,000 targets each object read is a cache miss per scrape)
    icmp_only: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.labels = label_text(self.target.labels)
        target = self.target
        self.icmp_only = target.snmp is None and target.codec is None and not target.tcp

    def state(self) -> str:
        """up / down / unknown, from the latest echoes (for the self-metrics)."""
        if self.echo.sent < 2:
            return "unknown"
        return "up" if self.echo.answered_recently() else "down"


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def render_slice(
    states: list[TargetState], parts: dict[str, list[str]], counts: dict[str, int] | None = None
) -> None:
    """Append the lines of ``states`` to ``parts`` (family name -> lines); count them by
    :meth:`TargetState.state` into ``counts`` on the way (each target is read once per
    scrape: at 10,000 targets a second pass for the self-metrics costs as much again in
    cache misses)."""
    if counts is None:
        counts = {"up": 0, "down": 0, "unknown": 0}
    if not _render_icmp_native(states, parts, counts):
        _render_icmp(states, parts, counts)


def _render_icmp_native(
    states: list[TargetState], parts: dict[str, list[str]], counts: dict[str, int]
) -> bool:
    """The lines of ``states``, the ICMP series by :func:`_render.render` straight from the
    pinger's records; False (nothing done) without the extension or if the targets do not
    all belong to one pinger that still probes them."""
    if native_render is None or not states:
        return False
    pinger = states[0].echo.pinger
    slots = array("Q")
    labels: list[str] = []
    others: list[TargetState] = []  # with SNMP, codec or TCP series (one pass over states)
    for state in states:
        echo = state.echo
        if echo.pinger is not pinger or not echo.probing:
            return False
        slots.append(echo.slot)
        labels.append(state.labels)
        if not state.icmp_only:
            others.append(state)
    records = pinger.records
    requests, histogram, jitter, up, down, unknown = native_render.render(
        records.buffer, records.size, COUNTERS_WORD, slots, labels,
        bound_texts(records.buckets), RECENT,
    )  # fmt: skip
    parts["communet_icmp_requests_total"].append(requests)
    parts["communet_icmp_rtt_seconds"].append(histogram)
    parts["communet_icmp_jitter_seconds"].append(jitter)
    counts["up"] += up
    counts["down"] += down
    counts["unknown"] += unknown
    for state in others:
        _other_lines(state, parts)
    return True


def _render_icmp(
    states: list[TargetState], parts: dict[str, list[str]], counts: dict[str, int]
) -> None:
    """The lines of ``states`` in Python (the ICMP series: the reference for the compiled
    render)."""
    requests = parts["communet_icmp_requests_total"]
    rtt = parts["communet_icmp_rtt_seconds"]
    jitter_lines = parts["communet_icmp_jitter_seconds"]
    b0, b1, b2 = bound_texts(DEFAULT_BUCKETS)
    for state in states:
        lbl = state.labels
        echo = state.echo
        # one read of the target's counters record (answered, sent, received, RTT sum, last
        # RTT, jitter, duplicates, late, the buckets)
        values = echo.counters()
        sent, received, rtt_sum, jitter = values[1], values[2], values[3], values[5]
        # TargetState.state(), inlined: one call per target less
        if sent < 2:
            counts["unknown"] += 1
        elif int(values[0]) & RECENT:
            counts["up"] += 1
        else:
            counts["down"] += 1
        requests.append(f"communet_icmp_requests_total{{{lbl}}} {sent}\n")
        if echo.buckets == DEFAULT_BUCKETS:
            # One f-string (compiled, no template parsed per call): 2.4x faster than
            # str.format, and the histogram is most of the text. +Inf = received.
            c0 = values[8]
            c1 = c0 + values[9]
            c2 = c1 + values[10]
            rtt.append(
                f'communet_icmp_rtt_seconds_bucket{{{lbl},le="{b0}"}} {c0}\n'
                f'communet_icmp_rtt_seconds_bucket{{{lbl},le="{b1}"}} {c1}\n'
                f'communet_icmp_rtt_seconds_bucket{{{lbl},le="{b2}"}} {c2}\n'
                f'communet_icmp_rtt_seconds_bucket{{{lbl},le="+Inf"}} {received}\n'
                f"communet_icmp_rtt_seconds_sum{{{lbl}}} {rtt_sum!r}\n"
                f"communet_icmp_rtt_seconds_count{{{lbl}}} {received}\n"
            )
        else:
            cumulative = list(itertools.accumulate(values[8:]))
            template = histogram_template(echo.buckets)
            rtt.append(template.format(lbl, *cumulative, rtt_sum, received))
        jitter_lines.append(f"communet_icmp_jitter_seconds{{{lbl}}} {jitter!r}\n")
        if not state.icmp_only:
            _other_lines(state, parts)


def _other_lines(state: TargetState, parts: dict[str, list[str]]) -> None:
    """The SNMP, codec and TCP series of ``state``."""
    target, lbl = state.target, state.labels
    if target.snmp is not None and state.snmp is not None:
        _snmp_lines(state, parts)
    if target.codec is not None and state.codec is not None:
        _codec_lines(state, parts)
    for service, _port in target.tcp:
        result = state.tcp.get(service)
        if result is None:
            continue
        label = f'{{{lbl},service="{service}"}} '
        parts["communet_tcp_up"].append(f"communet_tcp_up{label}{int(result.success)}\n")
        parts["communet_tcp_connect_duration_seconds"].append(
            f"communet_tcp_connect_duration_seconds{label}{result.duration!r}\n"
        )


def _snmp_lines(state: TargetState, parts: dict[str, list[str]]) -> None:
    lbl, snmp = state.labels, state.snmp
    assert snmp is not None
    parts["communet_snmp_up"].append(f"communet_snmp_up{{{lbl}}} {int(snmp.success)}\n")
    if not snmp.success:
        return
    if snmp.uptime is not None:
        line = f"communet_device_uptime_seconds{{{lbl}}} {snmp.uptime!r}\n"
        parts["communet_device_uptime_seconds"].append(line)
    if snmp.boots is not None:
        parts["communet_snmp_engine_boots"].append(
            f"communet_snmp_engine_boots{{{lbl}}} {snmp.boots}\n"
        )
    if state.target.wan_interface and snmp.wan_up is not None:
        parts["communet_wan_link_up"].append(f"communet_wan_link_up{{{lbl}}} {int(snmp.wan_up)}\n")


def _codec_lines(state: TargetState, parts: dict[str, list[str]]) -> None:
    lbl, codec = state.labels, state.codec
    assert codec is not None
    parts["communet_codec_up"].append(f"communet_codec_up{{{lbl}}} {int(codec.success)}\n")
    if not codec.success:
        return
    if codec.uptime is not None:
        line = f"communet_device_uptime_seconds{{{lbl}}} {codec.uptime!r}\n"
        parts["communet_device_uptime_seconds"].append(line)
    registered = parts["communet_codec_registered"]
    for protocol, value in (("sip", codec.sip_registered), ("h323", codec.h323_registered)):
        registered.append(
            f'communet_codec_registered{{{lbl},protocol="{protocol}"}} {int(value)}\n'
        )


def new_parts() -> dict[str, list[str]]:
    return {name: [] for name, _, _ in FAMILIES}


def join(parts: dict[str, list[str]], trailer: str = "") -> str:
    """The families in order, each under its HELP and TYPE, then ``trailer``: one join over
    every line (no intermediate string per family, nor a concatenation afterwards: at
    10,000 targets each copy is 13 MB)."""
    out: list[str] = []
    for name, kind, help_text in FAMILIES:
        lines = parts[name]
        if not lines:
            continue
        out.append(f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n")
        out.extend(lines)
    out.append(trailer)
    return "".join(out)


def render(states: list[TargetState]) -> str:
    parts = new_parts()
    render_slice(states, parts)
    return join(parts)


async def render_async(
    states: list[TargetState],
    slice_size: int = 2000,
    trailer: Callable[[dict[str, int]], str] | None = None,
) -> tuple[str, float, dict[str, int]]:
    """:func:`render`, yielding to the event loop after every ``slice_size`` targets, then
    ``trailer(targets by state)`` appended (the self-metrics); also the CPU seconds the
    rendering itself took (the probes that run while it yields are not counted) and the
    targets by state."""
    parts = new_parts()
    counts = {"up": 0, "down": 0, "unknown": 0}
    cpu = 0.0
    for start in range(0, len(states), slice_size):
        began = time.process_time()
        render_slice(states[start : start + slice_size], parts, counts)
        cpu += time.process_time() - began
        await asyncio.sleep(0)
    began = time.process_time()
    text = join(parts, trailer(counts) if trailer is not None else "")
    return text, cpu + time.process_time() - began, counts
