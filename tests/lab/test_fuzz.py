"""Random command lines built from each grammar's own keywords must never crash an engine."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from communet.lab.core import Device, Terminal
from communet.lab.grammar import Grammar
from communet.lab.ios import IosDevice
from communet.lab.ios_grammar import GRAMMARS as IOS_GRAMMARS
from communet.lab.roomos import RoomosDevice
from communet.lab.vrp import VrpDevice
from communet.lab.vrp_config import GRAMMARS as VRP_GRAMMARS
from tests.lab.conftest import FakeClock, spec

EXTRA = ["1", "10", "4095", "0", "1-4", "to", "gi1/0/1", "GigabitEthernet0/0/1", "no", "undo"]
EXTRA += [
    "|",
    "include",
    "x",
    "^C",
    "#",
    "10.0.0.1",
    "255.255.255.0",
    "24",
    "y",
    "n",
    "c",
    "-",
    "?",
    "sh?",
    "\t",
]
XAPI = ["xConfiguration", "xStatus", "xCommand", "SIP", "URI:", '"a@b"', "Profile", "1"]
XAPI += ["Network", "QoS", "Diffserv", "Audio:", "46", "Dial", "Number:", "H323", "bye"]


def keywords(grammars: dict[str, Grammar]) -> list[str]:
    found: set[str] = set()
    stack = [g.root for g in grammars.values()]
    while stack:
        node = stack.pop()
        found.update(node.keywords)
        stack.extend(node.keywords.values())
        if node.arg is not None:
            stack.append(node.arg)
    return sorted(found)


CASES: list[tuple[str, Callable[[], Device], list[str], list[str]]] = [
    (
        "ios-switch",
        lambda: IosDevice(spec("cisco_ios", "WS-C2960X-24TS-L"), clock=FakeClock()),
        keywords(IOS_GRAMMARS) + EXTRA,
        ["enable", "lab", "configure terminal"],
    ),
    (
        "ios-router",
        lambda: IosDevice(spec("cisco_ios", "ISR4321/K9"), clock=FakeClock()),
        keywords(IOS_GRAMMARS) + EXTRA,
        ["enable", "lab", "configure terminal"],
    ),
    (
        "vrp",
        lambda: VrpDevice(spec("huawei_vrp", "S5720-28X-SI-AC"), clock=FakeClock()),
        keywords(VRP_GRAMMARS) + EXTRA,
        ["system-view"],
    ),
    (
        "vrpv8",
        lambda: VrpDevice(spec("huawei_vrpv8", "S5735-L24T4X-A"), clock=FakeClock()),
        keywords(VRP_GRAMMARS) + EXTRA,
        ["system-view"],
    ),
    (
        "roomos",
        lambda: RoomosDevice(spec("cisco_roomos", "SX20", firmware="ce8"), clock=FakeClock()),
        XAPI,
        [],
    ),
]


@pytest.mark.parametrize(("name", "make", "words", "preamble"), CASES, ids=[c[0] for c in CASES])
def test_random_lines_never_crash(
    name: str, make: Callable[[], Device], words: list[str], preamble: list[str]
) -> None:
    rng = random.Random(name)  # noqa: S311 - reproducible test input, not crypto
    for _ in range(150):
        device = make()
        terminal = Terminal(device, device.open_shell("admin"))
        terminal.start()
        lines = preamble[: rng.randint(0, len(preamble))]
        lines += [" ".join(rng.choices(words, k=rng.randint(1, 6))) for _ in range(25)]
        for line in lines:
            output = terminal.receive(line + "\r")
            device.tick()
            assert isinstance(output, str)
            if terminal.closed:
                break
