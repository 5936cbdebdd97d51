"""Benchmark: render every device of a ~2,200-device province (26 districts × 21 communes).

    .venv/bin/python bench/render_speed.py [--runs 5]

Builds the same synthetic province as tests/render/test_speed.py in a temporary directory,
then times ``render_scope`` (templates compiled once per process, as in a real run) and
prints the median wall and CPU time, per device, with the machine's details.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from communet.inventory import load_inventory  # noqa: E402
from communet.render import render_scope  # noqa: E402
from tests.render.test_speed import write_big_province  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_inventory(write_big_province(Path(tmp)))
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, cpu = time.perf_counter(), time.process_time()
            configs = render_scope(loaded, None)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    count = len(configs)
    lines = sum(len(c.lines) for c in configs)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, ")
    print(f"python {platform.python_version()}, load average {os.getloadavg()}")
    print(f"rendered {count} devices ({lines:,} lines), median of {args.runs}:")
    print(f"  wall {wall:.2f} s, CPU {cpu:.2f} s, {1000 * cpu / count:.2f} ms CPU per device")


if __name__ == "__main__":
    main()
