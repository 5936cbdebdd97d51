import unicodedata

import pytest

from communet.names import ascii_fold, is_dns_label, slugify, split_division

# Every Vietnamese vowel with every tone mark, lower and upper case, and đ/Đ.
VOWELS = {
    "a": "aàáảãạăằắẳẵặâầấẩẫậ",
    "e": "eèéẻẽẹêềếểễệ",
    "i": "iìíỉĩị",
    "o": "oòóỏõọôồốổỗộơờớởỡợ",
    "u": "uùúủũụưừứửữự",
    "y": "yỳýỷỹỵ",
    "d": "dđ",
}


@pytest.mark.parametrize("base", sorted(VOWELS))
def test_every_tone_mark_and_modifier_folds_to_its_base_letter(base: str) -> None:
    letters = VOWELS[base]
    assert ascii_fold(letters) == base * len(letters)
    assert ascii_fold(letters.upper()) == base.upper() * len(letters)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Định Hoá", "dinh-hoa"),
        ("Định Hóa", "dinh-hoa"),
        ("Đắk Lắk", "dak-lak"),
        ("Thị xã Nghi Sơn", "thi-xa-nghi-son"),
        ("Phú Sơn", "phu-son"),
        ("Mường Lát", "muong-lat"),
        ("Ea H'leo", "ea-h-leo"),
        ("  Quận 1 ", "quan-1"),
        ("Xã A\ninterface Vlan1", "xa-a-interface-vlan1"),
        ("{{ lookup('pipe','id') }}", "lookup-pipe-id"),
    ],
)
def test_slugify_gives_ascii_dns_labels(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert is_dns_label(slug)


def test_decomposed_input_gives_the_same_slug_as_composed() -> None:
    composed = "Định Hoá"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert slugify(decomposed) == slugify(composed) == "dinh-hoa"


def test_slug_is_truncated_without_a_trailing_hyphen() -> None:
    slug = slugify("Nguyễn " * 20, max_length=20)
    assert slug == "nguyen-nguyen-nguyen"
    assert len(slug) <= 20


@pytest.mark.parametrize(
    ("official", "kind", "bare"),
    [
        ("Xã Phú Sơn", "xa", "Phú Sơn"),
        ("Phường Hàm Rồng", "phuong", "Hàm Rồng"),
        ("Thị trấn Cành Nàng", "thi_tran", "Cành Nàng"),
        ("Thị xã Nghi Sơn", "thi_xa", "Nghi Sơn"),
        ("Thành phố Thanh Hóa", "thanh_pho", "Thanh Hóa"),
        ("Đặc khu Phú Quốc", "dac_khu", "Phú Quốc"),
        ("Huyện Định Hóa", "huyen", "Định Hóa"),
        ("Thanh Hóa", "", "Thanh Hóa"),
    ],
)
def test_split_division(official: str, kind: str, bare: str) -> None:
    assert split_division(official) == (kind, bare)


@pytest.mark.parametrize(
    ("label", "valid"),
    [
        ("dinh-hoa-sw1", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("-dinh", False),
        ("dinh-", False),
        ("Dinh", False),
        ("dinh_hoa", False),
        ("", False),
    ],
)
def test_dns_label(label: str, valid: bool) -> None:
    assert is_dns_label(label) is valid
