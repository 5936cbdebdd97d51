"""Every way an inventory can be wrong gets one exact, pinned message (issue #2).

Each case is a directory under ``tests/fixtures/bad_inventory/``:

- ``province/…``: files laid over the valid base ``_base/province/`` (whole files, so the
  bad text is visible as-is);
- ``case.yml``: ``about`` (what the case shows) and optionally ``remove`` (base files to
  delete) and ``oversize`` (a file to pad past the size limit at test time);
- ``expected.txt``: the exact ``str(InventoryError)``.

The inventory is copied to ``tmp_path`` and loaded from there as ``province`` so that the
paths in messages read ``province/districts/….yml`` on every machine. After a deliberate
message change, rewrite the expectations with ``COMMUNET_UPDATE_EXPECTED=1`` and review the
diff of every ``expected.txt``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from communet.errors import InventoryError
from communet.inventory import load_inventory
from communet.inventory.source import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad_inventory"
BASE = FIXTURES / "_base"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))
UPDATE = os.environ.get("COMMUNET_UPDATE_EXPECTED") == "1"
CASE_KEYS = {"about", "remove", "oversize"}


def build_case(name: str, where: Path) -> None:
    """Lay the case over a copy of the base inventory, inside ``where``."""
    case = FIXTURES / name
    spec = yaml.safe_load((case / "case.yml").read_text("utf-8"))
    assert isinstance(spec, dict), f"{name}/case.yml must be a mapping"
    assert set(spec) <= CASE_KEYS, f"{name}/case.yml: unknown keys {set(spec) - CASE_KEYS}"
    assert spec.get("about"), f"{name}/case.yml: say what the case is about"
    shutil.copytree(BASE / "province", where / "province")
    if (case / "province").is_dir():
        shutil.copytree(case / "province", where / "province", dirs_exist_ok=True)
    for relative in spec.get("remove", []):
        (where / relative).unlink()
    if "oversize" in spec:
        target = where / spec["oversize"]
        text = target.read_bytes()
        filler = b"# padding\n" * ((MAX_FILE_BYTES - len(text)) // 10 + 1)
        target.write_bytes(text + filler)
        assert target.stat().st_size > MAX_FILE_BYTES


def load_error(where: Path, monkeypatch: pytest.MonkeyPatch) -> InventoryError:
    monkeypatch.chdir(where)
    with pytest.raises(InventoryError) as info:
        load_inventory(Path("province"))
    return info.value


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_bad_inventory_message(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_case(name, tmp_path)
    error = load_error(tmp_path, monkeypatch)
    expected_file = FIXTURES / name / "expected.txt"
    if UPDATE:
        expected_file.write_text(str(error) + "\n", "utf-8")
    assert str(error) + "\n" == expected_file.read_text("utf-8")


@pytest.mark.parametrize("name", CASES)
def test_every_problem_says_where_and_how_to_fix(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_case(name, tmp_path)
    error = load_error(tmp_path, monkeypatch)
    last_line: dict[str, int] = {}
    for problem in error.problems:
        assert problem.hint, f"no hint: {problem.render()}"
        assert "Input should" not in problem.message, f"raw pydantic text: {problem.render()}"
        if problem.path:
            assert problem.line is not None, f"key path without a line: {problem.render()}"
        # Within one file, problems come in file order.
        line = problem.line or 0
        assert line >= last_line.get(problem.file, 0), f"out of file order: {problem.render()}"
        last_line[problem.file] = line


# Values a hand-edited file gets by mistake: empty, wrong shapes, numbers, YAML 1.1 booleans.
MUTATIONS = ("", " []", " {}", " -1", " 1.5", " yes", " 10.0.0.1/33")


def test_no_edit_of_a_line_crashes_or_gives_a_bare_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drop each line of the base, or give its key a wrong value: always an InventoryError
    whose every problem has a position (when it names a key) and a fix."""
    monkeypatch.chdir(tmp_path)
    base = BASE / "province"
    tried = 0
    for source in sorted(base.rglob("*.yml")):
        lines = source.read_text("utf-8").splitlines()
        for index, line in enumerate(lines):
            edits = [[*lines[:index], *lines[index + 1 :]]]
            key = line.split(":", 1)[0]
            if ":" in line and not key.lstrip().startswith("#"):
                edits += [[*lines[:index], key + ":" + v, *lines[index + 1 :]] for v in MUTATIONS]
            for edited in edits:
                target = tmp_path / f"try{tried}"
                shutil.copytree(base, target)
                (target / source.relative_to(base)).write_text("\n".join(edited) + "\n", "utf-8")
                tried += 1
                try:
                    load_inventory(target)
                except InventoryError as error:
                    for problem in error.problems:
                        assert problem.hint, problem.render()
                        assert "Input should" not in problem.message, problem.render()
                        assert problem.line is not None or not problem.path, problem.render()
                shutil.rmtree(target)
    assert tried > 300


def test_the_base_of_the_cases_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BASE)
    loaded = load_inventory(Path("province"))
    assert len(loaded.devices) == 9


def test_the_demo_inventory_still_loads() -> None:
    loaded = load_inventory(ROOT / "inventory" / "demo")
    assert len(loaded.devices) == 19
    assert {d.site.slug for d in loaded.devices} >= {"dinh-hai", "thanh-son"}
