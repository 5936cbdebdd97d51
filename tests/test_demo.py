"""``make demo`` end to end (its Python entry point, as the Makefile runs it): it converges
the demo province, and nothing in its output is deprecated or warned about."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_make_demo_converges_without_a_deprecation_warning(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "COMMUNET_"))}
    env |= {"COMMUNET_DEMO_STATE": str(tmp_path / "demo"), "ANSIBLE_HOME": str(tmp_path / "home")}
    process = subprocess.run(
        [sys.executable, "-m", "communet_cli.demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = process.stdout + process.stderr
    assert process.returncode == 0, out[-4000:]
    assert "second run: 0 of 18 hosts changed" in out
    assert "failed:     none" in out
    assert "DEPRECATION" not in out.upper()
    assert "[WARNING]" not in out
    assert "communet_linear" not in out
