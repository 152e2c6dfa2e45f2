"""Seed the questionnaire with the 22 criteria of the SIPAS framework (Ministry of Home Affairs, Decision
2640/QĐ-BNV): five factors. Administrators edit, reorder or retire them in the admin afterwards."""

from django.db import migrations

CRITERIA = [
    ("access", "Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi"),
    ("access", "Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận Một cửa đầy đủ"),
    ("access", "Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận Một cửa hiện đại"),
    ("access", "Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận Một cửa dễ sử dụng"),
    ("procedure", "Thủ tục hành chính được niêm yết công khai đầy đủ"),
    ("procedure", "Thủ tục hành chính được niêm yết công khai chính xác"),
    ("procedure", "Thành phần hồ sơ mà người dân, tổ chức phải nộp là đúng quy định"),
    ("procedure", "Phí, lệ phí mà người dân, tổ chức phải nộp là đúng quy định"),
    ("procedure", "Thời hạn giải quyết (tính từ ngày hồ sơ được tiếp nhận đến ngày nhận kết quả) là đúng quy định"),
    ("staff", "Công chức có thái độ giao tiếp lịch sự"),
    ("staff", "Công chức chú ý lắng nghe ý kiến của người dân, đại diện tổ chức"),
    ("staff", "Công chức trả lời, giải thích đầy đủ các ý kiến của người dân, đại diện tổ chức"),
    ("staff", "Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo"),
    ("staff", "Công chức hướng dẫn kê khai hồ sơ dễ hiểu"),
    ("staff", "Công chức tuân thủ đúng quy định trong giải quyết công việc"),
    ("result", "Kết quả giải quyết đúng quy định"),
    ("result", "Kết quả giải quyết có thông tin đầy đủ"),
    ("result", "Kết quả giải quyết có thông tin chính xác"),
    ("feedback", "Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị"),
    ("feedback", "Người dân, tổ chức dễ dàng thực hiện góp ý, phản ánh, kiến nghị"),
    ("feedback", "Cơ quan tiếp nhận, xử lý các góp ý, phản ánh, kiến nghị tích cực"),
    ("feedback", "Cơ quan thông báo kết quả xử lý góp ý, phản ánh, kiến nghị kịp thời"),
]


def seed(apps, schema_editor):
    Question = apps.get_model("surveys", "Question")
    if Question.objects.exists():
        return
    Question.objects.bulk_create(
        Question(factor=factor, position=position, text=text)
        for position, (factor, text) in enumerate(CRITERIA, start=1)
    )


def unseed(apps, schema_editor):
    Question = apps.get_model("surveys", "Question")
    Question.objects.filter(text__in=[text for _factor, text in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
