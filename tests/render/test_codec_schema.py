"""Codec configs checked against Cisco's own xAPI schema data, per product and version.

The schema data (communet/data/xapi) is what the codecs themselves publish: a line that is
not in it for the codec's product and firmware version would be refused by the real codec.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from communet.inventory import LoadedInventory, ResolvedDevice, load_inventory
from communet.platforms import PLATFORMS, xapi
from communet.platforms.cisco_roomos import registration_status_paths
from communet.render import RenderError, render_device
from communet.secrets import EnvVaultResolver

from .conftest import FAKE_ENV, FAKE_VAULT

REPO = Path(__file__).resolve().parents[2]
GENERATED = REPO / "inventory" / "thanh-hoa"  # scaffolded from the register (test_scaffold)
SECRETS = EnvVaultResolver(vault=FAKE_VAULT, environ=FAKE_ENV)
SPEC = PLATFORMS["cisco_roomos"]


def _sip_uri(version: str) -> str:
    return "SIP Profile 1 URI" if xapi.schema_family(version) == "tc" else "SIP URI"


# Every codec product of every version (touch panels such as the Navigator have no SIP).
COMBOS = [
    (version, product)
    for version in xapi.versions()
    for product in xapi.products(version)
    if xapi.schema(version, product).has(_sip_uri(version))
]


def _codecs(loaded: LoadedInventory) -> list[tuple[int, ResolvedDevice]]:
    return [
        (number, device)
        for number, plan in enumerate(loaded.plans)
        for device in plan.devices
        if device.role == "video_endpoint"
    ]


def _render_checked(
    loaded: LoadedInventory, number: int, device: ResolvedDevice, version: str, product: str
) -> tuple[str, ...]:
    lines = render_device(
        loaded.plans[number], replace(device, firmware=version, model=product), SECRETS
    ).lines
    schema = xapi.schema(version, product)
    # Checked here again, independently of the check render_device makes itself.
    problems = [(line, problem) for line in lines if (problem := schema.problem(line))]
    assert problems == []
    assert f'xConfiguration {_sip_uri(version)}: "' in "\n".join(lines)
    return lines


def test_the_data_covers_every_family_and_the_commune_models() -> None:
    families = {xapi.schema_family(v) for v, _ in COMBOS}
    assert families == {"tc", "ce8", "ce9", "roomos"}
    assert {v for v, _ in COMBOS} == set(xapi.versions())
    for model in ("Room Kit", "Room Kit Mini", "SX20", "Codec Plus", "Room Bar"):
        assert any(product == xapi.product_id(model) for _, product in COMBOS), model
    assert len(COMBOS) > 200


def test_every_demo_codec_renders_valid_lines_for_every_product_and_version(
    demo: LoadedInventory,
) -> None:
    codecs = _codecs(demo)
    assert len(codecs) == 4
    rendered = 0
    for number, device in codecs:
        for version, product in COMBOS:
            _render_checked(demo, number, device, version, product)
            rendered += 1
    assert rendered == 4 * len(COMBOS)


@pytest.fixture(scope="module")
def generated() -> LoadedInventory:
    return load_inventory(GENERATED)


def test_every_codec_of_a_generated_province_renders_valid_lines(
    generated: LoadedInventory,
) -> None:
    codecs = _codecs(generated)
    assert len(codecs) == 549
    for number, device in codecs:
        own = xapi.resolve_version(device.firmware or ""), xapi.product_id(device.model or "")
        _render_checked(generated, number, device, *own)


@pytest.mark.parametrize("version", xapi.versions())
def test_every_codec_of_a_generated_province_for_every_product_of_a_version(
    generated: LoadedInventory, version: str
) -> None:
    products = [p for v, p in COMBOS if v == version]
    rendered = 0
    for number, device in _codecs(generated):
        for product in products:
            _render_checked(generated, number, device, version, product)
            rendered += 1
    assert rendered == 549 * len(products)


@pytest.mark.parametrize("version", [v for v in xapi.versions() if v[:3] in ("ce9", "roo")])
def test_no_gatekeeper_discovery_on_ce9_or_roomos(demo: LoadedInventory, version: str) -> None:
    number, device = _codecs(demo)[0]
    for product in ("hopen", "havella"):
        if (version, product) not in COMBOS:
            continue
        lines = _render_checked(demo, number, device, version, product)
        assert 'xConfiguration H323 Gatekeeper Address: "10.38.250.11"' in lines
        assert not any("Discovery" in line for line in lines)
        schema = xapi.schema(version, product)
        assert schema.problem("xConfiguration H323 Gatekeeper Discovery: Manual") == (
            f"'H323 Gatekeeper Discovery' is not a setting of {schema.name}"
        )


def test_tc_and_ce8_keep_their_gatekeeper_discovery(demo: LoadedInventory) -> None:
    number, device = _codecs(demo)[0]
    tc = _render_checked(demo, number, device, "tc7.3", "sx20")
    ce8 = _render_checked(demo, number, device, "ce8.3", "sx20")
    assert "xConfiguration H323 Profile 1 Gatekeeper Discovery: Manual" in tc
    assert "xConfiguration H323 Gatekeeper Discovery: Manual" in ce8


def test_telnet_is_set_only_where_the_product_has_it(demo: LoadedInventory) -> None:
    number, device = _codecs(demo)[0]
    telnet = "xConfiguration NetworkServices Telnet Mode: Off"
    # CE 9.12: on SX/MX/DX hardware only; gone from CE 9.15.17 and from RoomOS altogether.
    assert telnet in _render_checked(demo, number, device, "ce9.12.4", "sx20")
    assert telnet not in _render_checked(demo, number, device, "ce9.12.4", "havella")
    assert telnet not in _render_checked(demo, number, device, "ce9.15.17.4", "havella")
    for version in ("roomos10.19.4.2", "roomos11.27.2.0"):
        assert telnet not in _render_checked(demo, number, device, version, "hopen")
    having = {
        p
        for v, p in COMBOS
        if v == "ce9.12.4" and xapi.schema(v, p).has("NetworkServices Telnet Mode")
    }
    assert having == {
        "dx70", "dx80", "mx200_g2", "mx300_g2", "mx700", "mx700st", "mx800", "mx800d", "mx800st",
        "sx10", "sx20", "sx80",
    }  # fmt: skip


def test_ce8_uses_flat_paths_and_tc_its_profile_paths(demo: LoadedInventory) -> None:
    number, device = _codecs(demo)[0]
    ce8 = "\n".join(_render_checked(demo, number, device, "ce8.3", "sx20"))
    tc = "\n".join(_render_checked(demo, number, device, "tc7.3", "sx20"))
    assert "Profile 1" not in ce8
    assert "xConfiguration SIP Proxy 1 Address:" in ce8
    assert "xConfiguration SIP Profile 1 Proxy 1 Address:" in tc
    assert "xConfiguration H323 Profile 1 H323Alias ID:" in tc


@pytest.mark.parametrize(
    ("firmware", "sip"),
    [
        ("tc", "SIP Profile 1 Registration 1 Status"),
        ("ce8", "SIP Registration 1 Status"),
        ("ce9.12", "SIP Registration 1 Status"),
        ("roomos26", "SIP Registration 1 Status"),
    ],
)
def test_registration_status_paths_per_family(firmware: str, sip: str) -> None:
    paths = registration_status_paths(firmware)
    assert paths["sip"] == sip
    assert paths["h323"] == "H323 Gatekeeper Status"
    version = xapi.resolve_version(firmware)
    schema = xapi.schema(version, xapi.products(version)[0])
    assert schema.has_status(paths["sip"])
    assert schema.has_status(paths["sip_reason"])
    assert schema.has_status(paths["h323"])


def test_syslog_is_set_to_what_the_noc_server_speaks(demo: LoadedInventory) -> None:
    number, device = _codecs(demo)[0]
    for version in ("ce9.12.4", "roomos11.27.2.0", "roomos26.4.1"):
        product = "hopen" if (version, "hopen") in COMBOS else "barents"
        schema = xapi.schema(version, product)
        protocol = schema.setting("Logging External Protocol")
        verify = schema.setting("Logging External TlsVerify")
        assert protocol is not None
        assert protocol.default == "SyslogTLS"
        assert verify is not None
        assert verify.default == "On"
        lines = _render_checked(demo, number, device, version, product)
        assert "xConfiguration Logging External Protocol: Syslog" in lines
        assert "xConfiguration Logging External TlsVerify: Off" in lines
        assert "xConfiguration Logging External Server Port: 514" in lines


def test_an_h323_id_longer_than_the_codec_takes_is_a_render_error(demo_copy: Path) -> None:
    # A valid 50-character hostname: the inventory takes it, the codec's H323Alias ID not.
    long_name = "phu-son-nghi-son-phong-hop-tang-hai-nha-a-vc1-x123"
    assert len(long_name) == 50
    path = demo_copy / "districts" / "nghi-son.yml"
    text = path.read_text(encoding="utf-8").replace(
        "      - role: video_endpoint\n        firmware: ce9\n",
        f"      - role: video_endpoint\n        hostname: {long_name}\n        firmware: ce9\n",
    )
    path.write_text(text, encoding="utf-8")
    loaded = load_inventory(demo_copy)
    number, device = next((n, d) for n, d in _codecs(loaded) if d.hostname == long_name)
    with pytest.raises(RenderError) as caught:
        render_device(loaded.plans[number], device, SECRETS)
    assert str(caught.value) == (
        f"{long_name}: the codec would refuse a rendered line: H323 H323Alias ID: is 50 "
        "characters long; the device takes 0 to 49 (Room Kit Mini (havella) on ce9.15.17.4)\n"
        "    fix: fix the inventory value it comes from, or the model/firmware if they are "
        "wrong (Cisco's xAPI schema, see docs/codecs.md)"
    )


def test_a_model_the_firmware_does_not_run_is_a_render_error(demo: LoadedInventory) -> None:
    number, device = _codecs(demo)[0]
    with pytest.raises(RenderError) as caught:
        render_device(
            demo.plans[number], replace(device, firmware="roomos26", model="Room Kit"), SECRETS
        )
    message = str(caught.value)
    assert message.startswith(
        f"{device.hostname}: Room Kit (hopen) does not run roomos26.4.1; that version "
        "supports: Board Pro 55, Board Pro 55 G2,"
    )
    assert message.endswith(
        "    fix: set 'firmware:' to a version this model runs (see docs/codecs.md)"
    )


def test_an_unknown_model_is_a_render_error(demo: LoadedInventory) -> None:
    number, device = _codecs(demo)[0]
    with pytest.raises(RenderError, match=r"unknown codec model 'Polycom Group 500'"):
        render_device(demo.plans[number], replace(device, model="Polycom Group 500"), SECRETS)
    with pytest.raises(RenderError, match=r"no codec model: .*\n    fix: set 'model:'"):
        render_device(demo.plans[number], replace(device, model=None), SECRETS)


def test_firmware_names_select_versions() -> None:
    assert xapi.resolve_version("ce9") == "ce9.15.17.4"
    assert xapi.resolve_version("ce9.15") == "ce9.15.17.4"
    assert xapi.resolve_version("ce9.15.0") == "ce9.15.0.11"
    assert xapi.resolve_version("roomos") == "roomos11.27.2.0"
    assert xapi.resolve_version("RoomOS 11.14") == "roomos11.14.5.0"
    assert SPEC.firmware_family("ce9.12") is not None
    assert SPEC.firmware_family("ce9.12").name == "ce9"  # type: ignore[union-attr]
    assert SPEC.firmware_family("ce7") is None
    with pytest.raises(xapi.SchemaError, match="unknown firmware 'ce7'"):
        xapi.resolve_version("ce7")


def test_model_names_map_to_product_identifiers() -> None:
    assert xapi.product_id("Room Kit") == "hopen"
    assert xapi.product_id("Cisco Webex Room Kit Mini") == "havella"
    assert xapi.product_id("Cisco TelePresence SX20") == "sx20"
    assert xapi.product_id("sx20") == "sx20"
    assert xapi.product_id("baymax") == "baymax"  # in RoomOS 10 without a marketing name


def test_schema_sources_are_recorded() -> None:
    for version in xapi.versions():
        source = xapi.source(version)
        if version.startswith(("tc", "ce8")):
            assert "API Reference Guide" in source["guide"]
        else:
            assert source["repository"] == "https://github.com/cisco-ce/roomos.cisco.com"
            assert len(source["commit"]) == 40
