"""A ~2,200-device province renders in well under 10 s on 2 cores (compiled templates cached).

Run with ``-s`` to see the timing: ``pytest tests/render/test_speed.py -s``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from communet.inventory import load_inventory
from communet.render import render_scope

from ..conftest import DEMO

DISTRICTS = 26
COMMUNES_PER_DISTRICT = 21
COMMUNE_DEVICES = ("access_switch", "ce_router", "video_endpoint", "internet_router")
BUDGET_SECONDS = 10.0


def write_big_province(root: Path) -> Path:
    """The demo province.yml with 26 districts of 21 communes, 4 devices each."""
    target = root / "big"
    (target / "districts").mkdir(parents=True)
    shutil.copy(DEMO / "province.yml", target / "province.yml")
    for d in range(DISTRICTS):
        lines = [
            f'code: "{400 + d}"',
            f"name: Huyện Thử {d}",
            f"slug: huyen-{d}",
            "hub:",
            f"  tslcd: {{circuit_id: TSLCD-HUB-{d}, bandwidth_mbps: 200}}",
            "  devices:",
            "    - role: aggregation_switch",
            "    - role: ce_router",
            "communes:",
        ]
        for c in range(COMMUNES_PER_DISTRICT):
            code = 20000 + d * 100 + c
            lines += [
                f'  - code: "{code}"',
                f"    name: Xã Thử {d} {c}",
                f"    slug: xa-{d}-{c}",
                f"    tslcd: {{circuit_id: TSLCD-{code}, bandwidth_mbps: 20}}",
                "    devices:",
                *(f"      - role: {role}" for role in COMMUNE_DEVICES),
            ]
        (target / "districts" / f"huyen-{d}.yml").write_text("\n".join(lines) + "\n", "utf-8")
    return target


def test_big_province_renders_fast(tmp_path: Path) -> None:
    loaded = load_inventory(write_big_province(tmp_path))
    count = len(loaded.devices)
    assert count > 2_200
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    configs = render_scope(loaded, None)
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    lines = sum(len(c.lines) for c in configs)
    print(
        f"\nrendered {count} devices ({lines} lines) in {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"({1000 * wall / count:.2f} ms per device)"
    )
    assert len(configs) == count
    assert wall < BUDGET_SECONDS
