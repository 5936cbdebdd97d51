"""Benchmark: load (validate + resolve + national cross-check) the whole country's inventory.

Scaffolds every province of the pre-July-2025 register (63 provinces, 696 districts, 10,051
communes, 42,292 devices) into a temporary directory, then times ``load_inventory`` on it
``--runs`` times (default 5), each run in a fresh Python process so that no cache or warm
state carries over; only the ``load_inventory`` call itself is timed, inside the child, as
wall time (perf_counter) and CPU time (process_time). Prints the machine, every run, the
medians and a Markdown table row for docs/benchmarks.md. Target: median wall ≤ 3 s.

    .venv/bin/python bench/inventory_load.py [--runs 5] [--structure three_level]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

TARGET_WALL_S = 3.0
REPO = Path(__file__).resolve().parent.parent


def child(root: Path) -> None:
    """One measured run: print {"wall": s, "cpu": s, "devices": n} as JSON."""
    from communet.inventory import load_inventory  # noqa: PLC0415 - imported outside the timing

    wall, cpu = time.perf_counter(), time.process_time()
    loaded = load_inventory(root)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"wall": wall, "cpu": cpu, "devices": len(loaded.devices)}))


def scaffold_country(structure_name: str, root: Path) -> dict[str, float | int]:
    from communet.inventory.model import Structure  # noqa: PLC0415
    from communet.scaffold import build_province, register, write_province  # noqa: PLC0415

    structure = Structure(structure_name)
    start = time.perf_counter()
    provinces = register(structure)
    communes = files = 0
    for province in provinces:
        built = build_province(province, structure, provinces)
        files += len(write_province(built, root / built.slug))
        communes += built.commune_count
    return {
        "seconds": time.perf_counter() - start,
        "provinces": len(provinces),
        "communes": communes,
        "files": files,
        "bytes": sum(p.stat().st_size for p in root.rglob("*.yml")),
    }


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "?"
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "communet"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return out.stdout.strip() + ("+dirty" if dirty else "")


def measure(root: Path, runs: int) -> list[dict[str, float]]:
    results = []
    for number in range(1, runs + 1):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(root)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"  run {number}: wall {result['wall']:.2f} s, CPU {result['cpu']:.2f} s")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--structure", default="three_level", choices=["three_level", "two_level"])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    info = machine()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    with tempfile.TemporaryDirectory(prefix="communet-bench-") as tmp:
        root = Path(tmp)
        made = scaffold_country(args.structure, root)
        print(
            f"scaffolded {made['provinces']} provinces, {made['communes']:,} communes, "
            f"{made['files']:,} files ({made['bytes'] / 1e6:.1f} MB) in {made['seconds']:.1f} s"
        )
        print(f"load_inventory, {args.runs} runs, each in a fresh process:")
        results = measure(root, args.runs)
    wall = statistics.median(r["wall"] for r in results)
    cpu = statistics.median(r["cpu"] for r in results)
    devices = int(results[0]["devices"])
    verdict = "meets" if wall <= TARGET_WALL_S else "MISSES"
    print(
        f"median: wall {wall:.2f} s, CPU {cpu:.2f} s for {devices:,} devices "
        f"({verdict} the {TARGET_WALL_S:.0f} s target)"
    )
    print()
    print(
        "| date | commit | register | provinces | communes | devices | files "
        "| load wall (median of N) | load CPU | target | machine |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {datetime.now(UTC).date()} | {commit()} | {args.structure} | {made['provinces']} "
        f"| {made['communes']:,} | {devices:,} | {made['files']:,} "
        f"| {wall:.2f} s (N={args.runs}, fresh process each) | {cpu:.2f} s "
        f"| ≤ {TARGET_WALL_S:.0f} s: {'yes' if wall <= TARGET_WALL_S else 'no'} "
        f"| {info['cpu']}, {info['cores']} cores, Python {info['python']} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
