"""Messages in English and Vietnamese. Technicians on site often read only Vietnamese."""

from __future__ import annotations

import os

MESSAGES: dict[str, dict[str, str]] = {
    "valid": {
        "en": "OK: {provinces} province(s), {districts} district(s)/hub(s), "
        "{communes} commune(s), {devices} device(s)",
        "vi": "Hợp lệ: {provinces} tỉnh, {districts} huyện/điểm tập trung, "
        "{communes} xã/phường, {devices} thiết bị",
    },
    "invalid": {
        "en": "The inventory is not valid; nothing was changed.",
        "vi": "Dữ liệu kiểm kê không hợp lệ; chưa có gì bị thay đổi.",
    },
    "scaffolded": {
        "en": "Wrote {files} file(s) for {province} into {out}: {districts} district(s)/hub(s), "
        "{communes} commune(s)",
        "vi": "Đã ghi {files} tệp cho {province} vào {out}: {districts} huyện/điểm tập trung, "
        "{communes} xã/phường",
    },
    "col.hostname": {"en": "Hostname", "vi": "Tên máy"},
    "col.role": {"en": "Role", "vi": "Vai trò"},
    "col.platform": {"en": "Platform", "vi": "Nền tảng"},
    "col.address": {"en": "Management", "vi": "Địa chỉ quản lý"},
    "col.site": {"en": "Site", "vi": "Địa điểm"},
    "col.district": {"en": "District/hub", "vi": "Huyện/điểm tập trung"},
    "col.status": {"en": "Status", "vi": "Trạng thái"},
    "title.devices": {"en": "Devices of {province}", "vi": "Thiết bị của {province}"},
    "status.ok": {"en": "ok", "vi": "đúng"},
    "status.changed": {"en": "changed", "vi": "đã đổi"},
    "status.failed": {"en": "FAILED", "vi": "LỖI"},
    "status.skipped": {"en": "monitored", "vi": "chỉ giám sát"},
    "monitored_only": {
        "en": "monitored only ('managed: false' in the inventory): its configuration is never "
        "pushed to",
        "vi": "chỉ giám sát ('managed: false' trong inventory): không bao giờ đẩy cấu hình",
    },
    "col.lines": {"en": "Lines", "vi": "Số dòng"},
    "col.seconds": {"en": "Seconds", "vi": "Giây"},
    "col.detail": {"en": "Detail", "vi": "Chi tiết"},
    "title.plan": {"en": "Plan (nothing was changed)", "vi": "Kế hoạch (chưa thay đổi gì)"},
    "title.apply": {"en": "Apply", "vi": "Áp dụng cấu hình"},
    "totals": {
        "en": "{ok} ok, {changed} changed, {skipped} monitored only, {failed} failed in "
        "{seconds} s",
        "vi": "{ok} đúng, {changed} đã đổi, {skipped} chỉ giám sát, {failed} lỗi trong "
        "{seconds} giây",
    },
    "backups": {
        "en": "Pre-change backups (secrets masked): {path}",
        "vi": "Bản sao lưu trước khi thay đổi (đã che mật khẩu): {path}",
    },
    "no_match": {
        "en": "No device matches scope {scope!r}; try a province, district, commune or host.",
        "vi": "Không có thiết bị nào thuộc phạm vi {scope!r}; hãy dùng tỉnh, huyện, xã "
        "hoặc tên máy.",
    },
}


def pick_language(explicit: str | None) -> str:
    """--lang wins; otherwise LC_ALL / LC_MESSAGES / LANG starting with 'vi' means Vietnamese."""
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def text(key: str, lang: str, **values: object) -> str:
    entry = MESSAGES[key]
    return entry.get(lang, entry["en"]).format(**values)
