from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "inventory" / "demo"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private, editable copy of the demo province."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target)
    return target
