"""At the desk, after returning a result, the clerk opens the kiosk page; the applicant rates on the tablet."""

import os

import pytest

from surveys.models import Rating
from tests.browser.test_journeys import login
from tests.builders import World

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_applicant_rates_on_the_kiosk_and_a_second_rating_is_refused(page, live_server):
    world = World()
    dossier = world.returned()
    clerk = world.user("clerk@desk")
    base = live_server.url
    login(page, base, clerk.username)
    page.goto(f"{base}/can-bo/ho-so/{dossier.pk}/")
    page.locator("#open-kiosk").click()
    page.wait_for_url("**/danh-gia/quay/**")
    kiosk_url = page.url
    # The tablet shows only the rating: no staff navigation for the applicant to wander into.
    assert page.get_by_role("link", name="Hồ sơ cần xử lý").count() == 0
    page.shot("kiosk")
    overall = page.get_by_role("group", name="Ông/Bà hài lòng thế nào về việc giải quyết hồ sơ?")
    overall.get_by_label("Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    # Nothing lost on a refused form: the convenience answer is missing, the first choice is kept.
    assert page.get_by_role("group", name="Việc thực hiện thủ tục có thuận tiện không?").locator(".error").count() == 1
    assert overall.get_by_label("Rất hài lòng").is_checked()
    page.get_by_role("group", name="Việc thực hiện thủ tục có thuận tiện không?").get_by_label("Hài lòng",
                                                                                         exact=True).check()
    page.get_by_label("Góp ý (không bắt buộc)").fill("Cán bộ hướng dẫn tận tình.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.get_by_text(f"Đánh giá cho hồ sơ {dossier.code} đã được ghi nhận.").wait_for()
    page.shot("thanks")
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.overall, rating.convenience, rating.via) == (2, 1, "kiosk")
    page.goto(kiosk_url)
    assert "đã được đánh giá" in page.locator("main").inner_text()
    assert Rating.objects.filter(dossier=dossier).count() == 1
