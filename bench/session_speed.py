"""Session layer speed: stock netmiko vs communet's session, per platform and step.

    .venv/bin/python bench/session_speed.py [--rounds 5] [--stock-rounds 3] [--fleet 40]

Starts a lab in a separate process (so its CPU is not counted as the client's), then for
each platform runs the same steps with

* **stock** netmiko as it is usually driven: ``ConnectHandler`` (+ ``enable()``),
  ``send_command(show running)``, ``send_config_set(60 lines, cmd_verify=True,
  error_pattern=...)`` (+ ``commit()`` on VRPv8), ``save_config()``, ``disconnect()``;
* **ours**: ``open_session``, ``fetch_running``, ``begin/push(60 lines)/end/confirm`` (the
  trial primitive included, which stock does not do), ``save``, ``close``.

Reports the median wall and client CPU seconds per step, then a "fleet" no-change audit
(connect, fetch, close on ``--fleet`` devices with 8 threads) as CPU per device, machine
details and a markdown block for docs/benchmarks.md. Loopback only (127.0.0.0/8).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform as host_platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from communet.lab import DeviceSpec, Lab  # noqa: E402
from communet.platforms import get_platform  # noqa: E402
from communet.session.netmiko_session import NetmikoSession, open_session  # noqa: E402
from communet.session.profiles import profile_for  # noqa: E402

PLATFORMS = ("cisco_ios", "huawei_vrp", "huawei_vrpv8", "cisco_roomos")
MODELS = {
    "cisco_ios": ("WS-C2960X-24TS-L", None),
    "huawei_vrp": ("S5720-28X-SI-AC", None),
    "huawei_vrpv8": ("S5735-L24T4X-A", None),
    "cisco_roomos": ("Room Kit", "roomos"),
}
STEPS = ("connect", "fetch", "push60", "save", "close")
NETWORK = "127.99.0.0/20"


def sixty(platform: str) -> list[str]:
    if platform == "cisco_roomos":
        kinds = ("Audio", "Video", "Data", "Signalling", "ICMPv6", "NTP")
        return [f"xConfiguration Network 1 QoS Diffserv {k}: {v}" for v in range(10) for k in kinds]
    port = "GigabitEthernet1/0/" if platform == "cisco_ios" else "GigabitEthernet0/0/"
    name = " name" if platform == "cisco_ios" else " description"
    lines = [x for n in range(1, 25) for x in (f"interface {port}{n}", f" description Cong {n}")]
    return lines + [x for v in range(101, 107) for x in (f"vlan {v}", f"{name} V{v}")]


def specs(fleet: int) -> list[DeviceSpec]:
    out: list[DeviceSpec] = []
    names = [f"{p}-{who}" for p in PLATFORMS for who in ("stock", "ours")]
    names += [f"{PLATFORMS[i % 4]}-fleet{i}" for i in range(fleet)]
    for name in names:
        platform = name.rsplit("-", 1)[0]
        model, firmware = MODELS[platform]
        out.append(
            DeviceSpec(
                hostname=name,
                platform=platform,
                model=model,
                firmware=firmware,
                management=IPv4Address("10.64.114.2"),
                management_subnet=IPv4Network("10.64.114.0/27"),
                management_vlan=10,
            )
        )
    return out


# ------------------------------------------------------------------------------ lab process
def serve(state: Path, fleet: int) -> None:
    lab = Lab(specs(fleet), network=NETWORK, state_dir=state)
    signal.signal(signal.SIGTERM, lambda *_: lab.stop())
    lab.start()
    (state / "ready").write_text("ok\n")
    lab.serve_forever()


def start_lab(state: Path, fleet: int) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(state), "--fleet", str(fleet)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (state / "ready").exists():
        if child.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the lab process did not start")
        time.sleep(0.05)
    return child, json.loads((state / "lab.json").read_text())


# ------------------------------------------------------------------------------ measuring
def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[float, float]]] = {}

    def step(self, name: str, action: Callable[[], object]) -> Any:
        wall, used = time.perf_counter(), cpu()
        result = action()
        self.samples.setdefault(name, []).append((time.perf_counter() - wall, cpu() - used))
        return result

    def median(self, name: str) -> tuple[float, float]:
        rows = self.samples.get(name, [])
        if not rows:
            return (float("nan"), float("nan"))
        return (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows))


def device_params(lab: dict[str, Any], host: str) -> dict[str, Any]:
    entry = lab["devices"][host]
    return {"address": entry["address"], "known_hosts": entry["known_hosts"], "port": lab["port"]}


def saves(platform: str) -> bool:
    rules = get_platform(platform).save
    return rules is not None and bool(rules.command)


# ------------------------------------------------------------------------------ stock netmiko
def stock_connect(lab: dict[str, Any], host: str, platform: str) -> Any:
    from netmiko import ConnectHandler  # noqa: PLC0415 - only the stock path needs it

    spec = get_platform(platform)
    where = device_params(lab, host)
    assert spec.connection is not None
    conn = ConnectHandler(
        **spec.connection.connect_kwargs(),
        host=where["address"],
        port=where["port"],
        username=lab["username"],
        password=lab["password"],
        secret=lab["enable"],
        ssh_strict=True,
        system_host_keys=False,
        alt_host_keys=True,
        alt_key_file=where["known_hosts"],
        allow_agent=False,
        use_keys=False,
    )
    if profile_for(platform).elevate:
        conn.enable()
    return conn


def stock_round(meter: Meter, lab: dict[str, Any], host: str, platform: str) -> None:
    spec = get_platform(platform)
    assert spec.connection is not None
    assert spec.syntax is not None
    conn = meter.step("connect", lambda: stock_connect(lab, host, platform))
    meter.step("fetch", lambda: conn.send_command(spec.syntax.show_running))  # type: ignore[union-attr]

    def push() -> None:
        options = spec.connection.config_kwargs()  # type: ignore[union-attr]
        options["cmd_verify"] = True
        conn.send_config_set(sixty(platform), error_pattern=spec.errors.regex, **options)
        if platform == "huawei_vrpv8":
            conn.commit()
            conn.exit_config_mode()

    meter.step("push60", push)
    if saves(platform):
        meter.step("save", conn.save_config)
    meter.step("close", conn.disconnect)


# ------------------------------------------------------------------------------ ours
def ours_connect(lab: dict[str, Any], host: str, platform: str) -> NetmikoSession:
    where = device_params(lab, host)
    return open_session(
        host,
        platform,
        where["address"],
        where["port"],
        username=lab["username"],
        password=lab["password"],
        enable=lab["enable"],
        known_hosts=where["known_hosts"],
    )


def ours_round(meter: Meter, lab: dict[str, Any], host: str, platform: str) -> None:
    session = meter.step("connect", lambda: ours_connect(lab, host, platform))
    meter.step("fetch", session.fetch_running)

    def push() -> None:
        session.begin(5)
        session.push(sixty(platform))
        session.end(5)
        session.confirm()

    meter.step("push60", push)
    if saves(platform):
        meter.step("save", session.save)
    meter.step("close", session.close)


# ------------------------------------------------------------------------------ fleet audit
def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fleet_audit(
    lab: dict[str, Any], fleet: int, how: str, server: int
) -> tuple[float, float, float]:
    """Wall, client CPU per device and lab-server CPU per device."""
    hosts = [f"{PLATFORMS[i % 4]}-fleet{i}" for i in range(fleet)]

    def audit(host: str) -> int:
        platform = host.rsplit("-", 1)[0]
        if how == "ours":
            with ours_connect(lab, host, platform) as session:
                return len(session.fetch_running())
        spec = get_platform(platform)
        assert spec.syntax is not None
        conn = stock_connect(lab, host, platform)
        try:
            return len(conn.send_command(spec.syntax.show_running))
        finally:
            conn.disconnect()

    wall, used, served = time.perf_counter(), cpu(), process_cpu(server)
    with ThreadPoolExecutor(8) as pool:
        sizes = list(pool.map(audit, hosts))
    assert all(sizes)
    return (
        time.perf_counter() - wall,
        (cpu() - used) / fleet,
        (process_cpu(server) - served) / fleet,
    )


# ------------------------------------------------------------------------------ report
def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    cores = len(
        [x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("processor")]
    )
    return (
        f"{model}, {cores} cores, {host_platform.system()} {host_platform.release()}, "
        f"Python {host_platform.python_version()}, netmiko {version('netmiko')}, "
        f"paramiko {version('paramiko')}"
    )


def fmt(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


def times(ratio: float) -> str:
    return "—" if math.isnan(ratio) else f"{ratio:.0f}×"


def report(
    meters: dict[tuple[str, str], Meter],
    fleet: dict[str, tuple[float, float, float]],
    rounds: dict[str, int],
    fleet_size: int,
) -> None:
    print(f"\nmachine: {machine()}")
    print(
        f"medians of {rounds['ours']} rounds (ours) / {rounds['stock']} rounds (stock); "
        "wall s / client CPU s\n"
    )
    header = (
        f"{'platform':<14}{'step':<9}{'stock wall':>11}{'stock cpu':>10}"
        f"{'ours wall':>11}{'ours cpu':>10}{'speed-up':>10}"
    )
    print(header)
    print("-" * len(header))
    rows: list[str] = []
    for platform in PLATFORMS:
        for step in (*STEPS, "total"):
            stock = (
                total(meters[(platform, "stock")])
                if step == "total"
                else meters[(platform, "stock")].median(step)
            )
            ours = (
                total(meters[(platform, "ours")])
                if step == "total"
                else meters[(platform, "ours")].median(step)
            )
            ratio = stock[0] / ours[0] if ours[0] > 0 else float("nan")
            print(
                f"{platform:<14}{step:<9}{fmt(stock[0]):>11}{fmt(stock[1]):>10}"
                f"{fmt(ours[0]):>11}{fmt(ours[1]):>10}{times(ratio):>10}"
            )
            rows.append(
                f"| {platform} | {step} | {fmt(stock[0])} / {fmt(stock[1])} | "
                f"{fmt(ours[0])} / {fmt(ours[1])} | "
                f"{times(ratio)} |"
            )
    print(
        f"\nno-change audit of {fleet_size} devices (connect, fetch, close; 8 threads): "
        f"stock {fleet['stock'][0]:.2f} s wall, {fleet['stock'][1]:.4f} CPU-s/device; "
        f"ours {fleet['ours'][0]:.2f} s wall, {fleet['ours'][1]:.4f} CPU-s/device "
        f"(the lab server spent {fleet['ours'][2]:.4f} CPU-s/device on its side)"
    )
    print("\n--- markdown for docs/benchmarks.md ---\n")
    print("### Session layer: stock netmiko vs communet (bench/session_speed.py)\n")
    print(f"Machine: {machine()}. Lab in its own process on 127.0.0.0/8; client CPU only.")
    print(
        "Medians; wall / CPU seconds. *push60* is `send_config_set` of 60 lines with "
        "`cmd_verify` and the error pattern (+ `commit` on VRPv8) for stock, and "
        "`begin` + `push` + `end` + `confirm` (trial primitive included) for ours.\n"
    )
    print("| platform | step | stock netmiko | communet | wall speed-up |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(row)
    print(
        f"\nNo-change audit, {fleet_size} devices, 8 threads: stock "
        f"{fleet['stock'][0]:.2f} s / {fleet['stock'][1]:.4f} CPU-s per device; communet "
        f"{fleet['ours'][0]:.2f} s / {fleet['ours'][1]:.4f} CPU-s per device (lab server: "
        f"{fleet['ours'][2]:.4f} CPU-s per device, one event loop)."
    )


def total(meter: Meter) -> tuple[float, float]:
    pairs = [meter.median(step) for step in STEPS if step in meter.samples]
    return (sum(p[0] for p in pairs), sum(p[1] for p in pairs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stock-rounds", type=int, default=3)
    parser.add_argument("--fleet", type=int, default=40)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.fleet)
        return 0
    with tempfile.TemporaryDirectory(prefix="session-speed-") as tmp:
        child, lab = start_lab(Path(tmp), args.fleet)
        try:
            meters: dict[tuple[str, str], Meter] = {}
            for platform in PLATFORMS:
                ours, stock = Meter(), Meter()
                ours_round(Meter(), lab, f"{platform}-ours", platform)  # warm-up (IOS archive)
                for _ in range(args.rounds):
                    ours_round(ours, lab, f"{platform}-ours", platform)
                for _ in range(args.stock_rounds):
                    stock_round(stock, lab, f"{platform}-stock", platform)
                meters[(platform, "ours")] = ours
                meters[(platform, "stock")] = stock
                print(f"{platform}: done", file=sys.stderr, flush=True)
            fleet = {how: fleet_audit(lab, args.fleet, how, child.pid) for how in ("ours", "stock")}
        finally:
            child.terminate()
            child.wait(30)
    report(meters, fleet, {"ours": args.rounds, "stock": args.stock_rounds}, args.fleet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
