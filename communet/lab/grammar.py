"""Keyword grammars with abbreviations, as network CLIs parse them.

A grammar is written as one command form per line::

    show running-config|startup-config
    switchport access vlan *
    description ...

``a|b`` are keywords (each may be abbreviated to any unique prefix), ``*`` is one free
argument, ``...`` the free rest of the line (possibly empty). Every line's last word ends a
complete command. Parsing returns the command with its keywords expanded, or where it failed
and how (invalid / incomplete / ambiguous), which each platform turns into its own error text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class Failure(Enum):
    INVALID = "invalid"
    INCOMPLETE = "incomplete"
    AMBIGUOUS = "ambiguous"


@dataclass
class _Node:
    keywords: dict[str, _Node] = field(default_factory=dict)
    arg: _Node | None = None
    rest: bool = False
    end: bool = False


@dataclass(frozen=True)
class Parsed:
    words: tuple[str, ...]  # keywords expanded, arguments as typed
    failure: Failure | None = None
    column: int = 0  # character offset of the failing word in the typed line
    token: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.words)


class Grammar:
    def __init__(self, spec: str) -> None:
        self.root = _Node()
        for raw in spec.strip().splitlines():
            words = raw.split("#", 1)[0].split()
            if words:
                self._add(words)

    def _add(self, words: list[str]) -> None:
        nodes = [self.root]
        for word in words:
            following: list[_Node] = []
            for node in nodes:
                if word == "...":
                    node.rest = True
                    following.append(node)
                elif word == "*":
                    node.arg = node.arg or _Node()
                    following.append(node.arg)
                else:
                    for keyword in word.split("|"):
                        following.append(node.keywords.setdefault(keyword, _Node()))
            nodes = following
        for node in nodes:
            node.end = True

    def first_words(self) -> list[str]:
        return sorted(self.root.keywords)

    def help(self, line: str) -> list[str] | None:
        """What ``?`` lists after ``line``: keywords (``<word>`` for an argument, ``<cr>``
        when the command is complete); None if ``line`` is already invalid."""
        tokens = line.split()
        partial = "" if not tokens or line[-1:].isspace() else tokens.pop()
        node = self.root
        for token in tokens:
            if node.rest and not node.keywords and node.arg is None:
                return ["LINE", "<cr>"]
            matches = [k for k in node.keywords if k.startswith(token.lower())]
            if token.lower() in node.keywords:
                node = node.keywords[token.lower()]
            elif len(matches) == 1:
                node = node.keywords[matches[0]]
            elif node.arg is not None:
                node = node.arg
            elif node.rest:
                return ["LINE", "<cr>"]
            else:
                return None
        options = sorted(k for k in node.keywords if k.startswith(partial.lower()))
        if partial:
            return options or None
        if node.arg is not None:
            options.append("WORD")
        if node.rest:
            options.append("LINE")
        if node.end or node.rest:
            options.append("<cr>")
        return options

    def parse(self, line: str, lenient_end: bool = False) -> Parsed:
        """Parse ``line``; ``lenient_end`` accepts any prefix of a command (``no`` forms)."""
        tokens = [(m.group(), m.start()) for m in re.finditer(r"\S+", line)]
        node = self.root
        words: list[str] = []
        for index, (token, column) in enumerate(tokens):
            if node.rest and not node.keywords and node.arg is None:
                words.extend(t for t, _ in tokens[index:])
                return Parsed(tuple(words))
            exact = node.keywords.get(token) or node.keywords.get(token.lower())
            if exact is not None:
                words.append(token.lower() if token.lower() in node.keywords else token)
                node = exact
                continue
            matches = [k for k in node.keywords if k.startswith(token.lower())]
            if len(matches) == 1:
                words.append(matches[0])
                node = node.keywords[matches[0]]
                continue
            if len(matches) > 1 and node.arg is None and not node.rest:
                return Parsed(tuple(words), Failure.AMBIGUOUS, column, token)
            if node.arg is not None:
                words.append(token)
                node = node.arg
                continue
            if node.rest:
                words.extend(t for t, _ in tokens[index:])
                return Parsed(tuple(words))
            return Parsed(tuple(words), Failure.INVALID, column, token)
        if node.end or node.rest or (lenient_end and words):
            return Parsed(tuple(words))
        return Parsed(tuple(words), Failure.INCOMPLETE, len(line), "")
