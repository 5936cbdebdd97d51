"""The real-config corpus (tests/fixtures/real) as test data: files, platforms, placeholders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


@dataclass(frozen=True)
class RealConfig:
    path: Path
    platform: str
    model: str

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _index() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REAL / "index.yaml").read_text(encoding="utf-8"))
    return data


def real_configs(platform: str | None = None) -> list[RealConfig]:
    entries = _index()["configs"]
    found = [RealConfig(REAL / e["file"], e["platform"], e["model"]) for e in entries]
    return [c for c in found if platform is None or c.platform == platform]


def placeholders() -> dict[str, dict[str, str]]:
    """The plaintexts behind the corpus's fake secrets (see tests/fixtures/real/README.md)."""
    data: dict[str, dict[str, str]] = _index()["placeholders"]
    return data
