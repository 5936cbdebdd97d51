"""Load an inventory directory into the frozen model, or fail naming file:line:column.

Layout: ``<province>/province.yml`` plus ``<province>/districts/*.yml`` (one district or hub
per file). The path given may be one province directory or a directory of provinces.
"""

from __future__ import annotations

import dataclasses
import difflib
import gc
import re
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from communet.errors import InventoryError, Problem
from communet.inventory.model import District, Inventory, Province, ProvinceSettings
from communet.inventory.resolve import (
    ProvincePlan,
    ResolvedDevice,
    Sources,
    cross_check,
    district_slug,
    render_path,
    resolve_province,
)
from communet.inventory.source import (
    YamlError,
    compose,
    locate,
    node_at,
    problem_from,
    read_yaml,
    scalar_source,
)

M = TypeVar("M", bound=BaseModel)

PROVINCE_FILE = "province.yml"
DISTRICTS_DIR = "districts"


@dataclass(frozen=True)
class LoadedInventory:
    inventory: Inventory
    plans: tuple[ProvincePlan, ...]

    @property
    def devices(self) -> list[ResolvedDevice]:
        return [d for plan in self.plans for d in plan.devices]


def display_path(path: Path) -> str:
    """Paths in messages: relative to the working directory when inside it, else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def province_dirs(root: Path) -> list[Path]:
    """The province directories under ``root``: those with a province.yml or a districts/."""
    if (root / PROVINCE_FILE).is_file() or (root / DISTRICTS_DIR).is_dir():
        return [root]
    found = sorted(
        {p.parent for p in root.glob(f"*/{PROVINCE_FILE}")}
        | {p.parent for p in root.glob(f"*/{DISTRICTS_DIR}") if p.is_dir()}
    )
    if not found:
        raise InventoryError(
            [
                Problem(
                    display_path(root),
                    "",
                    f"no {PROVINCE_FILE} here or in any subdirectory",
                    "point at a province directory (it holds province.yml and districts/) "
                    "or at a directory of provinces",
                )
            ]
        )
    return found


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk load.

    Loading a country allocates ~1 million acyclic containers; each allocation burst makes
    the collector rescan everything alive so far, which cost a third of the load time.
    Reference counting still frees every temporary; the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_inventory(root: Path) -> LoadedInventory:
    with _without_cyclic_gc():
        return _load_inventory(root)


def _load_inventory(root: Path) -> LoadedInventory:
    if not root.is_dir():
        raise InventoryError(
            [Problem(display_path(root), "", "not a directory", "give the inventory directory")]
        )
    problems: list[Problem] = []
    plans: list[ProvincePlan] = []
    for directory in province_dirs(root):
        plan = _load_province(directory, problems)
        if plan is not None:
            plans.append(plan)
            problems += plan.problems
    if not problems:
        problems += cross_check(plans)
    if problems:
        raise InventoryError(_located(problems))
    return LoadedInventory(Inventory(provinces=tuple(p.province for p in plans)), tuple(plans))


def _load_province(directory: Path, problems: list[Problem]) -> ProvincePlan | None:
    province_path = directory / PROVINCE_FILE
    settings = _validated(province_path, ProvinceSettings, problems)
    district_paths = sorted((directory / DISTRICTS_DIR).glob("*.yml"))
    candidates = sorted(
        p for p in (directory / DISTRICTS_DIR).glob("*") if p.suffix.lower() in {".yaml", ".yml"}
    )
    for path in candidates:
        if path.suffix != ".yml":
            problems.append(
                Problem(
                    display_path(path),
                    "",
                    f"district files must end in .yml; {path.name} would be skipped",
                    f"rename it to {path.stem}.yml",
                )
            )
    districts: list[District] = []
    files: list[str] = []
    for path in district_paths:
        district = _validated(path, District, problems)
        if district is None:
            continue
        slug = district_slug(district)
        if slug != path.stem:
            key = "slug" if district.slug else "name"
            problems.append(
                Problem(
                    display_path(path),
                    key,
                    f"the file is named {path.name} but holds district {slug!r}",
                    f"rename the file to {slug}.yml (one district per file, named by its "
                    f"slug), or correct the {key}",
                    loc=(key,),
                )
            )
            continue
        districts.append(district)
        files.append(display_path(path))
    if (
        settings is None
        or len(districts) != len(district_paths)
        or len(candidates) != len(district_paths)
    ):
        return None
    province = Province(**dict(settings), districts=tuple(districts))
    return resolve_province(province, Sources(display_path(province_path), tuple(files)))


_WHAT_FILE = {
    ProvinceSettings: (
        "the province-wide settings (code, name, slug, services, addressing, credentials, snmp)"
    ),
    District: "the district's settings (code, name, communes)",
}
_TOP_LEVEL = {
    ProvinceSettings: "write the settings as keys at the top level: code:, name:, slug:, …",
    District: "write code:, name: and slug: at the top level and put the list of communes "
    "under 'communes:'",
}


def _validated(path: Path, model: type[M], problems: list[Problem]) -> M | None:
    display = display_path(path)
    holds = _WHAT_FILE.get(model, "settings")
    if not path.is_file():
        problems.append(Problem(display, "", "file is missing", f"create {path.name} with {holds}"))
        return None
    try:
        data = read_yaml(path)
    except YamlError as exc:
        problems.append(problem_from(exc, display))
        return None
    if data is None:
        problems.append(
            Problem(display, "", "file is empty", f"write {holds} into it, or delete it")
        )
        return None
    if not isinstance(data, dict):
        position = locate(path, ())
        problems.append(
            Problem(
                display,
                "",
                f"the file must hold a mapping of settings (key: value lines), "
                f"not {_describe(data)}",
                _TOP_LEVEL.get(model, "write the settings as keys at the top level"),
                line=position.line if position else 1,
                column=position.column if position else 1,
            )
        )
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        root = compose(path)
        problems += [_translate(error, model, root, display) for error in exc.errors()]
        return None


# ------------------------------------------------------------------ pydantic → Problem
_SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "enable_password",
        "enable_secret",
        "community",
        "snmp_community",
        "key",
        "psk",
        "token",
        "auth_key",
        "priv_key",
    }
)
_SECRET_MODELS = ("credentials", "snmp")

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
    "list_type": "a list",
}

# Field patterns in plain words (pydantic would show the regular expression).
_PATTERNS = {
    r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$": (
        "an identifier: 1–64 letters, digits, '.', '_', '/' or '-', starting with a letter "
        "or digit, no spaces"
    ),
    r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$": "a serial number: 1–40 letters, digits or '-'",
    r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$": (
        "a lowercase domain name such as hnth.thanhhoa.gov.vn"
    ),
    r"^[0-9]{1,8}$": "1–8 digits (write it in quotes)",
}

# What a mapping of each model is called in "required key ... is missing from this …".
_MODEL_WORDS = {
    "ProvinceSettings": "province file",
    "District": "district file",
    "Commune": "commune",
    "Device": "device",
    "WanLink": "tslcd link",
    "Registrar": "registrar",
    "Pool": "pool",
    "Vlan": "VLAN",
    "SnmpV3": "snmp section",
    "Credentials": "credentials section",
    "CurrentReach": "reach section",
    "Services": "services section",
    "Addressing": "addressing section",
    "Coordinates": "coordinates mapping",
    "Hub": "hub",
    "DeviceDefaults": "device default",
    "InternetUplink": "internet uplink",
}

_EXAMPLES = {
    ("ProvinceSettings", "code"): 'code: "38" (the official 2-digit code, in quotes)',
    ("District", "code"): 'code: "391" (the official 3-digit code, in quotes)',
    ("Commune", "code"): 'code: "15142" (the official 5-digit code, in quotes)',
    ("Commune", "name"): "name: Phú Sơn (the official name, without 'Xã' or 'Phường')",
    ("District", "name"): "name: Thạch Thành (the official name, without 'Huyện')",
    ("WanLink", "circuit_id"): "circuit_id: TSLCD-THA-15142 (as on the telecom's contract)",
    ("Device", "role"): "role: access_switch",
}


def _translate(error: Any, model: type[BaseModel], root: yaml.Node | None, display: str) -> Problem:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind = str(error["type"])
    value = error.get("input")
    ctx = error.get("ctx") or {}
    message = str(error["msg"]).removeprefix("Value error, ")
    hint = ""
    at_key = kind == "extra_forbidden"
    if loc and loc[-1] == "[key]":  # a mapping key (device_defaults roles, vlan_ids names)
        loc, at_key = loc[:-1], True
    secret = _is_secret(loc)
    if kind == "communet":
        message, hint = ctx["message"], ctx["hint"]
        loc += (ctx["at"],) if ctx["at"] else ()
    elif kind == "extra_forbidden":
        message, hint = _unknown_key(model, loc, value)
    elif kind == "missing":
        thing = _model_at(model, loc[:-1])
        word = _MODEL_WORDS.get(thing.__name__, thing.__name__.lower()) if thing else "mapping"
        message = f"required key {loc[-1]!r} is missing from this {word}"
        example = _EXAMPLES.get((thing.__name__ if thing else "", str(loc[-1])))
        hint = f"add {example}" if example else f"add '{loc[-1]}:' to it"
    elif kind in _EXPECTED:
        message, hint = _wrong_type(kind, value, loc, root, secret)
    elif kind == "enum":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        message = f"{value!r} is not one of: {', '.join(allowed)}"
        if not isinstance(value, str):
            got = _describe(value, scalar_source(root, loc))
            message = f"expected one of: {', '.join(allowed)}; got {got}"
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else "use one of the values listed"
    elif kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        message, hint = _out_of_range(kind, value, loc, ctx)
    elif kind.startswith("ip_v4"):
        message, hint = _bad_address(kind, value, scalar_source(root, loc))
    elif kind == "string_pattern_mismatch":
        wanted = _PATTERNS.get(str(ctx.get("pattern")), f"text matching {ctx.get('pattern')}")
        message = f"{_shown(value, secret)} is not {wanted}"
        hint = "correct the value"
    elif kind == "too_short":
        message = f"needs at least {ctx.get('min_length', 1)} entry, has none"
        hint = "add one, or remove the key to use the default"
    elif message.startswith("Input should"):
        message = f"{_shown(value, secret)}: {message[0].lower()}{message[1:]}"
        hint = "correct the value"
    return Problem(display, render_path(loc), message, hint, loc=loc + (("",) if at_key else ()))


def _is_secret(loc: tuple[str | int, ...]) -> bool:
    return any(step in _SECRET_MODELS for step in loc) or (bool(loc) and loc[-1] in _SECRET_KEYS)


def _shown(value: Any, secret: bool = False) -> str:
    """A value as quoted in a message: short, and never a secret."""
    if secret:
        return "the value (not shown: it may be a secret)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(value: Any, source: str | None = None) -> str:
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, dict | list | tuple):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, str):
        return f"text {_shown(value)}"
    if isinstance(value, bytes):
        return "binary data (!!binary)"
    written = str(value).lower() if isinstance(value, bool) else str(value)
    if source is None or source == written:
        return written if isinstance(value, bool) else f"the number {written}"
    octal = re.fullmatch(r"[-+]?0[0-7_]+", source) and not isinstance(value, bool)
    reads = f"an octal number ({written} in decimal)" if octal else written
    return f"{source}, which YAML reads as {reads}"


def _unknown_key(model: type[BaseModel], loc: tuple[str | int, ...], value: Any) -> tuple[str, str]:
    key = str(loc[-1])
    reference = isinstance(value, str) and value.startswith(("env:", "vault:"))
    if key.lower() in _SECRET_KEYS and not reference and value is not None:
        return (
            f"unknown key {key!r}: clear-text secrets are never allowed in the inventory",
            "delete it; keep the secret in an environment variable or Ansible Vault and refer "
            "to it under 'credentials:' (e.g. password: env:COMMUNET_PASSWORD)",
        )
    known = _fields_at(model, loc[:-1])
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "valid keys here: " + ", ".join(known)
    return f"unknown key {key!r}", hint


def _wrong_type(
    kind: str, value: Any, loc: tuple[str | int, ...], root: yaml.Node | None, secret: bool
) -> tuple[str, str]:
    expected = _EXPECTED[kind]
    source = scalar_source(root, loc)
    if secret and value is not None and not isinstance(value, dict | list | tuple):
        got = "a value of another type (not shown: it may be a secret)"
    else:
        got = _describe(value, source)
    return f"expected {expected}, got {got}", _type_hint(expected, value, loc, source, secret)


def _type_hint(
    expected: str, value: Any, loc: tuple[str | int, ...], source: str | None, secret: bool
) -> str:
    key = f"{loc[-1]}: " if loc and isinstance(loc[-1], str) else ""
    collection = isinstance(value, dict | list | tuple)
    hint = f"write {expected} here"
    if value is None:
        hint = f"write a value after '{key.strip()}', or remove the key"
    elif expected == "text" and not collection:
        written = "…" if secret or source is None else source
        hint = f'put it in quotes: {key}"{written}"'
    elif expected == "a whole number" and isinstance(value, str):
        hint = "write the number alone, without quotes or units (e.g. 20, not 20M)"
    elif expected == "a list" and isinstance(value, dict):
        hint = "write each entry on its own line starting with '- ', indented under the key"
    elif expected == "a list" and not collection:
        hint = f"write it as a list: {key}[{value}]"
    elif expected == "a mapping" and collection:
        hint = "write 'key: value' lines indented under the key, without '- '"
    return hint


def _out_of_range(
    kind: str, value: Any, loc: tuple[str | int, ...], ctx: dict[str, Any]
) -> tuple[str, str]:
    bound = next(iter(ctx.values()), "?")
    words = {
        "greater_than_equal": f"less than the minimum, {bound}",
        "greater_than": f"too small; it must be more than {bound}",
        "less_than_equal": f"more than the maximum, {bound}",
        "less_than": f"too large; it must be less than {bound}",
    }
    last = loc[-1] if loc else ""
    is_vlan = (
        (len(loc) > 1 and loc[-2] == "vlan_ids")
        or last == "vlan"
        or (last == "id" and "vlans" in loc)
    )
    if is_vlan:
        why = "reserved" if value in (0, 4095) else "out of range"
        return (
            f"VLAN id {value} is {why}; VLAN ids run from 1 to 4094",
            "choose an id from 1 to 4094 (802.1Q reserves 0 and 4095)",
        )
    if len(loc) > 1 and loc[-2] == "coordinates" and last in {"lat", "lon"}:
        ranges = {"lat": (6, 24, "latitude", "north"), "lon": (102, 118, "longitude", "east")}
        low, high, name, way = ranges[str(last)]
        other = ranges["lon" if last == "lat" else "lat"]
        hint = "give decimal degrees, e.g. {lat: 19.81, lon: 105.78}"
        if isinstance(value, int | float) and other[0] <= value <= other[1]:
            hint = f"{value} looks like a {other[2]}: are lat and lon swapped?"
        return f"{name} {value} is outside Vietnam ({low} to {high} degrees {way})", hint
    return f"{value!r} is {words[kind]}", "correct the value"


def _bad_address(kind: str, value: Any, source: str | None) -> tuple[str, str]:
    text = str(value)
    if not isinstance(value, str):
        wanted = {"ip_v4_network": "network", "ip_v4_interface": "interface"}.get(kind, "address")
        example = {"network": "10.59.38.0/24", "interface": "100.64.10.1/30"}
        return (
            f"expected an IPv4 {wanted}, got {_describe(value, source)}",
            f"write it like {example.get(wanted, '10.38.250.10')}",
        )
    if kind == "ip_v4_network":
        try:
            IPv4Network(text)
        except ValueError as exc:
            if "has host bits set" in str(exc):
                network = IPv4Network(text, strict=False)
                return (
                    f"{text!r} is not a network address: the host bits are set",
                    f"write the network's first address: {network}",
                )
        return f"{text!r} is not an IPv4 network", "write it as address/prefix, e.g. 10.59.38.0/24"
    if kind == "ip_v4_interface":
        return (
            f"{text!r} is not an IPv4 address with a prefix length",
            "write it as address/prefix, e.g. 100.64.10.1/30",
        )
    return (
        f"{text!r} is not an IPv4 address",
        "write four numbers from 0 to 255 separated by dots, e.g. 10.38.250.10",
    )


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` through annotations."""
    current = _model_at(model, loc)
    return sorted(current.model_fields) if current is not None else []


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model found by following ``loc`` through annotations."""
    current: Any = model
    for step in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        if isinstance(step, int):
            continue
        field = current.model_fields.get(step)
        if field is None:
            # a key of a dict-valued field (device_defaults.<role>): the value's model
            continue
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside Optional[...], tuple[X, ...] or dict[K, X], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list, dict, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _located(problems: list[Problem]) -> list[Problem]:
    """Fill in line and column (composing each affected file once more), in file order."""
    roots: dict[str, yaml.Node | None] = {}
    out = []
    for problem in problems:
        located = problem
        if problem.line is None and problem.loc:
            key = problem.loc[-1] == ""
            steps = problem.loc[:-1] if key else problem.loc
            if problem.file not in roots:
                roots[problem.file] = compose(Path(problem.file))
            root = roots[problem.file]
            if root is not None:
                node = node_at(root, steps, key)
                located = dataclasses.replace(
                    problem, line=node.start_mark.line + 1, column=node.start_mark.column + 1
                )
        out.append(located)
    # Files in the order they were read; within a file, by position (stable otherwise).
    rank = {file: index for index, file in reversed(list(enumerate(p.file for p in out)))}
    return sorted(out, key=lambda p: (rank[p.file], p.line or 0, p.column or 0))
