"""A dossier walked through its whole life at frozen instants: submitted online, received, handed to the
department, asked to supplement, supplemented (resumed), proposed, approved, returned. And the calls the portal
must receive for it, in order."""

from dossiers import services
from dossiers.services import APPLICANT
from tests.builders import vn

T = {
    "submit": vn(2025, 3, 10, 8, 0),
    "receive": vn(2025, 3, 10, 9, 0),
    "forward": vn(2025, 3, 10, 9, 30),
    "supplement": vn(2025, 3, 10, 14, 0),
    "answer": vn(2025, 3, 11, 8, 30),
    "propose": vn(2025, 3, 11, 10, 0),
    "approve": vn(2025, 3, 11, 14, 0),
    "return": vn(2025, 3, 12, 9, 0),
}

# (operation, status code) the portal accepts, in order: DongBoHoSoMC for a new state or new dossier fields,
# CapNhatTienDoHoSoMC for every step (the proposal changes nothing but is a step).
EXPECTED = [
    ("DongBoHoSoMC", "1"), ("CapNhatTienDoHoSoMC", "1"),
    ("DongBoHoSoMC", "2"), ("CapNhatTienDoHoSoMC", "2"),
    ("DongBoHoSoMC", "4"), ("CapNhatTienDoHoSoMC", "4"),
    ("DongBoHoSoMC", "5"), ("CapNhatTienDoHoSoMC", "5"),
    ("DongBoHoSoMC", "4"), ("CapNhatTienDoHoSoMC", "4"),
    ("CapNhatTienDoHoSoMC", "4"),
    ("DongBoHoSoMC", "9"), ("CapNhatTienDoHoSoMC", "9"),
    ("DongBoHoSoMC", "10"), ("CapNhatTienDoHoSoMC", "10"),
]


def submit(world, run):
    return run(T["submit"], world.submitted, at_time=T["submit"])


def walk(world, run, dossier=None, *, until: str | None = None):
    """Every step after submission (or those up to and including `until`); returns the fresh dossier."""
    d = dossier or submit(world, run)
    steps = [
        ("receive", lambda d: services.dossier_receive(dossier=d, actor=world.user("clerk@desk"))),
        ("forward", lambda d: services.dossier_forward(dossier=d, actor=world.user("clerk@desk"),
                                                       to_agency=world.dept)),
        ("supplement", lambda d: services.dossier_request_supplement(
            dossier=d, actor=world.user("officer@dept"), items=["Bản sao giấy khai sinh", "Ảnh 4x6"],
            reason="Thiếu giấy tờ")),
        ("answer", lambda d: services.dossier_answer_supplement(dossier=d, actor=APPLICANT, note="Đã bổ sung")),
        ("propose", lambda d: services.dossier_propose(dossier=d, actor=world.user("officer@dept"),
                                                       outcome="approved", note="Đủ điều kiện")),
        ("approve", lambda d: services.dossier_approve(dossier=d, actor=world.user("leader@dept"))),
        ("return", lambda d: services.dossier_return_result(dossier=d, actor=world.user("clerk@desk"),
                                                            delivery="in_person")),
    ]
    for name, step in steps:
        d = run(T[name], step, d=d)
        if name == until:
            break
    return d
