"""communet's own rendered configs (tests/render/golden, read as data) pushed into the lab's
devices from factory state: every line accepted, and a second push changes nothing.

The lab models devices independently of the renderer; this is where the two meet, as a real
push would. Secret placeholders are replaced by plain values first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from communet.lab.core import Device, Terminal
from communet.lab.ios import IosDevice, IosShell
from communet.lab.roomos import RoomosDevice
from communet.lab.runtime import make_device, specs_from_inventory
from communet.lab.server import Credentials
from communet.lab.vrp import VrpDevice
from tests.lab.conftest import DEMO, REPO

GOLDEN = REPO / "tests" / "render" / "golden"
ERRORS = re.compile(r"% Invalid|% Incomplete|% Ambiguous|overlaps with|^Error:|^ERROR$", re.M)
SPECS = {s.hostname: s for s in specs_from_inventory(DEMO)} if DEMO.exists() else {}
CASES = sorted(p for p in GOLDEN.glob("*.cfg") if p.stem in SPECS) if GOLDEN.exists() else []


def push(device: Device, terminal: Terminal, text: str) -> list[str]:
    problems: list[str] = []
    if isinstance(device, IosDevice):
        preamble, closing = ["enable", "terminal length 0", "configure terminal"], ["end"]
    elif isinstance(device, VrpDevice):
        preamble = ["screen-length 0 temporary", "system-view"]
        closing = ["commit", "return"] if device.v8 else ["return"]
    else:
        preamble, closing = [], []
    for line in preamble:
        terminal.receive(line + "\r")
    for line in text.splitlines():
        output = terminal.receive(line + "\r").replace("\r\n", "\n")
        if ERRORS.search(output):
            problems.append(f"{line!r} -> {output.strip().splitlines()[-2]}")
    for line in closing:
        terminal.receive(line + "\r")
    return problems


def running(device: Device) -> str:
    if isinstance(device, IosDevice):
        from communet.lab.ios_config import render_config  # noqa: PLC0415

        return "\n".join(render_config(device.state.running))
    if isinstance(device, VrpDevice):
        return "\n".join(device.render(device.running))
    assert isinstance(device, RoomosDevice)
    return repr(sorted(device.config.items()))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_rendered_config_is_accepted_and_idempotent(path: Path) -> None:
    device = make_device(SPECS[path.stem], Credentials())
    if isinstance(device, IosDevice | VrpDevice):
        device.day0()
    # a factory IOS device has no enable secret: configure it from its console
    shell = IosShell(device, "", console=True) if isinstance(device, IosDevice) else None
    terminal = Terminal(device, shell or device.open_shell("admin"))
    terminal.start()
    text = re.sub(r"<secret:[^>]+>", "Secr3t-value", path.read_text(encoding="utf-8"))
    assert push(device, terminal, text) == []
    first = running(device)
    assert push(device, terminal, text) == []
    assert running(device) == first
