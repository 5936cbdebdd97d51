"""The session layer: the only code that talks to devices.

Everything above it (plan, apply, Ansible action, CLI) depends on the :class:`DeviceSession`
protocol only, so tests of the engine can use a fake at this declared seam while the lab
tests drive the real netmiko implementation over SSH.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from communet.errors import CommunetError

if TYPE_CHECKING:
    from communet.inventory import ResolvedDevice


class SessionError(CommunetError):
    """A device session failed. Always names the host; the transport error is ``__cause__``."""

    def __init__(self, host: str, message: str, command: str | None = None) -> None:
        self.host = host
        self.command = command
        self.reason = message
        where = f"{host}: {command!r}: " if command else f"{host}: "
        super().__init__(where + message)


class UnreachableError(SessionError):
    """No TCP connection, or the device stopped answering (timeout)."""


class AuthenticationError(SessionError):
    """Wrong username or password (or enable secret)."""


class HostKeyError(SessionError):
    """The SSH host key is unknown or does not match known_hosts."""


class CommandRejectedError(SessionError):
    """The device refused a command; ``reason`` carries the device's own message."""


class SessionDroppedError(SessionError):
    """The session closed under us (EOF) in the middle of a conversation."""


class DeviceSession(Protocol):
    """One open management session to one device, driven by platform data.

    ``begin``/``end``/``confirm``/``abort`` map onto the platform's safe-change primitive
    (IOS revert timer, VRPv8 commit trial, RoomOS settings snapshot, VRP5 nothing: the
    engine restores). Every method raises a :class:`SessionError` subclass on failure; after
    a drop or a timeout the session is unusable (every call raises SessionDroppedError).
    The real implementation is ``communet.session.netmiko_session.open_session``.
    """

    hostname: str

    def fetch_running(self) -> str:
        """The running configuration exactly as the device prints it (pager off, ``\n`` line
        ends, without the command's echo and the trailing prompt). Not inside a change."""
        ...

    def show(self, command: str) -> str:
        """A read-only command's output (the link state the guard reads); not inside a
        change. :class:`CommandRejectedError` when the device does not know it."""
        ...

    def begin(self, trial_minutes: int) -> None:
        """Enter configuration mode, arming the trial/revert timer where the platform has one
        (IOS: adds the ``archive`` the timer needs if missing; RoomOS: snapshots settings)."""
        ...

    def push(self, lines: Sequence[str]) -> str:
        """Send configuration lines; raise CommandRejectedError naming the first bad line.

        Lines may be typed in blocks (one write each): the lines after a bad one in the same
        block were sent too (the error says which); lines of later blocks were not.
        """
        ...

    def end(self, trial_minutes: int) -> None:
        """Leave configuration mode (VRPv8: ``commit trial N`` here)."""
        ...

    def confirm(self) -> None:
        """Keep the change: IOS ``configure confirm``, VRPv8 ``commit``; VRP5/RoomOS nothing."""
        ...

    def abort(self) -> None:
        """Throw the change away now: leave configuration mode (VRPv8: discarding the
        candidate), then IOS ``configure revert now``, VRPv8 ``abort trial``, RoomOS the old
        value of every setting pushed since ``begin``; VRP5 nothing (the engine restores)."""
        ...

    def save(self) -> None:
        """Make running the startup configuration, answering the platform's prompts."""
        ...

    def close(self) -> None: ...


class Connector(Protocol):
    """Opens a session to a device (``communet.connect.netmiko_connector``, or a test's)."""

    def __call__(self, device: ResolvedDevice, /) -> DeviceSession: ...
