"""Pure judgement: thresholds, wording, the did-you-mean, the matrix's CSV/JSON columns."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from communet.inventory import load_inventory
from communet.inventory.loader import LoadedInventory
from communet.probe.burst import summarise
from communet.probe.codec import CodecStatus, parse_status
from communet.probe.ntp import NtpResult
from communet.probe.tcp import TcpResult
from communet.readiness.probe import CommuneReport
from communet.readiness.report import CSV_COLUMNS, rows, to_csv, to_html, to_json
from communet.readiness.scope import ScopeError, fold, resolve, resolve_one
from communet.readiness.verdict import (
    State,
    Thresholds,
    exit_code,
    judge_burst,
    judge_call_rate,
    judge_codec,
    judge_drift,
    judge_ntp,
    judge_registrar_reach,
    judge_tcp,
)
from communet_cli.readiness_text import WORDS, check_label, headers, wording

REPO = Path(__file__).resolve().parents[2]
LIMITS = Thresholds()


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return load_inventory(REPO / "inventory" / "demo")


@pytest.fixture(scope="module")
def province():  # type: ignore[no-untyped-def]
    return load_inventory(REPO / "inventory" / "thanh-hoa")


def states(findings: list) -> dict[str, State]:  # type: ignore[type-arg]
    return {f.check: f.state for f in findings}


def test_a_clean_burst_passes_every_check() -> None:
    result = summarise("a", [0.010, 0.011, 0.010, 0.012] * 50, rate=50, window=0.2)
    assert set(states(judge_burst("vc1", result, LIMITS)).values()) == {State.PASS}


def test_delay_warns_above_150_ms_and_fails_above_300_ms() -> None:
    slow = judge_burst("vc1", summarise("a", [0.2] * 100, 50, 0.2), LIMITS)
    slower = judge_burst("vc1", summarise("a", [0.31] * 100, 50, 0.2), LIMITS)
    assert states(slow)["rtt"] == State.WARN
    assert slow[0].value == "200 ms"
    assert states(slower)["rtt"] == State.FAIL


def test_loss_fails_above_one_percent_and_names_the_count() -> None:
    rtts = [0.01] * 95 + [None] * 5
    findings = judge_burst("vc1", summarise("a", rtts, 50, 0.2), LIMITS)
    loss = next(f for f in findings if f.check == "loss")
    assert loss.state == State.FAIL
    assert loss.value == "5.0 %"
    reason, step = wording("en")(loss)
    assert reason == "loss 5.0 % (5 of 100 echoes) is above the 1.0 % limit: the call will freeze"
    assert "telecom" in step


def test_jitter_is_the_mean_rtt_difference() -> None:
    rtts = [0.02, 0.06] * 50  # consecutive replies differ by 40 ms
    jitter = next(
        f for f in judge_burst("vc1", summarise("a", rtts, 50, 0.2), LIMITS) if f.check == "jitter"
    )
    assert jitter.state == State.FAIL
    assert jitter.value == "40 ms"


def test_a_silent_target_is_one_failure() -> None:
    findings = judge_burst("vc1", summarise("a", [None] * 20, 50, 0.2), LIMITS)
    assert [(f.check, f.state, f.code) for f in findings] == [("loss", State.FAIL, "media.silent")]


def test_codec_status_of_both_firmware_families() -> None:
    tc = parse_status("*s SIP Profile 1 Registration 1 Status: Registered\n")
    roomos = parse_status(
        "*s SIP Registration 1 Status: Failed\n*s H323 Gatekeeper Status: Registered\n"
    )
    assert states(judge_codec("vc1", tc, expect_h323=False)) == {"sip": State.PASS}
    assert states(judge_codec("vc1", roomos, expect_h323=True)) == {
        "sip": State.FAIL,
        "h323": State.PASS,
    }


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("authentication failed for user 'admin' (wrong password?)", "login.refused"),
        ("Permission denied for user admin on host 127.100.0.30", "login.refused"),
        ("sw1: no answer on 127.100.0.27:22 within 10 s", "login.down"),
        ("Connection refused", "login.down"),
        ("something else entirely", "login.error"),
    ],
)
def test_session_failures_are_told_apart(error: str, code: str) -> None:
    codec = judge_codec("vc1", CodecStatus(False, error=error), expect_h323=False)
    drift = judge_drift("sw1", failed=True, error=error, lines=0)
    assert codec[0].code == drift.code == code
    assert drift.state == State.FAIL


def test_call_rate_against_the_circuit() -> None:
    assert judge_call_rate("vc1", 6000, 20, LIMITS).state == State.PASS
    assert judge_call_rate("vc1", 6000, 7, LIMITS).state == State.WARN  # 7.2 Mbps needed
    assert judge_call_rate("vc1", 6000, 4, LIMITS).state == State.FAIL
    assert judge_call_rate("vc1", None, 20, LIMITS).state == State.SKIP


def test_tcp_and_drift() -> None:
    assert judge_tcp("sw1", "ssh", TcpResult("a", 22, True, 0.01)).state == State.PASS
    closed = judge_tcp("sw1", "ssh", TcpResult("a", 22, False, 0.01, "Connection refused"))
    assert (
        wording("en")(closed)[0] == "SSH port 22 does not accept connections (Connection refused)"
    )
    drift = judge_drift("sw1", failed=False, error="", lines=3)
    assert drift.state == State.WARN
    assert wording("en")(drift) == (
        "configuration differs from the inventory (3 lines to change)",
        "see them with 'communet plan sw1', fix with 'communet apply sw1'",
    )


def test_service_ports_closed_or_dropped_say_different_things() -> None:
    refused = TcpResult("a", 443, False, 0.001, "Connection refused")
    dropped = TcpResult("a", 1720, False, 3.0, "timeout")
    closed = judge_tcp("vc1", "https", refused)
    assert (closed.state, closed.code, closed.value) == (
        State.FAIL,
        "tcp.closed",
        "Connection refused",
    )
    assert wording("en")(closed) == (
        "HTTPS port 443 is closed on the codec (Connection refused)",
        "turn HTTPS on in the codec's configuration: 'communet apply vc1'",
    )
    assert check_label(closed, "en") == "HTTPS port"
    assert check_label(closed, "vi") == "cổng HTTPS"
    blocked = judge_tcp("vc1", "h323", dropped)
    assert wording("en")(blocked) == (
        "H.323 port 1720 does not answer (timeout)",
        "something on the way drops it: check the CE router's ACL for the meeting VLAN",
    )
    mcu = judge_tcp(
        "mcu (10.0.0.1)",
        "sip",
        TcpResult("a", 5060, False, 0, "Connection refused"),
        check="registrar",
    )
    assert (mcu.check, mcu.code) == ("registrar", "registrar.closed")
    assert wording("vi")(mcu) == (
        "cổng SIP 5060 của MCU/máy chủ đăng ký đang đóng (Connection refused)",
        "gọi cán bộ vận hành MCU của tỉnh: dịch vụ SIP không chạy",
    )
    up = judge_tcp("mcu (10.0.0.1)", "sips", TcpResult("a", 5061, True, 0.004), check="registrar")
    assert (up.state, up.value) == (State.PASS, "4 ms")
    assert wording("en")(up)[0] == "the MCU/registrar's SIP-TLS port 5061 is open"


def test_registrar_reach() -> None:
    assert judge_registrar_reach("mcu", 5, 0, None).state == State.FAIL
    partial = judge_registrar_reach("mcu", 5, 3, 0.002)
    assert (partial.state, wording("en")(partial)[0]) == (
        State.WARN,
        "the MCU/registrar answered only 3 of 5 echoes",
    )
    assert judge_registrar_reach("mcu", 5, 5, 0.002).value == "2 ms"


def test_ntp_answers_are_judged() -> None:
    silent = judge_ntp("10.0.0.1", NtpResult("a", False, error="no reply within 2 s"), LIMITS)
    assert (silent.state, silent.code) == (State.FAIL, "ntp.down")
    assert wording("en")(silent)[0] == "the NTP server does not answer (no reply within 2 s)"
    good = NtpResult("a", True, stratum=2, leap=0, offset=0.004, delay=0.001, reference="x")
    passed = judge_ntp("10.0.0.1", good, LIMITS)
    assert (passed.state, passed.value) == (State.PASS, "stratum 2, +4 ms")
    lost = NtpResult("a", True, stratum=16, leap=3, offset=0.0, delay=0.001)
    unsynced = judge_ntp("10.0.0.1", lost, LIMITS)
    assert (unsynced.state, wording("en")(unsynced)[0]) == (
        State.FAIL,
        "the NTP server answers but has no time source (stratum 16, leap 3)",
    )
    far = NtpResult("a", True, stratum=3, leap=0, offset=-2.5, delay=0.001)
    warned = judge_ntp("10.0.0.1", far, LIMITS)
    assert (warned.state, wording("vi")(warned)[0]) == (
        State.WARN,
        "đồng hồ máy này lệch -2500 ms so với máy chủ NTP",
    )


def test_exit_code_is_the_worst_state() -> None:
    assert [exit_code(s) for s in State] == [0, 0, 1, 2]


def test_every_code_has_both_languages() -> None:
    for code, entry in WORDS.items():
        assert set(entry) == {"en", "vi"}, code


def test_fold_ignores_accents_and_punctuation() -> None:
    assert fold("Vĩnh Lộc") == fold("vinh-loc") == fold("VINH  LOC") == "vinh loc"
    assert fold("Định Hải") == "dinh hai"


def test_unaccented_name_suggests_the_commune(province) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScopeError) as caught:
        resolve(province, ["vinh loc"])
    assert str(caught.value) == (
        "no commune 'vinh loc' in the inventory; did you mean: Vĩnh Lộc (vinh-loc, Vĩnh Lộc)?"
    )
    with pytest.raises(ScopeError) as caught:
        resolve(province, ["vinh hung"])
    assert [c.label() for c in caught.value.candidates] == [
        "Vĩnh Hưng (vinh-hung-15367, Vĩnh Lộc)",
        "Vĩnh Hùng (vinh-hung-15379, Vĩnh Lộc)",
    ]


def test_check_prefers_the_commune_over_a_district_of_the_same_slug(province) -> None:  # type: ignore[no-untyped-def]
    assert [c.name for c in resolve_one(province, "vinh-loc")] == ["Vĩnh Lộc"]
    assert len(resolve(province, ["vinh-loc"])) == 13
    with pytest.raises(ScopeError, match="several communes are called 'bim-son'"):
        resolve_one(province, "bim-son")


def test_names_shared_by_several_communes_list_all_of_them(demo) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScopeError) as caught:
        resolve(demo, ["Phú Sơn"])
    assert caught.value.ambiguous
    assert str(caught.value) == (
        "several communes are called 'Phú Sơn': Phú Sơn (phu-son-nghi-son, Nghi Sơn); "
        "Phú Sơn (phu-son-thach-thanh, Thạch Thành); give the slug"
    )


def test_scopes_by_slug_district_name_and_hostname(demo) -> None:  # type: ignore[no-untyped-def]
    assert [c.slug for c in resolve(demo, ["thach-thanh"])] == ["phu-son-thach-thanh", "thanh-son"]
    assert [c.slug for c in resolve(demo, ["Định Hải"])] == ["dinh-hai"]
    assert [c.slug for c in resolve(demo, ["thanh-son-vc1", "dinh-hai"])] == [
        "dinh-hai",
        "thanh-son",
    ]
    assert len(resolve(demo, ["demo"])) == 4
    with pytest.raises(ScopeError, match="no commune, district or province 'hanoi'"):
        resolve(demo, ["hanoi"])


def _reports(demo: LoadedInventory) -> list[CommuneReport]:
    communes = {c.slug: c for c in resolve(demo, ["demo"])}
    ok = judge_burst("x-vc1", summarise("a", [0.01] * 100, 50, 0.2), LIMITS)
    lossy = judge_burst("dinh-hai-vc1", summarise("a", [0.01] * 90 + [None] * 10, 50, 0.2), LIMITS)
    drift = [judge_drift("thanh-son-sw1", failed=False, error="", lines=2)]
    return [
        CommuneReport(communes["phu-son-nghi-son"], "hub-nghi-son", tuple(ok), {}, 1.0),
        CommuneReport(communes["thanh-son"], "hub-thach-thanh", tuple(ok + drift), {}, 1.0),
        CommuneReport(communes["dinh-hai"], "hub-nghi-son", tuple(lossy), {}, 1.0),
    ]


def test_csv_columns_are_pinned_and_worst_first(demo) -> None:  # type: ignore[no-untyped-def]
    text = to_csv(rows(_reports(demo)), wording("en"))
    table = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == (
        "commune,name,district,hub,state,reach,rtt,jitter,loss,tcp,drift,codec,services,"
        "worst_check,worst_device,worst_value,reason,next_step"
    )
    assert tuple(table[0]) == CSV_COLUMNS
    assert [(r["commune"], r["state"], r["worst_check"], r["worst_value"]) for r in table] == [
        ("dinh-hai", "FAIL", "loss", "10.0 %"),
        ("thanh-son", "WARN", "drift", "2"),
        ("phu-son-nghi-son", "PASS", "", ""),
    ]
    assert table[0]["loss"] == "FAIL"
    assert table[0]["drift"] == "SKIP"


def test_json_columns_are_pinned(demo) -> None:  # type: ignore[no-untyped-def]
    text = to_json(
        rows(_reports(demo)),
        wording("vi"),
        scope="demo",
        generated="t",
        thresholds=LIMITS,
        seconds=1,
    )
    document = json.loads(text)
    assert list(document) == ["scope", "generated", "seconds", "thresholds", "summary", "communes"]
    assert document["summary"] == {"FAIL": 1, "WARN": 1, "PASS": 1}
    first = document["communes"][0]
    assert list(first) == [*CSV_COLUMNS, "findings"]
    assert first["reason"].startswith("mất gói 10.0 % (10/100 gói) vượt giới hạn 1.0 %")
    assert list(first["findings"][0]) == [
        "check",
        "device",
        "state",
        "value",
        "measured",
        "reason",
        "next_step",
    ]


def test_html_is_self_contained(demo) -> None:  # type: ignore[no-untyped-def]
    page = to_html(
        rows(_reports(demo)),
        wording("vi"),
        title="T",
        meta="m",
        headers=headers("vi"),
        state_words={"PASS": "ĐẠT", "WARN": "CẢNH BÁO", "FAIL": "KHÔNG ĐẠT", "SKIP": "-"},
        lang="vi",
    )
    for outside in ("http://", "https://", "<script", "<link", "src=", "@import", "url("):
        assert outside not in page
    assert page.index('data-commune="dinh-hai"') < page.index('data-commune="thanh-son"')
