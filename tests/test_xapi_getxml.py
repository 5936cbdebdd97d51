"""A codec's getxml Configuration document → the terminal's ``*c xConfiguration`` lines.

Checked on a real SX10 dump (CE 9.6.1) with and without the codec's own valuespace.xml, and
on every way a document can be wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from communet.platforms.xapi_getxml import (
    GetxmlError,
    configuration_lines,
    value_space_types,
    version,
)

GETXML = Path(__file__).resolve().parent / "plan" / "brownfield" / "getxml"
SX10 = (GETXML / "sx10-ce9.6.1.xml").read_text("utf-8")
VALUESPACE = (GETXML / "sx10-ce9.6.1-valuespace.xml").read_text("utf-8")


def test_every_leaf_of_the_real_dump_becomes_one_listing_line() -> None:
    lines = configuration_lines(SX10, VALUESPACE)
    assert len(lines) == SX10.count("valueSpaceRef=") == 223
    assert lines[:3] == [
        "*c xConfiguration Audio DefaultVolume: 50",  # integer: bare
        "*c xConfiguration Audio Input Microphone 1 Mode: On",  # item="1": the index
        "*c xConfiguration Audio Input Microphone 2 EchoControl Dereverberation: Off",
    ]
    assert '*c xConfiguration SystemUnit Name: "System name"' in lines  # string: quoted
    assert '*c xConfiguration SIP Authentication Password: "***"' in lines  # as the codec hides it
    assert '*c xConfiguration NetworkServices SNMP Host 1 Address: ""' in lines  # empty string
    assert "*c xConfiguration Network 1 QoS Mode: Diffserv" in lines


def test_the_space_names_give_the_same_listing_as_the_codecs_valuespace() -> None:
    assert configuration_lines(SX10) == configuration_lines(SX10, VALUESPACE)


def test_the_valuespace_document_names_each_space_type() -> None:
    types = value_space_types(VALUESPACE)
    assert types["STR_0_1024_NoFilt"] == types["PASSWORD_0_128_NoFilt"] == "String"
    assert types["INT_0_100"] == "Integer"
    assert types["TTPAR_OnOff"] == "Literal"


def test_a_string_with_quotes_is_escaped_the_way_the_lab_reads_it() -> None:
    document = (
        '<Configuration><SystemUnit><Name valueSpaceRef="/Valuespace/STR_0_50">'
        'Phong "A" \\ 2</Name></SystemUnit></Configuration>'
    )
    assert configuration_lines(document) == [
        '*c xConfiguration SystemUnit Name: "Phong \\"A\\" \\\\ 2"'
    ]


def test_the_version_is_the_documents() -> None:
    assert version(SX10) == "ce9.6.1.4516ae5aaa1"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<Configuration><Audio>", "not XML: no element found: line 1, column 22"),
        ("<Status><Audio/></Status>", "expected a <Configuration> document, got <Status>"),
        (
            '<Configuration><Audio><X valueSpaceRef="/Valuespace/Vs_x_1">1</X></Audio>'
            "</Configuration>",
            "Audio X: value space '/Valuespace/Vs_x_1' names no type; "
            "pass the codec's valuespace.xml",
        ),
        (
            "<Configuration><Audio><DefaultVolume>50</DefaultVolume></Audio></Configuration>",
            "Audio DefaultVolume: a setting without valueSpaceRef",
        ),
    ],
)
def test_a_wrong_document_is_refused_with_what_is_wrong(document: str, message: str) -> None:
    with pytest.raises(GetxmlError) as refused:
        configuration_lines(document)
    assert str(refused.value) == message


def test_an_unnamed_space_is_typed_by_the_valuespace_document() -> None:
    document = (
        '<Configuration><Audio><X valueSpaceRef="/Valuespace/Vs_x_1">1</X></Audio></Configuration>'
    )
    valuespace = '<Valuespace><Vs_x_1 type="String"/></Valuespace>'
    assert configuration_lines(document, valuespace) == ['*c xConfiguration Audio X: "1"']
    with pytest.raises(GetxmlError, match=r"^expected a <Valuespace> document, got <Status>$"):
        configuration_lines(document, "<Status/>")


def test_a_value_is_taken_exactly_as_the_codec_holds_it() -> None:
    # A RoomOS 11 terminal capture shows a system name of one space (WebexCC-SA/LAB-1451).
    document = (
        '<Configuration><SystemUnit><Name valueSpaceRef="/Valuespace/STR_0_50"> </Name>'
        '</SystemUnit><SIP><URI valueSpaceRef="/Valuespace/STR_0_255"/></SIP></Configuration>'
    )
    assert configuration_lines(document) == [
        '*c xConfiguration SystemUnit Name: " "',
        '*c xConfiguration SIP URI: ""',
    ]
