"""The redaction of a feedback's text before publication (pure)."""

from hypothesis import given
from hypothesis import strategies as st

from feedback.redaction import leftovers, redact


def test_redacts_phones_ids_emails_and_the_name():
    text = ("Tôi là Lê Thị Phản Ánh (lê thị phản ánh), ĐT 0987 654 321 hoặc +84987654321, CCCD 079203001234, "
            "thư phananh@example.vn. Hồ sơ ngày 12/03/2025, phí 150.000 đồng.")
    out = redact(text, names=["Lê Thị Phản Ánh"])
    assert out == ("Tôi là [người gửi] ([người gửi]), ĐT [số] hoặc [số], CCCD [số], thư [thư điện tử]. "
                   "Hồ sơ ngày 12/03/2025, phí 150.000 đồng.")
    assert leftovers(out, names=["Lê Thị Phản Ánh"], phones=["0987654321"], emails=["phananh@example.vn"]) == []


def test_leftovers_names_what_remains():
    assert leftovers("gọi 0987.654.321", phones=["0987654321"]) == ["number"]
    assert leftovers("Bà LÊ THỊ PHẢN ÁNH", names=["Lê Thị Phản Ánh"]) == ["name"]
    assert leftovers("a@b.vn") == ["email"]


@given(st.text(alphabet="0123456789 .-abcđ@", max_size=60))
def test_redacted_text_has_no_long_number_or_email_left(text):
    assert leftovers(redact(text)) == []
