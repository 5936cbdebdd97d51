"""One interactive SSH channel as a conversation: typed lines, their echoes, replies, prompts.

Reads block on the channel until bytes arrive (no polling, no sleeps) and stop when the
text ends with a prompt. Several lines can be typed in one write: the device echoes each
line before answering it, so the text between the echo of line *i* and the echo of line
*i + 1* is line *i*'s reply, and an error in it belongs to that line.
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# Huawei moves the cursor back over a space it printed (netmiko strips " ESC[1D" too).
_CURSOR_BACK = re.compile(r" \x1b\[\d*D")
_CURSOR_BACK_START = re.compile(r"\x1b\[\d*D")
_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[()][A-Za-z0-9]|[=>78DEHM])")
_PARTIAL_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*|[()])?\Z")
_TAIL = 512  # a prompt is shorter than this
_CHUNK = 65536


class ChannelLike(Protocol):
    """The part of ``paramiko.Channel`` the conversation uses."""

    def settimeout(self, timeout: float | None) -> None: ...

    def recv(self, nbytes: int) -> bytes: ...

    def sendall(self, s: bytes) -> None: ...


class WireError(Exception):
    """The conversation stopped; ``index`` is the line (of the last exchange) in flight."""

    def __init__(self, index: int, text: str) -> None:
        super().__init__(index)
        self.index = index
        self.text = text


class WireClosedError(WireError):
    """The device closed the channel (EOF) or the socket failed."""


class WireTimeoutError(WireError):
    """No prompt before the deadline."""


class WireLostError(WireError):
    """The device printed its prompt but never echoed a line we typed."""


class WireQuestionError(WireError):
    """The device asked something we have no (more) answer for; ``question`` is its text."""

    def __init__(self, index: int, text: str, question: str) -> None:
        super().__init__(index, text)
        self.question = question


@dataclass(frozen=True)
class Reply:
    """What the device printed for one line: ``output`` (after the echo) and the prompt."""

    command: str
    output: str
    prompt: str


@dataclass(frozen=True)
class Answer:
    """Type ``answer`` when the last line matches ``pattern``; at most ``limit`` times."""

    pattern: re.Pattern[str]
    answer: str
    limit: int = 1


class Wire:
    """Text in, text out over one channel; ``end`` matches a reply's last line at ``\\Z``."""

    def __init__(
        self,
        channel: ChannelLike,
        end: re.Pattern[str],
        newline: str = "\n",
        initial: str = "",
        echo_grace: float = 5.0,
    ) -> None:
        self.channel = channel
        self.end = end
        self.newline = newline
        self.echo_grace = echo_grace
        self.text = ""
        self.received = 0  # bytes, for benchmarks
        self.lines = 0  # lines typed (commands and answers)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._carry = ""
        if initial:
            self.text = self._clean(initial)

    # -- low level
    def send(self, data: str, index: int = 0) -> None:
        try:
            self.channel.sendall(data.encode("utf-8"))
        except (OSError, EOFError) as error:
            raise WireClosedError(index, self.text) from error

    def _more(self, deadline: float, index: int) -> None:
        """Block until the device sends something; raise on EOF or at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WireTimeoutError(index, self.text)
        self.channel.settimeout(remaining)
        try:
            data = self.channel.recv(_CHUNK)
        except TimeoutError as error:  # socket.timeout
            raise WireTimeoutError(index, self.text) from error
        except (OSError, EOFError) as error:
            raise WireClosedError(index, self.text) from error
        if not data:
            raise WireClosedError(index, self.text)
        self.received += len(data)
        cleaned = self._clean(self._decoder.decode(data))  # may trim self.text
        self.text += cleaned

    def _clean(self, text: str) -> str:
        """CR LF → LF, terminal escape sequences removed (one cut across reads is held)."""
        if self._carry:
            text, self._carry = self._carry + text, ""
        if "\x1b" in text:
            partial = _PARTIAL_ESCAPE.search(text, max(0, len(text) - 16))
            if partial is not None:
                text, self._carry = text[: partial.start()], text[partial.start() :]
            back = _CURSOR_BACK_START.match(text)
            if back is not None and self.text.endswith(" "):  # " ESC[1D" cut by a read
                self.text, text = self.text[:-1], text[back.end() :]
            text = _ESCAPE.sub("", _CURSOR_BACK.sub("", text))
        if "\r" in text:
            text = text.replace("\r", "")
        return text

    def _ended(self, start: int) -> bool:
        text = self.text
        return self.end.search(text, max(start - 1, len(text) - _TAIL, 0)) is not None

    def _echo(
        self, line: str, pos: int, questions: Sequence[re.Pattern[str]], previous: int
    ) -> int:
        """Where the echo of ``line`` starts at or after ``pos``, or -1.

        An echo starts a line or follows a prompt; the same text at the end of some other
        output line (``end`` inside ``...send``) is not one. An echo right after a question
        means the device took the typed line as its answer (WireQuestionError).
        """
        text = self.text
        needle = line + "\n"
        at = text.find(needle, pos)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            if start >= at or self.end.search("\n" + text[start:at]):
                return at
            if questions and previous >= 0:
                self._asked(questions, max(start, pos), previous, at)
            at = text.find(needle, at + 1)
        return -1

    def _asked(
        self, questions: Sequence[re.Pattern[str]], start: int, index: int, stop: int = -1
    ) -> None:
        """Raise if the line ending at ``stop`` (default: the last line) is a question."""
        if not questions:
            return
        text = self.text
        if stop < 0:
            stop = len(text)
        line = text[max(text.rfind("\n", 0, stop) + 1, start) : stop]
        if not line or self.end.search("\n" + line):  # nothing, or a prompt
            return
        if any(q.search(line) for q in questions):
            raise WireQuestionError(index, text, line.strip())

    def _take(self) -> str:
        text, self.text = self.text, ""
        return text

    # -- conversations
    def wait_prompt(self, deadline: float) -> str:
        """Everything up to a prompt (the login banner); no line typed."""
        while not self._ended(0):
            self._more(deadline, 0)
        return self._take()

    def exchange(
        self, lines: Sequence[str], deadline: float, questions: Sequence[re.Pattern[str]] = ()
    ) -> list[Reply]:
        """Type ``lines`` in one write; one :class:`Reply` per line, split by their echoes.

        A line that makes the device ask something (``questions``, matched on the last line)
        stops the exchange at once: the lines typed after it may have answered it.
        """
        if not lines:
            return []
        self.send("".join(line + self.newline for line in lines))
        self.lines += len(lines)
        echoes: list[tuple[int, int]] = []
        pos = 0
        quiet_since: float | None = None
        while True:
            text = self.text
            while len(echoes) < len(lines):
                at = self._echo(lines[len(echoes)], pos, questions, len(echoes) - 1)
                if at < 0:
                    break
                pos = at + len(lines[len(echoes)]) + 1
                echoes.append((at, pos))
            done = len(echoes) == len(lines)
            if done and self._ended(pos):
                break
            if not done and self._ended(pos):
                # A prompt, but a typed line never came back: wait a little for the rest,
                # then give up instead of waiting for the full read timeout.
                quiet_since = quiet_since or time.monotonic()
                grace = min(deadline, quiet_since + self.echo_grace)
                try:
                    self._more(grace, len(echoes))
                except WireTimeoutError as error:
                    if time.monotonic() >= deadline:
                        raise
                    raise WireLostError(len(echoes), self.text) from error
                continue
            quiet_since = None
            self._asked(questions, pos, max(len(echoes) - 1, 0))
            self._more(deadline, max(len(echoes) - 1, 0))
        text = self._take()
        replies = []
        for index, (_, start) in enumerate(echoes):
            stop = echoes[index + 1][0] if index + 1 < len(echoes) else len(text)
            replies.append(_reply(lines[index], text[start:stop]))
        return replies

    def ask(
        self,
        command: str,
        answers: Sequence[Answer],
        deadline: float,
        questions: Sequence[re.Pattern[str]] = (),
    ) -> Reply:
        """Type one command, answering the device's questions, until a prompt; a question
        of the ``questions`` shapes that no answer matches ends it (WireQuestionError)."""
        self.send(command + self.newline)
        self.lines += 1
        needle = command + "\n"
        echo_end = -1
        answered_at = 0
        counts = [0] * len(answers)
        while True:
            text = self.text
            if echo_end < 0:
                at = text.find(needle)
                if at >= 0:
                    echo_end = answered_at = at + len(needle)
            if echo_end >= 0:
                if self._ended(echo_end):
                    break
                last = text[max(text.rfind("\n") + 1, answered_at) :]
                for number, item in enumerate(answers):
                    if last and item.pattern.search(last):
                        if counts[number] >= item.limit:
                            raise WireQuestionError(0, text, last.strip())
                        counts[number] += 1
                        answered_at = len(text)
                        self.send(item.answer + self.newline)
                        self.lines += 1
                        break
                else:
                    self._asked(questions, answered_at, 0)
            self._more(deadline, 0)
        return _reply(command, self._take()[echo_end:])


def _reply(command: str, segment: str) -> Reply:
    cut = segment.rfind("\n") + 1
    return Reply(command, segment[:cut], segment[cut:])
