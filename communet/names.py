"""Vietnamese names → ASCII slugs and DNS-safe hostnames.

Tone marks and vowel modifiers are combining characters after NFD decomposition; đ/Đ is a
separate letter (not a d with a combining stroke), so it is mapped explicitly.
"""

from __future__ import annotations

import re
import unicodedata

_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 48
HOSTNAME_MAX = 63

# Administrative prefixes as printed in the official register, longest first so that
# "Thành phố" wins over a bare word.
DIVISION_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Thành phố", "thanh_pho"),
    ("Thị trấn", "thi_tran"),
    ("Thị xã", "thi_xa"),
    ("Đặc khu", "dac_khu"),
    ("Phường", "phuong"),
    ("Huyện", "huyen"),
    ("Quận", "quan"),
    ("Tỉnh", "tinh"),
    ("Xã", "xa"),
)


def ascii_fold(text: str) -> str:
    """Drop every Vietnamese diacritic: 'Định Hoá' → 'Dinh Hoa'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """A lowercase ASCII slug of letters, digits and single hyphens.

    >>> slugify("Định Hoá")
    'dinh-hoa'
    """
    slug = _NON_ALNUM.sub("-", ascii_fold(text).lower()).strip("-")
    return slug[:max_length].rstrip("-")


def split_division(official_name: str) -> tuple[str, str]:
    """Split 'Xã Phú Sơn' into ('xa', 'Phú Sơn'); names without a known prefix keep kind ''."""
    name = unicodedata.normalize("NFC", official_name.strip())
    for prefix, kind in DIVISION_PREFIXES:
        if name.startswith(prefix + " "):
            return kind, name[len(prefix) + 1 :].strip()
    return "", name


_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def is_dns_label(text: str) -> bool:
    """RFC 1123 label: 1–63 of [a-z0-9-], not starting or ending with '-'."""
    return bool(_LABEL.match(text))
