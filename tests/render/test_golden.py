"""Rendered configs of every demo device, pinned.

Regenerate after an intended change with ``COMMUNET_UPDATE_GOLDEN=1 pytest tests/render``
and review the diff of tests/render/golden/ before committing.
"""

from __future__ import annotations

import os

import pytest

from communet.inventory import LoadedInventory, load_inventory
from communet.render import render_scope
from communet.secrets import PlaceholderResolver

from ..conftest import DEMO
from .conftest import GOLDEN, UPDATE_ENV

DEMO_HOSTS = sorted(d.hostname for d in load_inventory(DEMO).devices)


@pytest.mark.parametrize("hostname", DEMO_HOSTS)
def test_golden(demo: LoadedInventory, hostname: str) -> None:
    (config,) = render_scope(demo, hostname, PlaceholderResolver())
    path = GOLDEN / f"{hostname}.cfg"
    if os.environ.get(UPDATE_ENV) == "1":
        path.write_text(config.text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run with {UPDATE_ENV}=1 to create it"
    assert config.text == path.read_text(encoding="utf-8"), (
        f"{hostname} renders differently from {path}; if intended, regenerate with "
        f"{UPDATE_ENV}=1 and review the diff"
    )


def test_no_stale_golden_files() -> None:
    stale = sorted({p.stem for p in GOLDEN.glob("*.cfg")} - set(DEMO_HOSTS))
    assert not stale, f"golden files for hosts no longer in the demo: {stale}"


def test_every_template_is_used_by_the_demo(demo: LoadedInventory) -> None:
    used = {t for c in render_scope(demo, None) for t in c.templates}
    assert {
        "cisco_ios/baseline.j2",
        "cisco_ios/access_switch.j2",
        "cisco_ios/aggregation_switch.j2",
        "cisco_ios/ce_router.j2",
        "huawei_vrp/baseline.j2",
        "huawei_vrp/access_switch.j2",
        "huawei_vrp/aggregation_switch.j2",
        "huawei_vrp/ce_router.j2",
        "cisco_roomos/baseline.j2",
        "cisco_roomos/video_endpoint.j2",
        "linux/chrony.j2",
    } <= used
