"""Rendering treats inventory strings as data, never breaks a line, never leaks a secret."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from communet.inventory import LoadedInventory, load_inventory
from communet.platforms import PLATFORMS
from communet.render import RenderError, render_device, render_scope
from communet.render.render import devices_in_scope, environment
from communet.secrets import EnvVaultResolver, PlaceholderResolver, Secret, SecretError

from .conftest import FAKE_ENV, FAKE_VAULT, SECRET_VALUES

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
HOSTILE = "Thành {{ lookup('pipe','id') }} \"q\" !x #y {% raw %} Sơn"
HOSTILE_FOLDED = "Thanh {{ lookup('pipe','id') }}"


def test_every_rendered_line_is_free_of_control_characters(demo: LoadedInventory) -> None:
    for config in render_scope(demo, None):
        for line in config.lines:
            assert not CONTROL.search(line), (config.hostname, line)
        assert "\r" not in config.text


def _with_hostile_name(root: Path) -> LoadedInventory:
    path = root / "districts" / "thach-thanh.yml"
    text = path.read_text(encoding="utf-8")
    quoted = "'" + HOSTILE.replace("'", "''") + "'"
    text = text.replace("name: Thành Sơn", f"name: {quoted}\n    slug: thanh-son")
    path.write_text(text, encoding="utf-8")
    return load_inventory(root)


def test_hostile_name_renders_literally_and_adds_no_line(
    demo: LoadedInventory, demo_copy: Path
) -> None:
    hostile = _with_hostile_name(demo_copy)
    site = next(s for s in hostile.plans[0].sites if s.slug == "thanh-son")
    assert site.name == HOSTILE
    before = {c.hostname: c for c in render_scope(demo, "thanh-son")}
    after = {c.hostname: c for c in render_scope(hostile, "thanh-son")}
    assert before.keys() == after.keys()
    for hostname, config in after.items():
        assert len(config.lines) == len(before[hostname].lines), hostname
        assert "uid=" not in config.text
    ce = "\n".join(after["thanh-son-ce1"].lines)  # huawei_vrpv8: '"' and '?' are dropped
    assert f"description LAN {HOSTILE_FOLDED} q !x #y {{% raw %}} Son" in ce
    codec = after["thanh-son-vc1"].lines
    assert (
        f'xConfiguration SIP DisplayName: "UBND {HOSTILE_FOLDED} \\"q\\" !x #y {{% raw %}} Son"'
    ) in codec


def test_hostile_name_on_cisco_ios_keeps_quotes_and_drops_question_marks(
    demo_copy: Path,
) -> None:
    path = demo_copy / "districts" / "nghi-son.yml"
    hostile = "name: 'Định? {{ x }} \"Hải\"'\n    slug: dinh-hai"
    text = path.read_text(encoding="utf-8").replace("name: Định Hải", hostile)
    path.write_text(text, encoding="utf-8")
    loaded = load_inventory(demo_copy)
    (ce,) = render_scope(loaded, "dinh-hai-ce1")
    assert ' description LAN Dinh {{ x }} "Hai"' in ce.lines


def test_text_filter_rejects_control_characters() -> None:
    text = environment("cisco_ios").filters["text"]
    with pytest.raises(ValueError, match="control character"):
        text("Xã A\ninterface Vlan1")
    assert text("Xã  Định\tHoá ?") == "Xa Dinh Hoa"


def test_roomos_quoting_escapes_quotes_and_backslashes() -> None:
    quoted = environment("cisco_roomos").filters["quoted"]
    assert quoted('a"b\\c') == '"a\\"b\\\\c"'


def test_firmware_families_choose_setting_paths(demo: LoadedInventory) -> None:
    plan = demo.plans[0]
    codec = next(d for d in plan.devices if d.hostname == "phu-son-nghi-son-vc1")
    resolver = PlaceholderResolver()
    paths = {}
    # The SX20 runs TC7, CE8 and CE9 up to 9.15.0; the Room Kit Mini CE9 and RoomOS.
    for firmware, model in (
        ("tc", "SX20"),
        ("ce8", "SX20"),
        ("ce9.12", "SX20"),
        ("ce9", "Room Kit Mini"),
        ("roomos", "Room Kit Mini"),
    ):
        device = replace(codec, firmware=firmware, model=model)
        lines = render_device(plan, device, resolver).lines
        paths[firmware] = lines
        assert "xConfiguration Network 1 QoS Diffserv Audio: 46" in lines
        assert "xConfiguration Network 1 QoS Diffserv Video: 34" in lines
        assert "xConfiguration Network 1 QoS Diffserv Signalling: 24" in lines
    # TC alone has Profile paths and separate HTTP/HTTPS switches.
    assert 'xConfiguration SIP Profile 1 URI: "23816498@hnth.thanhhoa.gov.vn"' in paths["tc"]
    assert 'xConfiguration H323 Profile 1 H323Alias E164: "23816498"' in paths["tc"]
    assert "xConfiguration NetworkServices HTTPS Mode: On" in paths["tc"]
    for firmware in ("ce8", "ce9.12", "ce9", "roomos"):
        text = "\n".join(paths[firmware])
        assert "Profile 1" not in text
        assert 'xConfiguration SIP URI: "23816498@hnth.thanhhoa.gov.vn"' in paths[firmware]
        assert 'xConfiguration H323 Gatekeeper Address: "10.38.250.11"' in paths[firmware]
        assert "xConfiguration NetworkServices HTTP Mode: HTTPS" in paths[firmware]
    # Telnet exists on the SX20 up to CE9.14, on no Room Kit Mini and in no RoomOS.
    for firmware in ("tc", "ce8", "ce9.12"):
        assert "xConfiguration NetworkServices Telnet Mode: Off" in paths[firmware]
    for firmware in ("ce9", "roomos"):
        assert not any("Telnet" in line for line in paths[firmware])


def test_unknown_firmware_family_is_a_render_error(demo: LoadedInventory) -> None:
    plan = demo.plans[0]
    codec = next(d for d in plan.devices if d.role == "video_endpoint")
    with pytest.raises(RenderError, match="firmware family 'ce7'"):
        render_device(plan, replace(codec, firmware="ce7"), PlaceholderResolver())


@pytest.mark.parametrize("role", ["access_switch", "aggregation_switch"])
def test_switch_configs_have_no_destructive_line(demo: LoadedInventory, role: str) -> None:
    configs = [c for c in render_scope(demo, None) if c.role == role]
    assert {c.platform for c in configs} >= {"cisco_ios"}
    for config in configs:
        spec = PLATFORMS[config.platform]
        for line in config.lines:
            always = [r.name for r in spec.lint_hits(line) if not r.only_when_replacing]
            assert not always, (config.hostname, line, always)


def test_access_switch_ports(demo: LoadedInventory) -> None:
    (sw,) = render_scope(demo, "phu-son-thach-thanh-sw1")
    text = sw.text
    assert (
        "interface GigabitEthernet1/0/24\n description UPLINK phu-son-thach-thanh-ce1 TSLCD\n"
        " switchport trunk native vlan 999\n switchport trunk allowed vlan 10,20,30,40\n"
    ) in text
    assert (
        "interface GigabitEthernet1/0/21\n description INTERNET phu-son-thach-thanh-inet1\n"
        " switchport access vlan 50\n"
    ) in text
    assert text.count(" mls qos trust dscp\n") == 2  # the two meeting-room ports
    assert "interface Vlan10\n description MGMT\n ip address 10.59.38.2 255.255.255.224\n" in text
    assert "ip default-gateway 10.59.38.1\n" in text
    assert text.count("\n shutdown\n") == 1 + 4 + 1 + 1  # Vlan1, 4 SFP, spare 23, chain 22


def test_ce_never_routes_the_internet_vlan(demo: LoadedInventory) -> None:
    for config in render_scope(demo, None):
        if config.role == "ce_router":
            assert not any(re.search(r"\.50$|dot1Q 50$|vid 50$", x) for x in config.lines)


def test_secrets_never_appear_in_masked_output(demo: LoadedInventory) -> None:
    resolver = EnvVaultResolver(FAKE_VAULT, FAKE_ENV)
    configs = render_scope(demo, None, resolver)
    platforms = set()
    for config in configs:
        masked = config.masked()
        platforms.add(config.platform)
        for value in SECRET_VALUES:
            assert value not in masked, (config.hostname, value)
            assert value not in repr(config)
    assert platforms == set(PLATFORMS)
    ios = next(c for c in configs if c.platform == "cisco_ios")
    assert "Pw-Secret-123" in ios.text  # the real config carries the real value
    assert "username opsadmin privilege 15 algorithm-type scrypt secret <masked>" in ios.masked()


def test_secret_values_with_spaces_or_newlines_are_refused(demo: LoadedInventory) -> None:
    bad = EnvVaultResolver(FAKE_VAULT, {**FAKE_ENV, "COMMUNET_PASSWORD": "a b\nhostname x"})
    with pytest.raises(SecretError, match="env:COMMUNET_PASSWORD"):
        render_scope(demo, "dinh-hai-sw1", bad)


def test_missing_secret_names_reference_and_host(demo: LoadedInventory) -> None:
    resolver = EnvVaultResolver({}, FAKE_ENV)
    with pytest.raises(SecretError) as caught:
        render_scope(demo, "dinh-hai-sw1", resolver)
    message = str(caught.value)
    assert "dinh-hai-sw1" in message
    assert "vault:snmp_user" in message


def test_linux_host_needs_no_device_secrets(demo: LoadedInventory) -> None:
    (config,) = render_scope(demo, "hub-thach-thanh-mon1", EnvVaultResolver({}, {}))
    assert "server 10.38.250.1 iburst" in config.lines


def test_secret_prints_masked() -> None:
    secret = Secret("vault:x", "hunter22")
    assert str(secret) == "********"
    assert f"{secret}" == "********"
    assert "hunter22" not in repr(secret)
    assert secret.reveal() == "hunter22"


def test_render_scope_matches_inventory_scopes(demo: LoadedInventory) -> None:
    assert len(list(devices_in_scope(demo, None))) == len(demo.devices)
    assert {c.hostname for c in render_scope(demo, "dinh-hai")} == {
        "dinh-hai-sw1",
        "dinh-hai-sw2",
        "dinh-hai-ce1",
        "dinh-hai-vc1",
    }
    assert len(render_scope(demo, "nghi-son")) == 2 + 3 + 4
