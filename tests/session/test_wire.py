"""The conversation engine on a scripted channel: echoes split replies, chunks may cut
anywhere (even inside an escape sequence), questions get their answers, EOF and silence
name the line in flight."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from communet.session.wire import (
    Answer,
    Wire,
    WireClosedError,
    WireLostError,
    WireQuestionError,
    WireTimeoutError,
)

PROMPT = re.compile(r"\n(?:(?:[\w-]+(?:\(config[^)]*\))?#))\Z")


class Channel:
    """Replies come from ``device(typed_line)``; each reply is cut into ``chunk``-byte reads."""

    def __init__(self, device: Callable[[str], str | None], chunk: int = 7) -> None:
        self.device = device
        self.chunk = chunk
        self.pending = b""
        self.closed = False
        self.typed: list[str] = []
        self._line = ""

    def settimeout(self, timeout: float | None) -> None:
        pass

    def sendall(self, s: bytes) -> None:
        for char in s.decode():
            if char in "\r\n":
                if char == "\n" and not self._line and self.typed and self.typed[-1] == "\r":
                    continue
                line, self._line = self._line, ""
                self.typed.append(line)
                reply = self.device(line)
                if reply is None:
                    self.closed = True
                    return
                self.pending += (line + "\r\n" + reply).encode()
            else:
                self._line += char

    def recv(self, nbytes: int) -> bytes:
        if not self.pending:
            if self.closed:
                return b""
            raise TimeoutError
        data, self.pending = self.pending[: self.chunk], self.pending[self.chunk :]
        return data


def ios(line: str) -> str | None:
    if line == "frobnicate":
        return "          ^\r\n% Invalid input detected at '^' marker.\r\n\r\nsw(config)#"
    if line == "quit":
        return None
    if line == "enable":
        return "Password: "
    if line == "lab":
        return "sw#"
    return "sw(config)#"


def wire(device: Callable[[str], str | None] = ios, chunk: int = 7) -> tuple[Wire, Channel]:
    channel = Channel(device, chunk)
    return Wire(channel, PROMPT, initial="\r\nsw(config)#", echo_grace=0.05), channel


def soon() -> float:
    return time.monotonic() + 2.0


def test_a_block_is_split_into_one_reply_per_line_by_the_echoes() -> None:
    conversation, channel = wire()
    replies = conversation.exchange(["vlan 10", "frobnicate", " name X"], soon())
    assert [r.command for r in replies] == ["vlan 10", "frobnicate", " name X"]
    assert replies[1].output == "          ^\n% Invalid input detected at '^' marker.\n\n"
    assert [r.prompt for r in replies] == ["sw(config)#"] * 3
    assert replies[0].output == ""
    assert channel.typed == ["vlan 10", "frobnicate", " name X"]
    assert conversation.text == ""
    assert conversation.lines == 3


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_escape_sequences_and_cr_are_removed_even_when_a_read_cuts_them(chunk: int) -> None:
    def huawei(line: str) -> str:
        return "Info: \x1b[1;32mdone\x1b[0m. \x1b[1D\r\n[~sw]"

    prompt = re.compile(r"\n\[~sw\]\Z")
    channel = Channel(huawei, chunk)
    conversation = Wire(channel, prompt)
    reply = conversation.exchange(["commit"], soon())[0]
    assert reply.output == "Info: done.\n"
    assert reply.prompt == "[~sw]"


def test_questions_are_answered_once_and_a_repeated_question_is_an_error() -> None:
    conversation, _ = wire()
    reply = conversation.ask("enable", [Answer(re.compile(r"Password:\s*$"), "lab")], soon())
    assert reply.prompt == "sw#"
    refused, _ = wire(lambda line: "Password: ")
    with pytest.raises(WireQuestionError) as caught:
        refused.ask("enable", [Answer(re.compile(r"Password:\s*$"), "bad")], soon())
    assert caught.value.question == "Password:"


def test_eof_names_the_line_in_flight() -> None:
    conversation, _ = wire()
    with pytest.raises(WireClosedError) as caught:
        conversation.exchange(["vlan 10", "quit", "vlan 20"], soon())
    assert caught.value.index == 1


def test_silence_is_a_timeout_and_a_missing_echo_is_lost_not_a_hang() -> None:
    conversation, _ = wire(lambda line: "")  # echoes, never prompts
    with pytest.raises(WireTimeoutError):
        conversation.exchange(["vlan 10"], time.monotonic() + 0.05)

    def no_echo(line: str) -> str:
        return ""

    channel = Channel(no_echo)
    channel.sendall = lambda s: setattr(channel, "pending", b"\r\nsw#")  # type: ignore[method-assign]
    lost = Wire(channel, PROMPT, echo_grace=0.05)
    began = time.monotonic()
    with pytest.raises(WireLostError) as caught:
        lost.exchange(["vlan 10"], time.monotonic() + 10)
    assert caught.value.index == 0
    assert time.monotonic() - began < 1.0


def test_a_prompt_like_line_inside_output_does_not_end_the_reply_early() -> None:
    def banner(line: str) -> str:
        return "banner motd #Chi danh cho can bo#\r\nend\r\nsw#"

    conversation, _ = wire(banner, chunk=34)  # a read ends right after '...can bo#'
    reply = conversation.exchange(["show running-config"], soon())[0]
    assert reply.output == "banner motd #Chi danh cho can bo#\nend\n"


QUESTIONS = [re.compile(r"\[confirm\]\s*$"), re.compile(r"\[yes/no\]\S*\s*$")]


def test_a_question_in_a_block_stops_it_naming_the_line_that_asked() -> None:
    def asks(line: str) -> str:
        if line == "do reload":
            return "Proceed with reload? [confirm]"
        return "sw(config)#"

    conversation, _ = wire(asks, chunk=1000)  # the typed-ahead line arrives as the "answer"
    with pytest.raises(WireQuestionError) as caught:
        conversation.exchange(["vlan 10", "do reload", "vlan 20"], soon(), QUESTIONS)
    assert (caught.value.index, caught.value.question) == (1, "Proceed with reload? [confirm]")
    waiting, _ = wire(asks, chunk=1000)
    with pytest.raises(WireQuestionError) as last:
        waiting.exchange(["vlan 10", "do reload"], soon(), QUESTIONS)
    assert last.value.index == 1


def test_a_short_line_is_not_found_inside_another_lines_output() -> None:
    def chatty(line: str) -> str:
        if line == "x":
            return "Info: ready to send\r\nsw(config)#"
        return "sw#" if line == "end" else "sw(config)#"

    for chunk in (1, 4, 1000):
        conversation, _ = wire(chatty, chunk)
        replies = conversation.exchange(["x", "end"], soon())
        assert replies[0].output == "Info: ready to send\n"
        assert (replies[1].output, replies[1].prompt) == ("", "sw#")
