"""Cisco's xAPI schema data: which settings a codec has, per product and firmware version.

The data under ``communet/data/xapi/`` is extracted from Cisco's own machine-readable schema
files (CE 9.12 to RoomOS 26, ``tools/gen_xapi_schema.py``) and, for TC7 and CE8, written from
the API reference guides with page references (see ``communet/data/xapi/README.md``). A
codec is one product (Cisco's identifier, e.g. ``hopen`` for the Room Kit) on one firmware
version; its :class:`Schema` knows every configuration path, value space and default it has
and checks a rendered ``xConfiguration`` line the way the codec would.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

_DATA = resources.files("communet") / "data" / "xapi"
_NAMES: dict[str, Any] = json.loads((_DATA / "products.json").read_text("utf-8"))
# Product identifiers of the schema files → the names Cisco sells them under.
PRODUCTS: dict[str, str] = _NAMES["products"]
# Bare family names mean the last version of that family that runs on the whole commune
# fleet (RoomOS 11: RoomOS 26 no longer supports the Room Kit line).
FAMILY_DEFAULTS: dict[str, str] = _NAMES["family_defaults"]
# Words the same product carries in front of its name depending on the year it was sold.
_BRANDS = re.compile(r"^(?:(?:cisco|webex|spark|telepresence)\s+)+")
_INDEX = re.compile(r"\[(\d+)(?:\.\.(\d+))?\]")
_INDEX_ANY = re.compile(r"\[[^\]]*\]")


class SchemaError(ValueError):
    """The model or firmware of a codec is not in the schema data."""


def _normal(name: str) -> str:
    return _BRANDS.sub("", " ".join(name.lower().split()))


def product_id(model: str) -> str:
    """The schema's product identifier for an inventory ``model`` (name or identifier)."""
    if model in PRODUCTS or model in _all_products():
        return model
    wanted = _normal(model)
    for code, name in PRODUCTS.items():
        if _normal(name) == wanted or code.lower() == wanted:
            return code
    raise SchemaError(f"unknown codec model {model!r}")


@functools.cache
def _all_products() -> frozenset[str]:
    """Every identifier some version names (a few have no marketing name in the map)."""
    return frozenset(p for version in versions() for p in _document(version)["products"])


def product_name(code: str) -> str:
    return PRODUCTS.get(code, code)


def _number(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))


@functools.cache
def versions() -> tuple[str, ...]:
    """Every firmware version in the data, oldest first."""
    names = [
        f.name[: -len(".json")]
        for f in _DATA.iterdir()
        if re.fullmatch(r"(?:tc|ce|roomos)\d[\d.]*\.json", f.name)
    ]
    return tuple(sorted(names, key=lambda v: (_family_rank(v), _number(v))))


def _family_rank(version: str) -> int:
    return next(i for i, f in enumerate(("tc", "ce8", "ce9", "roomos")) if version.startswith(f))


def resolve_version(firmware: str) -> str:
    """``ce9.12`` → ``ce9.12.4``: the newest version the inventory's ``firmware`` names."""
    name = firmware.lower().replace(" ", "")
    name = FAMILY_DEFAULTS.get(name, name)
    if name in versions():
        return name
    matching = [v for v in versions() if v.startswith(name + ".")]
    if not matching:
        raise SchemaError(f"unknown firmware {firmware!r}")
    return matching[-1]


def firmware_names() -> tuple[str, ...]:
    """Everything ``firmware:`` may say: a family, a version, or a version's prefix."""
    names = set(FAMILY_DEFAULTS)
    for version in versions():
        parts = version.split(".")
        names.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return tuple(sorted(names, key=lambda v: (_family_rank(v), _number(v))))


@dataclass(frozen=True)
class ValueSpace:
    kind: str  # "Literal", "Integer" or "String"
    values: tuple[str, ...] = ()
    low: int = 0
    high: int = 0

    def problem(self, value: str) -> str:
        """Why the codec would refuse ``value`` (unquoted), or "" when it takes it."""
        if self.kind == "Literal":
            if value in self.values:
                return ""
            return f"{value!r} is not one of {', '.join(self.values)}"
        if self.kind == "Integer":
            if re.fullmatch(r"-?\d+", value) and self.low <= int(value) <= self.high:
                return ""
            return f"{value!r} is not an integer from {self.low} to {self.high}"
        if self.low <= len(value) <= self.high:
            return ""
        return f"is {len(value)} characters long; the device takes {self.low} to {self.high}"


@dataclass(frozen=True)
class Setting:
    path: str  # as the codec prints it: "Network 1 QoS Diffserv Audio"
    default: str
    space: ValueSpace
    reference: str = ""  # the guide page it is written from (TC7, CE8)

    def show(self, value: str) -> str:
        """The value as the codec prints it in an ``xConfiguration`` listing."""
        return f'"{value}"' if self.space.kind == "String" else value


def _expand(path: str) -> list[str]:
    """``Server[1..3] Address`` → ``Server 1 Address`` … ``Server 3 Address``."""
    ranges = [
        range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1) for m in _INDEX.finditer(path)
    ]
    template = _INDEX.sub(" {} ", path)
    return [" ".join(template.format(*combo).split()) for combo in itertools.product(*ranges)]


def _space(kind: str, raw: list[Any]) -> ValueSpace:
    if kind == "Literal":
        return ValueSpace(kind, tuple(str(v) for v in raw))
    return ValueSpace(kind, (), int(raw[0]), int(raw[1]))


@functools.cache
def _document(version: str) -> dict[str, Any]:
    text = (_DATA / f"{version}.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@dataclass(frozen=True)
class Schema:
    """The xAPI of one product on one firmware version."""

    version: str
    family: str
    product: str
    settings: dict[str, Setting]
    status: dict[str, ValueSpace]

    @property
    def name(self) -> str:
        return f"{product_name(self.product)} ({self.product}) on {self.version}"

    def setting(self, path: str) -> Setting | None:
        return self.settings.get(" ".join(path.split()))

    def has(self, path: str) -> bool:
        return self.setting(path) is not None

    def has_status(self, path: str) -> bool:
        """Whether ``xStatus <path>`` exists (``SIP Registration 1 Status``; any index)."""
        wanted = re.sub(r" \d+(?= |$)", "[n]", " ".join(path.split()))
        return any(_INDEX_ANY.sub("[n]", known) == wanted for known in self.status)

    def accepts(self, path: str, value: str) -> bool:
        """Whether the setting exists and takes ``value`` (for choices in templates)."""
        setting = self.setting(path)
        return setting is not None and not setting.space.problem(value)

    def problem(self, line: str) -> str:
        """Why the codec would refuse ``xConfiguration Path: value``, or "" when it takes it."""
        found = re.match(r"xConfiguration\s+([^:]+?)\s*:\s?(.*)$", line)
        if found is None:
            return ""
        path, raw = found.groups()
        setting = self.setting(path)
        if setting is None:
            return f"{path!r} is not a setting of {self.name}"
        value = raw.strip()
        if setting.space.kind == "String":
            if not (len(value) >= 2 and value[0] == value[-1] == '"'):
                return f"{path}: a text value must be quoted"
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        why = setting.space.problem(value)
        return f"{path}: {why} ({self.name})" if why else ""


@functools.cache
def schema(version: str, product: str) -> Schema:
    """The schema of ``product`` on ``version``; SchemaError when the version lacks it."""
    document = _document(version)
    if product not in document["products"]:
        supported = ", ".join(sorted(product_name(p) for p in document["products"]))
        raise SchemaError(
            f"{product_name(product)} ({product}) does not run {version}; "
            f"that version supports: {supported}"
        )
    number = document["products"].index(product)
    sets = [set(s) for s in document["product_sets"]]
    settings: dict[str, Setting] = {}
    for row in document["configuration"]:
        path, kind, default, raw, which = row[:5]
        if number not in sets[which]:
            continue
        reference = row[5] if len(row) > 5 else ""
        for concrete in _expand(path):
            settings[concrete] = Setting(concrete, default, _space(kind, raw), reference)
    status = {
        path: _space(kind, raw)
        for path, kind, raw, which in document["status"]
        if number in sets[which]
    }
    return Schema(version, document["family"], product, settings, status)


def schema_family(version: str) -> str:
    family: str = _document(version)["family"]
    return family


def products(version: str) -> tuple[str, ...]:
    return tuple(_document(version)["products"])


def source(version: str) -> dict[str, Any]:
    """Where the version's data comes from (repository/commit or guide)."""
    found: dict[str, Any] = _document(version)["source"]
    return found
