"""Reading inventory YAML safely, and finding where a key path sits in a file.

Loading takes the fast path (libyaml parser, plain Python values, no position bookkeeping);
positions are only worked out, by composing the file again, when there is an error to report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from communet.errors import Problem

MAX_FILE_BYTES = 4 * 1024 * 1024

_BaseLoader: type[yaml.SafeLoader]
try:
    _BaseLoader = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


_STR_TAG = "tag:yaml.org,2002:str"


class YamlProblem(Exception):
    def __init__(self, message: str, hint: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.mark = mark


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate keys, non-text keys and anchors/aliases."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # The C composer resolves an alias to the very node its anchor names, so a node seen
        # twice is an alias. Refusing it also stops "billion laughs" expansion.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise YamlProblem(
                "YAML anchors and aliases (&name / *name) are not allowed in the inventory",
                "write the value out in full; aliases hide what a site really gets",
                node.start_mark,
            )
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, yaml.Node] = {}
        for key_node, _value in node.value:
            is_text = isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR_TAG
            key = key_node.value if is_text else None
            if key is None:
                raise YamlProblem(
                    f"key {getattr(key_node, 'value', '?')!r} is not text",
                    "keys are names such as 'code' or 'devices'; quote it if it is meant as text",
                    key_node.start_mark,
                )
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise YamlProblem(
                    f"duplicate key {key!r} (first defined on line {first})",
                    "keep one of the two; YAML would silently use the last one",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def read_yaml(path: Path, display: str) -> Any:
    """Parse one inventory file, or raise YamlProblem naming the position."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlProblem(
            f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes",
            "split it (one file per district under districts/); a file this large is "
            "almost certainly not a hand-kept inventory",
            None,
        )
    text = path.read_bytes()
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(
            f"file is not valid UTF-8 (byte {exc.start})",
            "save the file as UTF-8; Vietnamese names need it",
            None,
        ) from None
    try:
        data = yaml.load(decoded, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlProblem(
            f"YAML syntax error: {exc.problem or exc.context}",
            "check indentation and quoting around this position",
            mark,
        ) from None
    if data is None:
        raise YamlProblem("file is empty", f"add the settings for {display}, or delete it", None)
    return data


def problem_from(exc: YamlProblem, display: str) -> Problem:
    line = exc.mark.line + 1 if exc.mark else None
    column = exc.mark.column + 1 if exc.mark else None
    return Problem(display, "", exc.message, exc.hint, line, column)


@dataclass(frozen=True)
class Position:
    line: int
    column: int


def _child(node: yaml.Node, step: str | int, want_key: bool) -> tuple[yaml.Node, bool] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        for key_node, value_node in node.value:
            if key_node.value == step:
                return (key_node, True) if want_key else (value_node, True)
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        return node.value[step], True
    return None


def locate(path: Path, loc: tuple[str | int, ...], key: bool = False) -> Position | None:
    """Line and column (1-based) of the value at ``loc`` (of its key when ``key``).

    Walks as deep as the path exists, so a missing key reports its parent mapping.
    """
    try:
        node = yaml.compose(path.read_text("utf-8"), Loader=_BaseLoader)
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return None
    if node is None:
        return None
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        found = _child(node, step, want_key=key and last)
        if found is None:
            break
        node = found[0]
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)
