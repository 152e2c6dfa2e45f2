"""`make run`'s demo data: two-tier Tây Ninh agencies, one staff user per role, the sample catalog."""

import pytest
from django.core.management import call_command

from accounts.models import Role, StaffMembership, User
from procedures.models import Agency, AgencyKind, Procedure, RequiredDocument

pytestmark = pytest.mark.django_db


def test_demo_data_loads_idempotently_and_prints_the_logins(capsys, settings):
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": "http://127.0.0.1:8100"}
    call_command("load_demo")
    first = (Agency.objects.count(), Procedure.objects.count(), RequiredDocument.objects.count(), User.objects.count())
    call_command("load_demo")
    second = (Agency.objects.count(), Procedure.objects.count(), RequiredDocument.objects.count(), User.objects.count())
    assert first == second
    out = capsys.readouterr().out
    assert "motcua.longan" in out and "motcua@2026" in out
    assert "http://127.0.0.1:8100/admin/" in out and ":8000" not in out  # `make run PORT=8100`

    assert Procedure.objects.count() >= 10
    birth = Procedure.objects.get(national_code="1.001193")
    assert birth.deadline_unit == "same_day" and birth.cutoff_time.strftime("%H:%M") == "15:00"
    assert birth.agencies.filter(kind=AgencyKind.COMMUNE_CENTRE).count() >= 3
    assert Procedure.objects.get(national_code="2.000815").fees.filter(amount=2000).exists()

    province = Agency.objects.get(identifier="H61")
    assert province.parent is None and "Tây Ninh" in province.name
    assert Agency.objects.filter(kind=AgencyKind.PROVINCE_CENTRE, is_one_stop_desk=True).count() == 1
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_CENTRE, is_one_stop_desk=True).count() >= 3
    assert Agency.objects.filter(kind=AgencyKind.DISTRICT, valid_to__isnull=False).exists()
    assert set(StaffMembership.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="congdan").check_password("motcua@2026")
    from dossiers.models import Dossier

    states = set(Dossier.objects.values_list("state", flat=True))
    assert {"submitted", "received", "processing", "supplement_requested"} <= states
    assert Dossier.objects.count() == 4  # the second load added none
