"""The quick rating through its three ways in, and every refusal: replayed, expired, another dossier's token,
before the result was returned, a kiosk opened for another desk's dossier."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import int_to_base36

from core.backends import LocmemSMSBackend
from core.errors import TransitionRefused
from notifications.models import Notification
from surveys import services, tokens
from surveys.models import Rating, Via
from surveys.tokens import make_token
from tests.builders import at, vn
from tests.surveys.conftest import PHONE, returned_with_email

pytestmark = pytest.mark.django_db

ANSWER = {"overall": "2", "convenience": "1", "comment": "Cán bộ hướng dẫn tận tình"}


def rating_link_path(text: str) -> str:
    url = re.search(r"(https?://\S+/danh-gia/ho-so/\S+/)", text).group(1)
    return urlparse(url).path


# ---------------------------------------------------------------- the three ways in
def test_the_desk_opens_the_kiosk_and_the_applicant_rates_without_logging_in(world, client):
    dossier = world.returned()
    client.force_login(world.user("clerk@desk"))
    detail = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    kiosk_url = reverse("surveys_staff:kiosk", args=[dossier.pk])
    assert f'href="{kiosk_url}"' in detail
    opened = client.get(kiosk_url)
    assert opened.status_code == 302 and opened.url.startswith(f"/danh-gia/quay/{dossier.code}/")
    client.logout()
    page = client.get(opened.url)
    assert page.status_code == 200
    assert 'class="kiosk"' in page.content.decode() and dossier.code in page.content.decode()
    assert client.post(opened.url, ANSWER).status_code == 302
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.overall, rating.convenience, rating.via) == (2, 1, Via.KIOSK)
    assert rating.comment == "Cán bộ hướng dẫn tận tình"
    # The tablet is handed to the next person: the same page refuses a second rating.
    again = client.post(opened.url, {**ANSWER, "overall": "0"})
    assert again.status_code == 409
    assert "đã được đánh giá" in again.content.decode()
    assert Rating.objects.filter(dossier=dossier).count() == 1 and Rating.objects.get().overall == 2
    # And the desk's button is gone once rated.
    client.force_login(world.user("clerk@desk"))
    assert f'href="{kiosk_url}"' not in client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()


def test_the_result_notification_carries_a_rating_link_that_works_once(world, committed, client, mailoutbox,
                                                                      settings):
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": "https://motcua.example.vn"}
    dossier = returned_with_email(world, committed)
    email = next(m for m in mailoutbox if "đã trả kết quả" in m.subject)
    assert "Đánh giá mức độ hài lòng (đường dẫn có hiệu lực 30 ngày): https://motcua.example.vn/danh-gia/ho-so/" \
        in email.body
    sms = [text for phone, text, _key in LocmemSMSBackend.outbox if "da tra ket qua" in text]
    assert len(sms) == 1 and "Danh gia: https://motcua.example.vn/danh-gia/ho-so/" in sms[0]
    path = rating_link_path(email.body)
    with at(vn(2025, 3, 12, 20, 0)):  # two days later, at home
        assert client.get(path).status_code == 200
        assert client.post(path, ANSWER).status_code == 302
        assert Rating.objects.get(dossier=dossier).via == Via.LINK
        # Replayed: the link explains itself, nothing is recorded twice.
        replay = client.get(path)
        assert replay.status_code == 409 and "Mỗi hồ sơ chỉ được đánh giá một lần" in replay.content.decode()
        assert client.post(path, {**ANSWER, "overall": "0"}).status_code == 409
    assert Rating.objects.count() == 1


def test_only_the_returned_message_gets_a_link(world, committed):
    with committed():
        world.resolved()
    assert not Notification.objects.filter(body__contains="/danh-gia/").exists()


def track(client, dossier):
    """Open the tracking link (code only), then send code + phone with the page's CSRF token, as a browser does."""
    form = client.get(reverse("portal:track"), {"ma": dossier.code}).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    return client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": PHONE, "csrfmiddlewaretoken": csrf},
                       follow=True)


def test_the_tracking_page_shows_the_form_once_the_result_is_returned(world):
    client = Client(enforce_csrf_checks=True)
    dossier = world.returned()
    tracked = track(client, dossier)
    page = tracked.content.decode()
    assert tracked.status_code == 200 and 'id="rating"' in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page[page.index('id="rating"'):]).group(1)
    response = client.post(reverse("surveys:tracking", args=[dossier.code]),
                           {**ANSWER, "token": token, "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert Rating.objects.get(dossier=dossier).via == Via.TRACKING
    after = client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert "đã đánh giá lúc" in after and 'name="token"' not in after
    second = client.post(reverse("surveys:tracking", args=[dossier.code]),
                         {**ANSWER, "token": token, "csrfmiddlewaretoken": csrf})
    assert second.status_code == 409 and Rating.objects.count() == 1


def test_the_tracking_page_offers_no_form_before_the_result_is_returned(world):
    client = Client(enforce_csrf_checks=True)
    dossier = world.resolved()
    tracked = track(client, dossier)
    page = tracked.content.decode()
    assert tracked.redirect_chain[-1][0] == reverse("portal:dossier", args=[dossier.code])  # the dossier's page
    assert dossier.code in page and 'id="rating"' not in page


def test_a_form_with_a_missing_answer_keeps_the_comment(world, client):
    dossier = world.returned()
    path = reverse("surveys:link", args=[dossier.code, make_token(dossier_id=dossier.pk, via=Via.LINK)])
    response = client.post(path, {"convenience": "1", "comment": "Chờ hơi lâu"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Hãy chọn một mức." in body and "Chờ hơi lâu" in body
    assert re.search(r'name="convenience" value="1"[^>]*checked', body)
    assert not Rating.objects.exists()


# ---------------------------------------------------------------- refusals
def test_an_expired_link_is_refused_with_its_reason(world, client):
    dossier = world.returned()
    with at(vn(2025, 3, 10, 15, 0)):
        path = reverse("surveys:link", args=[dossier.code, make_token(dossier_id=dossier.pk, via=Via.LINK)])
    with at(vn(2025, 3, 10, 15, 0) + timedelta(days=29)):
        assert client.get(path).status_code == 200
    with at(vn(2025, 3, 10, 15, 0) + timedelta(days=30, minutes=1)):
        response = client.post(path, ANSWER)
    assert response.status_code == 410
    assert "Đường dẫn đánh giá đã hết hạn (chỉ có hiệu lực trong 30 ngày)" in response.content.decode()
    assert not Rating.objects.exists()


def test_the_token_lifetime_is_a_setting(world, client, settings):
    settings.ONECUA = {**settings.ONECUA, "RATING_TOKEN_DAYS": 2}
    dossier = world.returned()
    with at(vn(2025, 3, 10, 15, 0)):
        path = reverse("surveys:link", args=[dossier.code, make_token(dossier_id=dossier.pk, via=Via.LINK)])
    with at(vn(2025, 3, 13, 15, 0)):
        assert client.get(path).status_code == 410


def test_a_kiosk_page_expires_within_the_hour(world, client):
    dossier = world.returned()
    client.force_login(world.user("clerk@desk"))
    with at(vn(2025, 3, 10, 15, 0)):
        kiosk = client.get(reverse("surveys_staff:kiosk", args=[dossier.pk])).url
    client.logout()
    with at(vn(2025, 3, 10, 15, 31)):
        response = client.get(kiosk)
    assert response.status_code == 410 and "Phiên đánh giá tại quầy đã hết hạn" in response.content.decode()


def test_a_token_for_another_dossier_is_refused(world, client):
    mine, other = world.returned(), world.returned()
    token = make_token(dossier_id=other.pk, via=Via.LINK)
    response = client.post(reverse("surveys:link", args=[mine.code, token]), ANSWER)
    assert response.status_code == 400
    assert f"dành cho một hồ sơ khác, không phải hồ sơ {mine.code}" in response.content.decode()
    tracking = client.post(reverse("surveys:tracking", args=[mine.code]),
                           {**ANSWER, "token": make_token(dossier_id=other.pk, via=Via.TRACKING)})
    assert tracking.status_code == 400
    assert not Rating.objects.exists()


@pytest.mark.parametrize("token", ["", "abc", "1-l-zzzzzz:forged", "garbage:with:colons"])
def test_a_forged_or_mangled_token_is_refused(world, client, token):
    dossier = world.returned()
    response = client.post(reverse("surveys:tracking", args=[dossier.code]), {**ANSWER, "token": token})
    assert response.status_code == 400 and "Đường dẫn đánh giá không hợp lệ" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_link_token_does_not_open_the_kiosk_page(world, client):
    dossier = world.returned()
    token = make_token(dossier_id=dossier.pk, via=Via.LINK)
    assert client.post(reverse("surveys:kiosk", args=[dossier.code, token]), ANSWER).status_code == 400
    assert not Rating.objects.exists()


def test_each_way_in_signs_with_its_own_salt():
    """A kiosk token never verifies as a link or tracking token (nor the reverse), whatever text was signed."""
    assert len(set(tokens.SALTS.values())) == len(Via)
    for issued in Via:
        token = make_token(dossier_id=7, via=issued)
        assert tokens.read_token(token, via=issued).via == issued
        for other in set(Via) - {issued}:
            with pytest.raises(signing.BadSignature):
                signing.Signer(salt=tokens.SALTS[other]).unsign(token)
            with pytest.raises(tokens.TokenError):
                tokens.read_token(token, via=other)


def test_rating_links_already_sent_stay_valid():
    """Links sent before each way had its own salt were signed with the one shared salt: still accepted."""
    expires = int((timezone.now() + timedelta(days=3)).timestamp())
    sent = signing.Signer(salt="onecua.surveys.rating").sign(f"7-l-{int_to_base36(expires)}")
    assert tokens.read_token(sent).dossier_id == 7


def test_a_rating_before_the_result_was_returned_is_refused(world, client):
    dossier = world.resolved()
    with pytest.raises(TransitionRefused, match="chưa được trả kết quả"):
        services.rating_submit(dossier=dossier, overall=2, convenience=2, via=Via.LINK)
    path = reverse("surveys:link", args=[dossier.code, make_token(dossier_id=dossier.pk, via=Via.LINK)])
    response = client.post(path, ANSWER)
    assert response.status_code == 409 and "chưa được trả kết quả nên chưa thể đánh giá" in response.content.decode()
    assert not Rating.objects.exists()


def test_the_service_refuses_a_second_rating(world):
    dossier = world.returned()
    services.rating_submit(dossier=dossier, overall=1, convenience=1, via=Via.TRACKING)
    with pytest.raises(TransitionRefused, match="Mỗi hồ sơ chỉ được đánh giá một lần"):
        services.rating_submit(dossier=dossier, overall=0, convenience=0, via=Via.LINK)
    assert list(Rating.objects.values_list("overall", flat=True)) == [1]


def test_the_kiosk_for_a_dossier_of_another_agency_is_refused(world, client):
    dossier = world.returned()
    client.force_login(world.user("clerk@other_desk"))  # cannot even see it
    assert client.get(reverse("surveys_staff:kiosk", args=[dossier.pk])).status_code == 404
    client.force_login(world.user("officer@dept"))  # sees it (it was handed to the department), is not its desk
    response = client.get(reverse("surveys_staff:kiosk", args=[dossier.pk]))
    assert response.status_code == 403
    assert f"Hồ sơ {dossier.code} do Trung tâm Phục vụ hành chính công phường Một tiếp nhận" \
        in response.content.decode()


def test_the_kiosk_is_not_opened_before_the_return_nor_twice(world, client):
    resolved = world.resolved()
    client.force_login(world.user("clerk@desk"))
    response = client.get(reverse("surveys_staff:kiosk", args=[resolved.pk]))
    assert response.status_code == 409 and "chưa được trả kết quả" in response.content.decode()
    rated = world.returned()
    services.rating_submit(dossier=rated, overall=2, convenience=2, via=Via.TRACKING)
    response = client.get(reverse("surveys_staff:kiosk", args=[rated.pk]))
    assert response.status_code == 409 and "đã được đánh giá" in response.content.decode()


def test_the_recorded_signal_runs_inside_the_rating_transaction(world):
    dossier = world.returned()
    seen = []

    def receiver(sender, rating, **kwargs):
        seen.append(rating.dossier.code)
        raise RuntimeError("the summary table could not be updated")

    services.rating_recorded.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            services.rating_submit(dossier=dossier, overall=2, convenience=2, via=Via.LINK)
    finally:
        services.rating_recorded.disconnect(receiver)
    assert seen == [dossier.code]
    assert not Rating.objects.exists()  # rolled back with the failing receiver
