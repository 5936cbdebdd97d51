"""Registration and uptime of Cisco TelePresence / RoomOS codecs, from the codec's own xAPI.

Transport: the xAPI terminal over SSH, ONE persistent session per codec, polled with
``xStatus`` (default every 60 s). Why not the alternatives:

- a new SSH connection per poll costs a key exchange and a login each time (several ms of
  CPU on both ends, and codecs limit concurrent SSH sessions), where a held session costs
  one short request and reply;
- ``xFeedback register /Status/SIP/Registration`` on the held session would push changes
  without polling, but a registration that silently stays lost sends no event, a session
  that died says nothing either, and the reply must be parsed as it arrives interleaved with
  our own requests; a poll answers "what is it now" and proves the session alive;
- HTTP ``getxml`` needs the codec's HTTP(S) service enabled and a password on every request.

At 600 codecs and one poll a minute this is 10 polls a second of a few lines each.

Status paths differ by firmware family: TC/CE8 report ``SIP Profile 1 Registration 1
Status``, CE9 and RoomOS ``SIP Registration 1 Status``; the parser accepts both.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncssh

STATUS_COMMANDS = ("xStatus SystemUnit Uptime", "xStatus SIP", "xStatus H323")
_LINE = re.compile(r"^\*s (.+?): (.*)$")
_SIP_STATUS = re.compile(r"^SIP (?:Profile \d+ )?Registration 1 Status$", re.IGNORECASE)
_H323_STATUS = re.compile(r"^H323 (?:Profile \d+ )?Gatekeeper Status$", re.IGNORECASE)
_UPTIME = re.compile(r"^SystemUnit Uptime$", re.IGNORECASE)


@dataclass(frozen=True)
class CodecStatus:
    success: bool
    sip: str | None = None  # e.g. Registered, Registering, Failed, Inactive
    h323: str | None = None  # e.g. Registered, Rejected, Inactive
    uptime: float | None = None
    error: str = ""

    @property
    def sip_registered(self) -> bool:
        return (self.sip or "").lower() == "registered"

    @property
    def h323_registered(self) -> bool:
        return (self.h323 or "").lower() == "registered"


def parse_status(text: str) -> CodecStatus:
    """The status lines (``*s path: value``) of one or more xStatus replies."""
    sip = h323 = None
    uptime: float | None = None
    for raw in text.replace("\r", "").split("\n"):
        match = _LINE.match(raw.strip())
        if match is None:
            continue
        path, value = " ".join(match.group(1).split()), match.group(2).strip().strip('"')
        if _SIP_STATUS.match(path):
            sip = value
        elif _H323_STATUS.match(path):
            h323 = value
        elif _UPTIME.match(path) and value.isdigit():
            uptime = float(value)
    return CodecStatus(True, sip=sip, h323=h323, uptime=uptime)


class XapiError(Exception):
    """The codec answered an xAPI request with ERROR or closed the session."""


class XapiSession:
    """One SSH session to a codec's xAPI terminal; requests are serialised."""

    def __init__(
        self, connection: asyncssh.SSHClientConnection, process: asyncssh.SSHClientProcess[str]
    ) -> None:
        self.connection = connection
        self.process = process
        self._buffer = ""
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        address: str,
        port: int,
        *,
        username: str,
        password: str,
        known_hosts: Path | None,
        timeout: float = 10.0,
    ) -> XapiSession:
        connection = await asyncio.wait_for(
            asyncssh.connect(
                address,
                port=port,
                username=username,
                password=password,
                known_hosts=str(known_hosts) if known_hosts else (),
                client_keys=None,
                agent_path=None,
                preferred_auth="password,keyboard-interactive",
                config=None,
            ),
            timeout,
        )
        try:
            process = await connection.create_process(term_type=None)
            session = cls(connection, process)
            await asyncio.wait_for(session._read_until_ok(), timeout)  # the login greeting
        except BaseException:
            connection.close()
            raise
        return session

    async def _read_until_ok(self) -> str:
        while True:
            for marker in ("\nOK\n", "\nERROR\n"):
                end = self._buffer.find(marker)
                if end >= 0:
                    text, self._buffer = self._buffer[: end + 1], self._buffer[end + len(marker) :]
                    if marker == "\nERROR\n":
                        raise XapiError(text.strip().splitlines()[-1] if text.strip() else "ERROR")
                    return text
            chunk = await self.process.stdout.read(65536)
            if not chunk:
                raise XapiError("the codec closed the session")
            self._buffer = (self._buffer + chunk.replace("\r\n", "\n")).replace("\r", "")
            if not self._buffer.startswith("\n"):
                self._buffer = "\n" + self._buffer

    async def request(self, command: str, timeout: float = 10.0) -> str:
        async with self._lock:
            self.process.stdin.write(command + "\n")
            return await asyncio.wait_for(self._read_until_ok(), timeout)

    def close(self) -> None:
        self.connection.close()


@dataclass(frozen=True)
class CodecLogin:
    username: str
    password: str

    def __repr__(self) -> str:
        return f"CodecLogin({self.username!r}, '********')"


class CodecPoller:
    """Holds one xAPI session per codec and polls its status; reconnects after a failure."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._sessions: dict[str, XapiSession] = {}
        self.connects = 0

    async def status(
        self, key: str, address: str, port: int, login: CodecLogin, known_hosts: Path | None
    ) -> CodecStatus:
        session = self._sessions.get(key)
        try:
            if session is None:
                self.connects += 1
                session = await XapiSession.open(
                    address,
                    port,
                    username=login.username,
                    password=login.password,
                    known_hosts=known_hosts,
                    timeout=self.timeout,
                )
                self._sessions[key] = session
            replies = [await session.request(c, self.timeout) for c in STATUS_COMMANDS]
        except (OSError, asyncssh.Error, XapiError, TimeoutError) as error:
            self.drop(key)
            reason = str(error) or type(error).__name__
            return CodecStatus(False, error=reason.splitlines()[0] if reason else "")
        return parse_status("\n".join(replies))

    def drop(self, key: str) -> None:
        session = self._sessions.pop(key, None)
        if session is not None:
            with contextlib.suppress(Exception):
                session.close()

    def close(self) -> None:
        for key in list(self._sessions):
            self.drop(key)
