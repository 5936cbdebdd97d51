"""Cisco IOS engine, driven through the pure terminal (no sockets)."""

from __future__ import annotations

import pytest

from communet.lab.core import Terminal
from communet.lab.ios import IosDevice
from tests.lab.conftest import Console, FakeClock, spec


def console(clock: FakeClock, model: str = "WS-C2960X-24TS-L") -> tuple[IosDevice, Console]:
    device = IosDevice(spec("cisco_ios", model), clock=clock)
    return device, Console(Terminal(device, device.open_shell("admin")))


def enabled(clock: FakeClock, model: str = "WS-C2960X-24TS-L") -> tuple[IosDevice, Console]:
    device, con = console(clock, model)
    con.run("enable", "lab", "terminal length 0")
    return device, con


def test_login_lands_in_user_exec_and_enable_asks_for_the_secret(clock: FakeClock) -> None:
    _, con = console(clock)
    assert con.banner.endswith("dut>")
    assert con.send("show privilege") == "Current privilege level is 1\ndut>"
    assert con.send("enable") == "Password: "
    assert not con.terminal.shell.echo  # the secret is not echoed
    assert con.send("wrong") == "Password: "
    assert con.send("lab") == "dut#"
    assert con.send("show privilege") == "Current privilege level is 15\ndut#"


def test_modes_prompts_and_abbreviations(clock: FakeClock) -> None:
    _, con = enabled(clock)
    assert con.send("conf t").endswith("dut(config)#")
    assert con.send("int gi1/0/1") == "dut(config-if)#"
    assert con.send("vlan 20") == "dut(config-vlan)#"
    assert con.send("line vty 0 4") == "dut(config-line)#"
    assert con.send("archive") == "dut(config-archive)#"
    assert con.send("exit") == "dut(config)#"
    assert con.send("int range gi1/0/1 - 4") == "dut(config-if-range)#"
    assert con.send("end") == "dut#"
    con.send("conf t")
    assert con.terminal.receive("\x1a").endswith("dut#")  # Ctrl-Z


def test_router_mode_on_a_router(clock: FakeClock) -> None:
    _, con = enabled(clock, "ISR4321/K9")
    con.send("configure terminal")
    assert con.send("router ospf 1") == "dut(config-router)#"
    assert con.send("router-id 10.0.0.1") == "dut(config-router)#"


def test_invalid_input_marks_the_failing_word(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.send("configure terminal")
    con.send("interface GigabitEthernet1/0/1")
    out = con.send("switchport mode bogus")
    caret = len("dut(config-if)#switchport mode ")
    assert out == " " * caret + "^\n% Invalid input detected at '^' marker.\n\ndut(config-if)#"


def test_incomplete_and_ambiguous_commands(clock: FakeClock) -> None:
    _, con = enabled(clock)
    assert con.send("show") == "% Incomplete command.\n\ndut#"
    assert con.send("c") == '% Ambiguous command:  "c"\ndut#'
    con.send("configure terminal")
    assert con.send("interface") == "% Incomplete command.\n\ndut(config)#"
    assert "Unknown command or computer name" in con.send("do foo")


def test_global_command_in_interface_mode_drops_back_to_global(clock: FakeClock) -> None:
    device, con = enabled(clock)
    con.send("configure terminal")
    con.send("interface GigabitEthernet1/0/1")
    assert con.send("hostname renamed") == "renamed(config)#"
    assert con.send("ntp server 10.0.0.1") == "renamed(config)#"
    assert "ntp server 10.0.0.1" in con.send("do show running-config")
    assert device.name == "renamed"


def test_running_and_startup_differ_until_write_memory(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.run("configure terminal", "interface Gi1/0/5", "description Mot cua 1", "end")
    assert "description Mot cua 1" in con.send("show running-config")
    assert "description Mot cua 1" not in con.send("show startup-config")
    assert con.send("write memory") == "Building configuration...\n[OK]\ndut#"
    assert "description Mot cua 1" in con.send("show startup-config")


def test_copy_running_config_asks_for_the_destination(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.run("configure terminal", "snmp-server location UBND", "end")
    assert con.send("copy running-config startup-config") == (
        "Destination filename [startup-config]? "
    )
    assert con.send("") == "Building configuration...\n[OK]\ndut#"
    assert "snmp-server location UBND" in con.send("show startup-config")


def test_reboot_loses_unsaved_changes_and_resets_uptime(clock: FakeClock) -> None:
    device, con = enabled(clock)
    clock.advance(3 * 86400 + 7200)
    assert "dut uptime is 3 days, 2 hours, 0 minutes" in con.send("show version")
    con.run("configure terminal", "interface Gi1/0/6", "description saved", "end", "write")
    con.run("configure terminal", "interface Gi1/0/7", "description unsaved", "end")
    device.reboot()
    assert con.terminal.receive("show version\r") == ""  # the old session is gone
    assert con.terminal.closed
    _, fresh = console(clock)
    fresh.terminal = Terminal(device, device.open_shell("admin"))
    fresh.run("enable", "lab", "terminal length 0")
    running = fresh.send("show running-config")
    assert "description saved" in running
    assert "description unsaved" not in running
    version = fresh.send("show version")
    assert "uptime is 0 minutes" in version
    assert "Last reload reason: Reload Command" in version


def test_paging_until_terminal_length_zero(clock: FakeClock) -> None:
    _, con = console(clock)
    con.run("enable", "lab")
    first = con.send("show running-config")
    assert first.endswith(" --More-- ")
    assert len(first.split("\n")) == 24
    more = con.terminal.receive(" ").replace("\r\n", "\n")
    assert more.endswith(" --More-- ")
    stop = con.terminal.receive("q").replace("\r\n", "\n")
    assert stop.endswith("dut#")
    con.send("terminal length 0")
    assert "--More--" not in con.send("show running-config")


def test_show_running_config_filters(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.run("configure terminal", "interface Gi1/0/3", "description Can bo", "end")
    assert con.send("show running-config | include hostname") == "hostname dut\ndut#"
    section = con.send("show run | section interface GigabitEthernet1/0/3$")
    assert section == "interface GigabitEthernet1/0/3\n description Can bo\ndut#"
    begin = con.send("sh run | b line vty")
    assert begin.startswith("line vty 0 4\n")
    assert begin.endswith("end\ndut#")
    interface = con.send("show running-config interface Gi1/0/3")
    assert "interface GigabitEthernet1/0/3\n description Can bo\nend" in interface


def test_banner_input_mode(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.send("configure terminal")
    con.send("interface Gi1/0/1")
    out = con.send("banner motd ^C")
    assert out == "Enter TEXT message.  End with the character '^C'.\n"
    assert con.send("Chi danh cho can bo duoc phep") == ""
    assert con.send("^C") == "dut(config)#"
    running = con.send("do show running-config")
    assert "banner motd ^C\nChi danh cho can bo duoc phep\n^C\n" in running


def test_switchport_changes_show_up_in_show_vlan(clock: FakeClock) -> None:
    _, con = enabled(clock)
    out = con.run("configure terminal", "interface Gi1/0/2", "switchport mode access")
    assert con.send("switchport access vlan 30") == (
        "% Access VLAN does not exist. Creating vlan 30\ndut(config-if)#"
    )
    con.run("vlan 30", "name MOTCUA", "end")
    brief = con.send("show vlan brief")
    assert "30   MOTCUA                           active    Gi1/0/2" in brief
    assert out[-1] == "dut(config-if)#"


def test_trunk_allowed_vlan_add_and_remove(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.run("configure terminal", "interface Gi1/0/25", "switchport mode trunk")
    con.send("switchport trunk allowed vlan 10,20")
    con.send("switchport trunk allowed vlan add 30-32,40")
    con.send("switchport trunk allowed vlan remove 31")
    section = con.send("do show running-config interface Gi1/0/25")
    assert " switchport trunk allowed vlan 10,20,30,32,40\n switchport mode trunk\n" in section
    con.send("no switchport trunk allowed vlan")
    assert "allowed" not in con.send("do show running-config interface Gi1/0/25")


def test_no_forms_and_single_valued_lines(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.run("configure terminal", "interface Gi1/0/4", "description one", "description two")
    con.run("shutdown", "exit", "no ip domain lookup", "vlan 40", "exit")
    running = con.send("do show running-config")
    assert " description two\n shutdown\n" in running
    assert "description one" not in running
    assert "no ip domain lookup" in running
    assert "vlan 40\n" in running
    con.run("interface Gi1/0/4", "no shutdown", "exit", "no vlan 40")
    running = con.send("do show running-config")
    assert "interface GigabitEthernet1/0/4\n description two\n!" in running
    assert "vlan 40\n" not in running


def test_routers_refuse_switchport_commands(clock: FakeClock) -> None:
    _, con = enabled(clock, "ISR4321/K9")
    con.run("configure terminal", "interface GigabitEthernet0/0/0")
    assert "% Invalid input detected" in con.send("switchport mode access")
    assert "% Invalid input detected" in con.send("do show interfaces status")


def test_revert_timer_rolls_back_unless_confirmed(clock: FakeClock) -> None:
    device, con = enabled(clock)
    assert "Archive path not configured" in con.send("configure terminal revert timer 5")
    con.run("configure terminal", "archive", "path flash:archive", "end")
    out = con.send("configure terminal revert timer 5")
    assert "Backing up current running config to flash:archive-1" in out
    con.run("hostname risky", "end")
    clock.advance(299)
    device.tick()
    assert device.name == "risky"
    clock.advance(2)
    device.tick()
    assert device.name == "dut"
    con.send("configure terminal revert timer 5")
    con.run("hostname kept", "end")
    assert con.send("configure confirm") == "kept#"
    clock.advance(600)
    device.tick()
    assert device.name == "kept"


def test_archive_and_configure_replace(clock: FakeClock) -> None:
    device, con = enabled(clock)
    con.run("configure terminal", "archive", "path flash:archive", "maximum 3", "end")
    con.send("archive config")
    archive = con.send("show archive")
    assert "The next archive file will be named flash:archive-2" in archive
    assert "   1        flash:archive-1 <- Most Recent" in archive
    con.run("configure terminal", "hostname changed", "end")
    out = con.send("configure replace flash:archive-1")
    assert out.endswith("Enter Y if you are sure you want to proceed. ? [no]: ")
    assert "Rollback Done" in con.send("y")
    assert device.name == "dut"
    con.run("configure terminal", "hostname again", "end")
    assert "Rollback Done" in con.send("configure replace flash:archive-1 force")
    assert device.name == "dut"


@pytest.mark.parametrize("command", ["write erase", "reload"])
def test_confirmations(clock: FakeClock, command: str) -> None:
    device, con = enabled(clock)
    out = con.send(command)
    assert "[confirm]" in out
    con.send("")
    if command == "write erase":
        assert device.state.startup is None
        assert con.send("show startup-config") == "startup-config is not present\ndut#"
    else:
        assert con.terminal.closed
        assert device.boots == 2


def test_motd_banner_greets_new_sessions(clock: FakeClock) -> None:
    device, con = enabled(clock)
    con.run("configure terminal", "banner motd #Chi danh cho can bo#", "end")
    fresh = Console(Terminal(device, device.open_shell("admin")))
    assert fresh.banner == "\nChi danh cho can bo\ndut>"
    con.run("configure terminal", "banner login ^C", "Canh bao", "^C", "end")
    assert device.login_banner() == "Canh bao\n"


def test_global_commands_leave_acl_and_policy_sections(clock: FakeClock) -> None:
    _, con = enabled(clock)
    con.send("configure terminal")
    assert con.send("ip access-list extended CN-IN") == "dut(config-ext-nacl)#"
    assert con.send("10 permit tcp any any eq 22") == "dut(config-ext-nacl)#"
    assert con.send("deny ip any any log") == "dut(config-ext-nacl)#"
    assert con.send("ntp server 10.0.0.1") == "dut(config)#"
    con.run("policy-map CN-OUT", "class class-default")
    assert con.send("shape average 30000000") == "dut(config-pmap-c)#"
    assert con.send("logging host 10.0.0.2") == "dut(config)#"
    running = con.send("do show running-config")
    assert (
        "ip access-list extended CN-IN\n permit tcp any any eq 22\n deny   ip any any log\n"
        in running
    )
    assert "policy-map CN-OUT\n class class-default\n  shape average 30000000\n" in running


# An IOSvL2 L3 switch as the corpus shows it (warmoni project-dpr-dsw1): its routed ports say
# 'no switchport', its spare ports print nothing (they are switchports by default).
L3_SWITCH = """hostname DSW1
interface Ethernet0/0
 no switchport
 ip address 172.16.3.2 255.255.255.252
interface Ethernet1/1
interface Vlan1
 no ip address
"""


def test_an_l3_switch_whose_config_shows_only_no_switchport_takes_switchport_lines(
    clock: FakeClock,
) -> None:
    device, con = enabled(clock)
    device.load_config(L3_SWITCH)
    con.run("configure terminal", "interface Ethernet1/1")
    assert con.send("switchport mode access") == "DSW1(config-if)#"
    assert con.send("switchport access vlan 999").endswith("DSW1(config-if)#")
    assert "% Invalid" not in con.send("switchport trunk native vlan 999")


def test_the_no_form_of_a_dhcp_client_id_is_taken(clock: FakeClock) -> None:
    # warmoni lab04-sw2 carries 'ip dhcp client client-id Vlan2' on an access port; the
    # planner removes it with its arguments, as IOS takes it
    _, con = enabled(clock)
    con.run("configure terminal", "interface Gi1/0/2", "ip dhcp client client-id Vlan2")
    assert "client-id Vlan2" in con.send("do show running-config interface Gi1/0/2")
    assert con.send("no ip dhcp client client-id Vlan2") == "dut(config-if)#"
    assert "client-id" not in con.send("do show running-config interface Gi1/0/2")


def test_the_lines_of_an_older_router_wan_port_and_their_no_forms_are_taken(
    clock: FakeClock,
) -> None:
    # older router images print 'full-duplex' (mpenning sample-01's FastEthernet0/0); IOS
    # takes 'no full-duplex' there (back to half duplex, per the command reference)
    _, con = enabled(clock, "ISR4321/K9")
    con.run("configure terminal", "interface GigabitEthernet0/0/1")
    assert con.send("full-duplex") == "dut(config-if)#"
    assert con.send("no full-duplex") == "dut(config-if)#"
    assert "full-duplex" not in con.send("do show running-config interface GigabitEthernet0/0/1")
    # the same config turns off duplex-mismatch logging; its positive form is the default
    assert con.send("no cdp log mismatch duplex") == "dut(config-if)#"
    shown = con.send("do show running-config interface GigabitEthernet0/0/1")
    assert " no cdp log mismatch duplex\n" in shown
    assert con.send("cdp log mismatch duplex") == "dut(config-if)#"
    assert "cdp log" not in con.send("do show running-config interface GigabitEthernet0/0/1")
    assert con.send("exit") == "dut(config)#"
    assert con.send("no cdp log mismatch duplex") == "dut(config)#"
    assert "\nno cdp log mismatch duplex\n" in con.send("do show running-config")
    con.send("interface GigabitEthernet0/0/1")
    assert con.send("hold-queue 100 in") == "dut(config-if)#"
    assert " hold-queue 100 in\n" in con.send("do show running-config interface Gi0/0/1")
    assert con.send("no hold-queue 100 in") == "dut(config-if)#"
    assert "hold-queue" not in con.send("do show running-config interface Gi0/0/1")


def test_overlapping_subnets_are_refused(clock: FakeClock) -> None:
    _, con = enabled(clock, "ISR4321/K9")
    con.run("configure terminal", "interface GigabitEthernet0/0/0.10", "encapsulation dot1Q 10")
    out = con.send("ip address 10.64.114.1 255.255.255.224")
    assert out.startswith("% 10.64.114.0 overlaps with GigabitEthernet0/0/1\n")


def test_reload_offers_to_save_a_modified_configuration(clock: FakeClock) -> None:
    device, con = enabled(clock)
    con.run("configure terminal", "hostname keep-me", "end")
    assert con.send("reload") == "System configuration has been modified. Save? [yes/no]: "
    assert con.send("yes") == "Building configuration...\n[OK]\nProceed with reload? [confirm]"
    con.send("")
    assert con.terminal.closed
    assert device.name == "keep-me"


def test_question_mark_lists_and_tab_completes(clock: FakeClock) -> None:
    _, con = enabled(clock)
    out = con.terminal.receive("show vl?").replace("\r\n", "\n")
    assert out == "show vl?\n  vlan\n\ndut#show vl"
    out = con.terminal.receive("an ?").replace("\r\n", "\n")
    assert out.endswith("?\n  brief\n  id\n  <cr>\n\ndut#show vlan ")
    con.terminal.receive("\x03")  # Ctrl-C drops the line
    assert con.terminal.receive("conf\t").replace("\r\n", "\n") == "conf" + "igure "
    con.send("terminal")
    out = con.terminal.receive("interface Gi1/0/1\rswitchport mode ?").replace("\r\n", "\n")
    assert "  access\n  dynamic\n  trunk\n" in out
    con.terminal.receive("\x03")
    con.run("configure terminal", "banner motd #")
    assert con.send("Why? Because.#") == "dut(config)#"  # '?' is text inside a banner


def test_cutting_the_management_path_silences_the_device(clock: FakeClock) -> None:
    device, con = enabled(clock)
    assert device.answering()
    con.run("configure terminal", "interface Vlan10", "shutdown", "end")
    assert not device.answering()  # SSH, SNMP and ICMP stop: the path we manage through is gone
    device.reboot()  # the saved config still has it
    assert device.answering()
