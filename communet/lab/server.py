"""The thin transport: one asyncssh server, every device on its own 127.x.y.z address.

All listeners share one port and one set of connection options; the device is chosen by the
local address a client connected to. Bytes go to the device's pure :class:`Terminal` and its
answer goes back, after the device's injected delay if any. A device marked down keeps its
address but answers nothing (a silent TCP listener), so clients time out as they would.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from communet.lab.core import NOT_MODELLED, Device, Terminal

log = logging.getLogger(__name__)


def check_loopback(address: str) -> None:
    """The lab never binds or connects outside 127.0.0.0/8."""
    if ipaddress.ip_address(address) not in ipaddress.ip_network("127.0.0.0/8"):
        raise ValueError(f"lab address {address} is outside 127.0.0.0/8")


@dataclass
class Credentials:
    username: str = "admin"
    password: str = "lab"  # noqa: S105 - a simulator's well-known password
    enable: str = "lab"
    snmp_community: str = "communet-lab"
    snmp_user: str = "communet"
    snmp_auth: str = "lab-auth-key"
    snmp_priv: str = "lab-priv-key"


class _Session(asyncssh.SSHServerSession[str]):
    def __init__(self, server: _Server) -> None:
        self.server = server
        self.device = server.device
        self.terminal: Terminal | None = None
        self.chan: asyncssh.SSHServerChannel[str] | None = None
        self._next = 0.0
        self._early: list[str] = []  # input that arrived before the shell started
        self.command: str | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: object, term_modes: object) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        """``ssh device 'show version'``: one command, its output, then the channel closes."""
        self.command = command
        return True

    def session_started(self) -> None:
        assert self.device is not None
        self.device.sessions += 1
        self.server.lab.open_sessions.setdefault(id(self.device), set()).add(self)
        shell = self.device.open_shell(self.server.username, self.server.level)
        self.terminal = Terminal(self.device, shell)
        if not self.server.answering():  # cut off from management: the client hears nothing
            return
        if self.command is not None:
            self._run_command(self.command)
            return
        self._write(self.terminal.start())
        if self._early:
            early, self._early = "".join(self._early), []
            self.data_received(early, None)

    def _run_command(self, command: str) -> None:
        assert self.terminal is not None
        shell = self.terminal.shell
        shell.page_length = 0
        text = shell.execute(command).text if command.strip() else ""
        self._write(text.replace("\r\n", "\n").replace("\n", "\r\n"))
        if self.chan is not None:
            self.chan.exit(0)

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        if self.terminal is None:
            self._early.append(data)
            return
        if self.device is None or not self.server.answering():
            return
        generation = self.device.generation
        try:
            output = self.terminal.receive(data)
        except Exception:  # a simulator bug must not look like a network fault
            log.exception("lab engine failed on %r for %s", data, self.device.hostname)
            output = "\r\n% Internal error in the lab simulator (see the lab log)\r\n"
            output += self.terminal.shell.prompt()
        self._write(output)
        if self.terminal.closed:
            self._close()
        if self.device.generation != generation:  # rebooted from this session
            self.server.lab.drop_stale(self.device)

    def _write(self, text: str) -> None:
        chan = self.chan
        if chan is None or not text:
            return
        delay = self.device.faults.delay if self.device else 0.0
        if delay <= 0:
            chan.write(text)
            return
        loop = asyncio.get_running_loop()
        self._next = max(self._next + 1e-6, loop.time() + delay)
        loop.call_at(self._next, _safe_write, chan, text)

    def close(self) -> None:
        if self.chan is not None:
            self.chan.close()

    def _close(self) -> None:
        chan = self.chan
        if chan is None:
            return
        delay = self.device.faults.delay if self.device else 0.0
        if delay <= 0:
            chan.close()
        else:
            asyncio.get_running_loop().call_at(self._next + 1e-6, chan.close)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.device is not None and self.terminal is not None:
            self.device.sessions -= 1
            self.server.lab.open_sessions.get(id(self.device), set()).discard(self)
        self.terminal = None
        self.chan = None


def _safe_write(chan: asyncssh.SSHServerChannel[str], text: str) -> None:
    with contextlib.suppress(OSError, asyncssh.Error):
        chan.write(text)


class _Server(asyncssh.SSHServer):
    def __init__(self, lab: LabServer) -> None:
        self.lab = lab
        self.device: Device | None = None
        self.conn: asyncssh.SSHServerConnection | None = None
        self.username = ""
        self.level: int | None = None
        self.stands_for: ipaddress.IPv4Address | None = None
        self.address = ""  # the lab address the client connected to

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        sockname = conn.get_extra_info("sockname")
        self.device = self.lab.by_address.get(sockname[0]) if sockname else None
        self.address = sockname[0] if sockname else ""
        self.stands_for = self.lab.stands_for.get(self.address)
        self.conn = conn
        self.lab.connections += 1
        self.lab.live.add(conn)
        if self.device is not None and not self.answering():
            # an address the device's config does not carry: nobody answers there (the lab
            # hangs up at once rather than leave the client to its TCP timeout)
            asyncio.get_running_loop().call_soon(conn.abort)
        elif self.device is not None and not self.device.admits(self._source()):
            # a vty access list that does not permit the client: the device closes the
            # connection before any SSH exchange (no login prompt, so no "wrong password")
            self.lab.acl_refusals += 1
            asyncio.get_running_loop().call_soon(conn.abort)

    def answering(self) -> bool:
        """Whether the device answers on the address this connection came to."""
        device = self.device
        if device is None:
            return False
        if self.stands_for is None:
            return device.answering()
        return device.answering_at(self.stands_for)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.lab.live.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        banner = self.device.login_banner() if self.device is not None else ""
        if banner and self.conn is not None:
            self.conn.send_auth_banner(banner.replace("\n", "\r\n"))
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        """The device's own configuration decides (users, privilege, vty ACL, transport);
        platforms that do not model it take the lab's credentials."""
        device = self.device
        if device is None or device.faults.auth_failure or self.address in self.lab.refused_logins:
            return False
        level = device.authenticate(username, password, self._source())
        if level == NOT_MODELLED:
            creds = self.lab.credentials
            if username != creds.username or password != creds.password:
                return False
            level = None
        elif level is None:
            return False
        self.username, self.level = username, level
        return True

    def _source(self) -> ipaddress.IPv4Address:
        """Where the client connects from, as the device's ACLs see it: the lab's stand-in
        for the management station when one is set, else the inventory's NOC station for the
        device, else the real (127.x) peer."""
        if self.lab.client_address is not None:
            return self.lab.client_address
        if self.device is not None and self.device.spec.noc_station is not None:
            return self.device.spec.noc_station
        peer = self.conn.get_extra_info("peername") if self.conn is not None else None
        return ipaddress.IPv4Address(peer[0] if peer else "127.0.0.1")

    def session_requested(self) -> _Session:
        return _Session(self)


@dataclass
class LabServer:
    """Listeners for a set of devices keyed by their 127.x address."""

    by_address: dict[str, Device]
    port: int
    host_key: asyncssh.SSHKey
    credentials: Credentials = field(default_factory=Credentials)
    # The address vty ACLs see clients connect from (a NOC station), None: the real peer.
    client_address: ipaddress.IPv4Address | None = None
    acl_refusals: int = 0  # connections a vty access list closed
    # lab address → the device address it stands for (brownfield devices being adopted):
    # a connection there is answered only while the device's config carries that address
    stands_for: dict[str, ipaddress.IPv4Address] = field(default_factory=dict)
    refused_logins: set[str] = field(default_factory=set)  # lab addresses refusing passwords
    live: set[asyncssh.SSHServerConnection] = field(default_factory=set)  # open connections
    connections: int = 0
    open_sessions: dict[int, set[_Session]] = field(default_factory=dict)
    _listeners: dict[str, asyncssh.SSHAcceptor] = field(default_factory=dict)
    _silent: dict[str, asyncio.Server] = field(default_factory=dict)
    # connections a silent listener holds open (closed with the lab, not left to the GC)
    _held: set[asyncio.BaseTransport] = field(default_factory=set)
    _options: asyncssh.SSHServerConnectionOptions | None = None

    def options(self) -> asyncssh.SSHServerConnectionOptions:
        if self._options is None:
            self._options = asyncssh.SSHServerConnectionOptions(
                server_factory=lambda: _Server(self),
                server_host_keys=[self.host_key],
                encoding="utf-8",
                line_editor=False,
                allow_scp=False,
                keepalive_interval=0,
                login_timeout=30,
            )
        return self._options

    async def start(self) -> None:
        addresses = list(self.by_address)
        for address in addresses:
            check_loopback(address)
        if not addresses:
            return
        if self.port == 0:  # let the kernel pick a port on the first address, share it
            first = await self._listen(addresses[0], 0)
            self.port = first.sockets[0].getsockname()[1]
            addresses = addresses[1:]
        for address in addresses:
            await self._listen(address, self.port)

    async def _listen(self, address: str, port: int) -> asyncssh.SSHAcceptor:
        acceptor = await asyncssh.listen(
            host=address, port=port, options=self.options(), reuse_address=True, backlog=64
        )
        self._listeners[address] = acceptor
        if port == 0:
            self.port = acceptor.sockets[0].getsockname()[1]
            self._listeners[address] = acceptor
        return acceptor

    async def set_down(self, address: str, down: bool) -> None:
        """Swap the SSH listener for a silent one (or back)."""
        if down and address in self._listeners:
            listener = self._listeners.pop(address)
            listener.close()
            await listener.wait_closed()
            self._silent[address] = await asyncio.get_running_loop().create_server(
                lambda: _Silent(self._held), host=address, port=self.port, reuse_address=True
            )
        elif not down and address in self._silent:
            silent = self._silent.pop(address)
            silent.close()
            await self._listen(address, self.port)

    def drop_stale(self, device: Device) -> None:
        """Close the sessions a reboot has made stale, as a real reboot drops them."""
        for session in list(self.open_sessions.get(id(device), ())):
            terminal = session.terminal
            if terminal is not None and terminal.generation != device.generation:
                session.close()

    async def stop(self) -> None:
        for listener in self._listeners.values():
            listener.close()
        for conn in list(self.live):  # hang up on the clients still connected, then let the
            conn.abort()  # closed connections detach while the loop still runs
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(a.wait_closed() for a in self._listeners.values())), 2
            )
        for transport in list(self._held):
            transport.close()
        for silent in self._silent.values():
            silent.close()
        if self._silent:  # let the held connections finish closing while the loop still runs
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(s.wait_closed() for s in self._silent.values())), 5
                )
        self._held.clear()
        self._listeners.clear()
        self._silent.clear()


class _Silent(asyncio.Protocol):
    """A connection to a device that is down: accepted, never answered."""

    def __init__(self, held: set[asyncio.BaseTransport]) -> None:
        self.held = held
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.held.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.held.discard(self.transport)


def write_known_hosts(
    path: Path, key: asyncssh.SSHKey, addresses: list[str], port: int, per_line: int = 100
) -> None:
    """OpenSSH known_hosts for every lab address; 100 hosts share a line (one key).

    Clients such as paramiko parse every line's key on each connection: one line per device
    made a 2,500-device lab cost ~2 CPU-s per client connection.
    """
    public = key.export_public_key("openssh").decode().split()[:2]
    names = [f"[{address}]:{port}" if port != 22 else address for address in addresses]
    lines = [
        ",".join(names[i : i + per_line]) + f" {public[0]} {public[1]}"
        for i in range(0, len(names), per_line)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
