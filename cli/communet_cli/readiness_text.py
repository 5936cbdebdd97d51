"""Plain words for readiness findings: the reason and the next step, in English and Vietnamese.

Written for part-time technicians ("kiêm nhiệm"): what was measured, whether it is good
enough for the briefing, and the one thing to do next.
"""

from __future__ import annotations

from collections.abc import Callable

from communet.readiness.verdict import Finding

# code -> language -> (reason, next step)
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "media.silent": {
        "en": (
            "the meeting-room device answered none of {sent} echoes",
            "check the codec's power and cable, then the CE router and the TSLCD line",
        ),
        "vi": (
            "thiết bị phòng họp không trả lời gói nào trong {sent} gói thử",
            "kiểm tra nguồn và cáp của thiết bị hội nghị, rồi router CE và đường truyền số liệu",
        ),
    },
    "rtt.pass": {
        "en": ("round trip {value} (median {p50}), within {warn}", ""),
        "vi": ("độ trễ khứ hồi {value} (trung vị {p50}), dưới {warn}", ""),
    },
    "rtt.warn": {
        "en": (
            "round trip {value} is above {warn} (the limit is {limit}); the picture may lag",
            "ask the telecom (VNPT) to check the TSLCD line's delay before the meeting",
        ),
        "vi": (
            "độ trễ khứ hồi {value} vượt mức cảnh báo {warn} (giới hạn {limit}); hình có thể chậm",
            "báo nhà mạng (VNPT) kiểm tra độ trễ đường truyền số liệu trước giờ họp",
        ),
    },
    "rtt.fail": {
        "en": (
            "round trip {value} is above the {limit} limit: speech will overlap",
            "call the telecom (VNPT) about the TSLCD line now; prepare a backup link",
        ),
        "vi": (
            "độ trễ khứ hồi {value} vượt giới hạn {limit}: tiếng nói sẽ bị chồng, chậm",
            "gọi ngay nhà mạng (VNPT) về đường truyền số liệu; chuẩn bị đường dự phòng",
        ),
    },
    "jitter.pass": {
        "en": ("jitter {value}, within {warn}", ""),
        "vi": ("độ biến thiên trễ (jitter) {value}, dưới {warn}", ""),
    },
    "jitter.warn": {
        "en": (
            "jitter {value} is above {warn} (the limit is {limit})",
            "look for downloads or other traffic on the line during the meeting",
        ),
        "vi": (
            "jitter {value} vượt mức cảnh báo {warn} (giới hạn {limit})",
            "tạm dừng tải dữ liệu lớn hoặc lưu lượng khác trên đường truyền khi họp",
        ),
    },
    "jitter.fail": {
        "en": (
            "jitter {value} is above the {limit} limit: picture and sound will break up",
            "check the switch's QoS for the meeting VLAN and ask the telecom about the line",
        ),
        "vi": (
            "jitter {value} vượt giới hạn {limit}: hình và tiếng sẽ bị vỡ, giật",
            "kiểm tra QoS của switch cho VLAN hội nghị và báo nhà mạng kiểm tra đường truyền",
        ),
    },
    "loss.pass": {
        "en": ("loss {value} ({lost} of {sent} echoes)", ""),
        "vi": ("mất gói {value} ({lost}/{sent} gói)", ""),
    },
    "loss.warn": {
        "en": (
            "loss {value} ({lost} of {sent} echoes) is above {warn} (the limit is {limit})",
            "check the cables and the CE router's WAN port; test again in an hour",
        ),
        "vi": (
            "mất gói {value} ({lost}/{sent} gói) vượt mức cảnh báo {warn} (giới hạn {limit})",
            "kiểm tra cáp và cổng WAN của router CE; đo lại sau một giờ",
        ),
    },
    "loss.fail": {
        "en": (
            "loss {value} ({lost} of {sent} echoes) is above the {limit} limit: the call "
            "will freeze",
            "call the telecom (VNPT) about the TSLCD line; check cables and the CE router",
        ),
        "vi": (
            "mất gói {value} ({lost}/{sent} gói) vượt giới hạn {limit}: cuộc họp sẽ bị đứng hình",
            "gọi nhà mạng (VNPT) về đường truyền số liệu; kiểm tra cáp và router CE",
        ),
    },
    "burst_loss.pass": {
        "en": ("worst burst loss {value}", ""),
        "vi": ("mất gói dồn dập cao nhất {value}", ""),
    },
    "burst_loss.warn": {
        "en": (
            "burst loss {value} ({gap} echoes lost in a row); the limit is {limit}",
            "test again; if it repeats, ask the telecom to check the line",
        ),
        "vi": (
            "mất gói dồn dập {value} ({gap} gói liên tiếp); giới hạn {limit}",
            "đo lại; nếu còn, báo nhà mạng kiểm tra đường truyền",
        ),
    },
    "burst_loss.fail": {
        "en": (
            "burst loss {value} ({gap} echoes lost in a row) is above {limit}: the picture "
            "will freeze",
            "call the telecom (VNPT) about the TSLCD line",
        ),
        "vi": (
            "mất gói dồn dập {value} ({gap} gói liên tiếp) vượt {limit}: hình sẽ bị đứng",
            "gọi nhà mạng (VNPT) về đường truyền số liệu",
        ),
    },
    "reach.pass": {
        "en": ("{role} answers ({received}/{sent})", ""),
        "vi": ("{role} trả lời ({received}/{sent})", ""),
    },
    "reach.partial": {
        "en": (
            "{role} answered only {received} of {sent} echoes",
            "check its cable and port; test again",
        ),
        "vi": (
            "{role} chỉ trả lời {received}/{sent} gói",
            "kiểm tra cáp và cổng của thiết bị; đo lại",
        ),
    },
    "reach.down": {
        "en": (
            "{role} does not answer ping",
            "check that it is powered on and cabled; if so, check the device in front of it",
        ),
        "vi": (
            "{role} không trả lời ping",
            "kiểm tra thiết bị đã bật nguồn và cắm cáp; nếu rồi, kiểm tra thiết bị phía trước",
        ),
    },
    "tcp.pass": {
        "en": ("{service} port {port} open", ""),
        "vi": ("cổng {service} {port} mở", ""),
    },
    "tcp.fail": {
        "en": (
            "{service} port {port} does not accept connections ({error})",
            "check that the device is on and its management service is enabled",
        ),
        "vi": (
            "cổng {service} {port} không nhận kết nối ({error})",
            "kiểm tra thiết bị đang bật và dịch vụ quản trị đã được bật",
        ),
    },
    "tcp.closed": {
        "en": (
            "{service} port {port} is closed on the codec ({error})",
            "turn {service} on in the codec's configuration: 'communet apply {subject}'",
        ),
        "vi": (
            "cổng {service} {port} trên thiết bị hội nghị đang đóng ({error})",
            "bật {service} trong cấu hình thiết bị hội nghị: 'communet apply {subject}'",
        ),
    },
    "tcp.not_listening": {
        "en": (
            "{service} port {port} not probed: the codec takes calls over its registration "
            "(SIP ListenPort {setting})",
            "",
        ),
        "vi": (
            "không đo cổng {service} {port}: thiết bị hội nghị nhận cuộc gọi qua đăng ký với MCU "
            "(SIP ListenPort {setting})",
            "",
        ),
    },
    "tcp.unread": {
        "en": (
            "{service} port {port} not probed: the codec's SIP settings could not be read",
            "",
        ),
        "vi": (
            "không đo cổng {service} {port}: không đọc được cấu hình SIP của thiết bị hội nghị",
            "",
        ),
    },
    "tcp.blocked": {
        "en": (
            "{service} port {port} does not answer ({error})",
            "something on the way drops it: check the CE router's ACL for the meeting VLAN",
        ),
        "vi": (
            "cổng {service} {port} không trả lời ({error})",
            "có thiết bị trên đường chặn gói: kiểm tra ACL của router CE cho VLAN hội nghị",
        ),
    },
    "registrar.answers": {
        "en": ("the MCU/registrar answers ping ({received}/{sent})", ""),
        "vi": ("MCU/máy chủ đăng ký trả lời ping ({received}/{sent})", ""),
    },
    "registrar.partial": {
        "en": (
            "the MCU/registrar answered only {received} of {sent} echoes",
            "test again; if it repeats, ask the telecom (VNPT) to check the TSLCD line",
        ),
        "vi": (
            "MCU/máy chủ đăng ký chỉ trả lời {received}/{sent} gói",
            "đo lại; nếu còn, báo nhà mạng (VNPT) kiểm tra đường truyền số liệu",
        ),
    },
    "registrar.down": {
        "en": (
            "the MCU/registrar does not answer ping",
            "check the CE router and the TSLCD line; if other communes fail too, call the "
            "provincial MCU operator",
        ),
        "vi": (
            "MCU/máy chủ đăng ký không trả lời ping",
            "kiểm tra router CE và đường truyền số liệu; nếu các xã khác cũng lỗi, gọi cán bộ "
            "vận hành MCU của tỉnh",
        ),
    },
    "registrar.pass": {
        "en": ("the MCU/registrar's {service} port {port} is open", ""),
        "vi": ("cổng {service} {port} của MCU/máy chủ đăng ký mở", ""),
    },
    "registrar.closed": {
        "en": (
            "the MCU/registrar's {service} port {port} is closed ({error})",
            "call the provincial MCU operator: its {service} service is not running",
        ),
        "vi": (
            "cổng {service} {port} của MCU/máy chủ đăng ký đang đóng ({error})",
            "gọi cán bộ vận hành MCU của tỉnh: dịch vụ {service} không chạy",
        ),
    },
    "registrar.blocked": {
        "en": (
            "the MCU/registrar does not answer on {service} port {port} ({error})",
            "something on the way drops it: check the CE router's ACL, then ask the telecom",
        ),
        "vi": (
            "MCU/máy chủ đăng ký không trả lời ở cổng {service} {port} ({error})",
            "có thiết bị trên đường chặn gói: kiểm tra ACL của router CE, rồi báo nhà mạng",
        ),
    },
    "ntp.pass": {
        "en": ("the NTP server answers: stratum {stratum}, this computer {offset} from it", ""),
        "vi": ("máy chủ NTP trả lời: stratum {stratum}, máy này lệch {offset}", ""),
    },
    "ntp.down": {
        "en": (
            "the NTP server does not answer ({error})",
            "codecs need the right time for TLS and registration: check the path to the "
            "server (UDP 123), then call the NOC",
        ),
        "vi": (
            "máy chủ NTP không trả lời ({error})",
            "thiết bị hội nghị cần giờ chính xác để đăng ký và mã hóa: kiểm tra đường tới "
            "máy chủ (UDP 123), rồi báo NOC",
        ),
    },
    "ntp.unsynchronised": {
        "en": (
            "the NTP server answers but has no time source (stratum {stratum}, leap {leap})",
            "call the NOC: the server has lost its time source",
        ),
        "vi": (
            "máy chủ NTP trả lời nhưng không có nguồn thời gian (stratum {stratum}, leap {leap})",
            "báo NOC: máy chủ NTP đã mất nguồn thời gian",
        ),
    },
    "ntp.offset": {
        "en": (
            "this computer's clock is {offset} away from the NTP server",
            "set this computer's clock from NTP (timedatectl set-ntp true), then test again",
        ),
        "vi": (
            "đồng hồ máy này lệch {offset} so với máy chủ NTP",
            "đặt giờ máy này theo NTP (timedatectl set-ntp true), rồi đo lại",
        ),
    },
    "sip.pass": {
        "en": ("SIP registered to the MCU", ""),
        "vi": ("đã đăng ký SIP với MCU", ""),
    },
    "sip.fail": {
        "en": (
            "the codec is not registered to the MCU (SIP status {status})",
            "run 'communet apply' for the codec, then call the provincial MCU operator",
        ),
        "vi": (
            "thiết bị hội nghị chưa đăng ký với MCU (trạng thái SIP {status})",
            "chạy 'communet apply' cho thiết bị hội nghị, rồi gọi cán bộ vận hành MCU của tỉnh",
        ),
    },
    "h323.pass": {
        "en": ("H.323 registered to the gatekeeper", ""),
        "vi": ("đã đăng ký H.323 với gatekeeper", ""),
    },
    "h323.fail": {
        "en": (
            "the codec is not registered to the H.323 gatekeeper (status {status})",
            "run 'communet apply' for the codec, then call the provincial MCU operator",
        ),
        "vi": (
            "thiết bị hội nghị chưa đăng ký H.323 với gatekeeper (trạng thái {status})",
            "chạy 'communet apply' cho thiết bị hội nghị, rồi gọi cán bộ vận hành MCU của tỉnh",
        ),
    },
    "call_rate.pass": {
        "en": ("call rate {rate} + 20 % = {need} fits the {bandwidth} circuit", ""),
        "vi": ("tốc độ cuộc gọi {rate} + 20 % = {need}, vừa đường truyền {bandwidth}", ""),
    },
    "call_rate.warn": {
        "en": (
            "call rate {rate} + 20 % = {need} leaves no headroom on the {bandwidth} circuit",
            "lower the codec's call rate or ask for a faster circuit",
        ),
        "vi": (
            "tốc độ cuộc gọi {rate} + 20 % = {need} không còn dư trên đường truyền {bandwidth}",
            "giảm tốc độ cuộc gọi của thiết bị hội nghị hoặc đề nghị nâng băng thông",
        ),
    },
    "call_rate.fail": {
        "en": (
            "call rate {rate} is more than the {bandwidth} circuit carries",
            "lower the codec's call rate (Conference DefaultCall Rate)",
        ),
        "vi": (
            "tốc độ cuộc gọi {rate} lớn hơn băng thông đường truyền {bandwidth}",
            "giảm tốc độ cuộc gọi của thiết bị hội nghị (Conference DefaultCall Rate)",
        ),
    },
    "call_rate.unknown": {
        "en": ("call rate or circuit bandwidth unknown", ""),
        "vi": ("chưa rõ tốc độ cuộc gọi hoặc băng thông đường truyền", ""),
    },
    "login.refused": {
        "en": (
            "login refused: wrong user name or password ({error})",
            "check COMMUNET_USERNAME / COMMUNET_PASSWORD (or the vault) for this device",
        ),
        "vi": (
            "đăng nhập bị từ chối: sai tên hoặc mật khẩu ({error})",
            "kiểm tra COMMUNET_USERNAME / COMMUNET_PASSWORD (hoặc vault) của thiết bị này",
        ),
    },
    "login.down": {
        "en": (
            "the device does not answer its management session ({error})",
            "check that it is powered on and cabled; restart it if it still does not answer",
        ),
        "vi": (
            "thiết bị không trả lời phiên quản trị ({error})",
            "kiểm tra nguồn và cáp; khởi động lại nếu vẫn không trả lời",
        ),
    },
    "login.error": {
        "en": ("the check could not finish: {error}", "see the log file; report it to the NOC"),
        "vi": ("không kiểm tra xong: {error}", "xem tệp nhật ký; báo cho NOC"),
    },
    "drift.pass": {
        "en": ("configuration matches the inventory", ""),
        "vi": ("cấu hình đúng như dữ liệu kiểm kê", ""),
    },
    "drift.warn": {
        "en": (
            "configuration differs from the inventory ({lines} lines to change)",
            "see them with 'communet plan {subject}', fix with 'communet apply {subject}'",
        ),
        "vi": (
            "cấu hình khác dữ liệu kiểm kê ({lines} dòng cần sửa)",
            "xem bằng 'communet plan {subject}', sửa bằng 'communet apply {subject}'",
        ),
    },
    "skip.lab": {
        "en": ("not simulated by the lab", ""),
        "vi": ("phòng thử nghiệm không mô phỏng", ""),
    },
}

STATE_WORDS = {
    "en": {"PASS": "PASS", "WARN": "WARN", "FAIL": "FAIL", "SKIP": "SKIP"},
    "vi": {"PASS": "ĐẠT", "WARN": "CẢNH BÁO", "FAIL": "KHÔNG ĐẠT", "SKIP": "BỎ QUA"},
}

ROLE_WORDS = {
    "en": {
        "access_switch": "the access switch",
        "aggregation_switch": "the hub switch",
        "ce_router": "the CE router",
        "internet_router": "the Internet router",
        "video_endpoint": "the video codec",
    },
    "vi": {
        "access_switch": "switch truy nhập",
        "aggregation_switch": "switch tập trung",
        "ce_router": "router CE",
        "internet_router": "router Internet",
        "video_endpoint": "thiết bị hội nghị",
    },
}

CHECK_WORDS = {
    "en": {
        "reach": "reach",
        "rtt": "delay",
        "jitter": "jitter",
        "loss": "loss",
        "burst_loss": "burst loss",
        "tcp": "ports",
        "drift": "config",
        "sip": "SIP",
        "h323": "H.323",
        "call_rate": "call rate",
        "registrar": "MCU",
        "ntp": "NTP",
        "codec": "codec",
        "services": "MCU/NTP",
    },
    "vi": {
        "reach": "kết nối",
        "rtt": "độ trễ",
        "jitter": "jitter",
        "loss": "mất gói",
        "burst_loss": "mất gói dồn",
        "tcp": "cổng",
        "drift": "cấu hình",
        "sip": "SIP",
        "h323": "H.323",
        "call_rate": "tốc độ gọi",
        "registrar": "MCU",
        "ntp": "NTP",
        "codec": "TB hội nghị",
        "services": "MCU/NTP",
    },
}

SERVICE_WORDS = {"ssh": "SSH", "sip": "SIP", "sips": "SIP-TLS", "h323": "H.323", "https": "HTTPS"}
PORT_LABEL = {"en": "{service} port", "vi": "cổng {service}"}


def check_label(finding: Finding, lang: str) -> str:
    """The check's name on a line: a TCP check names its service ("SIP port")."""
    if finding.check == "tcp" and "service" in finding.params:
        service = SERVICE_WORDS.get(finding.params["service"], finding.params["service"])
        return PORT_LABEL.get(lang, PORT_LABEL["en"]).format(service=service)
    checks = CHECK_WORDS.get(lang, CHECK_WORDS["en"])
    return checks.get(finding.check, finding.check)


HEADERS = {
    "en": {
        "commune": "Commune",
        "district": "District/hub",
        "hub": "Hub",
        "state": "State",
        "worst_value": "Worst value",
        "reason": "Reason → next step",
        "device": "Device",
        "check": "Check",
        "value": "Value",
    },
    "vi": {
        "commune": "Xã/phường",
        "district": "Huyện/điểm tập trung",
        "hub": "Điểm tập trung",
        "state": "Kết quả",
        "worst_value": "Giá trị xấu nhất",
        "reason": "Lý do → việc cần làm",
        "device": "Thiết bị",
        "check": "Hạng mục",
        "value": "Giá trị",
    },
}


def wording(lang: str) -> Callable[[Finding], tuple[str, str]]:
    """(reason, next step) of a finding in ``lang``."""
    roles = ROLE_WORDS.get(lang, ROLE_WORDS["en"])

    def words(finding: Finding) -> tuple[str, str]:
        entry = WORDS[finding.code]
        reason, step = entry.get(lang, entry["en"])
        values = dict(finding.params)
        if "service" in values:
            values["service"] = SERVICE_WORDS.get(values["service"], values["service"])
        if "role" in values:
            values["role"] = roles.get(values["role"], values["role"])
        values.update(value=finding.value, subject=finding.subject)
        return reason.format(**values), step.format(**values)

    return words


def headers(lang: str) -> dict[str, str]:
    checks = CHECK_WORDS.get(lang, CHECK_WORDS["en"])
    return {**checks, **HEADERS.get(lang, HEADERS["en"])}
