"""``recvmmsg(2)`` and ``sendmmsg(2)`` for the shared ICMP socket: many datagrams per system call.

Python's socket module has ``recvmsg`` only, one datagram, and a new bytes object, list and
tuples per call. At thousands of replies a second the call itself (entry, exit, argument
parsing, the source address as a new string) is most of the CPU a reply costs. This module
calls glibc's ``recvmmsg`` through ctypes on fixed buffers built once: the caller unpacks
the headers it needs straight from those buffers (``struct.unpack_from``), nothing else is
allocated per datagram.

Sending is the mirror image (:class:`BatchSender`): a tick's echoes are written into fixed
slots (destination ``sockaddr_in`` and the ICMP message) and leave in one ``sendmmsg`` call,
instead of one ``socket.sendto`` each (which parses the address tuple and copies the packet
every time).

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


def _slots(
    size: int,
) -> tuple[ctypes.Array[ctypes.c_char], ctypes.Array[_IoVec], ctypes.Array[_MMsgHdr]]:
    """:data:`VLEN` slots of a ``sockaddr_in`` then ``size`` bytes, and the message
    headers that point each message's name and its one iovec into its slot (the layout
    both directions share)."""
    step = NAME_SIZE + size
    buffer = ctypes.create_string_buffer(VLEN * step)
    iovecs = (_IoVec * VLEN)()
    headers = (_MMsgHdr * VLEN)()
    for index in range(VLEN):
        slot = ctypes.addressof(buffer) + index * step
        iovecs[index].base = slot + NAME_SIZE
        iovecs[index].length = size
        hdr = headers[index].hdr
        hdr.name = slot
        hdr.namelen = NAME_SIZE
        hdr.iov = ctypes.addressof(iovecs) + index * ctypes.sizeof(_IoVec)
        hdr.iovlen = 1
    return buffer, iovecs, headers


class BatchReceiver:
    """Fixed buffers for :data:`VLEN` datagrams of up to ``size`` bytes with ``control``
    bytes of ancillary data each; :meth:`receive` fills them from ``fd``.

    Datagram ``k``'s slot, at ``data_view[k * slot]``, holds its source (a ``sockaddr_in``,
    :data:`NAME_SIZE` bytes) followed by its bytes: one ``struct`` reads both, and
    ``struct.iter_unpack`` reads every slot of a call in one pass."""

    def __init__(self, function: Callable[..., int], fd: int, size: int, control: int) -> None:
        self._function = function
        self._fd = fd
        self.slot = NAME_SIZE + size
        self.control_slot = control
        self.data, self._iovecs, self.headers = _slots(size)
        self.control = ctypes.create_string_buffer(VLEN * control)
        for index in range(VLEN):
            hdr = self.headers[index].hdr
            hdr.control = ctypes.addressof(self.control) + index * control
            hdr.controllen = control
        # The kernel overwrites namelen, controllen, flags and length: one copy of the
        # pristine headers restores all of them before each call.
        self._pristine = bytes(self.headers)
        self._address = ctypes.addressof(self.headers)
        # memoryviews for struct.unpack_from (no copy)
        self.data_view = memoryview(self.data).cast("B")
        self.control_view = memoryview(self.control).cast("B")
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


AF_INET_NATIVE = struct.pack("@H", socket.AF_INET)


class BatchSender:
    """Up to :data:`VLEN` datagrams per ``sendmmsg`` call on ``fd``: message ``k`` is the
    ``size`` bytes at ``view[k * slot + NAME_SIZE]``, sent to the ``sockaddr_in`` at
    ``view[k * slot]`` (``slot`` = :data:`NAME_SIZE` + ``size``). The caller writes each
    slot's address and message (one ``struct.pack_into``), then calls :meth:`send`."""

    def __init__(self, function: Callable[..., int], fd: int, size: int) -> None:
        self._function = function
        self._fd = fd
        self.slot = NAME_SIZE + size
        self.buffer, self._iovecs, self.headers = _slots(size)
        for index in range(VLEN):
            ctypes.memmove(self.headers[index].hdr.name, AF_INET_NATIVE, len(AF_INET_NATIVE))
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
    fd: int, size: int, *, library: str = "c", name: str = "sendmmsg"
) -> BatchSender | None:
    """A :class:`BatchSender` of ``size``-byte messages on ``fd``, or None where the C
    library has no ``name``."""
    function = _libc_function(name, library)
    return None if function is None else BatchSender(function, fd, size)
