"""Regenerate communet/data/register-{2024,2025}.tsv from the vietnam-provinces packages.

The two registers live in two releases of one PyPI package that cannot share a venv, so each
is installed (``--no-deps``, data only) into its own temporary venv, or read from a package
directory given on the command line. Nothing is imported from the package: the JSON data and
the version strings in its ``__init__.py`` are read as files.

    .venv/bin/python tools/gen_register.py            # installs both from PyPI
    .venv/bin/python tools/gen_register.py --old-package DIR --new-package DIR

The output is sorted, tab-separated UTF-8 with one header row: stable and diff-friendly.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "vietnam-provinces"
OLD_VERSION = "0.6.0"
NEW_VERSION = "2025.10.1"

# What the generator checks before writing anything.
OLD_COUNTS = {"provinces": 63, "districts": 696, "communes": 10_051}
NEW_COUNTS = {
    "provinces": 34,
    "communes": 3_321,
    "same_code": 3_310,
    "same_name": 5,
    "nearest_code": 6,
}

OLD_HEADER = (
    "province_code",
    "province_name",
    "district_code",
    "district_name",
    "commune_code",
    "commune_name",
)
NEW_HEADER = (
    "province_code",
    "province_name",
    "commune_code",
    "commune_name",
    "former_district_code",
    "former_district_name",
    "former_province_code",
    "former_province_name",
    "hub_rule",
)

RULES = ("same_code", "same_name", "nearest_code")

DATA_DIR = Path(__file__).resolve().parent.parent / "communet" / "data"

# Official prefixes with their canonical capitalisation; the source has a few "Thành Phố".
_PREFIXES = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")
_SPACES = re.compile(r"\s+")


class RegisterError(Exception):
    """The package data is not what this generator was written for."""


def clean_name(raw: str, division_type: str = "") -> str:
    """NFC, single spaces, canonical prefix case; 'Tỉnh ' added where the source drops it."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix.lower() + " "):
            return prefix + name[len(prefix) :]
    if division_type == "tỉnh":
        return f"Tỉnh {name}"
    return name


def short_name(official: str) -> str:
    for prefix in _PREFIXES:
        if official.startswith(prefix + " "):
            return official[len(prefix) + 1 :]
    return official


# ---------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class Source:
    package_dir: Path
    version: str
    data_version: str

    @property
    def nested(self) -> Any:
        return json.loads((self.package_dir / "data" / "nested-divisions.json").read_text("utf-8"))


def read_source(package_dir: Path, expected_version: str) -> Source:
    init = (package_dir / "__init__.py").read_text("utf-8")
    found = {
        key: match.group(1)
        for key in ("__version__", "__data_version__")
        if (match := re.search(rf"^{key}\s*=\s*['\"]([^'\"]+)['\"]", init, re.MULTILINE))
    }
    version = found.get("__version__", "")
    if version != expected_version:
        raise RegisterError(f"{package_dir} holds {PACKAGE} {version!r}, not {expected_version}")
    return Source(package_dir, version, found.get("__data_version__", "unknown"))


def install(version: str, workdir: Path) -> Path:
    """pip-install one release into a fresh venv under workdir; return its package dir."""
    venv = workdir / f"venv-{version}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            *(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--no-deps", f"{PACKAGE}=={version}"),
        ],
        check=True,
    )
    found = sorted(venv.glob("lib/python*/site-packages/vietnam_provinces"))
    if not found:
        raise RegisterError(f"{PACKAGE}=={version} installed no vietnam_provinces package")
    return found[0]


# ---------------------------------------------------------------------------- 2024 register
@dataclass(frozen=True)
class OldRow:
    province_code: int
    province_name: str
    district_code: int
    district_name: str
    commune_code: int | None
    commune_name: str


def old_rows(nested: Any) -> list[OldRow]:
    rows = []
    for province in nested:
        pname = clean_name(province["name"], province["division_type"])
        for district in province["districts"]:
            dname = clean_name(district["name"])
            wards = district["wards"]
            if not wards:  # island districts without a commune level (Côn Đảo, Lý Sơn, ...)
                rows.append(OldRow(province["code"], pname, district["code"], dname, None, ""))
            for ward in wards:
                rows.append(
                    OldRow(
                        province["code"],
                        pname,
                        district["code"],
                        dname,
                        ward["code"],
                        clean_name(ward["name"]),
                    )
                )
    rows.sort(key=lambda r: (r.province_code, r.district_code, r.commune_code or -1))
    return rows


def check_old(rows: list[OldRow]) -> None:
    counts = {
        "provinces": len({r.province_code for r in rows}),
        "districts": len({r.district_code for r in rows}),
        "communes": len({r.commune_code for r in rows if r.commune_code is not None}),
    }
    if counts != OLD_COUNTS:
        raise RegisterError(f"2024 register counts {counts}, expected {OLD_COUNTS}")
    commune_rows = sum(r.commune_code is not None for r in rows)
    if commune_rows != counts["communes"]:
        raise RegisterError("2024 register: a commune code appears twice")


def old_lines(rows: list[OldRow]) -> Iterator[str]:
    yield "\t".join(OLD_HEADER)
    for r in rows:
        commune = "" if r.commune_code is None else f"{r.commune_code:05d}"
        yield "\t".join(
            (
                f"{r.province_code:02d}",
                r.province_name,
                f"{r.district_code:03d}",
                r.district_name,
                commune,
                r.commune_name,
            )
        )


# ---------------------------------------------------------------------------- 2025 register
@dataclass(frozen=True)
class NewRow:
    province_code: int
    province_name: str
    commune_code: int
    commune_name: str
    former: OldRow
    rule: str


class FormerDistricts:
    """Which pre-2025 district a current commune hangs off (its hub).

    Rules, in order: ``same_code`` — the commune kept the code of one of the old communes it
    merged (3,310 of 3,321), so its hub is that commune's district; ``same_name`` — a special
    zone (đặc khu) that replaced an island district which had no communes (Côn Đảo, Lý Sơn,
    ...), so its hub is that district; ``nearest_code`` — otherwise the district of the old
    commune whose code is nearest (lower code on a tie), among the old provinces that merged
    into the new province.
    """

    def __init__(self, old: list[OldRow]) -> None:
        self.by_code = {r.commune_code: r for r in old if r.commune_code is not None}
        self.empty_districts = [r for r in old if r.commune_code is None]
        self.old = old

    def resolve(self, ward: Any, province: Any) -> tuple[OldRow, str]:
        code = ward["code"]
        if code in self.by_code:
            return self.by_code[code], "same_code"
        old_provinces = {
            self.by_code[w["code"]].province_code
            for w in province["wards"]
            if w["code"] in self.by_code
        }
        name = short_name(clean_name(ward["name"]))
        for district in self.empty_districts:
            if district.province_code in old_provinces and short_name(district.district_name) == (
                name
            ):
                return district, "same_name"
        candidates = sorted(
            (r.commune_code, r)
            for r in self.old
            if r.commune_code is not None and r.province_code in old_provinces
        )
        keys = [c for c, _ in candidates]
        at = bisect.bisect_left(keys, code)
        around = [candidates[i] for i in (at - 1, at) if 0 <= i < len(candidates)]
        if not around:
            raise RegisterError(f"commune {code} {ward['name']}: no old commune to place it by")
        best = min(around, key=lambda item: (abs(item[0] - code), item[0]))
        return best[1], "nearest_code"


def new_rows(nested: Any, old: list[OldRow]) -> list[NewRow]:
    former = FormerDistricts(old)
    rows = []
    for province in nested:
        pname = clean_name(province["name"], province["division_type"])
        for ward in province["wards"]:
            hub, rule = former.resolve(ward, province)
            rows.append(
                NewRow(province["code"], pname, ward["code"], clean_name(ward["name"]), hub, rule)
            )
    rows.sort(key=lambda r: (r.province_code, r.commune_code))
    return rows


def check_new(rows: list[NewRow]) -> None:
    counts = {
        "provinces": len({r.province_code for r in rows}),
        "communes": len({r.commune_code for r in rows}),
        **{rule: sum(r.rule == rule for r in rows) for rule in RULES},
    }
    if counts != NEW_COUNTS:
        raise RegisterError(f"2025 register counts {counts}, expected {NEW_COUNTS}")
    if len(rows) != counts["communes"]:
        raise RegisterError("2025 register: a commune code appears twice")


def new_lines(rows: list[NewRow]) -> Iterator[str]:
    yield "\t".join(NEW_HEADER)
    for r in rows:
        yield "\t".join(
            (
                f"{r.province_code:02d}",
                r.province_name,
                f"{r.commune_code:05d}",
                r.commune_name,
                f"{r.former.district_code:03d}",
                r.former.district_name,
                f"{r.former.province_code:02d}",
                r.former.province_name,
                r.rule,
            )
        )


# ---------------------------------------------------------------------------- main
def write_tsv(path: Path, lines: Iterator[str]) -> int:
    rows = list(lines)
    width = rows[0].count("\t")
    for row in rows:
        if row.count("\t") != width or "\r" in row or "\n" in row:
            raise RegisterError(f"{path.name}: a field holds a tab or line break: {row!r}")
    path.write_text("".join(row + "\n" for row in rows), encoding="utf-8", newline="\n")
    return len(rows) - 1


def generate(old: Source, new: Source, out: Path) -> dict[str, int]:
    old_data = old_rows(old.nested)
    check_old(old_data)
    new_data = new_rows(new.nested, old_data)
    check_new(new_data)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "register-2024.tsv": write_tsv(out / "register-2024.tsv", old_lines(old_data)),
        "register-2025.tsv": write_tsv(out / "register-2025.tsv", new_lines(new_data)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--old-package", type=Path, help=f"vietnam_provinces dir of {OLD_VERSION}")
    parser.add_argument("--new-package", type=Path, help=f"vietnam_provinces dir of {NEW_VERSION}")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gen-register-") as tmp:
        try:
            old_dir = args.old_package or install(OLD_VERSION, Path(tmp))
            new_dir = args.new_package or install(NEW_VERSION, Path(tmp))
            old = read_source(old_dir, OLD_VERSION)
            new = read_source(new_dir, NEW_VERSION)
            written = generate(old, new, args.out)
        except (RegisterError, OSError, subprocess.CalledProcessError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    for name, rows in written.items():
        print(f"{args.out / name}: {rows} rows")
    print(f"verified: 2024 {OLD_COUNTS}; 2025 {NEW_COUNTS}")
    print(
        f"sources: {PACKAGE} {old.version} (data {old.data_version}), "
        f"{new.version} (data {new.data_version})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
