"""Scaffold a whole province inventory from the official administrative register.

Pure core, thin writer: :func:`scaffold_province` looks a province up in the register shipped
under ``communet/data/`` and builds validated model values (settings plus one district or hub
per file); :func:`render_province` turns them into file texts; :func:`write_province` is the
only function that touches the disk.

Two registers (see ``communet/data/README.md``): the pre-July-2025 three-level one (province →
district → commune) and the current two-level one, where the hubs are the former districts.
Addresses come from national pools keyed by official codes, which are unique nationally, so
scaffolded provinces never collide with each other.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from communet.errors import ScaffoldError
from communet.inventory.model import (
    CommuneKind,
    District,
    DistrictKind,
    ProvinceKind,
    ProvinceSettings,
    Structure,
)
from communet.names import SLUG_MAX, slugify, split_division

REGISTER_FILES: dict[Structure, str] = {
    Structure.THREE_LEVEL: "register-2024.tsv",
    Structure.TWO_LEVEL: "register-2025.tsv",
}
REGISTER_SOURCES: dict[Structure, str] = {
    Structure.THREE_LEVEL: "vietnam-provinces 0.6.0, data 2025-01-04",
    Structure.TWO_LEVEL: "vietnam-provinces 2025.10.1, data 2025-10-18",
}

COMMUNE_BANDWIDTH_MBPS = 20
HUB_BANDWIDTH_MBPS = 200
COMMUNE_ROLES = ("access_switch", "ce_router", "internet_router", "video_endpoint")
HUB_ROLES = ("aggregation_switch", "ce_router", "exporter_host")

# National pools, keyed by official codes (as in the demo province). Placeholder service
# addresses live in 10.250.<province code>.0/24, outside every pool.
ADDRESSING: dict[str, dict[str, Any]] = {
    "commune_lan": {"supernet": "10.0.0.0/9", "block": 24, "first_code": 0},
    "commune_wan": {"supernet": "172.16.0.0/15", "block": 30, "first_code": 0},
    "hub_lan": {"supernet": "10.128.0.0/14", "block": 24, "first_code": 0},
    "hub_wan": {"supernet": "172.18.0.0/20", "block": 30, "first_code": 0},
}
DEVICE_DEFAULTS: dict[str, dict[str, str]] = {
    "access_switch": {"platform": "cisco_ios", "model": "WS-C2960X-24TS-L"},
    # 48 + 4 ports: one downlink per commune (up to 49 in a district) and the CE uplink.
    "aggregation_switch": {"platform": "huawei_vrpv8", "model": "S5735-L48T4X-A"},
    "ce_router": {"platform": "cisco_ios", "model": "ISR4321/K9"},
    "internet_router": {"platform": "huawei_vrp", "model": "AR651"},
    "video_endpoint": {"platform": "cisco_roomos", "model": "Room Kit", "firmware": "roomos"},
    "exporter_host": {"platform": "linux"},
}
CREDENTIALS = {
    "username": "env:COMMUNET_USERNAME",
    "password": "env:COMMUNET_PASSWORD",
    "enable": "env:COMMUNET_ENABLE",
}
SNMP = {
    "user": "vault:snmp_user",
    "auth_key": "vault:snmp_auth_key",
    "priv_key": "vault:snmp_priv_key",
}

_PROVINCE_KINDS = {"tinh": ProvinceKind.TINH, "thanh_pho": ProvinceKind.THANH_PHO}
_QUERY_PREFIXES = ("tinh-", "thanh-pho-", "tp-")
_ALIASES = {
    "hcm": "ho-chi-minh",
    "tphcm": "ho-chi-minh",
    "sai-gon": "ho-chi-minh",
    "thua-thien-hue": "hue",  # a centrally run city, "Thành phố Huế", since January 2025
}


# ---------------------------------------------------------------------------- the register
@dataclass(frozen=True)
class RegisterCommune:
    code: str
    name: str  # official, with its prefix: "Xã Phú Sơn"


@dataclass(frozen=True)
class RegisterDistrict:
    """A pre-2025 district, or (two-level register) the former district that is now a hub."""

    code: str
    name: str  # official: "Huyện Thạch Thành"
    province_name: str  # the (former) province it belonged to, official
    communes: tuple[RegisterCommune, ...]


@dataclass(frozen=True)
class RegisterProvince:
    code: str
    name: str  # official: "Tỉnh Thanh Hóa"
    districts: tuple[RegisterDistrict, ...]
    # Communes the register places under no district (none in the shipped data).
    unplaced: tuple[RegisterCommune, ...] = ()

    @property
    def short_name(self) -> str:
        return split_division(self.name)[1]

    @property
    def slug(self) -> str:
        return slugify(self.short_name)

    @property
    def commune_count(self) -> int:
        return sum(len(d.communes) for d in self.districts) + len(self.unplaced)


def parse_register(text: str, structure: Structure) -> tuple[RegisterProvince, ...]:
    """Provinces of one register TSV, sorted by code (pure; see communet/data/README.md)."""
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    provinces: dict[str, str] = {}
    districts: dict[str, dict[str, tuple[str, str]]] = {}
    members: dict[tuple[str, str], list[RegisterCommune]] = {}
    for row in reader:
        province = row["province_code"]
        provinces[province] = row["province_name"]
        if structure is Structure.THREE_LEVEL:
            district = (row["district_code"], row["district_name"], row["province_name"])
        else:
            district = (
                row["former_district_code"],
                row["former_district_name"],
                row["former_province_name"],
            )
        if district[0]:
            districts.setdefault(province, {})[district[0]] = (district[1], district[2])
        if row["commune_code"]:
            commune = RegisterCommune(row["commune_code"], row["commune_name"])
            members.setdefault((province, district[0]), []).append(commune)
    return tuple(
        RegisterProvince(
            code,
            provinces[code],
            tuple(
                RegisterDistrict(dcode, dname, pname, _by_code(members.get((code, dcode), [])))
                for dcode, (dname, pname) in sorted(districts.get(code, {}).items())
            ),
            _by_code(members.get((code, ""), [])),
        )
        for code in sorted(provinces)
    )


def _by_code(communes: Iterable[RegisterCommune]) -> tuple[RegisterCommune, ...]:
    return tuple(sorted(communes, key=lambda c: c.code))


@functools.cache
def register(structure: Structure) -> tuple[RegisterProvince, ...]:
    """The register shipped with communet (read once per process)."""
    data = resources.files("communet") / "data" / REGISTER_FILES[structure]
    return parse_register(data.read_text(encoding="utf-8"), structure)


def find_province(query: str, structure: Structure) -> RegisterProvince:
    """By code ("38") or name in any spelling ("Thanh Hóa", "thanh hoa", "Tỉnh Thanh Hóa")."""
    provinces = register(structure)
    wanted = query.strip()
    if wanted.isdigit():
        for province in provinces:
            if int(province.code) == int(wanted):
                return province
    key = slugify(wanted)
    keys = {key} | {key.removeprefix(p) for p in _QUERY_PREFIXES if key.startswith(p)}
    keys |= {_ALIASES[k] for k in keys if k in _ALIASES}
    for province in provinces:
        if province.slug in keys or slugify(province.name) in keys:
            return province
    for province in provinces:
        for district in province.districts:
            former = split_division(district.province_name)[1]
            if slugify(former) in keys and former != province.short_name:
                raise ScaffoldError(
                    f"{former} is a former province: since July 2025 it is part of "
                    f"{province.short_name} ({province.code}); scaffold {province.short_name}, "
                    "or use the three_level (pre-2025) register"
                )
    raise ScaffoldError(_unknown_province(query, structure, provinces))


def _unknown_province(
    query: str, structure: Structure, provinces: Sequence[RegisterProvince]
) -> str:
    by_slug = {p.slug: p for p in provinces}
    close = difflib.get_close_matches(slugify(query), list(by_slug), n=3, cutoff=0.6)
    head = (
        f"no province {query!r} in the {structure.value} register "
        f"({REGISTER_FILES[structure]}, {len(provinces)} provinces)"
    )
    if close:
        names = ", ".join(f"{by_slug[s].short_name} ({by_slug[s].code})" for s in close)
        return f"{head}; did you mean: {names}?"
    names = ", ".join(p.short_name for p in provinces)
    return f"{head}; give a name or a two-digit code, one of: {names}"


# ---------------------------------------------------------------------------- slugs
def unique_slugs(candidates: Sequence[Sequence[str]]) -> list[str]:
    """The first candidate of each item that no other item shares, level by level.

    Every item starts at its first candidate; all items sharing a slug move on to their next
    candidate together, until no two items share one. Deterministic for a given input.
    """
    level = [0] * len(candidates)
    while True:
        current = [c[min(n, len(c) - 1)] for c, n in zip(candidates, level, strict=True)]
        counts = Counter(current)
        clashing = [i for i, slug in enumerate(current) if counts[slug] > 1]
        if not clashing:
            return current
        if all(level[i] >= len(candidates[i]) - 1 for i in clashing):
            raise ScaffoldError(
                "cannot make slugs unique: " + ", ".join(sorted({current[i] for i in clashing}))
            )
        for i in clashing:
            level[i] += 1


def _joined(base: str, *suffixes: str) -> str:
    """``base-suffix…`` within SLUG_MAX, shortening the base, never the suffix."""
    suffix = "-".join(s for s in suffixes if s)
    room = SLUG_MAX - len(suffix) - 1
    return f"{base[:room].rstrip('-')}-{suffix}"[:SLUG_MAX].strip("-")


def province_abbreviation(province: RegisterProvince, everyone: Sequence[RegisterProvince]) -> str:
    """Syllable initials, e.g. THA for Thanh Hóa (initials plus the last letter when shorter
    than three; HUE for a one-word name). Two provinces sharing one both get initials plus
    their code: HG02 and HG93."""

    def base(p: RegisterProvince) -> str:
        words = p.slug.split("-")
        if len(words) == 1:
            return words[0][:3].upper()
        initials = "".join(w[0] for w in words).upper()
        return initials if len(initials) >= 3 else initials + words[-1][-1].upper()

    mine = base(province)
    if sum(base(p) == mine for p in everyone) > 1:
        return "".join(w[0] for w in province.slug.split("-")).upper() + province.code
    return mine


# ---------------------------------------------------------------------------- building
@dataclass(frozen=True)
class ScaffoldedProvince:
    settings: ProvinceSettings
    districts: tuple[District, ...]
    source: str  # which register, e.g. "vietnam-provinces 0.6.0, data 2025-01-04"
    command: str  # the CLI command that rebuilds it

    @property
    def slug(self) -> str:
        return self.settings.slug

    @property
    def commune_count(self) -> int:
        return sum(len(d.communes) for d in self.districts)


def scaffold_province(name: str, structure: Structure) -> ScaffoldedProvince:
    """A complete, validated inventory for one province of the chosen register."""
    return build_province(find_province(name, structure), structure, register(structure))


def build_province(
    province: RegisterProvince, structure: Structure, everyone: Sequence[RegisterProvince]
) -> ScaffoldedProvince:
    districts = _place_unplaced(province)
    abbreviation = province_abbreviation(province, everyone)
    district_slugs = _district_slugs(districts, structure)
    commune_slugs = _commune_slugs(districts, district_slugs)
    built = tuple(
        _district(district, structure, abbreviation, slug, commune_slugs)
        for district, slug in zip(districts, district_slugs, strict=True)
    )
    command = f'communet inventory scaffold --province "{province.short_name}"'
    if structure is Structure.TWO_LEVEL:
        command += " --structure two_level"
    return ScaffoldedProvince(
        _settings(province, structure), built, REGISTER_SOURCES[structure], command
    )


def _place_unplaced(province: RegisterProvince) -> tuple[RegisterDistrict, ...]:
    """Hang communes the register gives no district onto the district of the commune with
    the nearest code (the fallback rule of tools/gen_register.py)."""
    if not province.unplaced:
        return province.districts
    placed = sorted((int(c.code), d.code) for d in province.districts for c in d.communes)
    if not placed:
        raise ScaffoldError(
            f"{province.short_name} ({province.code}) has communes but no district or hub in "
            "the register to hang them off; add former districts to the register data"
        )
    extra: dict[str, list[RegisterCommune]] = {}
    for commune in province.unplaced:
        code = int(commune.code)
        nearest = min(placed, key=lambda item: (abs(item[0] - code), item[0]))
        extra.setdefault(nearest[1], []).append(commune)
    return tuple(
        RegisterDistrict(
            d.code, d.name, d.province_name, _by_code((*d.communes, *extra.get(d.code, ())))
        )
        for d in province.districts
    )


def name_slug(official: str) -> str:
    """The slug of a name without its prefix, except where the rest is a number:
    "Xã Phú Sơn" → phu-son, but "Phường 1" → phuong-1 and "Quận 10" → quan-10."""
    short = split_division(official)[1]
    if short[:1].isdigit():
        return slugify(official)
    return slugify(short)


def _district_slugs(districts: Sequence[RegisterDistrict], structure: Structure) -> list[str]:
    candidates = []
    for district in districts:
        base = name_slug(district.name)
        levels = [base, _joined(base, slugify(split_division(district.name)[0]))]
        if structure is Structure.TWO_LEVEL:
            former = slugify(split_division(district.province_name)[1])
            levels.insert(1, _joined(base, former))
        candidates.append((*levels, _joined(base, district.code)))
    return unique_slugs(candidates)


def _commune_slugs(
    districts: Sequence[RegisterDistrict], district_slugs: Sequence[str]
) -> dict[str, str]:
    codes: list[str] = []
    candidates = []
    for district, district_slug in zip(districts, district_slugs, strict=True):
        for commune in district.communes:
            base = name_slug(commune.name)
            kind = split_division(commune.name)[0]
            codes.append(commune.code)
            candidates.append(
                (
                    base,
                    _joined(base, district_slug),
                    _joined(base, district_slug, slugify(kind)),
                    _joined(base, commune.code),
                )
            )
    return dict(zip(codes, unique_slugs(candidates), strict=True))


def _settings(province: RegisterProvince, structure: Structure) -> ProvinceSettings:
    kind, short = split_division(province.name)
    octet = int(province.code)
    placeholder = f"10.250.{octet}"
    return ProvinceSettings.model_validate(
        {
            "code": province.code,
            "name": short,
            "slug": province.slug,
            "kind": _PROVINCE_KINDS.get(kind, ProvinceKind.TINH),
            "structure": structure,
            "services": {
                "registrars": [
                    {
                        "name": "mcu-tinh",
                        "address": f"{placeholder}.10",
                        "sip_domain": f"hnth.{province.slug.replace('-', '')}.gov.vn",
                        "h323_gatekeeper": f"{placeholder}.11",
                    }
                ],
                "ntp": [f"{placeholder}.1", f"{placeholder}.2"],
                "syslog": [f"{placeholder}.20"],
                "snmp_collectors": [f"{placeholder}.30"],
                "noc_networks": [f"{placeholder}.0/24"],
            },
            "addressing": ADDRESSING,
            "device_defaults": DEVICE_DEFAULTS,
            "credentials": CREDENTIALS,
            "snmp": SNMP,
        }
    )


def _district(
    district: RegisterDistrict,
    structure: Structure,
    abbreviation: str,
    slug: str,
    commune_slugs: dict[str, str],
) -> District:
    kind, short = split_division(district.name)
    two_level = structure is Structure.TWO_LEVEL
    communes = []
    for commune in district.communes:
        commune_kind, commune_name = split_division(commune.name)
        communes.append(
            {
                "code": commune.code,
                "name": commune_name,
                "kind": CommuneKind(commune_kind or "xa"),
                "slug": commune_slugs[commune.code],
                **({"former_district": slug} if two_level else {}),
                "tslcd": {
                    "circuit_id": f"TSLCD-{abbreviation}-{commune.code}",
                    "bandwidth_mbps": COMMUNE_BANDWIDTH_MBPS,
                },
                "devices": [{"role": role} for role in COMMUNE_ROLES],
            }
        )
    return District.model_validate(
        {
            "code": district.code,
            "name": short,
            "kind": DistrictKind.HUB if two_level else DistrictKind(kind or "huyen"),
            "slug": slug,
            "hub": {
                "tslcd": {
                    "circuit_id": f"TSLCD-{abbreviation}-{district.code}-HUB",
                    "bandwidth_mbps": HUB_BANDWIDTH_MBPS,
                },
                "devices": [{"role": role} for role in HUB_ROLES],
            },
            "communes": communes,
        }
    )


# ---------------------------------------------------------------------------- rendering
def render_province(scaffolded: ScaffoldedProvince) -> dict[str, str]:
    """File texts by path relative to the province directory (pure, deterministic)."""
    files = {"province.yml": _province_text(scaffolded)}
    for district in scaffolded.districts:
        data = district.model_dump(mode="json", exclude_unset=True)
        files[f"districts/{district.slug}.yml"] = _dump(data)
    return files


def _province_text(scaffolded: ScaffoldedProvince) -> str:
    settings = scaffolded.settings
    data = settings.model_dump(mode="json", exclude_unset=True)
    header = [
        f"# {settings.name}: generated by",
        f"#   {scaffolded.command}",
        "# from the administrative register in communet/data/",
        f"# ({scaffolded.source}).",
        "# Rendered offline only, never connected to: addresses marked PLACEHOLDER are",
        "# not real; replace them (and review the rest) before any use on real devices.",
    ]
    head = {k: data[k] for k in ("code", "name", "slug", "kind", "structure")}
    services = _dump({"services": data["services"]})
    services = re.sub(
        r"^(.*\b\d{1,3}(?:\.\d{1,3}){3}\b.*|.*sip_domain:.*)$",
        r"\1  # PLACEHOLDER: edit",
        services,
        flags=re.MULTILINE,
    )
    parts = [
        "\n".join(header) + "\n",
        _dump(head),
        "# PLACEHOLDER service addresses (MCU, NTP, syslog, SNMP, NOC): edit them all.\n",
        services,
        "# National pools keyed by official codes: commune and district codes are unique\n"
        "# nationally, so no two provinces ever get the same block.\n",
        _dump({"addressing": data["addressing"]}),
        _dump({"device_defaults": data["device_defaults"]}),
        "# References only (env:NAME or vault:name); secrets never go in the inventory.\n",
        _dump({k: data[k] for k in ("credentials", "snmp")}),
    ]
    return "".join(parts)


class _Flow(dict[str, Any]):
    """A mapping written on one line: {supernet: 10.0.0.0/9, block: 24}."""


_FLOW_KEYS = frozenset({"tslcd", "commune_lan", "commune_wan", "hub_lan", "hub_wan"})
_FLOW_PARENTS = frozenset({"device_defaults"})

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _InventoryDumper(_Dumper):  # type: ignore[valid-type,misc]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Codes such as "01" or "14755" and words such as "yes" would read back as numbers or
    # booleans: quote them, the way the demo inventory does.
    implicit = dumper.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    style = '"' if implicit != "tag:yaml.org,2002:str" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


_InventoryDumper.add_representer(str, _represent_str)
_InventoryDumper.add_representer(_Flow, _represent_flow)


def _flowed(value: Any, key: str = "", parent: str = "") -> Any:
    if isinstance(value, dict):
        items = {k: _flowed(v, k, key) for k, v in value.items()}
        if key in _FLOW_KEYS or parent in _FLOW_PARENTS:
            return _Flow(items)
        return items
    if isinstance(value, list):
        return [_flowed(v, "", key) for v in value]
    return value


def _dump(data: dict[str, Any]) -> str:
    text = yaml.dump(
        _flowed(data),
        Dumper=_InventoryDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )
    return indent_sequences(text)


def indent_sequences(text: str) -> str:
    """Indent block sequences under their key, as hand-written inventories do (and yamllint
    expects); the fast C emitter only writes them flush with the key.

    Safe for what this module dumps: one line per scalar (no folding at width 1000, names
    have no line breaks) and every list a value of a mapping key.
    """
    out = []
    stack: list[tuple[int, int]] = []  # (column of the "- " items, extra indent applied)
    for line in text.splitlines(keepends=True):
        column = len(line) - len(line.lstrip(" "))
        item = line.startswith("- ", column)
        while stack and (column < stack[-1][0] or (column == stack[-1][0] and not item)):
            stack.pop()
        if item and (not stack or stack[-1][0] != column):
            stack.append((column, (stack[-1][1] if stack else 0) + 2))
        shift = stack[-1][1] if stack else 0
        out.append(" " * shift + line if line.strip() else line)
    return "".join(out)


# ---------------------------------------------------------------------------- writing
def write_province(
    scaffolded: ScaffoldedProvince, out_dir: Path, force: bool = False
) -> list[Path]:
    """Write province.yml and districts/<slug>.yml; refuse to clobber unless ``force``."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ScaffoldError(f"{out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise ScaffoldError(
            f"{out_dir} already exists and is not empty; choose another --out, or pass "
            "--force to overwrite province.yml and replace districts/"
        )
    files = render_province(scaffolded)
    districts = out_dir / "districts"
    if districts.is_dir():
        for stale in districts.glob("*.yml"):
            stale.unlink()
    districts.mkdir(parents=True, exist_ok=True)
    written = []
    for relative, text in files.items():
        path = out_dir / relative
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
