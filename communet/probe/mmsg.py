"""``recvmmsg(2)`` and ``sendmmsg(2)`` for the shared ICMP socket: many datagrams per system call.

Python's socket module has ``recvmsg`` only, one datagram, and a new bytes object, list and
tuples per call. At thousands of replies a second the call itself (entry, exit, argument
parsing, the source address as a new string) is most of the CPU a reply costs. This module
calls glibc's ``recvmmsg`` through ctypes on fixed buffers built once: the caller unpacks
the headers it needs straight from those buffers (``struct.unpack_from``), nothing else is
allocated per datagram.

Sending is the mirror image (:class:`BatchSender`): a tick's echoes are written into fixed
slots (destination ``sockaddr_in`` and the 8-byte ICMP header; the payload is one shared
buffer every message points at) and leave in one ``sendmmsg`` call, instead of one
``socket.sendto`` each (which parses the address tuple and copies the packet every time).

Used only where the C library has the call (Linux); :func:`batch_receiver` and
:func:`batch_sender` return None elsewhere and the caller keeps ``socket.recvmsg`` /
``socket.sendto``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import socket
import struct
from collections.abc import Callable

VLEN = 256  # datagrams per call (at 10,000 targets a 100 ms drain holds ~200 replies)
MSG_DONTWAIT = 0x40


class _IoVec(ctypes.Structure):
    _fields_ = (("base", ctypes.c_void_p), ("length", ctypes.c_size_t))


class _MsgHdr(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_void_p),
        ("namelen", ctypes.c_uint32),
        ("iov", ctypes.c_void_p),
        ("iovlen", ctypes.c_size_t),
        ("control", ctypes.c_void_p),
        ("controllen", ctypes.c_size_t),
        ("flags", ctypes.c_int),
    )


class _MMsgHdr(ctypes.Structure):
    _fields_ = (("hdr", _MsgHdr), ("length", ctypes.c_uint))


# Where the caller finds each datagram's parts (byte offsets into the buffers below).
HEADER_SIZE = ctypes.sizeof(_MMsgHdr)
LENGTH_OFFSET = _MMsgHdr.length.offset
CONTROLLEN_OFFSET = _MsgHdr.controllen.offset
NAME_SIZE = 16  # struct sockaddr_in
# The first control message's header (cmsghdr: size_t len, int level, int type) and the
# aligned start of its data.
CMSG_HEADER = struct.Struct("@Nii")
CMSG_DATA_OFFSET = socket.CMSG_LEN(0)


class BatchReceiver:
    """Fixed buffers for :data:`VLEN` datagrams of up to ``size`` bytes with ``control``
    bytes of ancillary data each; :meth:`receive` fills them from ``fd``."""

    def __init__(self, function: Callable[..., int], fd: int, size: int, control: int) -> None:
        self._function = function
        self._fd = fd
        self.slot = size
        self.control_slot = control
        self.data = ctypes.create_string_buffer(VLEN * size)
        self.control = ctypes.create_string_buffer(VLEN * control)
        self.names = ctypes.create_string_buffer(VLEN * NAME_SIZE)
        self._iovecs = (_IoVec * VLEN)()
        self.headers = (_MMsgHdr * VLEN)()
        for index in range(VLEN):
            self._iovecs[index].base = ctypes.addressof(self.data) + index * size
            self._iovecs[index].length = size
            hdr = self.headers[index].hdr
            hdr.name = ctypes.addressof(self.names) + index * NAME_SIZE
            hdr.namelen = NAME_SIZE
            hdr.iov = ctypes.addressof(self._iovecs) + index * ctypes.sizeof(_IoVec)
            hdr.iovlen = 1
            hdr.control = ctypes.addressof(self.control) + index * control
            hdr.controllen = control
        # The kernel overwrites namelen, controllen, flags and length: one copy of the
        # pristine headers restores all of them before each call.
        self._pristine = bytes(self.headers)
        self._address = ctypes.addressof(self.headers)
        # memoryviews for struct.unpack_from (no copy)
        self.data_view = memoryview(self.data).cast("B")
        self.control_view = memoryview(self.control).cast("B")
        self.names_view = memoryview(self.names).cast("B")
        self.headers_view = memoryview(self.headers).cast("B")

    def receive(self) -> int:
        """How many datagrams were read into the buffers (0: none queued)."""
        ctypes.memmove(self._address, self._pristine, len(self._pristine))
        # a datagram without ancillary data must not show the previous call's timestamp
        ctypes.memset(self.control, 0, len(self.control))
        count: int = self._function(self._fd, self._address, VLEN, MSG_DONTWAIT, None)
        if count >= 0:
            return count
        code = ctypes.get_errno()
        if code in {errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR}:
            return 0
        raise OSError(code, f"recvmmsg: {errno.errorcode.get(code, code)}")


# recvmmsg/sendmmsg(fd, struct mmsghdr *, vlen, flags[, struct timespec *]) -> int
_MMSG_ARGUMENTS = (ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int)


def _libc_function(name: str, library: str, *extra: type) -> Callable[..., int] | None:
    """``name`` from the C library ``library`` (``"c"``: glibc) bound as an mmsg call (the
    shared arguments, then ``extra``), None if the library has none."""
    path = ctypes.util.find_library(library)
    if path is None:
        return None
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(path, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = (*_MMSG_ARGUMENTS, *extra)  # type: ignore[attr-defined]
    function.restype = ctypes.c_int  # type: ignore[attr-defined]
    return function


def batch_receiver(
    fd: int, size: int, control: int, *, library: str = "c", name: str = "recvmmsg"
) -> BatchReceiver | None:
    """A :class:`BatchReceiver` on ``fd``, or None where the C library has no ``name``."""
    function = _libc_function(name, library, ctypes.c_void_p)
    return None if function is None else BatchReceiver(function, fd, size, control)


# One send slot: the destination (struct sockaddr_in, 16 bytes), then the ICMP header (8).
SEND_SLOT = 24
SEND_HEADER_OFFSET = 16
AF_INET_NATIVE = struct.pack("@H", socket.AF_INET)


class BatchSender:
    """Up to :data:`VLEN` datagrams per ``sendmmsg`` call on ``fd``: message ``k`` is the
    8-byte header at ``view[k * SEND_SLOT + SEND_HEADER_OFFSET]`` followed by ``payload`` (one
    shared buffer), sent to the ``sockaddr_in`` at ``view[k * SEND_SLOT]``. The caller writes
    the address, header and sequence number of each slot (one ``struct.pack_into``), then
    calls :meth:`send`."""

    def __init__(self, function: Callable[..., int], fd: int, payload: bytes) -> None:
        self._function = function
        self._fd = fd
        self.buffer = ctypes.create_string_buffer(VLEN * SEND_SLOT)
        self._payload = ctypes.create_string_buffer(payload, len(payload))
        self._iovecs = (_IoVec * (2 * VLEN))()
        self.headers = (_MMsgHdr * VLEN)()
        base = ctypes.addressof(self.buffer)
        for index in range(VLEN):
            slot = base + index * SEND_SLOT
            ctypes.memmove(slot, AF_INET_NATIVE, len(AF_INET_NATIVE))
            self._iovecs[2 * index].base = slot + SEND_HEADER_OFFSET
            self._iovecs[2 * index].length = 8
            self._iovecs[2 * index + 1].base = ctypes.addressof(self._payload)
            self._iovecs[2 * index + 1].length = len(payload)
            hdr = self.headers[index].hdr
            hdr.name = slot
            hdr.namelen = NAME_SIZE
            hdr.iov = ctypes.addressof(self._iovecs) + 2 * index * ctypes.sizeof(_IoVec)
            hdr.iovlen = 2
        self._address = ctypes.addressof(self.headers)
        self.view = memoryview(self.buffer).cast("B")

    def send(self, count: int) -> tuple[int, list[int]]:
        """Send the first ``count`` slots: (how many left, the errno of each that failed).

        ``sendmmsg`` stops at the first datagram the kernel refuses (no route, buffer
        full) and returns how many went before it; that one is retried alone, its error
        recorded, and the rest go on: one refused echo never holds back the others."""
        function, fd, address = self._function, self._fd, self._address
        start = 0
        failed: list[int] = []
        while start < count:
            done: int = function(fd, address + start * HEADER_SIZE, count - start, 0)
            if done > 0:
                start += done
                continue
            failed.append(ctypes.get_errno() if done < 0 else 0)
            start += 1  # that datagram is lost, as on a wire
        return count - len(failed), failed


def batch_sender(
    fd: int, payload: bytes, *, library: str = "c", name: str = "sendmmsg"
) -> BatchSender | None:
    """A :class:`BatchSender` on ``fd``, or None where the C library has no ``name``."""
    function = _libc_function(name, library)
    return None if function is None else BatchSender(function, fd, payload)
