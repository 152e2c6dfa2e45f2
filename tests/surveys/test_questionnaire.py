"""The optional SIPAS-style questionnaire: 22 seeded criteria in five factors, after the quick rating, once."""

import pytest
from django.urls import reverse

from surveys import services
from surveys.models import Answer, Factor, Question, QuestionnaireResponse, Via
from surveys.tokens import make_token

pytestmark = pytest.mark.django_db


def test_the_22_criteria_are_seeded_in_five_factors():
    assert Question.objects.filter(is_active=True).count() == 22
    counts = {f: Question.objects.filter(factor=f).count() for f in Factor.values}
    assert counts == {"access": 4, "procedure": 5, "staff": 6, "result": 3, "feedback": 4}
    assert Question.objects.order_by("position").first().text == "Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi"


def test_it_is_offered_after_the_rating_and_recorded_once(world, client):
    dossier = world.returned()
    token = make_token(dossier_id=dossier.pk, via=Via.LINK)
    before = client.get(reverse("surveys:questionnaire", args=[dossier.code, token]))
    assert before.status_code == 409 and "Hãy đánh giá nhanh" in before.content.decode()
    client.post(reverse("surveys:link", args=[dossier.code, token]), {"overall": "2", "convenience": "2"})
    thanks = client.get(reverse("surveys:thanks", args=[dossier.code, token])).content.decode()
    url = reverse("surveys:questionnaire", args=[dossier.code, token])
    assert url in thanks
    page = client.get(url)
    assert page.status_code == 200 and "Tiếp cận dịch vụ" in page.content.decode()
    first, second = Question.objects.order_by("position")[:2]
    assert client.post(url, {f"q_{first.pk}": "5", f"q_{second.pk}": "3"}).status_code == 302
    response = QuestionnaireResponse.objects.get(dossier=dossier)
    assert response.via == Via.LINK
    assert sorted(Answer.objects.filter(response=response).values_list("question_id", "score")) == [
        (first.pk, 5), (second.pk, 3)]
    again = client.post(url, {f"q_{first.pk}": "1"})
    assert again.status_code == 409 and "mỗi hồ sơ chỉ gửi một lần" in again.content.decode()
    assert Answer.objects.count() == 2


def test_an_empty_questionnaire_is_refused_and_a_retired_question_is_not_asked(world, client):
    dossier = world.returned()
    services.rating_submit(dossier=dossier, overall=1, convenience=1, via=Via.TRACKING)
    retired = Question.objects.order_by("position").first()
    retired.is_active = False
    retired.save()
    url = reverse("surveys:questionnaire", args=[dossier.code, make_token(dossier_id=dossier.pk, via=Via.TRACKING)])
    page = client.get(url).content.decode()
    assert retired.text not in page
    empty = client.post(url, {})
    assert empty.status_code == 400 and "ít nhất một tiêu chí" in empty.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_administrators_edit_the_questions_in_the_admin(admin_client):
    question = Question.objects.order_by("position").first()
    response = admin_client.get(reverse("admin:surveys_question_change", args=[question.pk]))
    assert response.status_code == 200
    assert admin_client.get(reverse("admin:surveys_question_changelist")).status_code == 200
    admin_client.post(reverse("admin:surveys_question_change", args=[question.pk]),
                      {"factor": "access", "position": "1", "text": "Nơi ngồi chờ sạch sẽ, thoáng mát",
                       "is_active": "on"})
    question.refresh_from_db()
    assert question.text == "Nơi ngồi chờ sạch sẽ, thoáng mát"
