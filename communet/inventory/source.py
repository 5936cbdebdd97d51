"""Reading inventory YAML safely, and finding where a key path sits in a file.

Loading takes the fast path (libyaml parser, plain Python values, no position bookkeeping);
positions are only worked out, by composing the file again, when there is an error to report.
"""

from __future__ import annotations

import re
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


class YamlError(Exception):
    """A file that cannot be read as inventory YAML; ``line``/``column`` are 1-based."""

    def __init__(
        self,
        message: str,
        hint: str,
        mark: yaml.Mark | None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.line = mark.line + 1 if mark else line
        self.column = mark.column + 1 if mark else column


class _AliasFoundError(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("alias")
        self.node = node


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate keys, non-text keys and anchors/aliases."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # The C composer resolves an alias to the very node its anchor names, so a node seen
        # twice is an alias. Refusing it also stops "billion laughs" expansion.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasFoundError(node)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, yaml.Node] = {}
        for key_node, _value in node.value:
            is_text = isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR_TAG
            key = key_node.value if is_text else None
            if key is None:
                raise YamlError(
                    f"key {getattr(key_node, 'value', '?')!r} is not text",
                    "keys are names such as 'code' or 'devices'; quote it if it is meant as text",
                    key_node.start_mark,
                )
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise YamlError(
                    f"duplicate key {key!r} (first defined on line {first})",
                    "keep one of the two; YAML would silently use the last one",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def read_yaml(path: Path) -> Any:
    """Parse one inventory file (None when it holds nothing), or raise YamlError."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlError(
            f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes",
            "split it (one file per district under districts/); a file this large is "
            "almost certainly not a hand-kept inventory",
            None,
        )
    text = path.read_bytes()
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = text.count(b"\n", 0, exc.start) + 1
        column = exc.start - (text.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(
            f"file is not valid UTF-8: byte {text[exc.start]:#04x} cannot be read",
            "save the file as UTF-8 (Vietnamese typed in TCVN3, VNI or Windows-1258 must be "
            "converted, e.g. iconv -f cp1258 -t utf-8)",
            None,
            line=line,
            column=column,
        ) from None
    try:
        return _fast_load(decoded)
    except _UnusualError:
        pass  # the strict loader below gives the precise message, or the value
    try:
        return yaml.load(decoded, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _AliasFoundError as exc:
        raise _alias_error(decoded, exc.node) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(decoded, exc) from None


class _UnusualError(Exception):
    """Something the fast path does not handle; the strict loader takes over."""


_CParser: Any = getattr(yaml, "CParser", None)
if _CParser is None:  # pragma: no cover - PyYAML without libyaml
    try:
        from yaml._yaml import CParser as _CParser
    except ImportError:
        _CParser = None

_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_SAFE_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_plain_cache: dict[str, Any] = {}
_NOT_PLAIN_VALUES = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


def _plain(value: str) -> Any:
    """A plain scalar as YAML 1.1 (PyYAML's SafeLoader) reads it: 'yes' is True, 014 is 12."""
    if value in _plain_cache:
        return _plain_cache[value]
    tag = _STR_TAG
    for candidate, regexp in _IMPLICIT.get(value[:1], []):
        if regexp.match(value):
            tag = candidate
            break
    if tag == _STR_TAG:
        result: Any = value
    elif tag in _SAFE_CONSTRUCTOR.yaml_constructors and tag not in _NOT_PLAIN_VALUES:
        node = yaml.ScalarNode(tag, value)
        result = _SAFE_CONSTRUCTOR.yaml_constructors[tag](_SAFE_CONSTRUCTOR, node)
    else:  # '<<' merge keys and the like
        raise _UnusualError
    if len(_plain_cache) < 65536:
        _plain_cache[value] = result
    return result


def _fast_load(text: str) -> Any:  # noqa: PLR0912, PLR0915 - one hot loop; calls per event cost
    """Build plain values straight from libyaml's events: about 3× PyYAML's constructor.

    Anything unusual (anchors, aliases, tags, duplicate or non-text keys, several documents,
    syntax errors) raises _UnusualError so the strict loader can explain it with a position.
    """
    if _CParser is None:
        raise _UnusualError
    parser = _CParser(text)
    root: list[Any] = []
    current: Any = root
    key: Any = None
    in_map = False
    stack: list[tuple[Any, Any, bool]] = []
    documents = 0
    scalar, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is scalar:
                if event.anchor is not None or (event.tag is not None and not any(event.implicit)):
                    raise _UnusualError
                is_plain = not event.style and event.implicit[0]
                value = _plain(event.value) if is_plain else event.value
                if not in_map:
                    current.append(value)
                elif key is None:
                    if not isinstance(value, str) or value in current:
                        raise _UnusualError
                    key = value
                else:
                    current[key] = value
                    key = None
            elif kind is map_start or kind is seq_start:
                if event.anchor is not None or (event.tag is not None and not event.implicit):
                    raise _UnusualError
                if in_map and key is None:
                    raise _UnusualError  # a mapping or list used as a key
                stack.append((current, key, in_map))
                current, key, in_map = ({} if kind is map_start else []), None, kind is map_start
            elif kind is map_end or kind is seq_end:
                done = current
                current, key, in_map = stack.pop()
                if in_map:
                    current[key] = done
                    key = None
                else:
                    current.append(done)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _UnusualError
            elif kind is yaml.StreamEndEvent:
                break
            elif kind is yaml.AliasEvent:
                raise _UnusualError
    except yaml.YAMLError:
        raise _UnusualError from None
    finally:
        parser.dispose()
    return root[0] if root else None


def _alias_error(text: str, node: yaml.Node) -> YamlError:
    """Point at the first alias (the C composer only hands us the anchored node)."""
    mark = node.start_mark
    name = ""
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            mark, name = event.start_mark, f" *{event.anchor}"
            break
    anchor = f" (its anchor is on line {node.start_mark.line + 1})" if name else ""
    return YamlError(
        f"YAML alias{name} is not allowed in the inventory{anchor}",
        "write the value out in full at each place; anchors and aliases hide what a site "
        "really gets",
        mark,
    )


def _syntax_error(text: str, exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    problem = str(exc.problem or exc.context)
    lines = text.splitlines()
    line_text = lines[mark.line] if mark and mark.line < len(lines) else ""
    char = line_text[mark.column : mark.column + 1] if mark else ""
    opened = exc.context_mark.line + 1 if exc.context_mark else None
    hint = "check the indentation and quoting around this position"
    if "mapping values are not allowed" in problem:
        hint = "a value that contains ': ' must be in double quotes"
        found = re.match(r"^(\s*(?:-\s+)?)([^:#]+):\s+(.+?)\s*$", line_text)
        if found and not found.group(3).startswith(('"', "'")):
            value = found.group(3).replace("\\", "\\\\").replace('"', '\\"')
            hint += f': {found.group(2)}: "{value}"'
    elif "tab" in problem or char == "\t":
        hint = "indent with spaces; YAML does not allow tabs for indentation"
    elif "cannot start any token" in problem and char:
        hint = f"a value starting with {char!r} must be in quotes"
    elif "did not find expected key" in problem or "'-' indicator" in problem:
        hint = (
            "the indentation of this line does not match the lines above it: keys of one "
            "mapping, and items of one list, start in the same column"
        )
    elif "end of stream" in problem and "quoted" in str(exc.context):
        hint = f"close the quote opened on line {opened}"
    elif "expected ',' or" in problem:
        hint = f"close the bracket opened on line {opened}"
    elif "escape" in problem or "hexdecimal" in problem:
        hint = "inside double quotes a backslash starts an escape: use single quotes, or \\\\"
    elif "could not find expected ':'" in problem:
        hint = "a key is missing its ':', or a quote opened earlier is not closed"
    return YamlError(f"YAML syntax error: {problem}", hint, mark)


def problem_from(exc: YamlError, display: str) -> Problem:
    return Problem(display, "", exc.message, exc.hint, exc.line, exc.column)


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


def compose(path: Path) -> yaml.Node | None:
    """The node tree of a file, for positions and source text (errors only)."""
    try:
        return yaml.compose(path.read_text("utf-8"), Loader=_BaseLoader)
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return None


def node_at(root: yaml.Node, loc: tuple[str | int, ...], key: bool = False) -> yaml.Node:
    """The node at ``loc`` (its key node when ``key``), or the deepest one that exists."""
    node = root
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        found = _child(node, step, want_key=key and last)
        if found is None:
            break
        node = found[0]
    return node


def scalar_source(root: yaml.Node | None, loc: tuple[str | int, ...]) -> str | None:
    """The text of the plain scalar at ``loc`` exactly as written (``014755``, ``yes``)."""
    node = root
    for step in loc:
        found = _child(node, step, want_key=False) if node is not None else None
        node = found[0] if found else None
    if isinstance(node, yaml.ScalarNode) and not node.style:  # '' (libyaml) or None: plain
        return str(node.value)
    return None


def locate(path: Path, loc: tuple[str | int, ...], key: bool = False) -> Position | None:
    """Line and column (1-based) of the value at ``loc`` (of its key when ``key``).

    Walks as deep as the path exists, so a missing key reports its parent mapping.
    """
    root = compose(path)
    if root is None:
        return None
    node = node_at(root, loc, key)
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)
