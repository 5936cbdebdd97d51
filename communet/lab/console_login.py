"""The console login a loaded config asks for, on the lab's serial console (brownfield).

A technician who plugs a console cable into a switch that is already configured meets the
login its running config sets for the console line, not the factory dialog: IOS ``line con
0`` (``login`` with the line's ``password``, ``login local``, AAA's login list, or no login
at all, the IOS default), VRP ``user-interface con 0`` (``authentication-mode password`` /
``aaa`` / ``none``). :class:`ConsoleLoginShell` asks what the config asks, checks the answer
against the config with the same secret rules as the SSH logins, then hands over to the
platform's own shell at the line's privilege level. After ``exit``/``quit`` the console asks
again (see :class:`communet.lab.console.ConsolePort`).
"""

from __future__ import annotations

from dataclasses import dataclass

from communet.lab.core import Node, Reply, Shell
from communet.lab.ios import IosDevice, IosShell
from communet.lab.ios_config import verify_secret
from communet.lab.vrp import VrpDevice, VrpShell
from communet.lab.vrp_config import local_user

# IOS after three wrong answers; VRP after one (then it asks again).
_IOS_FAILED = "% Login invalid\n\n"
_IOS_BAD_PASSWORD = "% Bad passwords\n\n"  # noqa: S105 - the device's message
_VRP_FAILED = "Error: Local authentication is rejected.\n\n"
_IOS_CONSOLE = ("line con 0", "line console 0")
_VRP_CONSOLE = ("user-interface con 0", "user-interface console 0")


@dataclass(frozen=True)
class ConsoleRule:
    """What the console line asks: ``ask`` is "" (nothing), "password" or "user"; a
    password alone is checked against the line's password, or the enable secret when the
    line's AAA login list falls to its ``enable`` method (``against="enable"``)."""

    ask: str
    level: int
    against: str = "line"


def _aaa_console_rule(root: Node, lines: list[str], level: int) -> ConsoleRule:
    """``aaa new-model``: the line's ``login authentication LIST`` (else ``default``); its
    server groups are unreachable in the lab, so the first other method decides: ``local``
    asks a user, ``line`` / ``enable`` a password alone, ``none`` nothing. No such list:
    the local users, as IOS does."""
    name = next((ln.split()[2] for ln in lines if ln.startswith("login authentication ")), None)
    prefix = f"aaa authentication login {name or 'default'} "
    listed = next((c.line for c in root.children if c.line.startswith(prefix)), None)
    words = listed.split()[4:] if listed is not None else ["local"]
    methods = [w for i, w in enumerate(words) if w != "group" and words[i - 1 : i] != ["group"]]
    first = methods[0] if methods else "local"
    if first in ("line", "enable"):
        return ConsoleRule("password", level, first)
    return ConsoleRule("" if first == "none" else "user", level)


def ios_console_rule(root: Node) -> ConsoleRule:
    """IOS ``line con 0``: no ``login`` (the default) lets anyone in at level 1, or at the
    line's ``privilege level``; ``login`` asks the line password; ``login local`` asks a
    user; with ``aaa new-model`` the line's AAA login list decides."""
    line = next((c for c in root.children if c.line in _IOS_CONSOLE), None)
    lines = [c.line for c in line.children] if line is not None else []
    level = next((int(ln.split()[2]) for ln in lines if ln.startswith("privilege level ")), 1)
    if root.find("aaa new-model") is not None:
        return _aaa_console_rule(root, lines, level)
    if "login local" in lines:
        return ConsoleRule("user", level)
    if "login" in lines:
        return ConsoleRule("password", level)
    return ConsoleRule("", level)


def vrp_console_rule(root: Node) -> ConsoleRule:
    """VRP ``user-interface con 0``: ``authentication-mode password`` / ``aaa`` / ``none``
    (absent: none); the console's user level is 15 unless the view says otherwise."""
    view = next(
        (c for c in root.children if c.line in _VRP_CONSOLE),
        None,
    )
    lines = [c.line for c in view.children] if view is not None else []
    level = next((int(ln.split()[3]) for ln in lines if ln.startswith("user privilege level ")), 15)
    mode = next((ln.split()[1] for ln in lines if ln.startswith("authentication-mode ")), "none")
    return ConsoleRule({"password": "password", "aaa": "user"}.get(mode, ""), level)


class ConsoleLoginShell(Shell):
    """``Username:`` / ``Password:`` as the loaded config asks, then the device's shell."""

    def __init__(self, device: IosDevice | VrpDevice) -> None:
        self.device = device
        self.ios = isinstance(device, IosDevice)
        root = device.state.running if isinstance(device, IosDevice) else device.running
        self.rule = ios_console_rule(root) if self.ios else vrp_console_rule(root)
        self.inner: Shell | None = None
        self.stage = {"": "done", "password": "password", "user": "user"}[self.rule.ask]
        self.user = ""
        self.failures = 0
        if self.stage == "done":
            self.inner = self._shell("", self.rule.level)
        self._sync()

    def _shell(self, username: str, level: int) -> Shell:
        if isinstance(self.device, IosDevice):
            return IosShell(self.device, username, console=True, level=level)
        return VrpShell(self.device, username, level)

    def greeting(self) -> str:
        if self.inner is not None:
            return self.inner.greeting()
        if self.ios:
            return "\nUser Access Verification\n\n"
        return "\nLogin authentication\n\n"

    def prompt(self) -> str:
        if self.inner is not None:
            return self.inner.prompt()
        return {"user": "Username:", "password": "Password:"}[self.stage]

    def _sync(self) -> None:
        if self.inner is not None:
            self.echo = self.inner.echo
            self.page_length = self.inner.page_length
        else:
            self.echo = self.stage != "password"
            self.page_length = 0

    def rejected(self, line: str) -> str:
        return self.inner.rejected(line) if self.inner is not None else ""

    def interrupt(self) -> Reply:
        return self.inner.interrupt() if self.inner is not None else Reply()

    def help(self, line: str) -> list[str] | None:
        return self.inner.help(line) if self.inner is not None else None

    def execute(self, line: str) -> Reply:
        reply = self.inner.execute(line) if self.inner is not None else self._login(line)
        self._sync()
        return reply

    def _login(self, line: str) -> Reply:
        if self.stage == "user":
            self.user = line.strip()
            if self.user:
                self.stage = "password"
            return Reply()
        level = self._check(self.user, line)
        if level is not None:
            self.inner = self._shell(self.user, level)
            return Reply(self.inner.greeting())
        self.failures += 1
        self.stage = "user" if self.rule.ask == "user" else "password"
        if not self.ios:
            return Reply(_VRP_FAILED)
        if self.rule.ask == "password" and self.failures < 3:
            return Reply()  # IOS asks the line password again, silently, up to three times
        self.failures = 0
        return Reply(_IOS_FAILED if self.rule.ask == "user" else _IOS_BAD_PASSWORD)

    def _check(self, username: str, secret: str) -> int | None:
        if isinstance(self.device, IosDevice):
            return _ios_check(self.device.state.running, self.rule, username, secret)
        return _vrp_check(self.device, self.rule, username, secret)


def _ios_check(root: Node, rule: ConsoleRule, username: str, secret: str) -> int | None:
    if rule.ask == "password" and rule.against == "enable":
        enable = [c.line for c in root.children if c.line.startswith("enable ")]
        stored = next((ln for ln in enable if ln.startswith("enable secret ")), None) or next(
            (ln for ln in enable if ln.startswith("enable password ")), None
        )
        return rule.level if stored is not None and verify_secret(stored, secret) else None
    if rule.ask == "password":
        line = next((c for c in root.children if c.line in _IOS_CONSOLE), None)
        stored = next(
            (c.line for c in (line.children if line else []) if c.line.startswith("password ")),
            None,
        )
        return rule.level if stored is not None and verify_secret(stored, secret) else None
    for child in root.children:
        words = child.line.split()
        if words[:2] != ["username", username]:
            continue
        if not any(w in ("secret", "password") for w in words):
            return None
        if not verify_secret(child.line, secret):
            return None
        return int(words[words.index("privilege") + 1]) if "privilege" in words else rule.level
    return None


def _vrp_check(device: VrpDevice, rule: ConsoleRule, username: str, secret: str) -> int | None:
    root = device.running
    if rule.ask == "password":
        view = next(
            (c for c in root.children if c.line in _VRP_CONSOLE),
            None,
        )
        stored = next(
            (
                c.line.split()[-1]
                for c in (view.children if view else [])
                if c.line.startswith("set authentication ")
            ),
            None,
        )
        return rule.level if stored is not None and device.secret_matches(stored, secret) else None
    user = local_user(root, username)
    stored = next((w[-1] for w in user if w[:1] == ["password"]), None)
    if stored is None or not device.secret_matches(stored, secret):
        return None
    services = next((w[1:] for w in user if w[:1] == ["service-type"]), ["terminal"])
    if "terminal" not in services:
        return None  # VRP: a console login needs service-type terminal
    return next((int(w[-1]) for w in user if w[:2] == ["privilege", "level"]), rule.level)


def configured_console(device: object) -> Shell:
    """The console of ``device`` as its running config sets it (not factory state)."""
    if isinstance(device, IosDevice | VrpDevice):
        return ConsoleLoginShell(device)
    raise ValueError(f"no console model for {type(device).__name__}")
