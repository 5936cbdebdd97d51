"""Load an inventory directory into the frozen model, or fail naming file:line:column.

Layout: ``<province>/province.yml`` plus ``<province>/districts/*.yml`` (one district or hub
per file). The path given may be one province directory or a directory of provinces.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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
from communet.inventory.source import YamlProblem, locate, problem_from, read_yaml

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
    if (root / PROVINCE_FILE).is_file():
        return [root]
    found = sorted(p.parent for p in root.glob(f"*/{PROVINCE_FILE}"))
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


def load_inventory(root: Path) -> LoadedInventory:
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
    districts: list[District] = []
    files: list[str] = []
    for path in district_paths:
        district = _validated(path, District, problems)
        if district is None:
            continue
        slug = district_slug(district)
        if slug != path.stem:
            problems.append(
                Problem(
                    display_path(path),
                    "slug" if district.slug else "name",
                    f"the file is named {path.name} but holds district {slug!r}",
                    f"rename the file to {slug}.yml (one district per file, named by its slug)",
                    loc=("slug",) if district.slug else ("name",),
                )
            )
            continue
        districts.append(district)
        files.append(display_path(path))
    if settings is None or len(districts) != len(district_paths):
        return None
    province = Province(**dict(settings), districts=tuple(districts))
    return resolve_province(province, Sources(display_path(province_path), tuple(files)))


def _validated(path: Path, model: type[M], problems: list[Problem]) -> M | None:
    display = display_path(path)
    if not path.is_file():
        problems.append(Problem(display, "", "file is missing", f"create {path.name}"))
        return None
    try:
        data = read_yaml(path, display)
    except YamlProblem as exc:
        problems.append(problem_from(exc, display))
        return None
    if not isinstance(data, dict):
        problems.append(
            Problem(
                display,
                "",
                f"the file must hold a mapping of settings, not a {type(data).__name__}",
                "start the file with keys such as 'code:' and 'name:'",
                line=1,
                column=1,
            )
        )
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems += [_translate(error, model, display) for error in exc.errors()]
        return None


# ------------------------------------------------------------------ pydantic → Problem
_TYPE_WORDS = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "dict": "a mapping",
    "list": "a list",
    "NoneType": "nothing",
}


def _translate(error: Any, model: type[BaseModel], display: str) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    message = str(error["msg"]).removeprefix("Value error, ")
    hint = ""
    if kind == "extra_forbidden":
        key = loc[-1]
        message = f"unknown key {key!r}"
        known = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "valid keys here: " + ", ".join(known)
        if str(key) in {"password", "secret", "community", "key", "enable_password"}:
            hint = "secrets never go in the inventory; use a reference such as 'vault:name'"
    elif kind == "missing":
        message = f"required key {loc[-1]!r} is missing"
        hint = f"add '{loc[-1]}:' here"
    elif kind in {"string_type", "int_type", "float_type", "dict_type", "tuple_type", "list_type"}:
        got = _TYPE_WORDS.get(type(value).__name__, type(value).__name__)
        want = {"string_type": "text", "int_type": "a whole number", "float_type": "a number"}
        expected = want.get(kind, "a mapping" if kind == "dict_type" else "a list")
        message = f"expected {expected}, got {got} {value!r}"
        if kind == "string_type" and isinstance(value, int | float | bool):
            hint = f'quote it: "{value}" (YAML reads unquoted 014755 as octal, yes/no as booleans)'
    elif kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        message = f"{value!r} is not one of {expected}"
    elif kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        message = f"{value!r}: {message.lower()}"
        if loc and loc[-1] in {"id"} or "vlan" in str(loc).lower():
            hint = "VLAN ids run from 1 to 4094 (0 and 4095 are reserved)"
    elif kind.startswith("ip_v4") or kind in {"ip_v4_address", "ip_v4_network", "ip_v4_interface"}:
        message = f"{value!r} is not {message.lower().removeprefix('input is not a valid ')}"
    key_position = kind == "extra_forbidden"
    return Problem(display, render_path(loc), message, hint, loc=loc + (("",) if key_position else ()))


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` through annotations."""
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(step)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


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
    """Fill in line and column by composing each affected file once more (errors only)."""
    out = []
    for problem in problems:
        if problem.line is None and problem.loc:
            loc = problem.loc
            key = bool(loc) and loc[-1] == ""
            steps = loc[:-1] if key else loc
            position = locate(Path(problem.file), steps, key=key)
            if position is not None:
                problem = Problem(
                    problem.file,
                    problem.path,
                    problem.message,
                    problem.hint,
                    position.line,
                    position.column,
                )
        out.append(problem)
    return out
