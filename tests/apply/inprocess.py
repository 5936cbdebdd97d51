"""The real session code (``NetmikoSession`` and its ``Wire``) driven over an in-process
channel to a lab engine instead of SSH: the conversation, the push blocks, the rollback are
exactly production's, only the transport is skipped, so thousands of sessions cost seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address

from communet.inventory import ResolvedDevice
from communet.lab.core import Device, Terminal
from communet.platforms import get_platform
from communet.session import AuthenticationError, SessionDroppedError
from communet.session.netmiko_session import NetmikoSession, Timeouts, end_of_reply
from communet.session.profiles import profile_for
from communet.session.wire import Wire

NOC = IPv4Address("10.38.250.1")


class TerminalChannel:
    """``ChannelLike`` over a lab terminal: what is typed goes in, what it answers comes out;
    a closed terminal reads as EOF."""

    def __init__(self, terminal: Terminal, on_close: object = None) -> None:
        self.terminal = terminal
        self.pending = b""
        self.on_close = on_close

    def settimeout(self, timeout: float | None) -> None:
        pass

    def sendall(self, data: bytes) -> None:
        if self.terminal.closed:
            if callable(self.on_close):
                self.on_close()
            raise OSError("closed")
        self.pending += self.terminal.receive(data.decode("utf-8")).encode("utf-8")

    def recv(self, nbytes: int) -> bytes:
        if not self.pending:
            if callable(self.on_close):
                self.on_close()
            return b""  # EOF: the device hung up (nothing else can arrive in-process)
        chunk, self.pending = self.pending[:nbytes], self.pending[nbytes:]
        return chunk


@dataclass
class InProcessConnector:
    """``Connector`` for ``apply_device``: logs in with ``username``/``password`` under the
    device's own config (its users, vty ACL) as seen from the NOC, like the SSH server does."""

    device: Device
    username: str
    password: str
    source: IPv4Address = NOC  # where the vty ACL sees the session come from
    enable: str | None = None  # the config's own enable secret, where the login needs it
    # the serial console: no vty line, so no vty ACL (its own login is not what these
    # tests are about: the session starts at the platform's default level)
    console: bool = False
    sessions: int = 0
    drops: list[int] = field(default_factory=list)
    terminals: list[Terminal] = field(default_factory=list)

    def __call__(self, resolved: ResolvedDevice) -> NetmikoSession:
        return self.open(resolved.hostname, resolved.platform)

    def open(self, hostname: str, platform: str) -> NetmikoSession:
        self.sessions += 1
        if self.sessions > 1:  # an injected refusal hits the change session only
            self.device.faults.reject = ()
        level = (
            None
            if self.console
            else self.device.authenticate(self.username, self.password, self.source)
        )
        if level is None and not self.console:
            raise AuthenticationError(hostname, "authentication failed (in-process)")
        if not self.device.answering():
            raise SessionDroppedError(hostname, "the device does not answer")
        terminal = Terminal(self.device, self.device.open_shell(self.username, level))
        self.terminals.append(terminal)
        spec = get_platform(platform)
        assert spec.connection is not None
        profile = profile_for(spec.name)
        channel = TerminalChannel(terminal, self._dropped)
        wire = Wire(channel, end_of_reply(spec.connection, profile), profile.newline, "")
        wire.text = wire._clean(terminal.start())
        session = NetmikoSession(
            hostname,
            spec,
            None,
            wire,
            timeouts=Timeouts(command=5.0),
            enable=self.enable,
            secrets=tuple(s for s in (self.password, self.enable) if s),
            window=profile.window,
            prepare_trial=True,
        )
        session.prepare()
        return session

    def _dropped(self) -> None:
        """A drop is one event: the next session (the rollback's) is not dropped again."""
        faults = self.device.faults
        if faults.drop_after_lines is not None:
            self.drops.append(faults.drop_after_lines)
            faults.drop_after_lines = None
