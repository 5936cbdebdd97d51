"""The exporter's runtime: targets, the shared probes, their schedules, reloads, self-metrics."""

from __future__ import annotations

import array
import asyncio
import gc
import logging
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isal import igzip
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from communet.probe.codec import CodecPoller
from communet.probe.icmp import Pinger
from communet.probe.snmp import SnmpPoller
from communet.probe.tcp import tcp_connect
from communet_exporter.metrics import TargetState, render_async
from communet_exporter.scheduler import Spread
from communet_exporter.targets import (
    ConfigError,
    Reach,
    Selection,
    Target,
    load_secrets,
    load_targets,
)

log = logging.getLogger("communet_exporter")
# The ICMP spread wakes every 200 ms, drains the socket (replies wait in its queue, timed by
# the kernel), expires, and sends that tick's batch: 5 loop wake-ups a second for any number
# of targets instead of one per echo and one per reply. (100 ms measured ~1.4 µs more CPU
# per echo at 10,000 targets, 12.5 vs 11.0 µs over three interleaved runs each: a wake-up
# of the loop costs ~150 µs on this VM; at 10,000 targets a tick sends 400 echoes.)
ICMP_TICK = 0.2
ICMP_POLL = 0.2


@dataclass(frozen=True)
class Settings:
    inventory: Path
    selection: Selection = field(default_factory=Selection)
    reach: Reach = field(default_factory=Reach)
    secrets: Path | None = None  # --secrets FILE: vault_NAME: value lines
    icmp_interval: float = 5.0
    icmp_timeout: float = 2.0
    icmp_socket: str = "auto"
    snmp_interval: float = 60.0
    snmp_timeout: float = 2.0
    codec_interval: float = 60.0
    tcp_interval: float = 60.0
    tcp_timeout: float = 3.0
    tcp_services: tuple[str, ...] = ()
    environ: Mapping[str, str] | None = None

    def targets(self) -> list[Target]:
        return load_targets(
            self.inventory,
            self.selection,
            self.reach,
            load_secrets(self.secrets),
            tcp_services=self.tcp_services,
            environ=self.environ,
        )


# How long a rendered /metrics body is served again (and its gzip): a twentieth of the ICMP
# interval (0.25 s at 5 s), at most this. Concurrent scrapes, a gzip and a plain request, a
# retry share one render, and an event is shown at most that much later.
RENDER_CACHE_SECONDS = 1.0


@dataclass
class Exposition:
    body: bytes
    made: float  # time.monotonic()
    gzipped: bytes | None = None


@dataclass
class SelfStats:
    reloads: int = 0
    reload_failures: int = 0
    last_reload_ok: bool = True
    last_reload_error: str = ""
    scrapes: int = 0
    renders: int = 0
    render_seconds_total: float = 0.0
    gzip_seconds_total: float = 0.0
    last_render_seconds: float = 0.0
    last_render_bytes: int = 0
    lag_max: float = 0.0
    lag_sum: float = 0.0
    lag_count: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: {"snmp": 0, "codec": 0, "tcp": 0})


class Exporter:
    """Owns the probes; call :meth:`start` on the running loop, then :meth:`metrics`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Replies are read at each ICMP tick (at most ICMP_POLL apart) rather than one loop
        # wake-up each (their RTTs come from kernel timestamps): at 10,000 targets 5
        # wake-ups a second for sends and replies, not 4,000.
        # a short interval (the lab, tests) wakes more often, so that a lost echo or a
        # reply is booked within a small fraction of it
        self.icmp_tick = max(0.005, min(ICMP_TICK, settings.icmp_interval / 20))
        # The ICMP spread's tick drains and expires too (own_timer=False): one loop wake-up
        # per tick for sends and replies.
        self.pinger = Pinger(
            timeout=settings.icmp_timeout,
            poll=max(0.01, min(ICMP_POLL, settings.icmp_interval / 20)),
            own_timer=False,
        )
        self.render_cache_seconds = min(RENDER_CACHE_SECONDS, settings.icmp_interval / 20)
        self.snmp = SnmpPoller(timeout=settings.snmp_timeout)
        self.codec = CodecPoller()
        self.states: dict[tuple[str, str], TargetState] = {}
        self.ordered: list[TargetState] = []
        self.stats = SelfStats()
        self.ready = False
        self._busy: set[tuple[str, tuple[str, str]]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        # the ICMP spread holds the echo targets' counter slots, in an array (its tick reads
        # nothing else), the other spreads the targets' states
        self._icmp: Spread[int] | None = None
        self._slot_addresses: dict[int, str] = {}
        self._spreads: list[Spread[TargetState]] = []
        self._reload_lock = asyncio.Lock()
        self._render_lock = asyncio.Lock()
        self._exposition: Exposition | None = None
        self._scrape_counts: dict[str, int] | None = None  # targets by state, while rendering
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_SelfCollector(self))

    # -- lifecycle
    async def start(self, targets: list[Target] | None = None) -> None:
        if targets is None:
            targets = await asyncio.to_thread(self.settings.targets)
        self.pinger.open(self.settings.icmp_socket)
        self._apply(targets)
        s = self.settings
        self._icmp = Spread(
            s.icmp_interval,
            lambda slot: self.pinger.send_many((slot,)),
            key=self._slot_addresses.__getitem__,
            on_lag=self._lag,
            tick=self.icmp_tick,
            batch=self.pinger.send_many,
            on_tick=self.pinger.service,
            store=_slot_array,
        )
        self._spreads = [
            Spread(s.snmp_interval, self._poll_snmp, key=_key),
            Spread(s.codec_interval, self._poll_codec, key=_key),
            Spread(s.tcp_interval, self._poll_tcp, key=_key),
        ]
        self._assign()
        self._icmp.start()
        for spread in self._spreads:
            spread.start()
        # Everything built so far (modules, inventory, targets) lives as long as the process:
        # out of the collector's generations, a full collection does not walk it again.
        gc.freeze()
        self.ready = True

    async def stop(self) -> None:
        self.ready = False
        for spread in self.spreads():
            await spread.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.codec.close()
        self.snmp.close()
        self.pinger.close()

    # -- targets
    def _apply(self, targets: list[Target]) -> tuple[int, int, int]:
        """Keep the state (counters) of every target whose identity did not change."""
        old = self.states
        new: dict[tuple[str, str], TargetState] = {}
        kept = 0
        for target in targets:
            state = old.get(target.key)
            if state is not None and state.target == target:
                new[target.key] = state
                kept += 1
                continue
            if state is not None:  # same host and address, other labels or settings
                echo = state.echo
                new[target.key] = TargetState(target, echo)
                kept += 1
                continue
            new[target.key] = TargetState(target, self.pinger.add(target.address))
        for key, state in old.items():
            if key not in new:
                self.pinger.remove(state.echo)
                self.snmp.forget(state.target.address, state.target.snmp_port)
                self.codec.drop(state.target.hostname)
        self.states = new
        self.ordered = sorted(new.values(), key=lambda s: s.target.hostname)
        added = len(new) - kept
        removed = len(old) - kept
        return added, removed, kept

    def spreads(self) -> list[Spread[Any]]:
        """Every running schedule (ICMP first)."""
        return [*([self._icmp] if self._icmp is not None else []), *self._spreads]

    def _assign(self) -> None:
        if self._icmp is None or not self._spreads:
            return
        snmp, codec, tcp = self._spreads
        self._slot_addresses.clear()
        self._slot_addresses.update((s.echo.slot, s.echo.address) for s in self.ordered)
        self._icmp.set_items(list(self._slot_addresses))
        snmp.set_items([s for s in self.ordered if s.target.snmp is not None])
        codec.set_items([s for s in self.ordered if s.target.codec is not None])
        tcp.set_items([s for s in self.ordered if s.target.tcp])

    async def reload(self) -> tuple[int, int, int]:
        """Re-read the inventory; on any error keep the running targets and raise."""
        async with self._reload_lock:
            try:
                targets = await asyncio.to_thread(self.settings.targets)
            except ConfigError as error:
                self.stats.reload_failures += 1
                self.stats.last_reload_ok = False
                self.stats.last_reload_error = str(error)
                raise
            counts = self._apply(targets)
            self._assign()
            self._exposition = None  # the next scrape shows the new targets
            self.stats.reloads += 1
            self.stats.last_reload_ok = True
            self.stats.last_reload_error = ""
            log.info("reloaded: %d added, %d removed, %d kept", *counts)
            return counts

    # -- probes
    def _lag(self, lag: float) -> None:
        self.stats.lag_count += 1
        self.stats.lag_sum += lag
        self.stats.lag_max = max(self.stats.lag_max, lag)

    def _spawn(
        self, kind: str, state: TargetState, work: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        busy = (kind, state.target.key)
        if busy in self._busy:  # the previous poll has not finished: skip, do not pile up
            self.stats.skipped[kind] += 1
            return
        self._busy.add(busy)

        async def run() -> None:
            try:
                await work()
            except Exception:  # a probe's failure is its target's alone
                log.exception("%s probe of %s failed", kind, state.target.hostname)
            finally:
                self._busy.discard(busy)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _poll_snmp(self, state: TargetState) -> None:
        target = state.target
        auth = target.snmp
        if auth is None:
            return

        async def work() -> None:
            state.snmp = await self.snmp.status(
                target.address, target.snmp_port, auth, target.wan_interface
            )

        self._spawn("snmp", state, work)

    def _poll_codec(self, state: TargetState) -> None:
        target = state.target
        login = target.codec
        if login is None:
            return

        async def work() -> None:
            state.codec = await self.codec.status(
                target.hostname, target.address, target.ssh_port, login, target.known_hosts
            )

        self._spawn("codec", state, work)

    def _poll_tcp(self, state: TargetState) -> None:
        target = state.target

        async def work() -> None:
            for service, port in target.tcp:
                state.tcp[service] = await tcp_connect(
                    target.address, port, self.settings.tcp_timeout
                )

        self._spawn("tcp", state, work)

    # -- exposition
    async def metrics(self) -> bytes:
        return (await self.exposition()).body

    async def exposition(self) -> Exposition:
        """The /metrics body, rendered at most once per :attr:`render_cache_seconds`: a
        second scrape meanwhile (an HA Prometheus pair, a retry, a person with curl) and
        concurrent scrapes share one render and its gzip."""
        self.stats.scrapes += 1
        async with self._render_lock:
            now = time.monotonic()
            cached = self._exposition
            if cached is not None and now - cached.made < self.render_cache_seconds:
                return cached
            self.pinger.service()  # replies still queued count before the body is made
            text, spent, _counts = await render_async(self.ordered, trailer=self._self_metrics)
            began = time.process_time()
            body = text.encode()
            spent += time.process_time() - began
            self.stats.renders += 1
            self.stats.last_render_seconds = spent
            self.stats.render_seconds_total += spent
            self.stats.last_render_bytes = len(body)
            self._exposition = Exposition(body, time.monotonic())
            return self._exposition

    def _self_metrics(self, counts: dict[str, int]) -> str:
        """The self-metrics' text, with the targets by state the render counted."""
        self._scrape_counts = counts
        try:
            return generate_latest(self.registry).decode()
        finally:
            self._scrape_counts = None

    def gzipped(self, exposition: Exposition) -> bytes:
        """``exposition``'s body gzip-compressed, once: ISA-L's gzip at level 1 (13 MB of
        10,000 targets in ~7 ms where zlib takes ~45, and a smaller result)."""
        if exposition.gzipped is None:
            began = time.process_time()
            exposition.gzipped = igzip.compress(exposition.body, 1)
            self.stats.gzip_seconds_total += time.process_time() - began
        return exposition.gzipped

    def target_states(self) -> dict[str, int]:
        counts = {"up": 0, "down": 0, "unknown": 0}
        for state in self.ordered:
            counts[state.state()] += 1
        return counts


def _key(state: TargetState) -> str:
    return state.target.hostname


def _slot_array(slots: list[int]) -> array.array[int]:
    return array.array("L", slots)


class _SelfCollector(Collector):
    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter

    def collect(self) -> Iterator[Metric]:
        e = self.exporter
        c = e.pinger.counters
        s = e.stats
        yield _counter("communet_exporter_icmp_requests", "Echo requests sent.", c.sent)
        yield _counter(
            "communet_exporter_icmp_send_errors", "Echo requests the kernel refused.", c.send_errors
        )
        replies = CounterMetricFamily(
            "communet_exporter_icmp_replies",
            "Echo replies by kind: in time, late (after the timeout), duplicate, foreign.",
            labels=["kind"],
        )
        for kind, value in (
            ("in_time", c.received),
            ("late", c.late),
            ("duplicate", c.duplicates),
            ("foreign", c.foreign),
        ):
            replies.add_metric([kind], value)
        yield replies
        yield _counter(
            "communet_exporter_icmp_timeouts", "Echo requests unanswered in time.", c.timeouts
        )
        yield _counter(
            "communet_exporter_icmp_receive_drops",
            "Replies the kernel dropped because the ICMP socket's queue was full.",
            c.receive_drops,
        )
        yield _gauge(
            "communet_exporter_icmp_outstanding", "Echoes awaiting a reply.", e.pinger.outstanding()
        )
        yield _gauge(
            "communet_exporter_icmp_raw_socket",
            "1 if the shared ICMP socket is raw (0: an unprivileged ping socket).",
            int(e.pinger.mode == "raw"),
        )
        yield _gauge(
            "communet_exporter_icmp_compiled_loops",
            "1 if the pinger's per-echo loops run compiled (communet.probe._echo); 0: in "
            "Python, about twice the CPU per echo (the extension did not build).",
            int(e.pinger.native),
        )
        states = GaugeMetricFamily(
            "communet_exporter_targets",
            "Targets by state of their latest echoes (up, down, unknown).",
            labels=["state"],
        )
        # counted by the render that is running (no second pass over the targets)
        for name, value in (e._scrape_counts or e.target_states()).items():
            states.add_metric([name], value)
        yield states
        yield _counter("communet_exporter_snmp_requests", "SNMP requests sent.", e.snmp.requests)
        yield _counter(
            "communet_exporter_codec_connects", "xAPI sessions opened to codecs.", e.codec.connects
        )
        skipped = CounterMetricFamily(
            "communet_exporter_polls_skipped",
            "Polls skipped because the previous poll of the target was still running.",
            labels=["probe"],
        )
        for probe, value in s.skipped.items():
            skipped.add_metric([probe], value)
        yield skipped
        yield _gauge(
            "communet_exporter_loop_lag_max_seconds",
            "Longest delay of a scheduler tick behind its time since start.",
            s.lag_max,
        )
        lag = CounterMetricFamily(
            "communet_exporter_loop_lag_seconds", "Sum of the scheduler ticks' delays."
        )
        lag.add_metric([], s.lag_sum)
        yield lag
        yield _counter("communet_exporter_scrapes", "Scrapes of /metrics served.", s.scrapes)
        yield _counter(
            "communet_exporter_renders",
            "Renders of /metrics (the other scrapes got the body of the last second).",
            s.renders,
        )
        yield _counter(
            "communet_exporter_render_cpu_seconds",
            "CPU seconds spent rendering /metrics.",
            s.render_seconds_total,
        )
        yield _counter(
            "communet_exporter_gzip_cpu_seconds",
            "CPU seconds spent compressing /metrics for scrapers that accept gzip.",
            s.gzip_seconds_total,
        )
        yield _gauge(
            "communet_exporter_last_render_cpu_seconds",
            "CPU seconds the previous /metrics render took.",
            s.last_render_seconds,
        )
        yield _gauge(
            "communet_exporter_last_render_bytes",
            "Size of the previous /metrics response before compression.",
            s.last_render_bytes,
        )
        yield _counter("communet_exporter_reloads", "Inventory reloads applied.", s.reloads)
        yield _counter(
            "communet_exporter_reload_failures",
            "Inventory reloads refused (the running targets were kept).",
            s.reload_failures,
        )
        yield _gauge(
            "communet_exporter_last_reload_successful",
            "1 if the last inventory reload succeeded.",
            int(s.last_reload_ok),
        )


def _counter(name: str, help_text: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, help_text, value=value)


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=value)
