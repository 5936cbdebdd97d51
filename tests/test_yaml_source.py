"""The fast YAML path must read exactly what PyYAML's strict safe loader reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from communet.inventory import source

from .conftest import REPO

AGREE = [
    "a: yes\nb: 014\nc: 0x1F\nd: 1_000\ne: 1.5\nf: ~\ng:\nh: '014'\ni: 2020-01-01\n",
    "j: .inf\nk: [1, 2]\nl: {m: n}\nm: 1:30\nn: 'x: y'\no: \"Định Hoá\"\n",
    "- a\n- b\n- [c, {d: e}]\n",
    "a: |\n  x\n  y\nb: >\n  folded\n  text\n",
    "a: null\nb: Null\nc: NO\nd: off\ne: -12\nf: +3\ng: 6.0e2\n",
    "",
    "# only a comment\n",
]
UNUSUAL = [
    "a: 1\na: 2\n",  # duplicate key
    "a: &x 1\nb: *x\n",  # alias
    "? [a]\n: 1\n",  # list as key
    "1: a\n",  # number as key
    "a: !!str 1\n",  # explicit tag
    "---\na: 1\n---\nb: 2\n",  # two documents
    "a: [\n",  # syntax error
    "a: b\n<<: {c: 1}\n",  # merge key
]


@pytest.mark.parametrize("text", AGREE)
def test_fast_path_reads_what_pyyaml_reads(text: str) -> None:
    assert source._fast_load(text) == yaml.load(text, Loader=source._StrictLoader)  # noqa: S506


@pytest.mark.parametrize("text", UNUSUAL)
def test_unusual_yaml_goes_to_the_strict_loader(text: str) -> None:
    with pytest.raises(source._UnusualError):
        source._fast_load(text)


def test_every_committed_inventory_file_reads_the_same_both_ways() -> None:
    files = sorted((REPO / "inventory").rglob("*.yml"))
    files += sorted((REPO / "tests" / "fixtures" / "bad_inventory" / "_base").rglob("*.yml"))
    assert len(files) > 25
    for path in files:
        text = path.read_text("utf-8")
        strict = yaml.load(text, Loader=source._StrictLoader)  # noqa: S506
        assert source._fast_load(text) == strict, path


def test_read_yaml_falls_back_to_the_strict_message(tmp_path: Path) -> None:
    path = tmp_path / "dup.yml"
    path.write_text("a: 1\nb: 2\na: 3\n", "utf-8")
    with pytest.raises(source.YamlError) as caught:
        source.read_yaml(path)
    error = caught.value
    assert (error.message, error.line, error.column) == (
        "duplicate key 'a' (first defined on line 1)",
        3,
        1,
    )
