"""Import boundaries: the probes know nothing of the exporter or the CLI; the exporter knows
nothing of Ansible or the CLI (checked on the source, and on what importing loads)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def imported(package: Path) -> set[str]:
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
    return names


def top(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_probe_imports_neither_exporter_nor_cli() -> None:
    names = top(imported(REPO / "communet" / "probe"))
    assert not names & {"communet_exporter", "communet_cli", "ansible", "click"}
    assert "asyncio" in names


def test_exporter_imports_neither_ansible_nor_cli() -> None:
    names = top(imported(REPO / "exporter" / "communet_exporter"))
    assert not names & {"communet_cli", "ansible", "click", "netmiko", "paramiko"}
    assert "communet" in names


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("communet.probe.icmp, communet.probe.snmp, communet.probe.codec", "communet_exporter"),
        ("communet_exporter.main", "ansible"),
        ("communet_exporter.main", "communet_cli"),
    ],
)
def test_what_importing_loads(module: str, forbidden: str) -> None:
    code = (
        f"import sys, {module}; print(any(m.split('.')[0] == '{forbidden}' for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
