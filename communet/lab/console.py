"""Serial-console mode: a device in factory state on a pseudo-terminal, for day-0 flows.

A technician's laptop meets a new switch on a console cable: no configuration, no users, the
IOS initial-configuration dialog, Huawei's first-login password setup, a codec's ``login:``.
:class:`ConsolePort` exposes such a device on a pty (``/dev/pts/N``) that pyserial or
netmiko's serial drivers open like a USB-serial adapter; the dialogs are pure shells.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable

from communet.lab.core import Device, Reply, Shell, Terminal
from communet.lab.ios import IosDevice, IosShell
from communet.lab.ios_config import set_line, type9
from communet.lab.roomos import RoomosDevice, RoomosShell
from communet.lab.vrp import VrpDevice, VrpShell


class IosSetupShell(Shell):
    """Boot with no startup-config: the System Configuration Dialog, then the console."""

    def __init__(self, device: IosDevice) -> None:
        self.device = device
        self.inner = IosShell(device, "", console=True)
        self.inner.page_length = 24
        self.stage = "dialog"
        self.answers: dict[str, str] = {}
        self._sync()

    def greeting(self) -> str:
        return "\n\n         --- System Configuration Dialog ---\n\n"

    def prompt(self) -> str:
        questions = {
            "dialog": "Would you like to enter the initial configuration dialog? [yes/no]: ",
            "basic": "Would you like to enter basic management setup? [yes/no]: ",
            "hostname": f"  Enter host name [{self.device.name}]: ",
            "secret": "  Enter enable secret: ",
            "vty": "  Enter virtual terminal password: ",
            "select": "Enter your selection [2]: ",
            "press": "",
        }
        return questions.get(self.stage) or self.inner.prompt()

    def _sync(self) -> None:
        self.echo = self.stage not in ("secret", "vty") and self.inner.echo
        self.page_length = self.inner.page_length

    def rejected(self, line: str) -> str:
        return self.inner.rejected(line)

    def interrupt(self) -> Reply:
        self._sync()
        if self.stage != "done":
            self.stage = "press"
            return Reply(
                "Configuration aborted, no changes made.\n\nPress RETURN to get started!\n"
            )
        return self.inner.interrupt()

    def execute(self, line: str) -> Reply:
        reply = self._step(line)
        self._sync()
        return reply

    def _step(self, line: str) -> Reply:  # noqa: PLR0911
        answer = line.strip()
        if self.stage in ("dialog", "basic"):
            if answer.lower() in ("no", "n"):
                self.stage = "press"
                return Reply("\nPress RETURN to get started!\n\n")
            if answer.lower() not in ("yes", "y"):
                return Reply("% Please answer 'yes' or 'no'.\n")
            if self.stage == "dialog":
                self.stage = "basic"
                return Reply(
                    "\nAt any point you may enter a question mark '?' for help.\n"
                    "Use ctrl-c to abort configuration dialog at any prompt.\n"
                    "Default settings are in square brackets '[]'.\n\n"
                )
            self.stage = "hostname"
            return Reply("\nConfiguring global parameters:\n\n")
        if self.stage == "hostname":
            self.answers["hostname"] = answer or self.device.name
            self.stage = "secret"
            return Reply()
        if self.stage == "secret":
            self.answers["secret"] = answer
            self.stage = "vty"
            return Reply()
        if self.stage == "vty":
            self.answers["vty"] = answer
            self.stage = "select"
            return Reply(
                "\n[0] Go to the IOS command prompt without saving this config.\n"
                "[1] Return back to the setup without saving this config.\n"
                "[2] Save this configuration to nvram and exit.\n\n"
            )
        if self.stage == "select":
            return self._select(answer or "2")
        if self.stage == "press":
            self.stage = "done"
            return Reply()
        return self.inner.execute(line)

    def _select(self, choice: str) -> Reply:
        if choice == "1":
            self.stage = "basic"
            return Reply()
        self.stage = "done"
        if choice == "2":
            root = self.device.state.running
            set_line(root, f"hostname {self.answers['hostname']}", ranked=True)
            if self.answers.get("secret"):
                set_line(root, f"enable secret 9 {type9(self.answers['secret'])}", ranked=True)
            self.device.save()
            return Reply(
                "Building configuration...\n[OK]\nUse the enabled mode 'configure' "
                "command to modify this configuration.\n\nPress RETURN to get "
                "started!\n\n"
            )
        return Reply()


class VrpFirstLoginShell(Shell):
    """VRP's first console login: set a console password before the user view."""

    def __init__(self, device: VrpDevice) -> None:
        self.device = device
        self.inner = VrpShell(device, "")
        self.stage = "continue"
        self.first = ""
        self._sync()

    def greeting(self) -> str:
        return "\nAn initial password is required for the first login via the console.\n"

    def prompt(self) -> str:
        questions = {
            "continue": "Continue to set it? [Y/N]: ",
            "password": "Enter Password:",
            "confirm": "Confirm Password:",
        }
        return questions.get(self.stage) or self.inner.prompt()

    def _sync(self) -> None:
        self.echo = self.stage not in ("password", "confirm")
        self.page_length = self.inner.page_length

    def rejected(self, line: str) -> str:
        return self.inner.rejected(line)

    def execute(self, line: str) -> Reply:
        reply = self._step(line)
        self._sync()
        return reply

    def _step(self, line: str) -> Reply:  # noqa: PLR0911
        if self.stage == "continue":
            if line.strip().lower() != "y":
                return Reply()
            self.stage = "password"
            return Reply(
                "Set a password and keep it safe. Otherwise you will not be able to login via "
                "the console.\nPlease configure the login password (8-16)\n"
            )
        if self.stage == "password":
            if not 8 <= len(line) <= 16:
                return Reply(
                    "Error: The password is invalid.\nPlease configure the login password (8-16)\n"
                )
            self.first = line
            self.stage = "confirm"
            return Reply()
        if self.stage == "confirm":
            if line != self.first:
                self.stage = "password"
                return Reply(
                    "Error: The two passwords are different.\n"
                    "Please configure the login password (8-16)\n"
                )
            self.device.console_password = line
            self.stage = "done"
            return Reply()
        return self.inner.execute(line)


class CodecLoginShell(Shell):
    """A codec's serial console: ``login:`` / ``Password:`` (factory admin, empty password)."""

    def __init__(self, device: RoomosDevice) -> None:
        self.inner = RoomosShell(device)
        self.stage = "login"
        self.user = ""

    def greeting(self) -> str:
        return "\n"

    def prompt(self) -> str:
        return {"login": "login: ", "password": "Password: "}.get(self.stage, "")

    def rejected(self, line: str) -> str:
        return self.inner.rejected(line)

    def execute(self, line: str) -> Reply:
        reply = self._step(line)
        self.echo = self.stage != "password"
        return reply

    def _step(self, line: str) -> Reply:
        if self.stage == "login":
            self.user = line.strip()
            self.stage = "password" if self.user else "login"
            return Reply()
        if self.stage == "password":
            if self.user != "admin" or line:
                self.stage = "login"
                return Reply("Login incorrect\n\n")
            self.stage = "done"
            return Reply(self.inner.greeting())
        return self.inner.execute(line)


def factory_console(device: Device) -> Shell:
    """Put ``device`` in its out-of-box state and return its first console shell."""
    if isinstance(device, IosDevice):
        device.day0()
        return IosSetupShell(device)
    if isinstance(device, VrpDevice):
        device.day0()
        return VrpFirstLoginShell(device)
    if isinstance(device, RoomosDevice):
        device.factory_reset()
        return CodecLoginShell(device)
    raise ValueError(f"no console model for {type(device).__name__}")


class ConsolePort:
    """A device's console on a pseudo-terminal; ``path`` is what a serial client opens.

    With ``loop``, input is served by that event loop (the lab's, where the engines live);
    without, by a thread of its own (a device used by nothing else). ``relogin``: the shell a
    console line starts again with after its session ends (``exit``: it asks for the login
    again); without, the same session shows its prompt again.
    """

    def __init__(
        self,
        device: Device,
        shell: Shell,
        loop: asyncio.AbstractEventLoop | None = None,
        relogin: Callable[[], Shell] | None = None,
    ) -> None:
        self.terminal = Terminal(device, shell)
        self.relogin = relogin
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.loop = loop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        os.write(self.master, self.terminal.start().encode())
        if loop is not None:
            loop.add_reader(self.master, self._readable)
        else:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 4096)
        except OSError:
            if self.loop is not None:
                self.loop.remove_reader(self.master)
            return
        output = self.terminal.receive(data.decode("utf-8", "replace"))
        if self.terminal.closed and self.relogin is not None:  # logged out: log in again
            self.terminal = Terminal(self.terminal.device, self.relogin())
            output += "\r\n" + self.terminal.start()
        elif self.terminal.closed:  # a console line never hangs up: it shows a prompt again
            self.terminal.closed = False
            self.terminal.generation = self.terminal.device.generation
            output += "\r\n" + self.terminal.shell.prompt()
        if output:
            os.write(self.master, output.encode())

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                self._readable()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(Exception):
                self.loop.remove_reader(self.master)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
