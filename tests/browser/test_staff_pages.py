"""Every staff role through its pages in Chromium, at a laptop's width (1366×900) and a phone's (390×844): where
staff land after signing in, the intake checklist following the procedure picker, pages that never overflow
sideways, the satisfaction results filter row, the destructive actions' confirmation without JavaScript, the
outbox labels and the dashboard charts with their tables."""

import os
import re

import pytest

from dossiers import services
from dossiers.models import Dossier, State
from notifications.models import Notification
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_journeys import login
from tests.builders import World
from tests.factories import ProcedureFactory, RequiredDocumentFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"1366": LAPTOP, "390": PHONE}
LONG_NAME = ("Cấp giấy chứng nhận đủ điều kiện kinh doanh dịch vụ lữ hành nội địa và quốc tế đối với doanh nghiệp có "
             "vốn đầu tư nước ngoài hoạt động trên địa bàn nhiều tỉnh, thành phố trực thuộc trung ương theo quy định "
             "của pháp luật chuyên ngành")
RAW_KINDS = {"received", "supplement_requested", "apology", "resolved", "returned", "refused", "withdrawn",
             "stopped", "appointment_moved", "digest", "apology_prompt", "satisfaction_follow_up"}


@pytest.fixture
def open_page(browser, request):
    """open_page(size, javascript=True): a fresh browser context at that size; page.shot(name) saves a screenshot
    under test-artifacts/screenshots/<test>/<name>-<width>.png."""
    contexts = []

    def make(size=LAPTOP, *, javascript=True):
        context = browser.new_context(locale="vi-VN", viewport=size, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        shots = ARTIFACTS / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
        shots.mkdir(parents=True, exist_ok=True)
        page.shot = lambda name: page.screenshot(path=str(shots / f"{name}-{size['width']}.png"), full_page=True)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def office(db):
    """The test province (tests/builders.World) at today's date: a second procedure at the desk with its
    own checklist, a procedure with a very long name, two dossiers awaiting the department leader's approval (both
    assigned, not overdue), dossiers at the desk (online, received, refused, withdrawn) whose notices fill the
    outbox."""
    world = World()
    marriage = ProcedureFactory(national_code="1.000894", name="Đăng ký kết hôn")
    marriage.agencies.add(world.desk)
    RequiredDocumentFactory(procedure=marriage, position=1, name="Tờ khai đăng ký kết hôn")
    RequiredDocumentFactory(procedure=marriage, position=2, name="Giấy xác nhận tình trạng hôn nhân")
    long = ProcedureFactory(national_code="1.009999", name=LONG_NAME)
    long.agencies.add(world.desk)
    clerk, officer, leader = world.user("clerk@desk"), world.user("officer@dept"), world.user("leader@dept")
    world.user("inspector@province")
    for _ in range(2):
        dossier = services.dossier_receive(dossier=_submitted_now(world), actor=clerk)
        dossier = services.dossier_forward(dossier=dossier, actor=clerk, to_agency=world.dept)
        dossier = services.dossier_assign(dossier=dossier, actor=leader, officer=officer)
        services.dossier_propose(dossier=dossier, actor=officer, outcome="approved", note="Đủ điều kiện")
    world.online = _submitted_now(world)
    refused = _submitted_now(world)
    services.dossier_refuse(dossier=refused, actor=clerk, reason="Không thuộc thẩm quyền")
    withdrawn = services.dossier_receive(dossier=_submitted_now(world), actor=clerk)
    services.dossier_withdraw(dossier=withdrawn, actor=clerk, reason="Người nộp đề nghị rút")
    return world


def _submitted_now(world):
    return services.dossier_create(
        procedure=world.procedure, receiving_agency=world.desk, channel=2,
        applicant=services.ApplicantData(name="Trần Văn Nộp", id_number="079203001234", phone="0912000111",
                                         email="nguoi.nop@thu-nghiem.vn"),
        actor=services.APPLICANT, provided_required_document_ids=[world.form.pk])


def no_sideways_scroll(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url}: the page is {width} px wide in a {inner} px window"


# ---------------------------------------------------------------- where staff land
def test_staff_land_on_their_first_non_empty_queue_and_citizens_stay_on_the_portal(page, live_server, office):
    base = live_server.url
    login(page, base, "leader.dept")
    page.wait_for_load_state()
    assert page.url == f"{base}/can-bo/"
    current = page.locator('.queues a[aria-current="page"]')
    assert current.count() == 1
    assert int(current.locator(".count").inner_text()) > 0
    assert "Chờ phê duyệt" in current.inner_text()
    page.shot("leader-lands")
    # A `next` address still wins.
    page.context.clear_cookies()
    page.goto(f"{base}/tai-khoan/dang-nhap/?next=/can-bo/hop-thu/")
    page.get_by_label("Tên đăng nhập, thư điện tử hoặc số điện thoại").fill("clerk.desk")
    page.get_by_label("Mật khẩu").fill("mat-khau-thu-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/can-bo/hop-thu/")
    # A citizen lands where they always did.
    page.context.clear_cookies()
    login(page, base, office.citizen.username)
    page.wait_for_load_state()
    assert page.url == f"{base}/"


# ---------------------------------------------------------------- desk intake
def test_the_intake_checklist_follows_the_procedure_picker(open_page, live_server, office):
    base = live_server.url
    page = open_page(LAPTOP)
    login(page, base, "clerk.desk")
    page.goto(f"{base}/can-bo/tiep-nhan/{office.desk.pk}/")
    picker = page.get_by_role("combobox", name="Thủ tục", exact=True)
    picker.select_option(label=f"{office.procedure.national_code} – {office.procedure.name}")
    checklist = page.locator("#checklist")
    checklist.get_by_role("checkbox", name="Tờ khai cấp bản sao").wait_for()
    page.get_by_label("Họ tên người nộp / tên tổ chức").fill("Lê Văn Tâm")
    picker.select_option(label="1.000894 – Đăng ký kết hôn")  # no button pressed: the checklist follows
    checklist.get_by_role("checkbox", name="Tờ khai đăng ký kết hôn").wait_for()
    assert checklist.get_by_role("checkbox", name="Tờ khai cấp bản sao").count() == 0
    assert page.get_by_label("Họ tên người nộp / tên tổ chức").input_value() == "Lê Văn Tâm"  # typing kept
    page.shot("intake-after-change")
    # Required fields are marked, and a refused form lists its errors at the top, each linked to its field.
    assert page.locator("#id_applicant_name[required]").count() == 1
    assert page.get_by_text("là thông tin bắt buộc").count() >= 1
    page.get_by_role("button", name="Chỉ tạo hồ sơ").click()
    summary = page.locator(".error-summary[role=alert]")
    assert summary.count() == 1
    link = summary.get_by_role("link", name=re.compile("Số định danh"))
    assert link.get_attribute("href") == "#id_applicant_id_number"
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_applicant_id_number"
    field = page.locator("#id_applicant_id_number")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    assert all(page.locator(f"#{i}").count() == 1 for i in described)
    page.shot("intake-refused")
    page.get_by_label("Số định danh cá nhân / mã số tổ chức").fill("079203001111")
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.locator("input[name=provided]").first.check()
    page.get_by_role("button", name="Chỉ tạo hồ sơ").click()
    page.wait_for_url(re.compile(r"/can-bo/ho-so/\d+/$"))
    assert Dossier.objects.get(applicant_name="Lê Văn Tâm").procedure.national_code == "1.000894"


def test_without_javascript_the_button_shows_the_chosen_procedures_checklist(open_page, live_server, office):
    base = live_server.url
    page = open_page(PHONE, javascript=False)
    login(page, base, "clerk.desk")
    page.goto(f"{base}/can-bo/tiep-nhan/{office.desk.pk}/")
    page.get_by_label("Họ tên người nộp / tên tổ chức").fill("Lê Văn Tâm")
    page.get_by_role("combobox", name="Thủ tục", exact=True).select_option(label="1.000894 – Đăng ký kết hôn")
    page.get_by_role("button", name="Hiện danh sách giấy tờ").click()
    page.locator("#checklist").get_by_role("checkbox", name="Tờ khai đăng ký kết hôn").wait_for()
    assert page.get_by_label("Họ tên người nộp / tên tổ chức").input_value() == "Lê Văn Tâm"
    assert "Lê" not in page.url and page.locator("[role=alert]").count() == 0  # nothing refused yet
    no_sideways_scroll(page)
    page.shot("intake-no-js")
    assert not Dossier.objects.filter(applicant_name="Lê Văn Tâm").exists()


# ---------------------------------------------------------------- no sideways scrolling
JOURNEY = [  # (user, address, screenshot name)
    ("leader.dept", "/can-bo/", "leader-queues"),
    ("clerk.desk", "/can-bo/", "clerk-queues"),
    ("clerk.desk", "/can-bo/tiep-nhan/{desk}/?procedure={procedure}", "intake"),
    ("clerk.desk", "/can-bo/ho-so/{online}/", "dossier"),
    ("clerk.desk", "/can-bo/hop-thu/", "outbox"),
    ("clerk.desk", "/can-bo/so-theo-doi/", "book"),
    ("inspector.province", "/can-bo/danh-gia/ket-qua/?procedure={long}", "satisfaction-results"),
    ("inspector.province", "/can-bo/danh-gia/phan-hoi/", "follow-ups"),
    ("inspector.province", "/can-bo/bao-cao/tong-quan/", "dashboard"),
    ("inspector.province", "/can-bo/bao-cao/", "ii06a"),
]


@pytest.mark.parametrize("size", SIZES)
def test_no_staff_page_scrolls_sideways(open_page, live_server, office, size):
    base = live_server.url
    page = open_page(SIZES[size])
    values = {"desk": office.desk.pk, "procedure": office.procedure.pk, "online": office.online.pk,
              "long": office.desk.procedures.get(national_code="1.009999").pk}
    signed_in = None
    failures = []
    for user, address, name in JOURNEY:
        if user != signed_in:
            page.context.clear_cookies()
            login(page, base, user)
            page.wait_for_load_state()
            signed_in = user
        page.goto(base + address.format(**values))
        page.shot(name)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner:
            failures.append(f"{address}: {width} px in {inner} px")
    assert not failures, failures


@pytest.mark.parametrize("size", SIZES)
def test_the_satisfaction_results_filter_row_fits_and_long_options_show_their_full_name(open_page, live_server,
                                                                                        office, size):
    base = live_server.url
    page = open_page(SIZES[size])
    login(page, base, "inspector.province")
    long = office.desk.procedures.get(national_code="1.009999")
    page.goto(f"{base}/can-bo/danh-gia/ket-qua/?procedure={long.pk}")
    page.shot("results")
    no_sideways_scroll(page)
    inner = page.evaluate("window.innerWidth")
    button = page.locator("form.filters").get_by_role("button", name="Xem").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= inner
    option = page.locator(f'#id_procedure option[value="{long.pk}"]')
    assert option.get_attribute("title") == f"1.009999 – {LONG_NAME}"
    assert len(option.inner_text()) < len(LONG_NAME)


# ---------------------------------------------------------------- destructive actions
def test_without_javascript_a_refusal_asks_for_confirmation_on_its_own_page(open_page, live_server, office):
    base = live_server.url
    page = open_page(PHONE, javascript=False)
    login(page, base, "clerk.desk")
    dossier = office.online
    page.goto(f"{base}/can-bo/ho-so/{dossier.pk}/")
    page.get_by_text("Từ chối tiếp nhận (mẫu 03)", exact=True).first.click()  # <details> opens without JS
    page.locator("#id_refuse-reason").fill("Hồ sơ không thuộc thẩm quyền của phường")
    page.get_by_role("button", name="Từ chối tiếp nhận (mẫu 03)").click()
    page.get_by_role("button", name="Xác nhận").wait_for()
    page.shot("confirm")
    no_sideways_scroll(page)
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUBMITTED  # nothing done yet
    assert page.get_by_label("Lý do").input_value() == "Hồ sơ không thuộc thẩm quyền của phường"
    page.get_by_role("button", name="Xác nhận").click()
    page.locator("#state").wait_for()
    assert Dossier.objects.get(pk=dossier.pk).state == State.REFUSED
    assert Dossier.objects.get(pk=dossier.pk).decision_reason == "Hồ sơ không thuộc thẩm quyền của phường"
    page.shot("refused")


def test_with_javascript_a_refusal_asks_once(open_page, live_server, office):
    base = live_server.url
    page = open_page(LAPTOP)
    login(page, base, "clerk.desk")
    dossier = office.online
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.goto(f"{base}/can-bo/ho-so/{dossier.pk}/")
    page.get_by_text("Từ chối tiếp nhận (mẫu 03)", exact=True).first.click()
    page.locator("#id_refuse-reason").fill("Sai thủ tục")
    with page.expect_request(lambda r: r.method == "POST" and "/thao-tac/refuse/" in r.url) as sent:
        page.get_by_role("button", name="Từ chối tiếp nhận (mẫu 03)").click()
    assert "confirmed=1" in sent.value.post_data  # the dialog was the confirmation: no second step
    page.wait_for_url(f"{base}/can-bo/ho-so/{dossier.pk}/")
    page.locator("#state").wait_for()
    assert len(dialogs) == 1
    assert Dossier.objects.get(pk=dossier.pk).state == State.REFUSED


# ---------------------------------------------------------------- the outbox
@pytest.mark.parametrize("size", SIZES)
def test_the_outbox_names_every_kind_in_vietnamese_and_has_no_empty_column(open_page, live_server, office, size):
    base = live_server.url
    page = open_page(SIZES[size])
    login(page, base, "clerk.desk")
    page.goto(f"{base}/can-bo/hop-thu/")
    page.shot("outbox")
    no_sideways_scroll(page)
    kinds = set(Notification.objects.filter(agency=office.desk).values_list("kind", flat=True))
    assert {"received", "refused", "withdrawn"} <= kinds
    table = page.locator("#outbox")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert all(headers), headers
    column = headers.index("Loại") + 1
    labels = [t.strip() for t in table.locator(f"tbody td:nth-child({column})").all_inner_texts()]
    assert labels and not [text for text in labels if text in RAW_KINDS or re.fullmatch(r"[a-z_]+", text)]
    assert any("Không tiếp nhận" in text for text in labels) and any("Đã rút hồ sơ" in text for text in labels)
    for index in range(1, len(headers) + 1):
        cells = [t.strip() for t in table.locator(f"tbody td:nth-child({index})").all_inner_texts()]
        assert any(cells), f"column {headers[index - 1]!r} is empty"


# ---------------------------------------------------------------- the dashboard
def test_the_dashboard_draws_integer_axes_and_shows_its_tables_without_javascript(open_page, live_server, office):
    base = live_server.url
    page = open_page(LAPTOP)
    login(page, base, "inspector.province")
    page.goto(f"{base}/can-bo/bao-cao/tong-quan/")
    page.wait_for_selector('canvas[data-chart="chart-times"][data-drawn="1"]')
    precision = page.evaluate("""() => ["chart-timeliness", "chart-channels"].map(id =>
        Chart.getChart(document.querySelector(`canvas[data-chart="${id}"]`)).options.scales.y.ticks.precision)""")
    assert precision == [0, 0]
    assert page.locator(".chart-data[open]").count() == 0  # the tables fold away under the charts
    page.shot("dashboard-js")
    plain = open_page(LAPTOP, javascript=False)
    login(plain, base, "inspector.province")
    plain.goto(f"{base}/can-bo/bao-cao/tong-quan/")
    for block in plain.locator(".chart-block").all():
        assert not block.locator(".chart").is_visible()  # no blank gap where a chart would be
        assert block.locator("table").is_visible()
    plain.shot("dashboard-no-js")
