"""One exception tree for the whole project; transport errors stay as ``__cause__``."""

from __future__ import annotations

from dataclasses import dataclass


class CommunetError(Exception):
    """Root of every error communet raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inventory, located as precisely as we can."""

    file: str
    path: str
    message: str
    hint: str = ""
    line: int | None = None
    column: int | None = None
    # The key path inside ``file``, used to find line and column when they are not known yet.
    loc: tuple[str | int, ...] = ()

    def render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


class InventoryError(CommunetError):
    """The inventory could not be loaded; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"inventory has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(p.render() for p in self.problems)]))


class ScaffoldError(CommunetError):
    """The administrative register has no such province, or the request cannot be built."""
