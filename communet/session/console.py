"""A device session over its serial console: the technician's cable, for devices without SSH.

A switch whose config gives communet no SSH login (vty ``transport input telnet``, a vty
``login`` without password, no address at all) is reached the way a technician in the
commune office reaches it: a console cable on a USB-serial adapter, ``/dev/ttyUSB0``.
:func:`open_console_session` opens the device path with pyserial, answers the login the
console line asks (``Username:``/``Password:``, a line password alone, or none), and hands
the port to the same conversation layer the SSH sessions use (:class:`NetmikoSession` over a
:class:`~communet.session.wire.Wire`): privileged mode, pager off, trial commit, echo-checked
pushes, save, all as over SSH.

Why not netmiko's ``cisco_ios_serial`` driver: netmiko 4.8 accepts only the ports
``serial.tools.list_ports.comports()`` enumerates (``check_serial_port``), which leaves out
pseudo-terminals and the stable ``/dev/serial/by-id/…`` links a technician is told to use,
and its ``telnet_login`` types the username whenever "login" appears in the text, a MOTD
banner included; it has no serial driver for Huawei at all. The login here is platform data
(the prompts of :mod:`communet.platforms`), the same for IOS and VRP.

Secrets never reach a message: errors quote the device path, the user name and what the
console said, never a password.
"""

from __future__ import annotations

import contextlib
import grp
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import serial  # type: ignore[import-untyped]

from communet.platforms import get_platform
from communet.session import AuthenticationError, SessionError, UnreachableError
from communet.session.netmiko_session import NetmikoSession, Timeouts, end_of_reply, prepared
from communet.session.profiles import profile_for
from communet.session.wire import Wire

# Platforms whose console login and CLI communet drives (the codec's console is a day-0
# matter of its own; the exporter host has none).
CONSOLE_PLATFORMS = ("cisco_ios", "huawei_vrp", "huawei_vrpv8")

BAUD = 9600  # the console speed of every Catalyst and S-series switch out of the box

_USER = re.compile(r"(?:[Uu]ser ?[Nn]ame|[Ll]ogin|[Uu]sername)\s*:\s*$")
_PASSWORD = re.compile(r"[Pp]assword\s*:\s*$")
_RETURN = re.compile(r"(?:[Pp]ress RETURN to get started|[Pp]ress ENTER to get started)[.!]?\s*$")
_REFUSED = re.compile(
    r"% Login invalid|% Bad passwords|% Authentication failed|Error: Local authentication is "
    r"rejected|Error: The password is invalid|Access denied"
)
_DAY0 = re.compile(
    r"initial configuration dialog\? \[yes/no\]:\s*$|Continue to set it\? \[Y/N\]:\s*$"
)


_WAIT = ("wait", "")


class ConsoleProblem:
    """What went wrong on the console, as data the CLI words in the reader's language:
    ``kind`` (missing, permission, not_tty, busy, silent, unknown_prompt, closed, refused,
    no_line_password, factory, platform) and its ``params`` (no secret among them)."""

    kind: str = ""
    params: dict[str, str]


class ConsoleError(ConsoleProblem, UnreachableError):
    """The console cannot be used: no such device, not a serial device, no permission,
    held by another program, or nothing answers on it."""

    def __init__(self, host: str, kind: str, message: str, **params: str) -> None:
        super().__init__(host, message)
        self.kind, self.params = kind, params


class ConsoleLoginError(ConsoleProblem, AuthenticationError):
    """The console refused the login, or asks what communet was not given."""

    def __init__(self, host: str, kind: str, message: str, **params: str) -> None:
        super().__init__(host, message)
        self.kind, self.params = kind, params


class ConsoleUnusableError(ConsoleProblem, SessionError):
    """The device on the console is not one communet can converge (factory state, or a
    platform without console support)."""

    def __init__(self, host: str, kind: str, message: str, **params: str) -> None:
        super().__init__(host, message)
        self.kind, self.params = kind, params


@dataclass(frozen=True)
class ConsoleLogin:
    """What the console may ask. ``line_password``: a console line's own password (IOS
    ``line con 0`` ``password``, VRP ``set authentication password``), when it has one."""

    username: str
    password: str
    enable: str | None = None
    line_password: str | None = None


class SerialChannel:
    """A pyserial port as the channel :class:`Wire` reads and writes (paramiko's calls)."""

    def __init__(self, port: serial.Serial) -> None:
        self.port = port

    def settimeout(self, timeout: float | None) -> None:
        self.port.timeout = timeout

    def recv(self, nbytes: int) -> bytes:
        data: bytes = self.port.read(1)  # blocks up to the timeout
        if not data:
            raise TimeoutError("the console sent nothing")
        waiting = min(int(self.port.in_waiting), max(0, nbytes - 1))
        if waiting:
            data += self.port.read(waiting)
        return data

    def sendall(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()


def open_port(hostname: str, path: str, timeout: float) -> serial.Serial:
    """The serial port at ``path``, or one line saying why it cannot be used."""
    where = Path(path)
    if not where.exists():
        raise ConsoleError(
            hostname,
            "missing",
            f"console {path} does not exist: is the console cable (its USB-serial adapter) "
            "plugged in? 'ls /dev/ttyUSB* /dev/ttyACM* /dev/serial/by-id' lists the ones there",
            path=path,
        )
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except PermissionError:
        group = _group(where)
        raise ConsoleError(
            hostname,
            "permission",
            f"permission denied on console {path}: add your user to its group "
            f"({group}: 'sudo usermod -aG {group} $USER', then log in again)",
            path=path,
            group=group,
        ) from None
    except OSError as error:
        reason = str(error.strerror or error)
        raise ConsoleError(
            hostname, "busy", f"cannot open console {path}: {reason}", path=path, reason=reason
        ) from error
    try:
        if not os.isatty(fd):
            raise ConsoleError(
                hostname,
                "not_tty",
                f"{path} is not a serial device (not a terminal); give the console's "
                "device path, e.g. /dev/ttyUSB0",
                path=path,
            )
    finally:
        os.close(fd)
    try:
        return serial.Serial(path, BAUD, timeout=timeout, write_timeout=timeout, exclusive=True)
    except (serial.SerialException, OSError) as error:
        reason = str(error)
        if "lock" in reason.lower():
            reason = "another program (screen, minicom, another communet run) has it open"
        raise ConsoleError(
            hostname, "busy", f"cannot open console {path}: {reason}", path=path, reason=reason
        ) from error


def _group(path: Path) -> str:
    try:
        return grp.getgrgid(path.stat().st_gid).gr_name
    except (KeyError, OSError):
        return "dialout"


def open_console_session(
    hostname: str,
    platform: str,
    path: str,
    login: ConsoleLogin,
    *,
    timeouts: Timeouts | None = None,
) -> NetmikoSession:
    """Log in on the console at ``path`` as the line asks; privileged, pager off, ready."""
    if platform not in CONSOLE_PLATFORMS:
        supported = ", ".join(CONSOLE_PLATFORMS)
        raise ConsoleUnusableError(
            hostname,
            "platform",
            f"communet has no console support for platform {platform!r} (only {supported}); "
            "configure it over SSH",
            platform=platform,
            supported=supported,
        )
    spec = get_platform(platform)
    assert spec.connection is not None
    timeouts = timeouts or Timeouts()
    profile = profile_for(platform)
    port = open_port(hostname, path, timeouts.connect)
    channel = SerialChannel(port)
    end = end_of_reply(spec.connection, profile)
    try:
        _log_in(hostname, path, channel, end, login, timeouts.connect)
    except BaseException:
        port.close()
        raise
    wire = Wire(channel, end, "\r")
    secrets = tuple(v for v in (login.password, login.enable, login.line_password) if v)

    def release() -> None:
        with contextlib.suppress(Exception):  # the cable may be gone already
            wire.send(profile.logout + "\r")
            port.flush()
        port.close()

    session = NetmikoSession(
        hostname,
        spec,
        None,
        wire,
        timeouts=timeouts,
        enable=login.enable,
        secrets=secrets,
        # one line per round trip: a console's input buffer is small, and a device that
        # drops what a paste overruns answers for lines it never read (9600 baud)
        window=16,
        prepare_trial=True,
        release=release,
    )
    return prepared(session)


def _log_in(  # noqa: PLR0917 - one call site
    hostname: str,
    path: str,
    channel: SerialChannel,
    end: re.Pattern[str],
    login: ConsoleLogin,
    timeout: float,
) -> None:
    """Wake the console and answer its login until a prompt; one line when it refuses."""
    text, heard = "", False
    asked: list[str] = []
    deadline = time.monotonic() + timeout
    channel.sendall(b"\r")  # a console prints nothing until someone presses RETURN
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if not heard:
                raise ConsoleError(
                    hostname,
                    "silent",
                    f"nothing answers on console {path} within {timeout:g} s: is the cable "
                    f"on the device's CONSOLE port and the device powered? ({BAUD} baud, 8N1)",
                    path=path,
                    seconds=f"{timeout:g}",
                    baud=str(BAUD),
                )
            last = text.rstrip().rsplit("\n", 1)[-1][-60:]
            raise ConsoleError(
                hostname,
                "unknown_prompt",
                f"the console at {path} shows no prompt communet knows: {last!r}",
                path=path,
                shown=repr(last),
            )
        channel.settimeout(min(remaining, 0.5))
        try:
            chunk = channel.recv(65536)
        except TimeoutError:
            continue
        except (OSError, EOFError) as error:
            raise ConsoleError(
                hostname, "closed", f"the console {path} closed: {error}", path=path
            ) from error
        heard = True
        text += chunk.decode("utf-8", "replace").replace("\r", "")
        answer = _answer(hostname, path, text, end, login, asked)
        if answer is None:
            return
        if answer != _WAIT:
            channel.sendall((answer[1] + "\r").encode())
            asked.append(answer[0])
            text = ""
            deadline = time.monotonic() + timeout


def _answer(  # noqa: PLR0917 - one call site
    hostname: str,
    path: str,
    text: str,
    end: re.Pattern[str],
    login: ConsoleLogin,
    asked: list[str],
) -> tuple[str, str] | None:
    """What to type for the text so far: (what, answer); None: logged in; _WAIT: more."""
    # The RETURN that wakes the console may answer a waiting Password: with nothing: what
    # the console says to that is not a refusal of anything communet typed.
    refused = _REFUSED.search(text) or (asked[-1:] == ["password"] and _PASSWORD.search(text))
    if refused and asked:
        who = f"user {login.username!r}" if "user" in asked else "the console line password"
        raise ConsoleLoginError(
            hostname,
            "refused",
            f"the console at {path} refused the login ({who})",
            path=path,
            who=who,
        )
    if _DAY0.search(text):
        raise ConsoleUnusableError(
            hostname,
            "factory",
            f"the device on console {path} is in factory state (its first-boot dialog): it "
            "has no configuration to converge; set it up for day 0 first",
            path=path,
        )
    if end.search("\n" + text):
        return None
    if _RETURN.search(text):
        return ("return", "")
    if _USER.search(text):
        if asked.count("user") >= 1:
            who = f"user {login.username!r}"
            raise ConsoleLoginError(
                hostname,
                "refused",
                f"the console at {path} refused the login ({who})",
                path=path,
                who=who,
            )
        return ("user", login.username)
    if _PASSWORD.search(text):
        secret = login.password if "user" in asked else login.line_password
        if secret is None:
            raise ConsoleLoginError(
                hostname,
                "no_line_password",
                f"the console at {path} asks for its line password and none was given "
                "(--console-password env:NAME|vault:NAME)",
                path=path,
            )
        return ("password", secret)
    return _WAIT
