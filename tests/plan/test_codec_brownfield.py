"""Codec brownfield: read the codec's xConfiguration, change only what differs, leave the rest.

The lab codec is built from Cisco's schema data for its product and version, so its factory
listing is the vendor's own defaults; the brownfield files (see brownfield/README.md) are
loaded on top of it, a real Desk Pro capture among them.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from communet.inventory import LoadedInventory
from communet.lab.core import Terminal
from communet.lab.roomos import RoomosDevice
from communet.lab.runtime import specs_from_inventory
from communet.plan.tree import xconfig_setting
from communet.platforms import xapi
from communet.platforms import xapi_getxml as getxml
from communet.render import render_device

from .conftest import BROWNFIELD, DEMO, LAB, SECRETS, Bench

AUDIO = (BROWNFIELD / "deskpro-roomos11-audio.xconf").read_text("utf-8")
LEFTOVERS = (BROWNFIELD / "dinh-hai-vc1.xconf").read_text("utf-8")


def _bench(demo: LoadedInventory, hostname: str, model: str, firmware: str) -> Bench:
    spec = next(s for s in specs_from_inventory(DEMO) if s.hostname == hostname)
    engine = RoomosDevice(replace(spec, model=model, firmware=firmware))
    device = next(d for d in demo.devices if d.hostname == hostname)
    device = replace(device, model=model, firmware=firmware)
    plan = next(p for p in demo.plans if p.province.slug == device.province)
    terminal = Terminal(engine, engine.open_shell(LAB.username))
    bench = Bench(device, engine, terminal, render_device(plan, device, SECRETS))
    bench.login()
    return bench


def _settings(text: str) -> dict[str, str]:
    lines = (line.strip().removeprefix("*c ") for line in text.splitlines())
    return dict(filter(None, (xconfig_setting(line) for line in lines)))


def _converges_touching_only_what_differs(bench: Bench) -> tuple[dict[str, str], list[str]]:
    before = bench.running()
    have = _settings(before)
    plan = bench.plan(before)
    intended = _settings(bench.intended.text)
    differing = [f"{path}: {value}" for path, value in intended.items() if have.get(path) != value]
    # Only the managed settings whose value differs are written, in the intended order.
    assert list(plan.commands) == differing
    assert plan.findings == ()
    # Everything else the codec has is left alone and reported.
    assert set(plan.unmanaged) >= {
        f"{path}: {value}"
        for path, value in have.items()
        if path not in intended and not path.endswith(("Password", "Key"))
    }
    assert bench.configure(plan.commands) == []
    after = _settings(bench.running())
    assert {p: v for p, v in after.items() if p not in intended} == {
        p: v for p, v in have.items() if p not in intended
    }
    assert bench.plan().commands == ()  # a second plan is empty
    assert bench.configure(plan.rollback) == []
    assert _settings(bench.running()) == have  # the rollback restores every value
    return have, list(plan.unmanaged)


def test_the_real_desk_pro_capture_matches_the_roomos_schemas() -> None:
    lines = [line.removeprefix("*c ") for line in AUDIO.splitlines()]
    assert len(lines) == 30
    for version in ("roomos11.27.2.0", "roomos26.4.1"):
        schema = xapi.schema(version, "polaris")
        refused = [schema.problem(line) for line in lines if schema.problem(line)]
        assert refused == [
            f"'Audio Input Value' is not a setting of Desk Pro (polaris) on {version}"
        ]


@pytest.mark.parametrize("firmware", ["roomos11.27", "roomos26"])
def test_a_desk_pro_with_its_real_audio_settings_converges(
    demo: LoadedInventory, firmware: str
) -> None:
    bench = _bench(demo, "dinh-hai-vc1", "Desk Pro", firmware)
    bench.engine.load_config(AUDIO)
    assert bench.engine.config["Audio SoundsAndAlerts RingTone"] == "Sunrise"  # type: ignore[attr-defined]
    assert bench.engine.config["Audio Input HDMI 1 Level"] == "-5"  # type: ignore[attr-defined]
    have, unmanaged = _converges_touching_only_what_differs(bench)
    assert 'xConfiguration Audio SoundsAndAlerts RingTone: "Sunrise"' in unmanaged
    assert "xConfiguration Audio Input USBMicrophone 1 Level: 5" in unmanaged
    assert have["xConfiguration Audio Ultrasound MaxVolume"] == "70"


def test_a_hand_configured_room_kit_converges_and_keeps_its_own_settings(
    demo: LoadedInventory,
) -> None:
    bench = _bench(demo, "dinh-hai-vc1", "Room Kit", "roomos11")
    schema = xapi.schema("roomos11.27.2.0", "hopen")
    written = [line.removeprefix("*c ") for line in LEFTOVERS.splitlines() if line.startswith("*c")]
    assert [line for line in written if schema.problem(line)] == []  # every line is a real setting
    bench.engine.load_config(LEFTOVERS)
    have, unmanaged = _converges_touching_only_what_differs(bench)
    # Leftovers communet does not manage stay and are reported (the password without value).
    assert "xConfiguration Audio DefaultVolume: 70" in unmanaged
    assert "xConfiguration Conference DefaultCall Rate: 2048" in unmanaged
    assert 'xConfiguration NetworkServices SNMP SystemLocation: "Phong hop tang 2"' in unmanaged
    assert "xConfiguration SIP Authentication Password: (hidden)" in unmanaged
    assert not any("***" in line for line in unmanaged)
    assert have["xConfiguration SIP Authentication Password"] == '"***"'


def test_the_leftover_plan_writes_exactly_the_differing_settings(demo: LoadedInventory) -> None:
    bench = _bench(demo, "dinh-hai-vc1", "Room Kit", "roomos11")
    bench.engine.load_config(LEFTOVERS)
    commands = set(bench.plan().commands)
    assert {
        "xConfiguration Network 1 QoS Diffserv Audio: 46",
        "xConfiguration Network 1 QoS Diffserv Video: 34",
        "xConfiguration Network 1 QoS Diffserv Signalling: 24",
        "xConfiguration NetworkServices H323 Mode: On",
        "xConfiguration H323 CallSetup Mode: Gatekeeper",
        "xConfiguration NetworkServices HTTP Mode: HTTPS",
        "xConfiguration NetworkServices SNMP Mode: Off",
        "xConfiguration Logging External Protocol: Syslog",
        'xConfiguration SIP URI: "23816504@hnth.thanhhoa.gov.vn"',
    } <= commands
    # Already as intended on this codec: not written again.
    for same in (
        "xConfiguration Network 1 QoS Diffserv Data: 0",
        "xConfiguration Network 1 VLAN Voice Mode: Off",
        'xConfiguration Network 1 IPv4 Address: "10.64.120.42"',
        "xConfiguration NetworkServices SSH Mode: On",
    ):
        assert same not in commands


# Complete configurations of real codecs, as their web API's getxml returns them (see
# brownfield/README.md), and the lab version closest to the one each codec ran.
GETXML = BROWNFIELD / "getxml"
REAL_DUMPS = {
    "sx10-ce9.6.1.xml": ("SX10", "ce9.12", 223),
    "dx80-ce9.15.0.11.xml": ("DX80", "ce9.15.0", 297),
    "roomkit-roomos10.9.1.1.xml": ("Room Kit", "roomos10", 288),
}
# CE 9.6 settings gone by CE 9.12 (the SX10 dump is loaded on the nearest schema version).
OWN_ADDRESS = re.compile(r"Network 1 IPv4 (?:Address|Gateway|SubnetMask|Assignment):")
GONE_BY_CE912 = [
    "NetworkServices HTTPS VerifyServerCertificate: Off",
    'NetworkServices SNMP Host 1 Address: ""',
    'NetworkServices SNMP Host 2 Address: ""',
    'NetworkServices SNMP Host 3 Address: ""',
]


@pytest.mark.parametrize("dump", sorted(REAL_DUMPS))
def test_a_real_codec_configuration_converges_on_the_lab(demo: LoadedInventory, dump: str) -> None:
    model, firmware, count = REAL_DUMPS[dump]
    lines = getxml.configuration_lines((GETXML / dump).read_text("utf-8"))
    assert len(lines) == count
    bench = _bench(demo, "dinh-hai-vc1", model, firmware)
    engine: RoomosDevice = bench.engine  # type: ignore[assignment]
    schema = xapi.schema(engine.schema_version, engine.product)
    # The real codec's own settings are what the schema data says its product has.
    lacking = [
        line.removeprefix("*c xConfiguration ")
        for line in lines
        if schema.problem(line.removeprefix("*c "))
    ]
    assert lacking == (GONE_BY_CE912 if dump.startswith("sx10") else [])
    # The dump's own address is the one the codec had where it was captured (DHCP there);
    # at the commune it is reached at the inventory's address, which the lab already has.
    addressing = [line for line in lines if OWN_ADDRESS.search(line)]
    assert len(addressing) == 4
    engine.load_config("\n".join(line for line in lines if line not in addressing))
    have, unmanaged = _converges_touching_only_what_differs(bench)
    # Every setting of the dump the lab's version has is the codec's state before the plan.
    for line in lines:
        path, value = line.removeprefix("*c ").split(": ", 1)
        if line not in addressing and line.removeprefix("*c xConfiguration ") not in lacking:
            assert have[path] == value, path
    assert len(unmanaged) > 100  # the codec's own settings are reported, not touched


def test_the_real_dumps_are_the_products_and_versions_they_say() -> None:
    versions = {
        dump: getxml.version((GETXML / dump).read_text("utf-8")) for dump in sorted(REAL_DUMPS)
    }
    assert versions == {
        "dx80-ce9.15.0.11.xml": "ce9.15.0.11.aec227943ed",
        "roomkit-roomos10.9.1.1.xml": "ce10.9.1.1.fb66b80147e",
        "sx10-ce9.6.1.xml": "ce9.6.1.4516ae5aaa1",
    }
