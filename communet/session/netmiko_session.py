"""The real session layer: netmiko opens and verifies the SSH session, :mod:`wire` drives it.

``open_session`` uses ``netmiko.ConnectHandler`` for what netmiko does well and safely:
the paramiko connection with strict host-key checking against one known_hosts file (never
auto-add), password authentication and the driver's login quirks (Huawei's password-change
question). The conversation after login is ours: netmiko's per-line ``send_config_set``
with ``cmd_verify`` polls and sleeps (its ``huawei`` driver idles ~9 s on a short list), so
the session types a block of lines in one write, reads until the final prompt, splits the
transcript by the echoes and attributes every error to the line that caused it.

Everything platform-specific comes from :mod:`communet.platforms` (prompts, pager, config
mode, error patterns, save, trial commit) plus :mod:`communet.session.profiles`; no code
path here branches on a platform name. Secrets never reach a message: every command and
device text quoted in an error goes through :func:`communet.secrets.mask_secrets`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

import paramiko
from netmiko import ConnectHandler
from netmiko import log as netmiko_log

from communet.platforms import PlatformSpec, get_platform
from communet.platforms.spec import Connection, PromptAnswer
from communet.secrets import Secret, mask_secrets
from communet.session import (
    AuthenticationError,
    CommandRejectedError,
    HostKeyError,
    SessionDroppedError,
    SessionError,
    UnreachableError,
)
from communet.session.profiles import QUESTIONS, SessionProfile, profile_for
from communet.session.wire import (
    Answer,
    Reply,
    Wire,
    WireClosedError,
    WireError,
    WireLostError,
    WireQuestionError,
    WireTimeoutError,
)

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CARET_ONLY = re.compile(r"^\s*\^\s*$")
# A multi-line banner (IOS ``banner login ^C`` ... ``^C``): one block, whatever the window.
_BANNER = re.compile(r"^banner \S+ (\^C|\S)(.*)$")


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``connect`` bounds each of TCP connect, SSH banner and authentication."""

    connect: float = 10.0
    command: float = 30.0  # one reply (or one block of pushed lines)
    save: float = 120.0  # saving can take minutes on a big chassis


class LineRejectedError(CommandRejectedError):
    """A pushed line was refused. ``line`` is its 1-based number in the push, ``sent`` how
    many lines of the push had been typed when the error was seen (the rest of its block)."""

    def __init__(
        self, host: str, message: str, command: str, *, line: int, total: int, sent: int
    ) -> None:
        super().__init__(host, message, command)
        self.line = line
        self.total = total
        self.sent = sent


# --------------------------------------------------------------------------------- opening
def open_session(
    hostname: str,
    platform: str,
    host: str,
    port: int = 22,
    *,
    username: str,
    password: str,
    known_hosts: Path | str,
    enable: str | None = None,
    timeouts: Timeouts | None = None,
    window: int | None = None,
    prepare_trial: bool = True,
) -> NetmikoSession:
    """Log in to ``host:port`` as the platform's CLI and get it ready (privileged, pager off).

    The SSH host key is always verified against ``known_hosts`` (that file only; an unknown
    or different key is refused). ``window`` is how many lines ``push`` types per write
    (default: the platform's profile; 1 = one round trip per line). ``prepare_trial``: when
    the trial primitive needs config the device lacks (IOS ``archive``/``path``), ``begin``
    adds it before starting the trial instead of failing.
    """
    spec = get_platform(platform)
    connection = spec.connection
    if connection is None:
        raise SessionError(hostname, f"platform {platform!r} has no CLI connection in its spec")
    timeouts = timeouts or Timeouts()
    profile = profile_for(spec.name)
    conn = _connect(
        connection,
        hostname,
        host,
        port,
        username=username,
        password=password,
        enable=enable,
        known_hosts=known_hosts,
        timeouts=timeouts,
    )
    initial = str(getattr(conn, "_read_buffer", "") or "")
    wire = Wire(conn.remote_conn, end_of_reply(connection, profile), profile.newline, initial)
    session = NetmikoSession(
        hostname,
        spec,
        conn,
        wire,
        timeouts=timeouts,
        enable=enable,
        secrets=tuple(value for value in (password, enable) if value),
        window=window or profile.window,
        prepare_trial=prepare_trial,
    )
    return prepared(session)


def prepared(session: NetmikoSession) -> NetmikoSession:
    """``session`` once its terminal is set up for the conversation; closed if that fails
    (whatever the transport: SSH here, the serial console in communet.session.console)."""
    try:
        session.prepare()
    except BaseException:
        session.close()
        raise
    return session


def end_of_reply(connection: Connection, profile: SessionProfile) -> re.Pattern[str]:
    """A regex matching the last line of any reply, anchored at the end of the text."""
    if profile.reply_end:
        return re.compile(rf"\n(?:{profile.reply_end})\n\Z")
    prompts = [
        connection.prompt,
        connection.config_prompt,
        *profile.config_prompts,
        *profile.extra_prompts,
    ]
    alternation = "|".join(f"(?:{p})" for p in prompts if p)
    return re.compile(rf"\n(?:{alternation})\Z")


def _connect(
    connection: Connection,
    hostname: str,
    host: str,
    port: int,
    *,
    username: str,
    password: str,
    enable: str | None,
    known_hosts: Path | str,
    timeouts: Timeouts,
) -> Any:
    where = f"{host}:{port}"
    known = Path(known_hosts)
    if not known.is_file():
        raise HostKeyError(
            hostname,
            f"cannot verify the SSH host key of {where}: the known_hosts file {known} does "
            "not exist",
        )
    params: dict[str, Any] = {
        **connection.connect_kwargs(),
        "host": host,
        "port": port,
        "username": username,
        "password": password,
        "secret": enable or "",
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(known),
        "allow_agent": False,
        "use_keys": False,
        "conn_timeout": timeouts.connect,
        "banner_timeout": timeouts.connect,
        "auth_timeout": timeouts.connect,
        "blocking_timeout": timeouts.command,
        "auto_connect": False,
    }
    sock = _dial(hostname, host, port, timeouts.connect)
    params["sock"] = sock
    try:
        conn = ConnectHandler(**params)
    except BaseException:
        sock.close()
        raise
    began = time.monotonic()
    try:
        conn.establish_connection()
    except Exception as error:
        _forget(conn)
        sock.close()
        root = _root_cause(error)
        # The handshake died quietly at the deadline (no banner, no key exchange).
        silent = time.monotonic() - began >= timeouts.connect * 0.9
        raise _connect_error(
            root,
            hostname,
            where,
            known=known,
            username=username,
            silent=silent,
            timeout=timeouts.connect,
        ) from root
    return conn


def _dial(hostname: str, host: str, port: int, timeout: float) -> socket.socket:
    """The TCP connection, with Nagle off: paramiko leaves it on, and every small SSH packet
    of the handshake then waits for a delayed ACK (~40 ms each on Linux; 100 → 15 ms)."""
    where = f"{host}:{port}"
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError as error:
        raise UnreachableError(
            hostname, f"connection refused by {where} (no SSH server there)"
        ) from error
    except TimeoutError as error:
        raise UnreachableError(hostname, f"no answer on {where} within {timeout:g} s") from error
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise UnreachableError(hostname, f"cannot connect to {where}: {reason}") from error
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _root_cause(error: BaseException) -> BaseException:
    """The transport's own exception (paramiko, socket) under netmiko's wrapper."""
    for item in _chain(error):
        if not type(item).__module__.startswith("netmiko"):
            return item
    return error


def _connect_error(
    root: BaseException,
    host: str,
    where: str,
    *,
    known: Path,
    username: str,
    silent: bool,
    timeout: float,
) -> SessionError:
    """The SSH handshake failed (TCP itself was up): which of our errors, and why."""
    text = str(root)
    if isinstance(root, paramiko.BadHostKeyException):
        return HostKeyError(
            host,
            f"the SSH host key offered by {where} ({_fingerprint(root.key)}) does not match the "
            f"one for it in {known} ({_fingerprint(root.expected_key)}); if the device was "
            "replaced, verify its new key and update that file",
        )
    if isinstance(root, paramiko.SSHException) and "not found in known_hosts" in text:
        return HostKeyError(
            host, f"{where} has no host key in {known}; verify the device's key and add it there"
        )
    if isinstance(root, paramiko.AuthenticationException):
        return AuthenticationError(
            host, f"authentication failed for user {username!r} on {where} (wrong password?)"
        )
    if silent or isinstance(root, TimeoutError):
        return UnreachableError(host, f"no answer on {where} within {timeout:g} s")
    if isinstance(root, EOFError | ConnectionResetError):
        # the device hung up before any login was asked: not a password matter
        return UnreachableError(
            host,
            f"{where} closed the connection before the SSH login: the device refuses this "
            "station (a vty access list, IOS 'access-class' / VRP 'acl … inbound', that does "
            "not permit its address, or no free vty line)",
        )
    return UnreachableError(
        host, f"the SSH handshake with {where} failed: {text or type(root).__name__}"
    )


def _fingerprint(key: Any) -> str:
    try:
        return str(key.fingerprint)
    except Exception:  # an exotic key type: the base64 blob still identifies it
        return str(key.get_base64())[:24] + "…"


def _forget(conn: Any) -> None:
    """Close paramiko and drop the log filter netmiko adds per connection (no logout chat)."""
    with contextlib.suppress(Exception):  # a half-open transport may fail to close
        conn.paramiko_cleanup()
    secrets_filter = getattr(conn, "_secrets_filter", None)
    if secrets_filter is not None:
        netmiko_log.removeFilter(secrets_filter)


# --------------------------------------------------------------------------------- session
class NetmikoSession:
    """One open session implementing :class:`communet.session.DeviceSession`.

    Not thread-safe: one thread drives one session (the engine runs one per host).
    """

    def __init__(
        self,
        hostname: str,
        spec: PlatformSpec,
        conn: Any,
        wire: Wire,
        *,
        timeouts: Timeouts,
        enable: str | None,
        secrets: tuple[str, ...],
        window: int,
        prepare_trial: bool,
        release: Callable[[], None] | None = None,
    ) -> None:
        """``release`` ends the transport on ``close`` (default: netmiko's SSH connection
        ``conn``; a serial console logs out and closes its port)."""
        assert spec.connection is not None
        self.hostname = hostname
        self.spec = spec
        self.connection: Connection = spec.connection
        self.profile = profile_for(spec.name)
        self.timeouts = timeouts
        self.window = max(1, window)
        self.prepare_trial = prepare_trial
        self.mode = "exec"  # or "config"
        self.armed = False  # a trial (revert timer / trial commit) is pending on the device
        self.archive: str | None = None  # IOS: the archive the revert timer backed up to
        self._conn = conn
        self._release = release
        self._wire = wire
        self._enable = enable
        self._secrets = tuple(Secret("session", value) for value in secrets)
        config_prompts = [self.connection.config_prompt, *self.profile.config_prompts]
        self._config_prompt = re.compile(
            "|".join(f"(?:{p})" for p in config_prompts if p) or r"(?!)"
        )
        self._errors = re.compile(spec.errors.regex, re.MULTILINE) if spec.errors.patterns else None
        self._success = (
            re.compile(spec.errors.success, re.MULTILINE) if spec.errors.success else None
        )
        self._snapshot: dict[str, str] | None = None  # settings devices: before the change
        self._pushed: list[str] = []
        self._refused: list[str] = []  # pushed lines the device refused
        self._questions = [
            re.compile(pattern)
            for pattern in (
                *(a.pattern for a in (spec.save.answers if spec.save else ())),
                *(a.pattern for a in spec.trial.answers),
                *QUESTIONS,
            )
        ]
        self._closed = False
        self._dead: str | None = None
        exits = (*spec.connection.exit_config, *(spec.syntax.block_exit if spec.syntax else ()))
        self._mode_exits = frozenset(exits)

    # -- context manager
    def __enter__(self) -> NetmikoSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def has_config_mode(self) -> bool:
        return bool(self.connection.enter_config or self.spec.trial.start)

    @property
    def bytes_received(self) -> int:
        return self._wire.received

    @property
    def lines_sent(self) -> int:
        """Lines typed so far in this session (commands and answers to questions)."""
        return self._wire.lines

    # -- login
    def prepare(self) -> None:
        """Skip the login banner, then privileged mode and the pager off (once per session).

        A device with a prompt gets an empty line first: it prints a fresh prompt even when
        netmiko's login handler already read the first one, and everything up to that prompt
        (a MOTD that might contain a command's text) is dropped before anything is typed. A
        device without a prompt (xAPI) ends its greeting with a reply end of its own.
        """
        deadline = time.monotonic() + self.timeouts.command
        try:
            if not self.profile.reply_end:
                self._wire.send(self._wire.newline)
                self._wire.lines += 1
            self._wire.wait_prompt(deadline)
        except WireError as error:
            self._fail(error, "(login)")
        if self.profile.elevate:
            self._elevate(deadline)
        if self.connection.pager_off:
            self._check(self._exchange(self.connection.pager_off, deadline))

    def _elevate(self, deadline: float) -> None:
        profile = self.profile
        question = re.compile(profile.elevate_question)
        answers = [Answer(question, self._enable or "", limit=1 if self._enable else 0)]
        try:
            reply = self._wire.ask(profile.elevate, answers, deadline)
        except WireQuestionError as error:
            self.close()
            if self._enable:
                raise AuthenticationError(
                    self.hostname, "the enable secret was refused", profile.elevate
                ) from error
            raise AuthenticationError(
                self.hostname,
                "privileged mode needs an enable secret and none was given",
                profile.elevate,
            ) from error
        except WireError as error:
            self._fail(error, profile.elevate)
        if not re.fullmatch(self.connection.prompt, reply.prompt):
            self.close()
            said = self._quote(reply.output) or reply.prompt
            raise AuthenticationError(
                self.hostname,
                f"cannot enter privileged mode: the device answered {said}",
                profile.elevate,
            )

    # -- DeviceSession
    def fetch_running(self) -> str:
        self._require(config=False, what="fetch_running()")
        command = self.spec.syntax.show_running if self.spec.syntax else ""
        if not command:
            raise SessionError(
                self.hostname, f"platform {self.spec.name!r} has no show-running command"
            )
        reply = self._exchange([command], time.monotonic() + self.timeouts.command)[0]
        self._check([reply])
        return reply.output

    def show(self, command: str) -> str:
        self._require(config=False, what="show()")
        reply = self._exchange([command], time.monotonic() + self.timeouts.command)[0]
        self._check([reply])
        return reply.output

    def begin(self, trial_minutes: int) -> None:
        """Configuration mode with the platform's trial armed; ``trial_minutes`` 0: no trial."""
        self._require(config=False, what="begin()")
        self._pushed = []
        self._refused = []
        trial = self.spec.trial
        if not self.has_config_mode:
            if self.profile.setting_key and trial.backup:
                self._snapshot = self._settings(trial.backup)
            return
        trial_start = _format(trial.start, trial_minutes) if trial_minutes > 0 else []
        start = trial_start or list(self.connection.enter_config)
        reply = self._steps(start, trial.answers)[-1]
        if self.mode != "config" and trial_start and trial.requires and self.prepare_trial:
            log.info("%s: adding what the trial needs: %s", self.hostname, trial.requires)
            enter, leave = self.connection.enter_config, self.connection.exit_config
            deadline = time.monotonic() + self.timeouts.command
            self._check(self._exchange([*enter, *trial.requires, *leave], deadline))
            reply = self._steps(start, trial.answers)[-1]
        if self.mode != "config":
            said = self._quote(reply.output) or "nothing"
            raise CommandRejectedError(
                self.hostname,
                f"could not start the change (still not in configuration mode); the device "
                f"answered {said}",
                self._mask(reply.command),
            )
        if trial_start:
            self.armed = True
            found = (
                re.search(self.profile.archive_pattern, reply.output)
                if self.profile.archive_pattern
                else None
            )
            self.archive = found.group("path") if found else self.archive

    def push(self, lines: Sequence[str]) -> str:
        if self.has_config_mode:
            self._require(config=True, what="push()")
        else:
            self._require(config=False, what="push()")
        lines = list(lines)
        for line in lines:
            if _CONTROL.search(line):
                raise CommandRejectedError(
                    self.hostname,
                    "a configuration line contains a control character; nothing was sent",
                    self._mask(line),
                )
        transcript: list[str] = []
        total = len(lines)
        for first, block in push_blocks(lines, self.window, self._mode_exits):
            self._pushed.extend(block)
            deadline = time.monotonic() + self.timeouts.command
            try:
                replies = self._wire.exchange(block, deadline, self._questions)
            except WireError as error:
                self._fail(error, block[error.index], first + error.index + 1, total)
            self._track(replies[-1])
            for offset, reply in enumerate(replies):
                transcript.append(reply.command + "\n" + reply.output)
                problem = self._problem(reply.output)
                if problem is not None:
                    self._reject(
                        reply.command, problem, first + offset + 1, total, first + len(block)
                    )
        return self._mask("".join(transcript))

    def end(self, trial_minutes: int) -> None:
        """Back to exec mode; VRPv8 ``commit trial`` (``commit`` when ``trial_minutes`` is 0)."""
        if not self.has_config_mode:
            return
        self._require(config=True, what="end()")
        trial = self.spec.trial
        if trial_minutes > 0:
            commit, armed = _format(trial.commit, trial_minutes), bool(trial.commit)
        else:  # no trial: a candidate (VRPv8) is committed for good
            commit, armed = (list(trial.confirm) if trial.commit else []), False
        if commit:
            self._steps(commit, trial.answers)
            self.armed = armed
        self._steps(self.connection.exit_config, trial.answers)
        if self.mode == "config":
            raise SessionError(
                self.hostname,
                "still in configuration mode after leaving it",
                self._mask(" / ".join(self.connection.exit_config)),
            )

    def confirm(self) -> None:
        """Keep the change (IOS ``configure confirm``, VRPv8 ``commit``); an expired trial
        is an error: the device already rolled back."""
        self._require(config=False, what="confirm()")
        trial = self.spec.trial
        replies = self._steps(self._in_trial_view(trial.confirm), trial.answers)
        expired = self.profile.nothing_pending and any(
            re.search(self.profile.nothing_pending, reply.output) for reply in replies
        )
        was_armed, self.armed = self.armed, False
        self._snapshot = None
        if expired and was_armed:
            raise CommandRejectedError(
                self.hostname,
                "too late: the trial had expired and the device had already rolled the change back",
                self._mask(" / ".join(trial.confirm)),
            )

    def abort(self) -> None:
        if self._dead or self._closed:
            raise self._gone()
        trial = self.spec.trial
        if self.mode == "config":  # leave, discarding a candidate where there is one (VRPv8)
            self._steps(self.connection.exit_config, trial.answers, check=False)
        if self.profile.abort_now or trial.abort:
            self._roll_back()
        if self._snapshot is not None and self._pushed:
            self._restore_settings(self._snapshot)
        self.armed = False
        self._snapshot = None
        self._pushed = []
        self._refused = []

    def save(self) -> None:
        self._require(config=False, what="save()")
        rules = self.spec.save
        if rules is None or not rules.command:
            return
        answers = [Answer(re.compile(a.pattern), a.answer) for a in rules.answers]
        deadline = time.monotonic() + self.timeouts.save
        try:
            reply = self._wire.ask(rules.command, answers, deadline, self._questions)
        except WireError as error:
            self._fail(error, rules.command, timeout=self.timeouts.save)
        self._track(reply)
        self._check([reply])
        if rules.success and not re.search(rules.success, reply.output):
            raise CommandRejectedError(
                self.hostname,
                f"the save did not report success; the device answered "
                f"{self._quote(reply.output) or 'nothing'}",
                rules.command,
            )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._release is not None:
            self._release()
        else:
            _forget(self._conn)

    # -- trial helpers
    def _in_trial_view(self, commands: Sequence[str]) -> list[str]:
        if self.profile.trial_in_config:
            return [*self.connection.enter_config, *commands, *self.connection.exit_config]
        return list(commands)

    def _roll_back(self) -> None:
        """Undo a pending trial now; a refusal only matters when one was pending."""
        trial = self.spec.trial
        pending = self.armed
        if self.profile.abort_now:
            replies = self._steps(self.profile.abort_now, trial.answers, check=False)
            if not any(self._problem(r.output) for r in replies):
                return
            if not (trial.abort and self.archive):  # no fallback: report the refusal
                if pending:
                    self._check(replies)
                return
            # The device does not know 'revert now' (old IOS): replace from the archive.
        if any("{path}" in c for c in trial.abort) and not self.archive:
            return
        commands = [c.replace("{path}", self.archive or "") for c in trial.abort]
        replies = self._steps(self._in_trial_view(commands), trial.answers, check=False)
        if pending:
            self._check(replies)

    def _settings(self, command: str) -> dict[str, str]:
        reply = self._exchange([command], time.monotonic() + self.timeouts.command)[0]
        self._check([reply])
        prefix = self.spec.syntax.running_prefix if self.spec.syntax else ""
        settings: dict[str, str] = {}
        for line in reply.output.splitlines():
            if prefix and not line.startswith(prefix):
                continue
            text = line[len(prefix) :]
            key = self._setting_key(text)
            if key is not None:
                settings[key] = text
        return settings

    def _setting_key(self, line: str) -> str | None:
        found = re.match(self.profile.setting_key, line.strip())
        return " ".join(found.group("key").split()).lower() if found else None

    def _restore_settings(self, snapshot: dict[str, str]) -> None:
        restore: list[str] = []
        refused = {self._setting_key(line) for line in self._refused}
        for line in self._pushed:
            key = self._setting_key(line)
            if key in refused:
                continue
            old = snapshot.get(key) if key is not None else None
            if old is not None and old not in restore:
                restore.append(old)
        if restore:
            deadline = time.monotonic() + self.timeouts.command
            self._check(self._exchange(restore, deadline))

    # -- conversation helpers
    def _steps(
        self, commands: Sequence[str], answers: Sequence[PromptAnswer], check: bool = True
    ) -> list[Reply]:
        """Type ``commands`` one at a time, answering the listed questions."""
        compiled = [Answer(re.compile(a.pattern), a.answer) for a in answers]
        replies: list[Reply] = []
        for command in commands:
            deadline = time.monotonic() + self.timeouts.command
            try:
                reply = self._wire.ask(command, compiled, deadline, self._questions)
            except WireError as error:
                self._fail(error, command)
            self._track(reply)
            replies.append(reply)
            if check:
                self._check([reply])
        return replies

    def _exchange(self, lines: Sequence[str], deadline: float) -> list[Reply]:
        try:
            replies = self._wire.exchange(lines, deadline, self._questions)
        except WireError as error:
            self._fail(error, lines[min(error.index, len(lines) - 1)])
        self._track(replies[-1])
        return replies

    def _track(self, reply: Reply) -> None:
        self.mode = "config" if self._config_prompt.fullmatch(reply.prompt) else "exec"

    def _problem(self, output: str) -> str | None:
        """The device's complaint in ``output`` (its error lines, caret lines dropped)."""
        if self._errors is None or not output:
            return None
        lines: list[str] = []
        first = ""
        for match in self._errors.finditer(output):
            start = output.rfind("\n", 0, match.start()) + 1
            stop = output.find("\n", match.end())
            line = output[start : stop if stop != -1 else len(output)].strip()
            first = first or line
            if not _CARET_ONLY.match(line) and line not in lines:
                lines.append(line)
        if not first:
            if self._success is not None and not self._success.search(output):
                return f"no {self.spec.errors.success!r} in the reply: {output.strip()}"
            return None
        return " ".join(lines) or first

    def _check(self, replies: Sequence[Reply]) -> None:
        for reply in replies:
            problem = self._problem(reply.output)
            if problem is not None:
                raise CommandRejectedError(
                    self.hostname,
                    f"the device answered {self._quote_text(problem)}",
                    self._mask(reply.command),
                )

    def _reject(self, command: str, problem: str, line: int, total: int, sent: int) -> NoReturn:
        self._refused.append(command)  # never applied: nothing of it to restore
        where = f"line {line} of {total}"
        if sent > line:
            later = f"line {sent}" if sent == line + 1 else f"lines {line + 1}-{sent}"
            where += f"; {later} {'was' if sent == line + 1 else 'were'} sent with it"
        raise LineRejectedError(
            self.hostname,
            f"the device answered {self._quote_text(problem)} ({where})",
            self._mask(command),
            line=line,
            total=total,
            sent=sent,
        )

    def _fail(
        self, error: WireError, command: str, line: int = 0, total: int = 0, timeout: float = 0
    ) -> NoReturn:
        """Map a broken conversation to the error tree; the session is unusable afterwards
        (a question left pending, a timeout or a drop: nothing typed next would be safe)."""
        masked = self._mask(command)
        where = f" (line {line} of {total})" if total > 1 else ""
        cause = error.__cause__ or error
        self._dead = command
        self.close()
        if isinstance(error, WireQuestionError):
            raise CommandRejectedError(
                self.hostname,
                f"the device asked {self._quote_text(error.question)} and there is no answer "
                f"for that question{where}; the session was closed",
                masked,
            ) from cause
        if isinstance(error, WireClosedError):
            raise SessionDroppedError(
                self.hostname,
                f"the device closed the session before answering this command{where}",
                masked,
            ) from cause
        if isinstance(error, WireTimeoutError):
            raise UnreachableError(
                self.hostname,
                f"no reply within {timeout or self.timeouts.command:g} s (the device stopped "
                "answering)"
                f"{where}",
                masked,
            ) from cause
        assert isinstance(error, WireLostError)
        raise SessionError(
            self.hostname,
            f"the device showed its prompt but never echoed this line; it may have dropped "
            f"typed input{where}",
            masked,
        ) from cause

    def _require(self, *, config: bool, what: str) -> None:
        if self._dead is not None or self._closed:
            raise self._gone()
        if config and self.mode != "config":
            raise SessionError(self.hostname, f"{what} needs begin() first")
        if not config and self.mode == "config":
            raise SessionError(self.hostname, f"{what} inside a change: call end() first")

    def _gone(self) -> SessionError:
        if self._dead is not None:
            return SessionDroppedError(
                self.hostname, "the session is gone (it failed earlier)", self._mask(self._dead)
            )
        return SessionDroppedError(self.hostname, "the session is closed")

    # -- masking
    def _mask(self, text: str) -> str:
        return mask_secrets(self.spec.name, text, self._secrets)

    def _quote(self, output: str) -> str:
        text = " ".join(line.strip() for line in output.splitlines() if line.strip())
        return self._quote_text(text) if text else ""

    def _quote_text(self, text: str) -> str:
        return '"' + self._mask(text) + '"'


def push_blocks(
    lines: Sequence[str], window: int, exits: frozenset[str]
) -> Iterator[tuple[int, list[str]]]:
    """(index of the first line, lines) typed in one write each.

    A line that can change the mode (it opens a section: the next line is indented deeper;
    or it leaves one: ``exit``/``quit``/``end``/``return``) is the last line of its write,
    and its answer is read before anything after it is sent: if the device refuses
    ``interface GigabitEthernet1/0/1``, the interface's lines must not run in the global
    mode. The lines before it in the same write cannot change the mode whatever the device
    answers, so they may share its write (up to ``window`` lines): a section costs one round
    trip for its opening line with what precedes it and one for its body with its ``exit``,
    instead of one for each of the three. A multi-line banner is one write whatever the
    window: its text lines get no prompt to wait for.
    """
    start, block = 0, list[str]()
    delimiter = ""  # inside a multi-line banner: its text has no prompt to wait for
    for index, line in enumerate(lines):
        if not block:
            start = index
        block.append(line)
        opened = _BANNER.match(line) if not delimiter else None
        if opened and opened.group(1) not in opened.group(2):
            delimiter = opened.group(1)
            continue
        if delimiter:
            if delimiter not in line:
                continue
            delimiter = ""  # its closing line ends the write like any other
        following = lines[index + 1] if index + 1 < len(lines) else ""
        opens = bool(following.strip()) and _indent(following) > _indent(line)
        if opens or line.strip() in exits or len(block) >= window:
            yield start, block
            block = []
    if block:
        yield start, block


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _format(commands: Sequence[str], minutes: int) -> list[str]:
    return [c.format(minutes=minutes, seconds=minutes * 60) for c in commands]
