"""Which communes a scope names, with a did-you-mean that ignores Vietnamese accents.

A scope is a province, district/hub or commune slug, a hostname (its commune), or a
commune's exact name ("Vĩnh Lộc"). Anything else is refused with candidates: the communes
whose name or slug reads the same without accents ("vinh loc" → Vĩnh Lộc), or close to it;
when several communes share a name they are all listed with their district, never guessed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from communet.errors import CommunetError
from communet.inventory.loader import LoadedInventory
from communet.inventory.resolve import Site


@dataclass(frozen=True)
class Commune:
    site: Site
    province: str
    district: str  # slug
    district_name: str

    @property
    def slug(self) -> str:
        return self.site.slug

    @property
    def name(self) -> str:
        return self.site.name

    def label(self) -> str:
        return f"{self.name} ({self.slug}, {self.district_name})"


class ScopeError(CommunetError):
    """The scope names no commune; ``candidates`` are the communes the user may have meant."""

    def __init__(self, query: str, candidates: Sequence[Commune], *, ambiguous: bool) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        self.ambiguous = ambiguous
        listed = "; ".join(c.label() for c in candidates)
        if ambiguous:
            message = f"several communes are called {query!r}: {listed}; give the slug"
        elif candidates:
            message = f"no commune {query!r} in the inventory; did you mean: {listed}?"
        else:
            message = f"no commune, district or province {query!r} in the inventory"
        super().__init__(message)


def fold(text: str) -> str:
    """Lower case without accents or punctuation: 'Vĩnh Lộc' and 'vinh-loc' → 'vinh loc'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[^0-9a-z]+", plain.lower())).strip()


def communes(loaded: LoadedInventory) -> list[Commune]:
    """Every commune of the inventory, in inventory order."""
    out: list[Commune] = []
    for plan in loaded.plans:
        names = {d.slug or fold(d.name).replace(" ", "-"): d.name for d in plan.province.districts}
        for site in plan.sites:
            if site.kind == "commune":
                district = site.district_slug
                out.append(
                    Commune(site, plan.province.slug, district, names.get(district, district))
                )
    return out


def resolve(loaded: LoadedInventory, scopes: Iterable[str]) -> list[Commune]:
    """The communes named by every scope, each once, in inventory order."""
    every = communes(loaded)
    chosen: set[str] = set()
    for query in scopes:
        chosen.update(c.slug for c in _one(loaded, every, query.strip()))
    return [c for c in every if c.slug in chosen]


def resolve_one(loaded: LoadedInventory, query: str) -> list[Commune]:
    """Exactly one commune (``communet check``): a commune slug wins over a district's."""
    every = communes(loaded)
    query = query.strip()
    found = [c for c in every if c.slug == query] or _one(loaded, every, query)
    if len(found) > 1:
        raise ScopeError(query, found, ambiguous=True)
    return found


def _one(loaded: LoadedInventory, every: list[Commune], query: str) -> list[Commune]:
    found = [c for c in every if query in (c.slug, c.district, c.province)]
    if found:
        return found
    host = next((d for d in loaded.devices if d.hostname == query), None)
    if host is not None and host.site.kind == "commune":
        return [c for c in every if c.slug == host.site.slug]
    named = [c for c in every if c.name.casefold() == query.casefold()]
    if len(named) == 1:
        return named
    if named:
        raise ScopeError(query, named, ambiguous=True)
    raise ScopeError(query, suggestions(every, query), ambiguous=False)


def suggestions(every: Sequence[Commune], query: str, limit: int = 5) -> list[Commune]:
    """Communes whose name or slug reads like ``query`` without accents, else close to it."""
    folded = fold(query)
    same = [c for c in every if folded in (fold(c.name), fold(c.slug))]
    if same:
        return same[:limit]
    keys: dict[str, list[Commune]] = {}
    for commune in every:
        for key in {fold(commune.name), fold(commune.slug)}:
            keys.setdefault(key, []).append(commune)
    close = difflib.get_close_matches(folded, list(keys), n=limit, cutoff=0.75)
    out: list[Commune] = []
    for key in close:
        out += [c for c in keys[key] if c not in out]
    return out[:limit]
