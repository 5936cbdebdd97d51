"""Alert rules: one page per failure, named in Vietnamese and ASCII, with the value and the fix.

Every alert carries ``province`` and ``uplink_hub`` (the hub its site hangs off) so that
Alertmanager's inhibit rules (alertmanager.py) can silence what a hub failure explains; the
site's names come from joining ``communet:site:info`` (value 1, so the value is unchanged).
"""

from __future__ import annotations

from typing import Any

from communet.monitoring.rules import (
    COMMUNE,
    JITTER_MAX,
    LOSS_MAX,
    RTT_MAX,
    SITE,
    Timing,
    duration,
)

Rule = dict[str, Any]
NAMES = f"on ({SITE}) group_left (name, name_ascii) communet:site:info"
WHERE = "{{ $labels.name }} ({{ $labels.name_ascii }}), cụm {{ $labels.uplink_hub }}"

# Alerts a hub failure explains (inhibited by HubDown / ExporterDown of the same uplink_hub),
# and those a commune failure explains (inhibited by CommuneDown of the same commune).
BEHIND_HUB = (
    "CommuneDown",
    "DeviceDown",
    "LossyLink",
    "HighRtt",
    "HighJitter",
    "WanLinkDown",
    "CodecUnregistered",
    "DeviceRebooted",
    "HubExporterSilent",
)
BEHIND_COMMUNE = (
    "DeviceDown",
    "LossyLink",
    "HighRtt",
    "HighJitter",
    "WanLinkDown",
    "CodecUnregistered",
)


def _alert(*texts: str, expr: str, for_: float, severity: str) -> Rule:
    """``texts``: name, summary, description, action."""
    name, summary, description, action = texts
    rule: Rule = {"alert": name, "expr": expr}
    if for_:
        rule["for"] = duration(for_)
    rule["labels"] = {"severity": severity}
    rule["annotations"] = {"summary": summary, "description": description, "action": action}
    return rule


def _named(expr: str) -> str:
    return f"({expr}) * {NAMES}"


def alert_rules(t: Timing) -> list[Rule]:
    w = duration(t.rate_window)
    return [
        _alert(
            "HubDown",
            "Cụm {{ $labels.name }} ({{ $labels.name_ascii }}) mất kết nối: mọi xã phía sau bị cắt",
            "Không thiết bị nào của điểm cụm {{ $labels.name_ascii }} trả lời ping; các xã "
            "phía sau được tính là 'mất do tuyến trên' và không báo riêng.",
            "Kiểm tra đường truyền TSLCD của cụm và router CE của cụm; gọi VNPT với mã mạch "
            "của cụm.",
            expr=_named("hub:communet_state:code == 0"),
            for_=0,
            severity="page",
        ),
        _alert(
            "CommuneDown",
            f"Xã {WHERE} mất kết nối",
            "Không thiết bị nào của xã {{ $labels.name_ascii }} trả lời ping trong "
            f"{duration(t.reach_window)} (cụm vẫn hoạt động).",
            "Gọi cán bộ xã kiểm tra điện và router CE; sau đó báo VNPT với mã mạch TSLCD.",
            expr=_named("commune:communet_state:code == 0"),
            for_=0,
            severity="page",
        ),
        _alert(
            "DeviceDown",
            "Thiết bị {{ $labels.instance }} ({{ $labels.role }}) tại "
            f"{WHERE} không trả lời",
            "Thiết bị không trả lời ping trong khi các thiết bị khác của điểm vẫn trả lời.",
            "Kiểm tra nguồn và cáp của thiết bị; chạy 'communet check {{ $labels.instance }}'.",
            expr=_named(
                "device:communet_up:bool == 0"
                " unless on (province, district, commune) (commune:communet_up:bool == 0)"
                " unless on (province, uplink_hub) (hub:communet_up:bool == 0)"
            ),
            for_=t.device_for,
            severity="warning",
        ),
        _alert(
            "LossyLink",
            f"Xã {WHERE}: mất gói {{{{ $value | humanizePercentage }}}}",
            f"Tỉ lệ mất gói trong {w} là {{{{ $value | humanizePercentage }}}} "
            f"(ngưỡng hội nghị truyền hình {LOSS_MAX:.0%}).",
            "Chạy 'communet readiness' tại xã; nếu vẫn mất gói, báo VNPT kiểm tra tuyến TSLCD.",
            expr=_named(
                f"commune:communet_icmp_loss:ratio > {LOSS_MAX}"
                f" and on ({SITE}) commune:communet_state:code == 1"
            ),
            for_=t.quality_for,
            severity="warning",
        ),
        _alert(
            "HighRtt",
            f"Xã {WHERE}: độ trễ {{{{ $value | humanizeDuration }}}}",
            f"RTT trung bình trong {w} là {{{{ $value | humanizeDuration }}}} "
            f"(ngưỡng {RTT_MAX * 1000:.0f} ms cho hội nghị truyền hình).",
            "Kiểm tra băng thông và QoS (DSCP EF/AF41) trên tuyến; báo VNPT nếu tuyến bị nghẽn.",
            expr=_named(f"commune:communet_icmp_rtt:max_mean_seconds > {RTT_MAX}"),
            for_=t.quality_for,
            severity="warning",
        ),
        _alert(
            "HighJitter",
            f"Xã {WHERE}: jitter {{{{ $value | humanizeDuration }}}}",
            f"Jitter trung bình trong {w} là {{{{ $value | humanizeDuration }}}} "
            f"(ngưỡng {JITTER_MAX * 1000:.0f} ms).",
            "Kiểm tra hàng đợi ưu tiên cho VLAN 40 (HNTH) và tải trên tuyến TSLCD.",
            expr=_named(f"commune:communet_icmp_jitter:max_seconds > {JITTER_MAX}"),
            for_=t.quality_for,
            severity="warning",
        ),
        _alert(
            "DeviceRebooted",
            f"Thiết bị {{{{ $labels.instance }}}} tại {WHERE} vừa khởi động lại",
            "Thời gian hoạt động (uptime) của thiết bị đã về 0 trong "
            f"{duration(t.reboot_window)} qua.",
            "Hỏi xã về mất điện; kiểm tra UPS; nếu lặp lại, xem log và nhiệt độ thiết bị.",
            expr=_named(
                "label_replace(resets(communet_device_uptime_seconds"
                f"[{duration(t.reboot_window)}]) > 0,"
                ' "uplink_hub", "$1", "district", "(.*)")'
            ),
            for_=0,
            severity="warning",
        ),
        _alert(
            "WanLinkDown",
            f"Cổng WAN TSLCD của {{{{ $labels.instance }}}} tại {WHERE} bị down",
            "ifOperStatus của cổng WAN TSLCD là down (router vẫn trả lời SNMP qua đường khác).",
            "Kiểm tra cáp tới thiết bị của VNPT; báo VNPT với mã mạch TSLCD của xã.",
            expr=_named(
                'label_replace(communet_wan_link_up == 0, "uplink_hub", "$1", "district", "(.*)")'
            ),
            for_=t.device_for,
            severity="page",
        ),
        _alert(
            "CodecUnregistered",
            f"Thiết bị hội nghị {{{{ $labels.instance }}}} tại {WHERE} chưa đăng ký MCU",
            "Codec không đăng ký SIP hay H.323 với MCU của tỉnh: xã không vào được giao ban.",
            "Chạy 'communet readiness' tại xã; kiểm tra SIP URI, proxy và mật khẩu đăng ký.",
            expr=_named(
                # only while the codec answers ping: a codec cut off with its commune or hub
                # has lost its registrar too, and that failure pages on its own
                "label_replace(max without (protocol) (communet_codec_registered) == 0"
                " and on (instance) (device:communet_up:bool == 1),"
                ' "uplink_hub", "$1", "district", "(.*)")'
            ),
            for_=t.codec_for,
            severity="warning",
        ),
        _alert(
            "ExporterDown",
            "Exporter của cụm {{ $labels.hub }} không trả lời Prometheus",
            "Prometheus không lấy được số liệu từ {{ $labels.instance }} "
            "({{ $labels.exporter_host }}): cụm mất kết nối hoặc exporter dừng.",
            "Kiểm tra đường truyền tới cụm; trên máy exporter: "
            "'systemctl status communet-exporter'.",
            expr='up{job="communet"} == 0',
            for_=t.exporter_for,
            severity="page",
        ),
        _alert(
            "HubExporterSilent",
            "Không có số liệu cho cụm {{ $labels.name }} ({{ $labels.name_ascii }})",
            "Không thiết bị nào của cụm có số liệu ping: exporter không chạy, không đo cụm này, "
            "hoặc Prometheus không lấy được số liệu.",
            "Kiểm tra exporter của cụm (--hub) và file_sd của Prometheus; "
            "chạy lại 'communet monitoring generate'.",
            expr=_named(
                f'max by ({COMMUNE}) (communet:site:info{{kind="hub"}})'
                " unless on (province, uplink_hub) device:communet_up:bool"
            ),
            for_=t.silent_for,
            severity="warning",
        ),
    ]
