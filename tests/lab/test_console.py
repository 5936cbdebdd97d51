"""Serial-console mode: factory-state devices on a pty, driven with pyserial."""

from __future__ import annotations

import time

import serial  # type: ignore[import-untyped]

from communet.lab import Lab


def expect(port: serial.Serial, text: str, timeout: float = 5.0) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in seen and time.monotonic() < deadline:
        seen += port.read(port.in_waiting or 1).decode(errors="replace")
    assert text in seen, f"waited for {text!r}, got {seen!r}"
    return seen


def test_ios_initial_configuration_dialog_then_console(lab: Lab) -> None:
    path = lab.open_console("console-ios")
    with serial.Serial(path, 9600, timeout=0.2) as port:
        port.write(b"\r")  # opening the port flushed the boot text: wake the console
        expect(port, "Would you like to enter the initial configuration dialog? [yes/no]: ")
        port.write(b"maybe\r")
        expect(port, "% Please answer 'yes' or 'no'.")
        port.write(b"no\r")
        expect(port, "Press RETURN to get started!")
        port.write(b"\r")
        expect(port, "Switch>")
        port.write(b"enable\r")  # no enable secret yet: the console goes straight in
        expect(port, "Switch#")
        port.write(b"show startup-config\r")
        expect(port, "startup-config is not present")
        port.write(b"configure terminal\rhostname commune-sw1\rend\rwrite memory\r")
        expect(port, "[OK]")
    assert lab.device("console-ios").hostname == "console-ios"  # the inventory name stays
    assert "hostname commune-sw1" in lab.call(
        lambda: "\n".join(c.line for c in lab.device("console-ios").state.running.children)  # type: ignore[attr-defined]
    )


def test_ios_basic_management_setup_saves(lab: Lab) -> None:
    path = lab.open_console("console-ios-setup")
    with serial.Serial(path, 9600, timeout=0.2) as port:
        port.write(b"\r")  # opening the port flushed the boot text: wake the console
        expect(port, "[yes/no]: ")
        port.write(b"yes\r")
        expect(port, "Would you like to enter basic management setup? [yes/no]: ")
        port.write(b"yes\r")
        expect(port, "Enter host name [Switch]: ")
        port.write(b"xa-dinh-hai-sw1\r")
        expect(port, "Enter enable secret: ")
        port.write(b"s3cret-enable\r")
        expect(port, "Enter virtual terminal password: ")
        port.write(b"vty-pass\r")
        expect(port, "Enter your selection [2]: ")
        port.write(b"2\r")
        expect(port, "Press RETURN to get started!")
        port.write(b"\renable\r")
        expect(port, "Password: ")
        port.write(b"s3cret-enable\r")
        expect(port, "xa-dinh-hai-sw1#")


def test_huawei_first_console_login_sets_a_password(lab: Lab) -> None:
    path = lab.open_console("console-vrp")
    with serial.Serial(path, 9600, timeout=0.2) as port:
        port.write(b"\r")  # opening the port flushed the boot text: wake the console
        expect(port, "Continue to set it? [Y/N]: ")
        port.write(b"y\r")
        expect(port, "Enter Password:")
        port.write(b"short\r")
        expect(port, "Error: The password is invalid.")
        port.write(b"Huawei@123\r")
        expect(port, "Confirm Password:")
        port.write(b"Huawei@123\r")
        expect(port, "<HUAWEI>")
        port.write(b"display saved-configuration\r")
        expect(port, "<HUAWEI>")


def test_codec_console_login(lab: Lab) -> None:
    path = lab.open_console("console-codec")
    with serial.Serial(path, 9600, timeout=0.2) as port:
        port.write(b"\r")  # opening the port flushed the boot text: wake the console
        expect(port, "login: ")
        port.write(b"admin\r")
        expect(port, "Password: ")
        port.write(b"\r")
        expect(port, "*r Login successful")
        port.write(b"xStatus SIP Registration 1 Status\r")
        expect(port, "Status: Inactive")
