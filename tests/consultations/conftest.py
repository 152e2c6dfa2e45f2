"""Consultation fixtures: the `world` of tests/builders.py with its dossier in processing at the department
(received by desk 1, handled by Sở Tài chính), one file of the dossier, and leaders with e-mail addresses."""

import pytest
from django.core.files.base import ContentFile

from dossiers.models import Attachment
from tests.builders import PDF_BYTES, T_ACT, at, upload

QUESTION = "Đề nghị cho ý kiến về tính hợp lệ của giấy tờ kèm theo."


@pytest.fixture(autouse=True)
def _sms(locmem_sms):
    yield


def staff(world, spec: str, *, email: bool = True):
    user = world.user(spec)
    if email and not user.email:
        user.email = spec.replace("@", ".") + "@example.vn"
        user.save(update_fields=["email"])
    return user


@pytest.fixture
def dossier(world):
    d = world.processing()
    a = Attachment(dossier=d, original_name="to-khai.pdf", content_type="application/pdf", size=len(PDF_BYTES),
                   sha256="0" * 64)
    a.file.save("upload.pdf", ContentFile(PDF_BYTES), save=False)
    a.save()
    return d


def ask(world, dossier, *, agencies=None, days=3, at_time=T_ACT, files=()):
    from consultations.services import consultation_ask

    with at(at_time):
        return consultation_ask(dossier=dossier, actor=staff(world, "officer@dept"),
                                agencies=agencies or [world.other_desk], question=QUESTION, working_days=days,
                                uploads=[upload(name, content) for name, content in files])
