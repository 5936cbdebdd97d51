"""Scale bench for the embedded lab: thousands of devices in one process, real netmiko clients.

    .venv/bin/python bench/lab_scale.py [--devices 2500] [--sessions 50] [--inventory DIR]

Starts ``python -m communet.lab serve`` (a separate process, so that server CPU and memory are
measured apart from the netmiko clients) for the demo inventory scaled to ``--devices``, then
runs ``--sessions`` concurrent netmiko sessions (connect, enable, show running-config, a
3-line config set with cmd_verify, write memory, disconnect) against distinct IOS devices.
Reports start time, memory per device, server CPU per session and machine details, and prints
a markdown row for docs/benchmarks.md. Loopback only: every address is inside 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from communet.lab.runtime import make_device, specs_from_inventory  # noqa: E402
from communet.lab.server import Credentials  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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
    return (
        f"{os.cpu_count()} × {model}, {memory} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def engine_heap_per_device(inventory: Path, count: int) -> float:
    """Python heap (tracemalloc) per simulated device, engines only, in KiB."""
    scale = math.ceil(count / max(1, len(specs_from_inventory(inventory))))
    specs = specs_from_inventory(inventory, scale)[:count]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    devices = [make_device(spec, Credentials()) for spec in specs]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del devices
    return (after - before) / len(specs) / 1024


def snmp_sweep(overlay: dict[str, Any]) -> tuple[float, int]:
    """One SNMPv2c GET to every device from one socket; (wall seconds, answers)."""
    from communet.lab.snmp import GET, integer, octets, oid, sequence  # noqa: PLC0415

    names = [(1, 3, 6, 1, 2, 1, 1, 3, 0), (1, 3, 6, 1, 6, 3, 10, 2, 1, 2, 0)]
    binds = sequence(*(sequence(oid(n), b"\x05\x00") for n in names))
    message = sequence(
        integer(1),
        octets(overlay["snmp"]["community"]),
        sequence(integer(1), integer(0), integer(0), binds, tag=GET),
    )
    addresses = [d["address"] for d in overlay["devices"].values()]
    answers = 0
    began = time.perf_counter()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.settimeout(2.0)
        for address in addresses:
            sock.sendto(message, (address, overlay["port"]))
        try:
            while answers < len(addresses):
                sock.recv(65535)
                answers += 1
        except TimeoutError:
            pass
    return time.perf_counter() - began - (2.0 if answers < len(addresses) else 0.0), answers


def session(params: dict[str, Any]) -> float:
    from netmiko import ConnectHandler  # noqa: PLC0415 - heavy import, only in workers

    began = time.perf_counter()
    with ConnectHandler(**params) as conn:
        conn.enable()
        conn.send_command("show running-config")
        conn.send_config_set(
            ["interface GigabitEthernet1/0/5", "description bench", "ntp server 10.0.0.9"],
            cmd_verify=True,
        )
        conn.save_config()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--devices", type=int, default=2500)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--inventory", type=Path, default=REPO / "inventory" / "demo")
    parser.add_argument("--network", default="127.200.0.0/16")
    args = parser.parse_args()

    per_copy = len(specs_from_inventory(args.inventory))
    scale = math.ceil(args.devices / per_copy)
    baseline = rss_mib(os.getpid())  # this process has imported the lab: the fixed cost
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as tmp:
        state = Path(tmp)
        argv = [
            sys.executable,
            "-m",
            "communet.lab",
            "serve",
            str(args.inventory),
            "--scale",
            str(scale),
            "--network",
            args.network,
            "--state-dir",
            str(state),
        ]
        began = time.perf_counter()
        server = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        banner = server.stdout.readline().strip()
        ready = time.perf_counter() - began
        overlay = json.loads((state / "lab.json").read_text())
        devices = len(overlay["devices"])
        rss = rss_mib(server.pid)
        ios = [h for h, d in overlay["devices"].items() if d["platform"] == "cisco_ios"]
        params = [
            {
                "device_type": "cisco_ios",
                "host": overlay["devices"][host]["address"],
                "port": overlay["port"],
                "username": overlay["username"],
                "password": overlay["password"],
                "secret": overlay["enable"],
                "ssh_strict": True,
                "system_host_keys": False,
                "alt_host_keys": True,
                "alt_key_file": overlay["devices"][host]["known_hosts"],
                "allow_agent": False,
                "use_keys": False,
            }
            for host in ios[: args.sessions]
        ]
        cpu_before = cpu_seconds(server.pid)
        wall_began = time.perf_counter()
        with ThreadPoolExecutor(len(params)) as pool:
            durations = sorted(pool.map(session, params))
        wall = time.perf_counter() - wall_began
        server_cpu = cpu_seconds(server.pid) - cpu_before
        snmp_before = cpu_seconds(server.pid)
        snmp_wall, snmp_answers = snmp_sweep(overlay)
        snmp_cpu = cpu_seconds(server.pid) - snmp_before
        rss_after = rss_mib(server.pid)
        server.terminate()
        server.wait(30)
    heap = engine_heap_per_device(args.inventory, min(args.devices, 500))
    per_device = (rss - baseline) * 1024 / devices
    print(f"server: {banner}")
    print(f"devices: {devices} (inventory x{scale}), ready after {ready:.2f} s wall")
    print(f"server RSS: {rss:.0f} MiB after start, {rss_after:.0f} MiB after the sessions")
    print(
        f"memory per device: {per_device:.1f} KiB RSS (minus {baseline:.0f} MiB of a bare "
        f"interpreter with the lab imported); engine heap {heap:.1f} KiB (tracemalloc)"
    )
    print(
        f"sessions: {len(durations)} concurrent netmiko cisco_ios sessions in {wall:.2f} s "
        f"(per session median {durations[len(durations) // 2]:.2f} s, max {durations[-1]:.2f} s)"
    )
    print(
        f"server CPU: {server_cpu:.2f} s total, {server_cpu / len(durations) * 1000:.1f} ms "
        "per session"
    )
    print(
        f"snmp: v2c get sysUpTime+snmpEngineBoots to all {devices} devices: "
        f"{snmp_answers} answers in {snmp_wall:.2f} s, server CPU {snmp_cpu:.2f} s"
    )
    print(f"machine: {machine()}")
    print()
    print(
        "| date | devices | ready (s) | server RSS (MiB) | KiB/device | sessions | wall (s) "
        "| server CPU/session (ms) | machine |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {time.strftime('%Y-%m-%d')} | {devices} | {ready:.2f} | {rss:.0f} | "
        f"{per_device:.1f} | {len(durations)} | {wall:.2f} | "
        f"{server_cpu / len(durations) * 1000:.1f} | {machine()} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
