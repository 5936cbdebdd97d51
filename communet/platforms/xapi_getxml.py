"""A codec's ``getxml`` Configuration document as the terminal's ``*c xConfiguration`` lines.

``GET /getxml?location=/Configuration`` (the ``configuration.xml`` of a CE / RoomOS codec's
web API) returns the whole configuration as one XML tree::

    <Configuration product="Cisco Codec" version="ce9.6.1.4516ae5aaa1" apiVersion="4">
      <Audio><Input><Microphone item="1" maxOccurrence="2">
        <Mode valueSpaceRef="/Valuespace/TTPAR_OnOff">On</Mode>

Every leaf is one setting; an ``item`` attribute is the index the terminal prints after the
node's name (``*c xConfiguration Audio Input Microphone 1 Mode: On``). The terminal quotes
string values (``SystemUnit Name: "x"``) and prints literals and integers bare, so the leaf's
value space decides: the codec's ``valuespace.xml`` names each space's type; without it the
space's name does (the codec names them ``STR_…`` / ``PASSWORD_…`` for strings, ``INT_…``
for integers, ``TTPAR_…`` for literals). A space neither names is an error rather than a
guess, so a listing never carries a value in the wrong form.

The documents are parsed with the standard library: expat (2.4.1 and later) refuses the
entity-expansion attacks and ElementTree never fetches external entities.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_STRING = re.compile(r"(?:STR|PASSWORD)_")
_BARE = re.compile(r"(?:INT|TTPAR)_")


class GetxmlError(ValueError):
    """The document is not a codec's getxml Configuration (or Valuespace) document."""


def _root(document: str, tag: str) -> ET.Element:
    try:
        root = ET.fromstring(document.strip())  # noqa: S314 (see the module docstring)
    except ET.ParseError as error:
        raise GetxmlError(f"not XML: {error}") from None
    if root.tag != tag:
        raise GetxmlError(f"expected a <{tag}> document, got <{root.tag}>")
    return root


def value_space_types(document: str) -> dict[str, str]:
    """``valuespace.xml`` → space name → ``String``, ``Integer`` or ``Literal``."""
    root = _root(document, "Valuespace")
    return {space.tag: space.attrib.get("type", "") for space in root}


def _is_string(space: str, types: dict[str, str] | None, path: str) -> bool:
    name = space.rsplit("/", 1)[-1]
    if types is not None and name in types:
        return types[name] == "String"
    if _STRING.match(name):
        return True
    if _BARE.match(name):
        return False
    raise GetxmlError(
        f"{path}: value space {space!r} names no type; pass the codec's valuespace.xml"
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _walk(node: ET.Element, words: list[str], out: list[tuple[str, str, str]]) -> None:
    here = [*words, node.tag]
    if "item" in node.attrib:
        here.append(node.attrib["item"])
    if len(node) == 0:
        value = node.text or ""  # exact: a name may be a single space
        out.append((" ".join(here), node.attrib.get("valueSpaceRef", ""), value))
        return
    for child in node:
        _walk(child, here, out)


def configuration_lines(document: str, valuespace: str | None = None) -> list[str]:
    """Every leaf of a getxml Configuration document as ``*c xConfiguration Path: value``.

    ``valuespace`` is the codec's ``valuespace.xml`` (optional: see the module docstring).
    Lines come in document order, which is the order the codec lists them in.
    """
    root = _root(document, "Configuration")
    types = value_space_types(valuespace) if valuespace is not None else None
    leaves: list[tuple[str, str, str]] = []
    for section in root:
        _walk(section, [], leaves)
    lines = []
    for path, space, value in leaves:
        if not space:
            raise GetxmlError(f"{path}: a setting without valueSpaceRef")
        shown = _quote(value) if _is_string(space, types, path) else value
        lines.append(f"*c xConfiguration {path}: {shown}")
    return lines


def version(document: str) -> str:
    """The software version the document's codec runs (``ce9.6.1.4516ae5aaa1``)."""
    return _root(document, "Configuration").attrib.get("version", "")
