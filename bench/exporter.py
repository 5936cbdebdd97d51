"""Probing bench: communet-exporter against blackbox_exporter and smokeping_prober, side by side.

    .venv/bin/python bench/exporter.py [--sizes 1000,5000,10000] [--seconds 40] \\
        [--probers communet,blackbox,smokeping] [--icmp-socket raw|dgram] [--json out.json]

Re-runs itself in a fresh user + network namespace (``unshare -rn``): every target is a
127.x.y.z address answered by the lab's own ICMP responder (``communet.lab.icmp``, the kernel's
echo replies switched off) in a child process, for scale copies of the Thanh Hóa province's
lab devices. Nothing leaves the namespace.

For each size, and at the largest also with 30 % of the targets down, each prober in turn
probes the targets at one echo per 5 s for ``--seconds``:

- **communet**: the exporter's runtime (``communet_exporter.app.Exporter``: one shared ICMP
  socket, the spread scheduler) in a child process, ICMP only;
- **blackbox**: ``prometheus-blackbox-exporter`` (Debian, 0.23) with an ``icmp`` module, driven
  as Prometheus drives it: one ``/probe`` request per target per interval, spread evenly (the
  driver's own CPU is reported apart);
- **smokeping**: ``prometheus-smokeping-prober`` (Debian, 0.6.1) pinging every target itself.
- **communet-python** (only when asked for): communet with the pinger's per-echo loops in
  Python (``Pinger(native=False)``: what runs where ``communet.probe._echo`` did not build),
  to weigh the compiled loops in the same run.

CPU is the prober's own user + system time (all its threads; the peers' from /proc, their
waited-for children included; communet's from ``os.times()`` in the exporter's process,
children excluded, which starts none; the lab's responder is another process, never counted),
so other load on the shared machine does not count. communet's probing CPU comes from a
window with no scrape at all; the scrapes follow in a separate phase whose CPU is reported
apart (per render, and the phase's total minus probing at the window's rate). False loss =
echoes to answering targets that the prober counted lost, against the responder's own count
of what it answered. Then, for communet at the largest size: CPU and size of ``/metrics``
renders (hand-rendered text) and the RTTs of echoes answered during scrapes against those
outside them. Prints a markdown table and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "exporter"))

from bench.lab_scale import rss_mib  # noqa: E402

IN_NETNS = "COMMUNET_BENCH_IN_NETNS"
CHILD_OUT = "COMMUNET_BENCH_CHILD_OUT"
BREAKDOWN = "COMMUNET_BENCH_BREAKDOWN"
PYTHON_LOOPS = "COMMUNET_BENCH_PYTHON_LOOPS"
ICMP_SOCKET = "COMMUNET_BENCH_ICMP_SOCKET"
# net.ipv4.ping_group_range letting this namespace's one group (gid 0, the only one mapped
# by ``unshare -r``) open ping sockets; the kernel's default, "1 0", lets none.
OUR_GROUP = "0 0"
TICKS = os.sysconf("SC_CLK_TCK")
INTERVAL = 5.0
NETWORK = "127.16.0.0/12"
SMOKEPING_START = 90.0  # seconds smokeping_prober gets to start its pingers and listen


# ------------------------------------------------------------------------------ measuring
def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its waited-for children (clock ticks → seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // (1024 * 1024)
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{model}, {os.cpu_count()} CPUs, {memory} GiB, Linux {platform.release()}, "
        f"Python {platform.python_version()}, load average {' '.join(load)}"
    )


def addresses(count: int) -> list[str]:
    from communet.lab.runtime import lab_addresses  # noqa: PLC0415

    out: list[str] = []
    for address in lab_addresses(NETWORK):
        out.append(address)
        if len(out) == count:
            break
    return out


def down_set(count: int, fraction: float) -> set[int]:
    chosen = random.Random(7).sample(range(count), round(count * fraction))  # noqa: S311
    return set(chosen)


# ------------------------------------------------------------------------------ responder
def responder(count: int) -> None:
    """Child: the lab's ICMP responder for ``count`` lab devices (scale copies of Thanh Hóa).
    stdin commands: ``down N FRACTION`` (only the first N answer, a FRACTION of them down),
    ``stats`` (print answered/dropped as JSON)."""
    from communet.lab.icmp import IcmpResponder  # noqa: PLC0415
    from communet.lab.runtime import make_device, specs_from_inventory  # noqa: PLC0415
    from communet.lab.server import Credentials  # noqa: PLC0415

    scale = max(1, -(-count // 2200))
    specs = specs_from_inventory(REPO / "inventory" / "thanh-hoa", scale)[:count]
    devices = [make_device(spec, Credentials()) for spec in specs]
    targets = addresses(count)
    by_address = dict(zip(targets, devices, strict=True))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        icmp = IcmpResponder(by_address)
        icmp.start()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        print("ready", flush=True)
        while line := (await reader.readline()).decode().split():
            if line[0] == "down":
                size, fraction = int(line[1]), float(line[2])
                down = down_set(size, fraction)
                for index, device in enumerate(devices):
                    device.faults.down = index >= size or index in down
            elif line[0] == "stats":
                print(json.dumps({"answered": icmp.answered, "dropped": icmp.dropped}), flush=True)
        icmp.stop()

    asyncio.run(main())


class Responder:
    def __init__(self, count: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--responder", str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the responder did not start: {line!r}")

    def command(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def stats(self) -> dict[str, int]:
        self.command("stats")
        assert self.process.stdout is not None
        data: dict[str, int] = json.loads(self.process.stdout.readline())
        return data

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(30)


# ------------------------------------------------------------------------------ communet
# The calls of the exporter's ICMP work that --breakdown times, and what each is called.
BREAKDOWN_PARTS = (
    ("communet.probe.icmp", "Pinger", "send_many", "send (all)"),
    ("communet.probe.mmsg", "BatchSender", "send", "send: sendmmsg"),
    ("communet.probe.icmp", "Pinger", "service", "receive and expire (all)"),
    ("communet.probe.icmp", "Pinger", "_book", "receive: booking"),
    ("communet.probe.icmp", "Pinger", "_book_native", "receive: booking"),
    ("communet.probe.mmsg", "BatchReceiver", "receive", "receive: recvmmsg"),
)


def instrument() -> dict[str, list[int]]:
    """Wrap the exporter's ICMP calls with the thread's CPU clock (``--breakdown``): CPU
    nanoseconds and calls per part. The clocks cost ~1 µs per call (a few thousand calls
    in a window): the window's total is then not the acceptance figure."""
    import importlib  # noqa: PLC0415

    parts: dict[str, list[int]] = {}
    clock = time.thread_time_ns
    for module, owner_name, name, label in BREAKDOWN_PARTS:
        owner = getattr(importlib.import_module(module), owner_name)
        original = getattr(owner, name)
        spent = parts.setdefault(label, [0, 0])

        def timed(*args: Any, _original: Any = original, _spent: list[int] = spent) -> Any:
            began = clock()
            try:
                return _original(*args)
            finally:
                _spent[0] += clock() - began
                _spent[1] += 1

        setattr(owner, name, timed)
    return parts


def breakdown(parts: dict[str, list[int]], before: dict[str, int], echoes: int) -> dict[str, float]:
    """µs of CPU per echo by part over the window, and what the parts leave (the loop, the
    scheduler, the wake-ups)."""
    spent = {label: parts[label][0] - before[label] for label in parts}
    out = {label: round(ns / 1000 / max(1, echoes), 2) for label, ns in spent.items()}
    out["send: Python"] = round(out["send (all)"] - out["send: sendmmsg"], 2)
    out["receive: other Python"] = round(
        out["receive and expire (all)"] - out["receive: booking"] - out["receive: recvmmsg"], 2
    )
    return out


def communet_child(count: int, seconds: float, scrapes: int) -> None:  # noqa: PLR0915
    """Child: the exporter's runtime for ``count`` ICMP targets; prints one JSON result."""
    from communet_exporter.app import Exporter, Settings  # noqa: PLC0415
    from communet_exporter.targets import Target  # noqa: PLC0415

    if os.environ.get(PYTHON_LOOPS) == "1":  # the communet-python row: no compiled loops
        import communet.probe.icmp  # noqa: PLC0415

        communet.probe.icmp.native_loops = None

    targets = [
        Target(
            hostname=f"th-{index:05d}",
            address=address,
            labels=(
                ("province", "thanh-hoa"),
                ("district", f"huyen-{index % 27:02d}"),
                ("commune", f"xa-{index // 4:05d}"),
                ("instance", f"th-{index:05d}"),
                (
                    "role",
                    ("access_switch", "ce_router", "video_endpoint", "internet_router")[index % 4],
                ),
                ("platform", "cisco_ios"),
            ),
            role="access_switch",
            snmp=None,
            snmp_port=161,
            wan_interface=None,
            codec=None,
            ssh_port=22,
            known_hosts=None,
            tcp=(),
        )
        for index, address in enumerate(addresses(count))
    ]
    settings = Settings(
        inventory=REPO / "inventory" / "thanh-hoa",
        icmp_interval=INTERVAL,
        icmp_socket=os.environ.get(ICMP_SOCKET, "raw"),
    )
    rtts: list[tuple[float, float]] = []
    parts = instrument() if os.environ.get(BREAKDOWN) == "1" else None

    async def main() -> dict[str, Any]:  # noqa: PLR0915
        exporter = Exporter(settings)
        await exporter.start(targets)

        await asyncio.sleep(INTERVAL)  # one full cycle before measuring
        first = {
            s.target.address: (s.echo.stats.sent, s.echo.stats.received) for s in exporter.ordered
        }
        collections0 = [g["collections"] for g in gc.get_stats()]
        parts0 = {label: spent[0] for label, spent in (parts or {}).items()}
        before = os.times()
        sent0 = exporter.pinger.counters.sent
        await asyncio.sleep(seconds)
        after = os.times()
        parts_window = (
            breakdown(parts, parts0, exporter.pinger.counters.sent - sent0) if parts else None
        )
        gc_runs = [g["collections"] - c for g, c in zip(gc.get_stats(), collections0, strict=True)]
        probe_cpu = (after.user - before.user) + (after.system - before.system)
        sent = exporter.pinger.counters.sent - sent0
        last = {
            s.target.address: (s.echo.stats.sent, s.echo.stats.received) for s in exporter.ordered
        }

        # RTT samples only for the scrape phase (outside the CPU window: keeping every sample
        # is the bench's cost, not the exporter's)
        def observe(_seq: int, rtt: float) -> None:
            rtts.append((time.monotonic(), rtt))

        for state in exporter.ordered:
            state.echo.observer = observe
        await asyncio.sleep(2.5)  # samples before the first scrape, to compare with
        windows: list[tuple[float, float]] = []
        # The scrape phase apart from the probing window: its process CPU minus what probing
        # costs over the same wall time (the probing window's rate) is what the scrapes cost.
        phase_began, phase_times = time.monotonic(), os.times()
        renders: list[tuple[float, int, float, float, int, float]] = []
        for _ in range(scrapes):
            await asyncio.sleep(exporter.render_cache_seconds + 0.2)  # a full render each time
            began_cpu, began = time.process_time(), time.monotonic()
            exposition = await exporter.exposition()
            process_cpu = time.process_time() - began_cpu  # also the probes run meanwhile
            gzip_began = time.process_time()
            gzipped = exporter.gzipped(exposition)
            gzip_cpu = time.process_time() - gzip_began
            windows.append((began, time.monotonic()))
            again = time.process_time()  # a second scraper at once: the cache
            exporter.gzipped(await exporter.exposition())
            cached_cpu = time.process_time() - again
            renders.append(
                (exporter.stats.last_render_seconds, len(exposition.body), process_cpu,
                 gzip_cpu, len(gzipped), cached_cpu)
            )  # fmt: skip
        phase_times_end, phase_wall = os.times(), time.monotonic() - phase_began
        phase_cpu = (phase_times_end.user - phase_times.user) + (
            phase_times_end.system - phase_times.system
        )
        await asyncio.sleep(2.5)  # replies of echoes sent during the last scrape
        for spread in exporter.spreads():
            await spread.stop()
        await asyncio.sleep(2.5)  # every echo answered or timed out
        exporter.pinger.service()  # the spreads' ticks read the replies: a last read, as a scrape
        result = {
            "received_total": exporter.pinger.counters.received,
            "cpu": probe_cpu,
            "cpu_user_system": [after.user - before.user, after.system - before.system],
            "echoes": sent,
            "sent_by_target": {a: last[a][0] - first[a][0] for a in last},
            "received_by_target": {a: last[a][1] - first[a][1] for a in last},
            "late": exporter.pinger.counters.late,
            "send_errors": exporter.pinger.counters.send_errors,
            "lag_max": exporter.stats.lag_max,
            "gc_collections": gc_runs,  # per generation, in the CPU window
            "rss_mib": rss_mib(os.getpid()),
            "socket": exporter.pinger.mode,
            "renders": renders,
            "send_chunk_max_ms": exporter.pinger.counters.send_chunk_max_ns / 1e6,
        }
        if parts_window is not None:
            result["breakdown_us_per_echo"] = parts_window
        if scrapes:
            probing = probe_cpu / seconds * phase_wall
            result["scrape_phase"] = {
                "seconds": phase_wall,
                "cpu": phase_cpu,
                "probing_estimate": probing,
                "cpu_per_scrape": (phase_cpu - probing) / scrapes,
            }
        inside: list[float] = []
        outside: list[float] = []
        if windows:
            for at, rtt in rtts:
                during = any(a <= at <= b + 0.05 for a, b in windows)
                (inside if during else outside).append(rtt)
        result["rtt_during_scrapes"] = _mean(inside)
        result["rtt_outside_scrapes"] = _mean(outside)
        result["echoes_during_scrapes"] = len(inside)
        await exporter.stop()
        return result

    result = json.dumps(asyncio.run(main()))
    if out := os.environ.get(CHILD_OUT):  # under py-spy, whose own output shares stdout
        Path(out).write_text(result, encoding="utf-8")
    else:
        print(result, flush=True)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def run_communet(
    count: int,
    seconds: float,
    scrapes: int,
    profile: Path | None = None,
    *,
    python_loops: bool = False,
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--communet-child", str(count), str(seconds), str(scrapes)]
    if profile is not None:  # py-spy (the bench extra) samples the child, native frames too
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        command = [spy, "record", "--native", "--rate", "250",
                   "--format", "raw", "-o", str(profile), "--", *command]  # fmt: skip
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        environment = {**os.environ, CHILD_OUT: result.name, PYTHON_LOOPS: str(int(python_loops))}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
        process.communicate(timeout=seconds + 300)
        data: dict[str, Any] = json.loads(Path(result.name).read_text(encoding="utf-8"))
    return data


# ------------------------------------------------------------------------------ peers
def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _http_get(port: int, path: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    # HTTP/1.0: Go answers it without chunked transfer encoding
    writer.write(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    return data.split(b"\r\n\r\n", 1)[1]


def scrape_text(port: int, path: str = "/metrics") -> str:
    return asyncio.run(_http_get(port, path)).decode()


def samples(text: str, name: str, label: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name + "{") and " " in line:
            labels, value = line.rsplit(" ", 1)
            key = labels.split(f'{label}="', 1)[1].split('"', 1)[0]
            out[key] = out.get(key, 0.0) + float(value)
    return out


def run_smokeping(targets: list[str], seconds: float, workdir: Path) -> dict[str, Any]:
    binary = shutil.which("prometheus-smokeping-prober")
    if binary is None:
        return {"error": "prometheus-smokeping-prober is not installed"}
    config = workdir / "smokeping.yml"
    hosts = "\n".join(f"  - {t}" for t in targets)
    config.write_text(
        f"targets:\n- hosts:\n{hosts}\n  interval: {INTERVAL:g}s\n  network: ip4\n"
        "  protocol: icmp\n  size: 56\n",
        encoding="utf-8",
    )
    port = free_port()
    log = workdir / "smokeping.log"
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
         "--privileged", "--log.level=error"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )  # fmt: skip
    try:
        return _measure_smokeping(process, port, seconds)
    except OSError:
        state = "exited" if process.poll() is not None else "still running, not listening"
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no log)"]
        return {
            "error": f"smokeping_prober at {len(targets)} targets: no /metrics within "
            f"{SMOKEPING_START:g} s ({state}); last log line: {tail[0][:200]}"
        }
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)


def _measure_smokeping(
    process: subprocess.Popen[bytes], port: int, seconds: float
) -> dict[str, Any]:
    first = ""
    for _ in range(int(SMOKEPING_START / 0.5)):  # it listens once every pinger started
        time.sleep(0.5)
        try:
            first = scrape_text(port)
            break
        except OSError:
            continue
    time.sleep(INTERVAL)  # a full interval of pings before measuring
    first = scrape_text(port)
    cpu0 = cpu_seconds(process.pid)
    time.sleep(seconds)
    cpu = cpu_seconds(process.pid) - cpu0
    rss = rss_mib(process.pid)
    time.sleep(2.5)
    last = scrape_text(port)  # then stopped at once: a few ms of echoes go uncounted
    sent = _delta(samples(last, "smokeping_requests_total", "host"),
                  samples(first, "smokeping_requests_total", "host"))  # fmt: skip
    got = _delta(
        samples(last, "smokeping_response_duration_seconds_count", "host"),
        samples(first, "smokeping_response_duration_seconds_count", "host"),
    )
    # the counters cover the CPU window plus 2.5 s (so that the last replies are in)
    echoes = sum(sent.values()) * seconds / (seconds + 2.5)
    received_total = sum(
        samples(last, "smokeping_response_duration_seconds_count", "host").values()
    )
    return {"cpu": cpu, "echoes": echoes, "rss_mib": rss, "sent_by_target": sent,
            "received_by_target": got, "received_total": received_total}  # fmt: skip


def _delta(last: dict[str, float], first: dict[str, float]) -> dict[str, float]:
    return {k: v - first.get(k, 0.0) for k, v in last.items()}


def run_blackbox(targets: list[str], seconds: float, workdir: Path) -> dict[str, Any]:
    binary = shutil.which("prometheus-blackbox-exporter")
    if binary is None:
        return {"error": "prometheus-blackbox-exporter is not installed"}
    config = workdir / "blackbox.yml"
    config.write_text(
        "modules:\n  icmp:\n    prober: icmp\n    timeout: 2s\n"
        "    icmp:\n      preferred_ip_protocol: ip4\n      ip_protocol_fallback: false\n",
        encoding="utf-8",
    )
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
         "--log.level=error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1.5)
        driver_before = os.times()
        cpu0 = cpu_seconds(process.pid)
        results = asyncio.run(_drive_blackbox(port, targets, seconds))
        cpu = cpu_seconds(process.pid) - cpu0
        driver_after = os.times()
        rss = rss_mib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    driver = (driver_after.user - driver_before.user) + (driver_after.system - driver_before.system)
    return {"cpu": cpu, "driver_cpu": driver, "rss_mib": rss, **results}


async def _drive_blackbox(port: int, targets: list[str], seconds: float) -> dict[str, Any]:
    """One /probe per target per interval, each target at its own phase (as Prometheus
    spreads its scrapes); every probe on its own connection, as Prometheus' per-target
    scrape loops do."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent: dict[str, int] = dict.fromkeys(targets, 0)
    success: dict[str, int] = dict.fromkeys(targets, 0)
    failures = 0
    semaphore = asyncio.Semaphore(800)

    async def probe(target: str) -> None:
        nonlocal failures
        async with semaphore:
            try:
                body = await asyncio.wait_for(
                    _http_get(port, f"/probe?module=icmp&target={target}"), 10
                )
            except (OSError, TimeoutError, IndexError):
                failures += 1
                return
        sent[target] += 1
        if b"\nprobe_success 1" in b"\n" + body:
            success[target] += 1

    tasks: set[asyncio.Task[None]] = set()
    cycles = int(seconds / INTERVAL)
    count = len(targets)
    for cycle in range(cycles):
        for index, target in enumerate(targets):
            due = start + cycle * INTERVAL + INTERVAL * index / count
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            task = loop.create_task(probe(target))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    return {
        "echoes": sum(sent.values()),
        "received_total": sum(success.values()),
        "sent_by_target": sent,
        "received_by_target": success,
        "driver_failures": failures,
    }


# ------------------------------------------------------------------------------ the run
def false_loss(result: dict[str, Any], targets: list[str], down: set[int]) -> tuple[int, int]:
    """(echoes lost to answering targets, echoes sent to answering targets)."""
    up = [t for i, t in enumerate(targets) if i not in down]
    sent = result["sent_by_target"]
    got = result["received_by_target"]
    lost = sum(max(0.0, sent.get(t, 0) - got.get(t, 0)) for t in up)
    return int(lost), int(sum(sent.get(t, 0) for t in up))


@dataclass(frozen=True)
class Run:
    prober: str
    size: int
    fraction: float
    seconds: float
    scrapes: int


def measure(
    run: Run,
    targets: list[str],
    down: set[int],
    lab: Responder,
    workdir: Path,
    *,
    profile: Path | None = None,
) -> dict[str, Any] | None:
    """One prober over ``targets``; its row, judged against what the lab answered."""
    time.sleep(2)
    truth0 = lab.stats()
    if run.prober in {"communet", "communet-python"}:
        python_loops = run.prober == "communet-python"
        result = run_communet(
            run.size, run.seconds, run.scrapes, profile, python_loops=python_loops
        )
    elif run.prober == "blackbox":
        result = run_blackbox(targets, run.seconds, workdir)
    else:
        result = run_smokeping(targets, run.seconds, workdir)
    truth = lab.stats()
    if "error" in result:
        print(f"{run.prober}: {result['error']}", flush=True)
        return None
    lost, sent_up = false_loss(result, targets, down)
    echoes = result["echoes"]
    answered = truth["answered"] - truth0["answered"]
    missed = max(0, answered - int(result["received_total"]))
    row = {
        "prober": run.prober,
        "targets": run.size,
        "down": run.fraction,
        "seconds": run.seconds,
        "cpu_s": round(result["cpu"], 3),
        "cpu_per_1000_echoes_s": round(1000 * result["cpu"] / max(1, echoes), 4),
        "core_percent": round(100 * result["cpu"] / run.seconds, 2),
        # replies the lab sent that the prober did not count in time
        "false_loss_percent": round(100 * missed / max(1, answered), 3),
        # echoes to answering targets the prober counted lost in its window, including
        # requests the lab's responder itself never saw (harness loss) and echoes in flight
        "lost_up_percent": round(100 * lost / max(1, sent_up), 3),
        "rss_mib": round(result["rss_mib"], 1),
        "lab_answered": answered,
    }
    for key in ("driver_cpu", "driver_failures", "socket", "cpu_user_system", "lag_max",
                "gc_collections", "late", "send_errors", "renders", "rtt_during_scrapes",
                "scrape_phase", "send_chunk_max_ms", "breakdown_us_per_echo",
                "rtt_outside_scrapes", "echoes_during_scrapes"):  # fmt: skip
        if key in result:
            row[key] = result[key]
    return row


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--probers", default="communet,blackbox,smokeping")
    parser.add_argument("--down", type=float, default=0.3)
    parser.add_argument("--scrapes", type=int, default=10)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--profile",
        type=Path,
        help="record communet's child with py-spy into this collapsed-stack file "
        "(the last communet run's profile wins; pip install -e '.[bench]')",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="time communet's send, receive and booking calls with the thread CPU clock and "
        "print µs per echo for each (the clocks add a little: not the acceptance figure)",
    )
    parser.add_argument(
        "--icmp-socket",
        choices=("raw", "dgram"),
        default="raw",
        help="communet's ICMP socket: raw (what the exporter's systemd unit runs with "
        "CAP_NET_RAW) or dgram, the unprivileged ping socket, which the bench then allows in "
        "its own namespace (net.ipv4.ping_group_range)",
    )
    parser.add_argument("--responder", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--communet-child", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if args.responder:
        responder(args.responder)
        return 0
    if args.communet_child:
        count, seconds, scrapes = args.communet_child
        communet_child(int(count), float(seconds), int(scrapes))
        return 0
    if args.breakdown:
        os.environ[BREAKDOWN] = "1"
    if os.environ.get(IN_NETNS) != "1":
        argv = ["unshare", "-rn", sys.executable, __file__, *sys.argv[1:]]
        os.execvpe("unshare", argv, {**os.environ, IN_NETNS: "1"})  # noqa: S606
    from communet.lab.icmp import prepare_namespace  # noqa: PLC0415
    from communet.probe.icmp import PING_GROUP_RANGE  # noqa: PLC0415

    prepare_namespace()
    os.environ[ICMP_SOCKET] = args.icmp_socket
    if args.icmp_socket == "dgram":
        Path(PING_GROUP_RANGE).write_text(OUR_GROUP, encoding="ascii")
    sizes = [int(s) for s in args.sizes.split(",")]
    probers = args.probers.split(",")
    print(f"machine: {machine()}", flush=True)
    began = time.monotonic()
    responder_proc = Responder(max(sizes))
    print(
        f"responder: {max(sizes)} lab devices ready in {time.monotonic() - began:.1f} s", flush=True
    )
    rows: list[dict[str, Any]] = []
    workdir = Path(tempfile.mkdtemp(prefix="communet-bench-"))
    try:
        runs = [(size, 0.0) for size in sizes] + [(max(sizes), args.down)]
        for size, fraction in runs:
            targets = addresses(size)
            down = down_set(size, fraction)
            responder_proc.command(f"down {size} {fraction}")
            for prober in probers:
                scrapes = args.scrapes if (size == max(sizes) and fraction == 0) else 0
                run = Run(prober, size, fraction, args.seconds, scrapes)
                row = measure(run, targets, down, responder_proc, workdir, profile=args.profile)
                if row is not None:
                    rows.append(row)
                    print(json.dumps({k: v for k, v in row.items() if k != "renders"}), flush=True)
    finally:
        responder_proc.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1) + "\n")
    return 0


def print_table(rows: list[dict[str, Any]]) -> None:
    print("\n| prober | targets | down | CPU s | % of a core | CPU per 1,000 echoes ", end="")
    print("| false loss | lost (prober's view) | RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['prober']} | {row['targets']:,} | {row['down']:.0%} | {row['cpu_s']} | "
            f"{row['core_percent']} | {row['cpu_per_1000_echoes_s']} s | "
            f"{row['false_loss_percent']} % | {row['lost_up_percent']} % | {row['rss_mib']} |"
        )
    for row in rows:
        if row.get("renders"):
            renders = row["renders"]
            print(
                f"\n/metrics at {row['targets']:,} targets ({len(renders)} scrapes, "
                f"{renders[0][1] / 1e6:.1f} MB, gzip {renders[0][4] / 1e6:.2f} MB): "
                f"render CPU {_spread([r[0] for r in renders])}; process CPU during the "
                f"render {_spread([r[2] for r in renders])}; "
                f"gzip {_spread([r[3] for r in renders])}; "
                f"a second scrape at once (the cache) {_spread([r[5] for r in renders])}; "
                f"{_phase(row.get('scrape_phase'))}"
                f"RTT of echoes answered during scrapes "
                f"{1000 * (row.get('rtt_during_scrapes') or 0):.3f} ms "
                f"({row.get('echoes_during_scrapes')} echoes) vs outside "
                f"{1000 * (row.get('rtt_outside_scrapes') or 0):.3f} ms"
            )


def _phase(phase: dict[str, float] | None) -> str:
    if not phase:
        return ""
    return (
        f"the scrape phase ({phase['seconds']:.1f} s) cost {phase['cpu']:.3f} CPU s, of which "
        f"probing ~{phase['probing_estimate']:.3f} s at the probing window's rate: "
        f"{1000 * phase['cpu_per_scrape']:.0f} ms per scrape (render, gzip, a cached second "
        "scrape); "
    )


def _spread(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return (
        f"min {ordered[0] * 1000:.0f} / median {ordered[len(ordered) // 2] * 1000:.0f} / "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
