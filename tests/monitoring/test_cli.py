"""``communet monitoring generate``: what it writes and what it says when it cannot."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from communet_cli.main import cli

REPO = Path(__file__).resolve().parents[2]


def test_generate_writes_every_file_and_names_the_uncovered_hub(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["monitoring", "generate", str(REPO / "inventory" / "demo"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 6 files" in result.output
    assert "demo/nghi-son: no active exporter_host at this hub" in result.output
    assert (tmp_path / "demo/alertmanager/alertmanager.yml").is_file()
    assert not list(tmp_path.rglob(".*.tmp"))


def test_generate_in_vietnamese(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--lang", "vi", "monitoring", "generate", str(REPO / "inventory" / "demo"),
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0
    assert "đã ghi 6 tệp" in result.output


def test_a_broken_inventory_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "inv"
    broken.mkdir()
    (broken / "province.yml").write_text("code: [\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["monitoring", "generate", str(broken), "--out", str(out)])
    assert result.exit_code == 1
    assert "province.yml:" in result.output
    assert not out.exists()


def test_an_unwritable_output_is_one_line_and_leaves_nothing_half_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "national").mkdir(parents=True)
    (out / "demo").write_text("a file where a directory goes", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["monitoring", "generate", str(REPO / "inventory" / "demo"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"cannot write {out}/demo/alertmanager: Not a directory; nothing else was written\n"
    )
    assert list((out / "national").iterdir()) == []  # staged files removed, nothing renamed
