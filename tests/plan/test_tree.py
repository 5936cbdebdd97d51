"""communet's parse equals hier_config's own loader on every captured and golden config.

communet.plan.tree runs hier_config's per-line substitutions itself (one combined pattern
first, then the rules on the few lines it matches); the trees must not change because of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hier_config import get_hconfig

from communet.plan.tree import _HIER_PLATFORMS, Node, _from_hier, _meaningful_lines, parse
from communet.platforms import get_platform
from communet.platforms.spec import PlatformSpec

TESTS = Path(__file__).resolve().parents[1]
ALL_CONFIGS = sorted((TESTS / "render" / "golden").glob("*.cfg")) + sorted(
    (TESTS / "plan" / "brownfield").glob("*.cfg")
)
BANNERS = """\
hostname sw1
banner login ^C
! Authorised staff only
#  No unauthorised access
^C
banner motd #
 ntp clock-period 1
#
interface Vlan10
 description   two  spaces
 no ip address
! a comment
end
"""


def stock_parse(spec: PlatformSpec, text: str) -> Node:
    """The tree from hier_config's loader with its own substitutions (the reference)."""
    assert spec.plan is not None
    name = spec.plan.parser.partition(":")[2]
    root = get_hconfig(_HIER_PLATFORMS[name], "\n".join(_meaningful_lines(spec, text)))
    inline = tuple(re.compile(p) for p in spec.plan.inline_parents)
    return Node("", _from_hier(root.children, inline))


def platform_of(text: str) -> str | None:
    if "xConfiguration" in text:
        return None  # RoomOS settings are a flat list, not parsed by hier_config
    return "huawei_vrp" if "sysname " in text else "cisco_ios"


CONFIGS = [p for p in ALL_CONFIGS if platform_of(p.read_text("utf-8")) is not None]


def test_the_captures_cover_both_parsers() -> None:
    assert {platform_of(p.read_text("utf-8")) for p in CONFIGS} == {"cisco_ios", "huawei_vrp"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_parse_equals_hier_config(path: Path) -> None:
    text = path.read_text("utf-8")
    spec = get_platform(platform_of(text) or "")
    assert parse(spec, text) == stock_parse(spec, text)


def test_banner_bodies_and_substituted_lines_match_hier_config() -> None:
    spec = get_platform("cisco_ios")
    tree = parse(spec, BANNERS)
    assert tree == stock_parse(spec, BANNERS)
    texts = [child.text for child in tree.children]
    assert any("! Authorised staff only" in t for t in texts)  # a banner line is kept
    assert "interface Vlan10" in texts
    vlan10 = next(c for c in tree.children if c.text == "interface Vlan10")
    assert [c.text for c in vlan10.children] == ["description two spaces"]
