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
    "adopt_totals": {
        "en": "{ok} ok, {changed} adopted, {skipped} skipped, {failed} failed in {seconds} s",
        "vi": "{ok} đúng, {changed} đã tiếp nhận, {skipped} bỏ qua, {failed} lỗi trong "
        "{seconds} giây",
    },
    "title.adopt": {"en": "Adopt", "vi": "Tiếp nhận thiết bị"},
    "title.adopt_plan": {
        "en": "Adoption plan (nothing was changed)",
        "vi": "Kế hoạch tiếp nhận (chưa thay đổi gì)",
    },
    "col.stage": {"en": "Stage", "vi": "Bước"},
    "col.path": {"en": "Today → intended", "vi": "Hiện tại → dự kiến"},
    "status.not_brownfield": {"en": "skipped", "vi": "bỏ qua"},
    "not_brownfield": {
        "en": "nothing to adopt: no 'reach' in the inventory; 'communet apply' converges it",
        "vi": "không cần tiếp nhận: inventory không có 'reach'; dùng 'communet apply'",
    },
    "stage.prepare": {
        "en": "0 prepare (inventory, secrets, intended config)",
        "vi": "0 chuẩn bị (inventory, mật khẩu, cấu hình dự kiến)",
    },
    "stage.connect": {"en": "1 today's session", "vi": "1 phiên hiện tại"},
    "stage.converge": {
        "en": "1 converge all but the management path (today's session, trial armed)",
        "vi": "1 cấu hình mọi thứ trừ đường quản lý (phiên hiện tại, đã bật hẹn giờ hoàn tác)",
    },
    "stage.prove": {
        "en": "2 prove a new session on the intended address, credentials and host key",
        "vi": "2 chứng minh phiên mới tới địa chỉ, tài khoản và khóa SSH dự kiến",
    },
    "stage.move": {
        "en": "3 remove the old management path (over the new session)",
        "vi": "3 gỡ đường quản lý cũ (qua phiên mới)",
    },
    "stage.confirm": {
        "en": "4 verify, confirm the trial commit, save",
        "vi": "4 kiểm tra, xác nhận thay đổi, lưu cấu hình",
    },
    "stage.converge.per_stage": {
        "en": "1 converge all but the management path, the new path added (today's session)",
        "vi": "1 cấu hình mọi thứ trừ đường quản lý, thêm đường quản lý mới (phiên hiện tại)",
    },
    "stage.move.per_stage": {
        "en": "3 remove the old management path (over the new session; undone over it on failure)",
        "vi": "3 gỡ đường quản lý cũ (qua phiên mới; lỗi thì khôi phục qua chính phiên đó)",
    },
    "stage.confirm.per_stage": {
        "en": "4 verify, reconnect, keep and save",
        "vi": "4 kiểm tra, kết nối lại, giữ thay đổi và lưu cấu hình",
    },
    "adopt_refused": {
        "en": "apply would refuse: destructive lines besides the management move: {findings} "
        "(pass --force to push them under the trial commit)",
        "vi": "sẽ bị từ chối: có dòng nguy hiểm ngoài việc chuyển đường quản lý: {findings} "
        "(thêm --force để đẩy dưới hẹn giờ hoàn tác)",
    },
    "console.scope": {
        "en": "--console reaches one device (the one on the cable); scope {scope!r} has "
        "{count}: give its hostname",
        "vi": "--console chỉ nối tới một thiết bị (thiết bị đang cắm cáp); phạm vi {scope!r} "
        "có {count}: hãy ghi tên máy của nó",
    },
    "console.missing": {
        "en": "{host}: console {path} does not exist: is the console cable (its USB-serial "
        "adapter) plugged in?",
        "vi": "{host}: không thấy cổng console {path}: cáp console (bộ chuyển USB-serial) đã "
        "cắm chưa?",
    },
    "console.permission": {
        "en": "{host}: permission denied on console {path}: add your user to group {group}",
        "vi": "{host}: không có quyền mở cổng console {path}: thêm người dùng vào nhóm "
        "{group} ('sudo usermod -aG {group} $USER', rồi đăng nhập lại)",
    },
    "console.not_tty": {
        "en": "{host}: {path} is not a serial device",
        "vi": "{host}: {path} không phải cổng nối tiếp (serial); hãy ghi đường dẫn cổng "
        "console, ví dụ /dev/ttyUSB0",
    },
    "console.busy": {
        "en": "{host}: cannot open console {path}: {reason}",
        "vi": "{host}: không mở được cổng console {path}: {reason}",
    },
    "console.silent": {
        "en": "{host}: nothing answers on console {path} within {seconds} s",
        "vi": "{host}: không có phản hồi trên cổng console {path} sau {seconds} giây: cáp đã "
        "cắm đúng cổng CONSOLE của thiết bị và thiết bị đã bật nguồn chưa? ({baud} baud, 8N1)",
    },
    "console.unknown_prompt": {
        "en": "{host}: the console at {path} shows no prompt communet knows: {shown}",
        "vi": "{host}: cổng console {path} hiện dấu nhắc lạ: {shown}",
    },
    "console.closed": {
        "en": "{host}: the console {path} closed",
        "vi": "{host}: cổng console {path} đã bị ngắt",
    },
    "console.refused": {
        "en": "{host}: the console at {path} refused the login ({who})",
        "vi": "{host}: cổng console {path} từ chối đăng nhập ({who}); kiểm tra thông tin "
        "đăng nhập trong inventory/tệp bí mật",
    },
    "console.no_line_password": {
        "en": "{host}: the console at {path} asks for its line password and none was given",
        "vi": "{host}: cổng console {path} hỏi mật khẩu console mà chưa được cung cấp "
        "(--console-password env:TÊN|vault:TÊN)",
    },
    "console.factory": {
        "en": "{host}: the device on console {path} is in factory state",
        "vi": "{host}: thiết bị trên cổng console {path} đang ở trạng thái xuất xưởng (hộp "
        "thoại khởi động lần đầu): chưa có cấu hình để đồng bộ",
    },
    "console.platform": {
        "en": "{host}: communet has no console support for platform {platform!r}",
        "vi": "{host}: communet chưa hỗ trợ cổng console cho nền tảng {platform!r} (chỉ "
        "{supported}); hãy cấu hình qua SSH",
    },
    "console.via": {
        "en": "{host}: over console {path}; management is proven over SSH before the change "
        "is confirmed",
        "vi": "{host}: qua cổng console {path}; đường quản lý được kiểm tra bằng SSH trước "
        "khi xác nhận thay đổi",
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
