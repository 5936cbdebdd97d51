from __future__ import annotations

import shutil
from pathlib import Path

from communet.inventory import load_inventory

from .conftest import DEMO


def test_provinces_may_share_one_national_noc_network(tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "demo")
    other = tmp_path / "nghe-an"
    other.mkdir()
    text = (DEMO / "province.yml").read_text("utf-8")
    text = text.replace('code: "38"', 'code: "40"').replace("slug: demo", "slug: nghe-an")
    (other / "province.yml").write_text(text, "utf-8")
    loaded = load_inventory(tmp_path)
    assert [p.slug for p in loaded.inventory.provinces] == ["demo", "nghe-an"]
    noc = [p.services.noc_networks for p in loaded.inventory.provinces]
    assert noc[0] == noc[1]
