"""Time ``ansible-inventory --list`` over a communet inventory through the inventory plugin.

Usage: .venv/bin/python bench/ansible_inventory.py [INVENTORY_DIR] [--runs N]

INVENTORY_DIR defaults to inventory/thanh-hoa when it exists, else inventory/demo. Each tool
run is a fresh process (as a user would run it); the figures are medians of the runs, wall
time and CPU time (user + system of the child, from getrusage(RUSAGE_CHILDREN)).
``--graph`` is timed too: it loads the inventory and builds the groups but does not encode
the host variables, so ``--list`` minus ``--graph`` is roughly ansible-core's own cost of
merging and writing out the variables. Target: ``--list`` ≤ 3 s for one province (~2,200 hosts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_SECONDS = 3.0


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float


def default_inventory() -> Path:
    province = REPO / "inventory" / "thanh-hoa"
    return province if province.is_dir() else REPO / "inventory" / "demo"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ansible_version() -> str:
    result = subprocess.run(
        [str(BIN / "ansible-inventory"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()[0]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(args: list[str], env: dict[str, str], out: Path) -> Sample:
    cpu_before = children_cpu()
    start = time.perf_counter()
    with out.open("wb") as sink:
        result = subprocess.run(
            args, cwd=REPO, env=env, stdout=sink, stderr=subprocess.PIPE, check=False
        )
    wall = time.perf_counter() - start
    cpu = children_cpu() - cpu_before
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stderr.decode(errors='replace')}")
    return Sample(wall, cpu)


def measure(args: list[str], env: dict[str, str], out: Path, runs: int) -> Sample:
    samples = [run_once(args, env, out) for _ in range(runs)]
    return Sample(
        statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory", nargs="?", type=Path, default=default_inventory())
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    inventory = options.inventory.resolve()
    if not (inventory / "province.yml").is_file() and not any(inventory.glob("*/province.yml")):
        sys.exit(f"{inventory}: not a communet inventory (no province.yml)")

    with tempfile.TemporaryDirectory(prefix="communet-bench-") as tmp:
        work = Path(tmp)
        config = work / "bench.communet.yml"
        config.write_text(
            f"plugin: communet.network.communet\npath: {json.dumps(str(inventory))}\n"
        )
        env = {
            **os.environ,
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_HOME": str(work / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(work / "ansible-tmp"),
        }
        tool = [str(BIN / "ansible-inventory"), "-i", str(config)]
        out = work / "out.json"

        print(f"cpu:       {cpu_model()}")
        print(f"nproc:     {len(os.sched_getaffinity(0))} (os.cpu_count {os.cpu_count()})")
        print(f"load avg:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"python:    {platform.python_version()} ({sys.executable})")
        print(f"ansible:   {ansible_version()}")
        print(f"inventory: {inventory}")

        run_once([*tool, "--list"], env, out)  # warm the page cache and .pyc files
        listing = json.loads(out.read_text(encoding="utf-8"))
        hosts = len(listing["_meta"]["hostvars"])
        groups = len([g for g in listing if g != "_meta"])
        size = out.stat().st_size
        print(f"hosts:     {hosts} in {groups} groups; --list output {size / 1e6:.1f} MB")

        listed = measure([*tool, "--list"], env, out, options.runs)
        graphed = measure([*tool, "--graph"], env, out, options.runs)

    print(f"median of {options.runs} runs:")
    print(f"  ansible-inventory --list   wall {listed.wall:6.2f} s   cpu {listed.cpu:6.2f} s")
    print(f"  ansible-inventory --graph  wall {graphed.wall:6.2f} s   cpu {graphed.cpu:6.2f} s")
    per_host = 1000 * listed.cpu / hosts if hosts else 0.0
    verdict = "met" if listed.wall <= TARGET_SECONDS else "MISSED"
    print(f"  --list cpu per host        {per_host:.2f} ms")
    print(f"target --list wall <= {TARGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
