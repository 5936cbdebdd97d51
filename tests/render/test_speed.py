"""A ~2,200-device province renders completely (every device, every template).

How fast is measured by ``bench/render_speed.py``, not here: a timed unit test fails on a
busy machine and proves nothing on a quiet one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from communet.inventory import load_inventory
from communet.render import render_scope

from ..conftest import DEMO

DISTRICTS = 26
COMMUNES_PER_DISTRICT = 21
COMMUNE_DEVICES = ("access_switch", "ce_router", "video_endpoint", "internet_router")


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


def test_big_province_renders_every_device(tmp_path: Path) -> None:
    loaded = load_inventory(write_big_province(tmp_path))
    count = len(loaded.devices)
    assert count > 2_200
    configs = render_scope(loaded, None)
    assert [c.hostname for c in configs] == [d.hostname for d in loaded.devices]
    assert all(c.lines and not c.warnings for c in configs)
