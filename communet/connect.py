"""Where each device is reached and how a session to it is opened (the I/O edge).

Production devices are reached on their management address with the operator's known_hosts;
a running lab publishes an overlay (``lab.json``) mapping every hostname to its 127.x.y.z
address, port and per-device known_hosts file, and the real inventory stays untouched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from communet.errors import CommunetError
from communet.inventory import ResolvedDevice
from communet.secrets import Secret, SecretResolver
from communet.session import Connector, DeviceSession
from communet.session.console import ConsoleLogin, open_console_session
from communet.session.netmiko_session import Timeouts, open_session

# paramiko logs a dropped handshake ("Exception (client): Error reading SSH protocol banner")
# from its transport thread; with no handler configured, Python's last-resort handler prints
# it on stderr (under Ansible: "WorkerProcess ... errantly sent data directly to stderr").
# The session layer reports the same failure as the host's result, naming host and cause.
logging.getLogger("paramiko").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Reach:
    address: str
    port: int
    known_hosts: Path


Reacher = Callable[[ResolvedDevice], Reach]


class LabOverlayError(CommunetError):
    """The lab overlay is missing or does not know a host."""


def direct(known_hosts: Path, port: int = 22, *, today: bool = False) -> Reacher:
    """Real devices: their management address; host keys from the operator's file.

    ``today``: where a brownfield device answers before adoption (the inventory's
    ``reach``: address and port), for devices that have one.
    """

    def reach(device: ResolvedDevice) -> Reach:
        if today and device.reach is not None:
            return Reach(str(device.reach.address), device.reach.port, known_hosts)
        return Reach(str(device.management), port, known_hosts)

    return reach


def lab_overlay(state_dir: Path, *, today: bool = False) -> Reacher:
    """Devices of a running lab, from ``<state_dir>/lab.json``; ``today``: the lab address
    that stands for a brownfield device's ``reach`` address, for devices that have one."""
    path = state_dir / "lab.json"
    try:
        overlay = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise LabOverlayError(
            f"{path}: no lab overlay; start the lab with 'communet lab up INVENTORY'"
        ) from None
    devices = overlay["devices"]
    port = int(overlay["port"])

    def reach(device: ResolvedDevice) -> Reach:
        entry = devices.get(device.hostname)
        if entry is None:
            raise LabOverlayError(f"{device.hostname}: not in the lab overlay {path}")
        if today and device.reach is not None:
            entry = entry.get("reach")
            if entry is None:
                raise LabOverlayError(
                    f"{device.hostname}: the lab overlay {path} has no address for its "
                    "'reach'; restart the lab with 'communet lab up INVENTORY'"
                )
        return Reach(entry["address"], port, Path(entry["known_hosts"]))

    return reach


def netmiko_connector(
    reach: Reacher,
    secrets: SecretResolver,
    timeouts: Timeouts | None = None,
    *,
    today: bool = False,
) -> Connector:
    """Open a verified SSH session per call (credentials resolved per host, never logged).

    ``today``: log in with a brownfield device's ``reach`` credentials where it has them.
    """

    def connect(device: ResolvedDevice) -> DeviceSession:
        username, password, enable = login_secrets(device, secrets, today=today)
        where = reach(device)
        return open_session(
            device.hostname,
            device.platform,
            where.address,
            where.port,
            username=username.reveal(),
            password=password.reveal(),
            enable=enable.reveal() if enable else None,
            known_hosts=where.known_hosts,
            timeouts=timeouts,
        )

    return connect


def console_connector(
    path: str,
    secrets: SecretResolver,
    timeouts: Timeouts | None = None,
    *,
    line_password: str | None = None,
) -> Connector:
    """A session over the serial console at ``path`` (one device: the one on the cable).

    The console's ``Username:``/``Password:`` take the credentials the device has today
    (the inventory's ``reach`` credentials where it gives them, else its credentials), its
    line password the reference ``line_password`` (``env:NAME``/``vault:NAME``).
    """

    def connect(device: ResolvedDevice) -> DeviceSession:
        username, password, enable = login_secrets(device, secrets, today=True)
        line = secrets.resolve(line_password, device.hostname) if line_password else None
        login = ConsoleLogin(
            username.reveal(),
            password.reveal(),
            enable.reveal() if enable else None,
            line.reveal() if line else None,
        )
        return open_console_session(
            device.hostname, device.platform, path, login, timeouts=timeouts
        )

    return connect


def login_secrets(
    device: ResolvedDevice, secrets: SecretResolver, *, today: bool = False
) -> tuple[Secret, Secret, Secret | None]:
    """The username, password and enable secret the session logs in with (``today``: the
    ones a brownfield device takes before adoption, where the inventory gives them)."""
    creds = device.credentials
    if today and device.reach is not None and device.reach.credentials is not None:
        creds = device.reach.credentials
    enable = secrets.resolve(creds.enable, device.hostname) if creds.enable else None
    return (
        secrets.resolve(creds.username, device.hostname),
        secrets.resolve(creds.password, device.hostname),
        enable,
    )
