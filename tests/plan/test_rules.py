"""The planner's rules on small, readable configurations (pure, no device)."""

from __future__ import annotations

import pytest

from communet.plan import Context, plan_config
from communet.plan.diff import format_ids, parse_ids
from communet.platforms import PLATFORMS

IOS_TRUNK = PLATFORMS["cisco_ios"].plan.lists[0]  # type: ignore[union-attr]
VRP_TRUNK = PLATFORMS["huawei_vrp"].plan.lists[0]  # type: ignore[union-attr]


def ios(running: str, intended: str) -> tuple[str, ...]:
    return plan_config("sw", "cisco_ios", running, intended, Context(login_user="admin")).commands


@pytest.mark.parametrize(
    ("rule", "text", "ids", "formatted"),
    [
        (IOS_TRUNK, "10,20-22,30", {10, 20, 21, 22, 30}, "10,20-22,30"),
        (IOS_TRUNK, "10-11", {10, 11}, "10,11"),
        (VRP_TRUNK, "10 20 to 22 30", {10, 20, 21, 22, 30}, "10 20 to 22 30"),
    ],
)
def test_id_lists_round_trip(rule: object, text: str, ids: set[int], formatted: str) -> None:
    assert parse_ids(text, rule) == ids  # type: ignore[arg-type]
    assert format_ids(ids, rule) == formatted  # type: ignore[arg-type]


def test_equal_configs_need_nothing() -> None:
    text = "hostname sw\ninterface Gi1/0/1\n switchport access vlan 20\n"
    assert ios(text, text) == ()


def test_a_new_value_replaces_the_old_in_place() -> None:
    running = "interface Gi1/0/1\n switchport access vlan 5\n description old\n"
    intended = "interface Gi1/0/1\n switchport access vlan 20\n description new\n"
    assert ios(running, intended) == (
        "interface Gi1/0/1",
        " switchport access vlan 20",
        " description new",
        "exit",
    )


def test_lines_outside_owned_scope_are_left_and_reported() -> None:
    plan = plan_config(
        "sw", "cisco_ios", "hostname sw\nvlan 77\n name OLD\nip cef\n", "hostname sw\n"
    )
    assert plan.commands == ()
    assert plan.unmanaged == ("vlan 77", "ip cef")


def test_owned_extras_are_removed_after_the_additions() -> None:
    running = "snmp-server community public RO\nntp server 10.0.0.9\n"
    intended = "ntp server 10.0.0.1\n"
    assert ios(running, intended) == (
        "ntp server 10.0.0.1",
        "no snmp-server community public RO",
        "no ntp server 10.0.0.9",
    )


def test_the_login_user_is_never_removed() -> None:
    plan = plan_config(
        "sw",
        "cisco_ios",
        "username admin privilege 15 secret 9 $9$abc\nusername old privilege 1 secret 9 $9$d\n",
        "hostname sw\n",
        Context(login_user="admin"),
    )
    assert plan.commands == ("hostname sw", "no username old")
    assert plan.protected == ("username admin privilege 15 secret 9 <masked>",)


def test_changing_the_default_gateway_is_a_finding() -> None:
    plan = plan_config(
        "sw", "cisco_ios", "ip default-gateway 10.0.0.1\n", "ip default-gateway 10.0.0.254\n"
    )
    assert plan.commands == ("ip default-gateway 10.0.0.254",)
    assert [f.rule for f in plan.findings] == ["default-route"]
    assert plan.rollback == ("ip default-gateway 10.0.0.1",)


def test_a_hashed_secret_is_the_same_user() -> None:
    running = "username admin privilege 15 secret 9 $9$hashhash\n"
    intended = "username admin privilege 15 algorithm-type scrypt secret s3cret\n"
    assert ios(running, intended) == ()


def test_write_only_lines_ride_along_with_real_changes_only() -> None:
    user = "snmp-server user noc CN-NOC v3 auth sha AuthKey1 priv aes 128 PrivKey1\n"
    assert ios("hostname sw\n", "hostname sw\n" + user) == ()
    assert ios("hostname old\n", "hostname sw\n" + user) == ("hostname sw", user.strip())


def test_a_no_form_holds_when_the_feature_is_absent() -> None:
    assert ios("hostname sw\n", "hostname sw\nno ip http server\n") == ()
    assert ios("ip http server\n", "no ip http server\n") == (
        "no ip http server",
        "no ip http server",
    )


def test_trunk_lists_are_edited_additively() -> None:
    running = "interface Gi1/0/24\n switchport trunk allowed vlan 5,10,20\n"
    intended = "interface Gi1/0/24\n switchport trunk allowed vlan 10,20,30,40\n"
    plan = plan_config("sw", "cisco_ios", running, intended)
    assert plan.commands == (
        "interface Gi1/0/24",
        " switchport trunk allowed vlan add 30,40",
        " switchport trunk allowed vlan remove 5",
        "exit",
    )
    assert plan.findings == ()
    assert plan.rollback == (
        "interface Gi1/0/24",
        " switchport trunk allowed vlan add 5",
        " switchport trunk allowed vlan remove 30,40",
        "exit",
    )


def test_huawei_global_lines_printed_with_a_leading_space_are_top_level() -> None:
    running = "#\n sysname old\n stp mode stp\n#\nvlan 10\n name MGMT\n#\nreturn\n"
    intended = "sysname sw\nstp mode rstp\nvlan 10\n name MGMT\n"
    plan = plan_config("sw", "huawei_vrp", running, intended)
    assert plan.commands == ("sysname sw", "stp mode rstp")


def test_roomos_settings_are_set_and_rolled_back_by_value() -> None:
    running = '*c xConfiguration SIP URI: "old@x"\n*c xConfiguration SIP DisplayName: "A"\n** end\n'
    intended = 'xConfiguration SIP URI: "new@x"\nxConfiguration SIP DisplayName: "A"\n'
    plan = plan_config("vc", "cisco_roomos", running, intended)
    assert plan.commands == ('xConfiguration SIP URI: "new@x"',)
    assert plan.rollback == ('xConfiguration SIP URI: "old@x"',)


def test_diff_and_findings_never_show_a_secret() -> None:
    plan = plan_config(
        "sw",
        "cisco_ios",
        "snmp-server community s3cretCommunity RO\n",
        "username admin privilege 15 algorithm-type scrypt secret Hunter2pass\n",
        Context(login_user="admin"),
    )
    text = plan.diff() + "\n".join(plan.masked(plan.commands))
    assert "Hunter2pass" not in text
    assert "s3cretCommunity" not in text
    assert "<masked>" in text
