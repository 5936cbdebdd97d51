"""Layering the issue asked for: the I/O edge (connect) does not import the engine, and the
per-host convergence does not know how hosts are run."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "communet"


def imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_connect_does_not_import_the_engine() -> None:
    assert not imports("connect") & {"communet.apply", "communet.converge", "communet.runner"}


def test_convergence_does_not_import_the_runner_or_the_facade() -> None:
    assert not imports("converge") & {"communet.apply", "communet.runner", "communet.connect"}


def test_the_runner_knows_results_not_sessions() -> None:
    assert not imports("runner") & {"communet.session", "communet.connect", "communet.apply"}
