"""factory-boy factories shared by the tests."""

from datetime import time
from decimal import Decimal

import factory

from accounts.models import Role, StaffMembership, User
from procedures.models import (
    Agency,
    AgencyKind,
    DeadlineUnit,
    Field,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    RequiredDocument,
)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("identifier",)

    name = factory.Sequence(lambda n: f"Ủy ban nhân dân xã Thử Nghiệm {n}")
    identifier = factory.Sequence(lambda n: f"H61.{n + 10}")
    kind = AgencyKind.COMMUNE
    is_one_stop_desk = True


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"F{n:03d}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure

    national_code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm số {n}")
    field = factory.SubFactory(FieldFactory)
    level = ProcedureLevel.COMMUNE
    online_level = OnlineLevel.FULL
    deadline_amount = Decimal("3")
    deadline_unit = DeadlineUnit.WORKING_DAYS
    cutoff_time = None


class SameDayProcedureFactory(ProcedureFactory):
    deadline_amount = Decimal("0")
    deadline_unit = DeadlineUnit.SAME_DAY
    cutoff_time = time(15, 0)


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory(ProcedureFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Giấy tờ số {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    password = factory.django.Password("mat-khau-thu-123")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.CLERK
