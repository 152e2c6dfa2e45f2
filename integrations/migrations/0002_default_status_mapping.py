"""The default mapping of local states to the portal's status codes (the documented list: 1 Mới đăng ký …
10 Đã trả kết quả), one row per state, any action. Administrators edit it in the admin."""

from django.db import migrations

DEFAULT = [
    ("submitted", 1, "Mới đăng ký"),
    ("received", 2, "Được tiếp nhận"),
    ("refused", 3, "Không được tiếp nhận"),
    ("processing", 4, "Đang xử lý"),
    ("supplement_requested", 5, "Yêu cầu bổ sung giấy tờ"),
    ("awaiting_payment", 6, "Yêu cầu thực hiện nghĩa vụ tài chính"),
    ("withdrawn", 7, "Công dân yêu cầu rút hồ sơ"),
    ("stopped", 8, "Dừng xử lý"),
    ("resolved", 9, "Đã xử lý xong"),
    ("returned", 10, "Đã trả kết quả"),
]


def seed(apps, schema_editor):
    StatusMapping = apps.get_model("integrations", "StatusMapping")
    for state, code, label in DEFAULT:
        StatusMapping.objects.get_or_create(state=state, action="", defaults={
            "national_code": code, "note": f"Mặc định: {label}"})


def unseed(apps, schema_editor):
    StatusMapping = apps.get_model("integrations", "StatusMapping")
    for state, code, _label in DEFAULT:
        StatusMapping.objects.filter(state=state, action="", national_code=code).delete()


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_sync_outbox")]

    operations = [migrations.RunPython(seed, unseed)]
