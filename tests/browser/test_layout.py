"""The citizen journey's layout in Chromium at a phone size and a desktop size.

Every public page of the journey (home, catalog search, procedure, submit form with a refused upload and with a long
desk name, review, submitted, tracking form, tracked dossier, supplement answer, privacy notice, registration,
sign-in, my dossiers) must fit the viewport (no sideways scrolling), load htmx only where it is used and stay light;
the phone header stays short; a refused submission focuses an error summary; a supplement request shows its reason
and one upload per item; checkboxes sit on their label's line; axe-core finds no serious or critical violation.
Screenshots of every page at every size go to test-artifacts/screenshots/<test name>/.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.models import Dossier, State
from tests.browser.conftest import ARTIFACTS
from tests.builders import EXE_BYTES, PDF_BYTES
from tests.factories import (
    AgencyFactory,
    FieldFactory,
    MembershipFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SMALL_PHONE = {"width": 360, "height": 740}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
LONG_DESK = ("Trung tâm Phục vụ hành chính công phường Long An thuộc Ủy ban nhân dân tỉnh Tây Ninh – Bộ phận "
             "tiếp nhận và trả kết quả giải quyết thủ tục hành chính một cửa liên thông")
PASSWORD = "mat-khau-thu-123"
HOME_BUDGET = 40 * 1024
# axe-core, from the npm registry, for the tests only: test-artifacts/ is not part of the repository.
AXE_VERSION = "4.14.1"
AXE_PREFIX = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
AXE_JS = Path(os.environ.get("AXE_CORE_JS", AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"))


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()  # uploads and look-ups are limited per client address: every test here comes from 127.0.0.1


@pytest.fixture
def new_page(browser, request):
    """Pages of a given size in a fresh context each; page.shot(name) saves a full-page screenshot."""
    contexts = []
    shots = ARTIFACTS / request.node.name
    shots.mkdir(parents=True, exist_ok=True)

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(locale="vi-VN", viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.shot = lambda name: page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def commune(db):
    field = FieldFactory(name="Hộ tịch")
    desk = AgencyFactory(identifier="H61.22.10", name=LONG_DESK, address="Số 1 đường Hùng Vương, phường Long An",
                         phone="0272 3826 555")
    procedure = ProcedureFactory(national_code="1.004873", name="Cấp Giấy xác nhận tình trạng hôn nhân",
                                 field=field, deadline_amount=3)
    procedure.agencies.add(desk)
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai cấp giấy xác nhận tình trạng hôn nhân")
    RequiredDocumentFactory(procedure=procedure, position=2, name="Giấy tờ tùy thân")
    staff = {}
    for role in ("clerk", "officer"):
        user = UserFactory(username=f"{role}.longan", full_name=f"Cán bộ {role}")
        MembershipFactory(user=user, agency=desk, role=role)
        staff[role] = user
    citizen = UserFactory(username="huong", full_name="Phạm Thị Ngọc Hương")
    return desk, procedure, staff, citizen


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, content in (("to-khai.pdf", PDF_BYTES), ("cccd.pdf", PDF_BYTES), ("so-ho-khau.pdf", PDF_BYTES),
                          ("anh-4x6.pdf", PDF_BYTES), ("giay-khac.pdf", PDF_BYTES), ("cccd-sao.pdf", EXE_BYTES)):
        (tmp_path / name).write_bytes(content)
        out[name] = str(tmp_path / name)
    return out


def login(page, base, username):
    page.goto(f"{base}/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập, thư điện tử hoặc số điện thoại").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def fill_applicant(page, desk):
    page.get_by_label("Nơi nộp hồ sơ").select_option(label=desk.name)
    page.get_by_label("Họ và tên").fill("Phạm Thị Ngọc Hương")
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill("079203004567")
    page.get_by_label("Số điện thoại di động").fill("0903123456")
    page.get_by_label("Địa chỉ liên hệ").fill("Ấp Bình Hòa, phường Long An")


def online_dossier(procedure, desk, user=None):
    """A dossier submitted online with every document of the checklist."""
    uploads = [services.Upload(SimpleUploadedFile(f"giay-to-{doc.pk}.pdf", PDF_BYTES), doc.pk)
               for doc in procedure.documents.all()]
    return services.dossier_submit_online(
        procedure=procedure, receiving_agency=desk, applicant_user=user, uploads=uploads,
        applicant=services.ApplicantData(name="Phạm Thị Ngọc Hương", id_number="079203004567", phone="0903123456"))


def request_supplement(dossier, staff, desk):
    services.dossier_receive(dossier=dossier, actor=staff["clerk"])
    dossier = services.dossier_forward(dossier=Dossier.objects.get(pk=dossier.pk), actor=staff["clerk"],
                                       to_agency=desk)
    return services.dossier_request_supplement(
        dossier=dossier, actor=staff["officer"],
        items=["Bản sao sổ hộ khẩu", "Ảnh 4x6/ảnh chân dung chụp trong 6 tháng"],
        reason="Giấy tờ tùy thân đã hết hạn sử dụng; cần thêm giấy tờ chứng minh nơi cư trú.")


def walk(page, base, commune, files, visit):
    """The citizen journey, calling visit(name) on every page it reaches."""
    desk, procedure, staff, citizen = commune
    page.goto(base)
    visit("01-home")
    page.get_by_label("Tìm thủ tục").fill("xac nhan tinh trang hon nhan")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_url("**/thu-tuc/?**")
    visit("02-catalog-search")
    page.get_by_role("link", name=procedure.name).click()
    visit("03-procedure")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    visit("04-submit-form")
    fill_applicant(page, desk)
    page.locator("input[type=file]").nth(0).set_input_files(files["to-khai.pdf"])
    page.locator("input[type=file]").nth(1).set_input_files(files["cccd-sao.pdf"])  # a program renamed .pdf
    page.get_by_role("button", name="Tiếp tục: kiểm tra lại thông tin").click()
    visit("05-submit-refused-upload")
    page.locator("input[type=file]").nth(1).set_input_files(files["cccd.pdf"])
    page.get_by_role("button", name="Tiếp tục: kiểm tra lại thông tin").click()
    visit("06-review")
    page.get_by_role("button", name="Xác nhận và nộp hồ sơ").click()
    page.wait_for_url("**/da-nop/**")
    visit("07-submitted")
    code = page.locator("#dossier-code").inner_text()
    dossier = Dossier.objects.get(code=code)
    request_supplement(dossier, staff, desk)
    page.goto(f"{base}/tra-cuu/")
    visit("08-track-form")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Số điện thoại hoặc số định danh đã khai khi nộp").fill("0903123456")
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url(f"**/tra-cuu/{code}/")
    visit("09-tracked-dossier")
    page.get_by_role("link", name="Bổ sung hồ sơ").click()
    visit("10-supplement-answer")
    page.get_by_role("link", name="Thông báo về xử lý dữ liệu cá nhân").first.click()
    visit("11-privacy-notice")
    page.goto(f"{base}/tai-khoan/dang-ky/")
    visit("12-registration")
    page.goto(f"{base}/tai-khoan/dang-nhap/")
    visit("13-sign-in")
    Dossier.objects.filter(pk=dossier.pk).update(applicant_user=citizen)
    login(page, base, citizen.username)
    page.goto(f"{base}/ho-so-cua-toi/")
    visit("14-my-dossiers")
    return code


WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("size", ["phone", "desktop", "small-phone"])
def test_every_page_of_the_citizen_journey_fits_the_viewport(new_page, live_server, commune, files, size):
    """No sideways scrolling: the page is never wider than the window (360 px phones and up)."""
    viewport = {**SIZES, "small-phone": SMALL_PHONE}[size]
    page = new_page(viewport)
    widths = {}

    def visit(name):
        page.wait_for_load_state("load")
        widths[name] = page.evaluate(WIDTH_JS)
        page.shot(name)

    walk(page, live_server.url, commune, files, visit)
    print(f"page widths at {viewport['width']} px: {widths}")
    assert len(widths) == 14
    too_wide = {name: width for name, (width, inner) in widths.items() if width > inner}
    assert not too_wide, f"pages wider than the {viewport['width']} px window: {too_wide}"


HEADER_JS = "() => document.querySelector('.site-header').getBoundingClientRect().height"


def test_the_phone_header_is_short_and_its_menu_works_without_javascript(new_page, live_server, commune):
    desk, procedure, staff, citizen = commune
    base = live_server.url
    page = new_page(PHONE)
    page.goto(base)
    page.shot("01-home-anonymous")
    print(f"phone header: {page.evaluate(HEADER_JS)} px")
    assert page.evaluate(HEADER_JS) <= 120
    login(page, base, citizen.username)
    page.goto(f"{base}/ho-so-cua-toi/")
    page.shot("02-my-dossiers-signed-in")
    assert page.evaluate(HEADER_JS) <= 120
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    assert not nav.get_by_role("link", name="Hồ sơ của tôi").is_visible()
    page.locator(".menu-button").click()
    page.shot("03-menu-open")
    assert nav.get_by_role("link", name="Hồ sơ của tôi").is_visible()
    assert nav.get_by_role("button", name="Đăng xuất").is_visible()

    # Without JavaScript the menu button still opens the navigation.
    plain = new_page(PHONE, java_script_enabled=False)
    plain.goto(f"{base}/thu-tuc/{procedure.national_code}/")
    assert plain.evaluate(HEADER_JS) <= 120
    links = plain.get_by_role("navigation", name="Điều hướng chính")
    assert not links.get_by_role("link", name="Tra cứu hồ sơ").is_visible()
    plain.locator(".menu-button").click()
    assert links.get_by_role("link", name="Tra cứu hồ sơ").is_visible()
    plain.shot("04-menu-open-without-javascript")

    # On a desktop the navigation shows at once, without a menu button.
    wide = new_page(DESKTOP)
    wide.goto(base)
    assert wide.get_by_role("link", name="Tra cứu hồ sơ").is_visible()
    assert not wide.locator(".menu-button").is_visible()
    wide.shot("05-desktop-header")


CODE_LINES_JS = """e => { const range = document.createRange(); range.selectNodeContents(e);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""


def test_dossier_codes_never_break(new_page, live_server, commune):
    """A dossier code stays on one line however narrow the page."""
    desk, procedure, staff, citizen = commune
    dossier = online_dossier(procedure, desk, citizen)
    page = new_page(SMALL_PHONE)
    login(page, live_server.url, citizen.username)
    for path in (f"/tra-cuu/{dossier.code}/", "/ho-so-cua-toi/"):
        page.goto(live_server.url + path)
        codes = page.locator(".code", has_text=dossier.code)
        assert codes.count() >= 1, path
        for box in codes.all():
            lines = box.evaluate(CODE_LINES_JS)  # the lines its text lies on
            assert lines == 1, f"{path}: the code {dossier.code} is broken across lines"
    page.shot("my-dossiers-360")


def test_a_refused_upload_focuses_an_error_summary_linking_each_error(new_page, live_server, commune, files):
    desk, procedure, staff, citizen = commune
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/nop-ho-so/{procedure.national_code}/")
    steps = page.get_by_role("list", name="Các bước nộp hồ sơ")
    assert "Bước 1/3" in steps.inner_text() and steps.locator("[aria-current=step]").inner_text().endswith(
        "Thông tin")
    fill_applicant(page, desk)
    page.get_by_label("Số điện thoại di động").fill("12")
    page.locator("input[type=file]").nth(0).set_input_files(files["to-khai.pdf"])
    page.locator("input[type=file]").nth(1).set_input_files(files["cccd-sao.pdf"])
    page.get_by_role("button", name="Tiếp tục: kiểm tra lại thông tin").click()
    page.wait_for_load_state("load")
    page.shot("refused")
    focused = page.evaluate("() => document.activeElement.id")
    assert focused == "error-summary"
    summary = page.locator("#error-summary")
    links = summary.get_by_role("link")
    assert links.count() == 2  # the phone and the refused file
    assert "cccd-sao.pdf" in summary.inner_text() and "Giấy tờ tùy thân" in summary.inner_text()
    file_link = summary.get_by_role("link", name="Giấy tờ tùy thân", exact=False)
    target = file_link.get_attribute("href")
    file_link.click()
    assert page.evaluate("() => '#' + document.activeElement.id") == target
    # The good file is kept; the review is step 2, the confirmation step 3.
    page.locator(target).set_input_files(files["cccd.pdf"])
    page.get_by_label("Số điện thoại di động").fill("0903123456")
    page.get_by_role("button", name="Tiếp tục: kiểm tra lại thông tin").click()
    assert page.get_by_role("list", name="Các bước nộp hồ sơ").locator("[aria-current=step]").inner_text().endswith(
        "Kiểm tra")
    page.get_by_role("button", name="Xác nhận và nộp hồ sơ").click()
    assert page.get_by_role("list", name="Các bước nộp hồ sơ").locator("[aria-current=step]").inner_text().endswith(
        "Hoàn tất")


def test_a_supplement_request_shows_its_reason_and_one_upload_per_item(new_page, live_server, commune, files):
    desk, procedure, staff, citizen = commune
    dossier = online_dossier(procedure, desk)
    request_supplement(dossier, staff, desk)
    base = live_server.url
    page = new_page(PHONE)
    page.goto(f"{base}/tra-cuu/?ma={dossier.code}")
    page.get_by_label("Số điện thoại hoặc số định danh đã khai khi nộp").fill("0903123456")
    page.get_by_role("button", name="Tra cứu").click()
    request_box = page.locator("#supplement-request")
    assert "Giấy tờ tùy thân đã hết hạn sử dụng" in request_box.inner_text()
    assert "Ảnh 4x6/ảnh chân dung chụp trong 6 tháng" in request_box.inner_text()
    page.shot("01-tracked")
    page.get_by_role("link", name="Bổ sung hồ sơ").click()
    assert "Giấy tờ tùy thân đã hết hạn sử dụng" in page.locator("main").inner_text()
    page.get_by_label("Bản sao sổ hộ khẩu").set_input_files(files["so-ho-khau.pdf"])
    page.get_by_label("Ảnh 4x6/ảnh chân dung chụp trong 6 tháng").set_input_files(files["anh-4x6.pdf"])
    page.get_by_label("Giấy tờ khác").set_input_files(files["giay-khac.pdf"])
    page.shot("02-answer")
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    page.wait_for_url(f"**/tra-cuu/{dossier.code}/")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == State.PROCESSING
    names = set(dossier.attachments.filter(purpose="supplement").values_list("original_name", flat=True))
    # Each file is named after the item it answers (a slash would cut the name: it becomes a dash).
    assert names == {"Bản sao sổ hộ khẩu – so-ho-khau.pdf", "Ảnh 4x6-ảnh chân dung chụp trong 6 tháng – anh-4x6.pdf",
                     "giay-khac.pdf"}


CHECKBOX_JS = """() => [...document.querySelectorAll('main input[type=checkbox], main input[type=radio]')]
  .filter(box => box.offsetParent !== null)
  .map(box => {
    const b = box.getBoundingClientRect();
    const label = box.labels[0];
    // The label's text without the box: a range over its text nodes.
    const range = document.createRange();
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT,
      {acceptNode: n => n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
    const first = walker.nextNode();
    range.selectNodeContents(first);
    const t = range.getClientRects()[0];
    return {name: box.name, top: b.top, bottom: b.bottom, width: b.width, textTop: t.top, textBottom: t.bottom,
            sameLine: b.top < t.bottom && t.top < b.bottom, gap: Math.abs(t.left - b.right)};
  })"""


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_checkboxes_sit_on_their_labels_line(new_page, live_server, commune, size):
    desk, procedure, staff, citizen = commune
    dossier = online_dossier(procedure, desk)
    base = live_server.url
    citizen_page = new_page(SIZES[size])
    citizen_page.goto(f"{base}/tra-cuu/?ma={dossier.code}")
    citizen_page.get_by_label("Số điện thoại hoặc số định danh đã khai khi nộp").fill("0903123456")
    citizen_page.get_by_role("button", name="Tra cứu").click()
    citizen_page.get_by_role("link", name="Rút hồ sơ").click()
    staff_page = new_page(SIZES[size])
    login(staff_page, base, "clerk.longan")
    staff_page.goto(f"{base}/can-bo/tiep-nhan/{desk.pk}/?procedure={procedure.pk}")
    for name, page in (("withdraw", citizen_page), ("staff-intake", staff_page)):
        page.shot(name)
        boxes = page.evaluate(CHECKBOX_JS)
        assert boxes, name
        for box in boxes:
            assert box["sameLine"], f"{name}: {box}"
            assert box["width"] <= 32 and box["gap"] <= 24, f"{name}: {box}"
    assert any(box["name"] == "applicant_is_organisation" for box in staff_page.evaluate(CHECKBOX_JS))


def test_pages_load_htmx_only_where_used_and_nothing_is_missing(new_page, live_server, commune, files):
    """htmx is loaded by the pages with hx- attributes only (the catalog search); no request of a page fails (the
    favicon included); every page but the catalog search weighs at most 40 KB."""
    page = new_page(DESKTOP)
    current = {"bytes": 0, "failed": []}

    def on_response(response):
        try:
            current["bytes"] += len(response.body())
        except Exception:  # a redirect has no body
            pass
        if response.status >= 400 and response.request.resource_type != "document":
            current["failed"].append(f"{response.status} {response.url}")

    page.on("response", on_response)
    report = {}

    def visit(name):
        page.wait_for_load_state("load")
        page.wait_for_timeout(100)  # the favicon is asked for after the load
        uses = page.evaluate("() => !!document.querySelector('[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete],"
                             "[hx-boost],[data-hx-get],[data-hx-post]')")
        loads = page.evaluate("() => [...document.scripts].some(s => /htmx/.test(s.src))")
        report[name] = {"uses": uses, "loads": loads, "bytes": current["bytes"], "failed": current["failed"]}
        current["bytes"], current["failed"] = 0, []

    walk(page, live_server.url, commune, files, visit)
    assert report["02-catalog-search"]["uses"] and report["02-catalog-search"]["loads"]
    assert {name for name, r in report.items() if r["loads"] != r["uses"]} == set()
    assert {name: r["failed"] for name, r in report.items() if r["failed"]} == {}
    heavy = {name: r["bytes"] for name, r in report.items() if r["bytes"] > HOME_BUDGET and name != "02-catalog-search"}
    assert heavy == {}


def test_the_home_page_weighs_at_most_40_kb_with_its_favicon(new_page, live_server, commune):
    page = new_page(DESKTOP)
    sizes = {}

    def on_response(response):
        try:
            sizes[response.url] = len(response.body())
        except Exception:
            sizes[response.url] = 0
        assert response.status < 400, response.url

    page.on("response", on_response)
    page.goto(live_server.url, wait_until="load")
    page.wait_for_timeout(200)
    total = sum(sizes.values())
    print(f"home page: {total} bytes in {len(sizes)} responses: {sizes}")
    assert total <= HOME_BUDGET, sizes
    icon = page.locator("link[rel=icon]").first.get_attribute("href")
    assert page.request.get(live_server.url + icon).status == 200
    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.status == 200 and len(favicon.body()) < 4096


@pytest.fixture(scope="session")
def axe_js():
    """axe-core's script, installed from the npm registry into test-artifacts/ (never committed) when missing."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"axe-core is missing ({AXE_JS}) and npm is not installed: install Debian's npm package, "
                        f"or run `npm install --prefix {AXE_PREFIX} --no-save axe-core@{AXE_VERSION}` elsewhere.")
        subprocess.run([npm, "install", "--prefix", str(AXE_PREFIX), "--no-save", "--no-audit", "--no-fund",
                        "--loglevel=error", f"axe-core@{AXE_VERSION}"], check=True, timeout=300)
    return str(AXE_JS)


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_axe_finds_no_violation_on_the_citizen_journey(new_page, live_server, commune, files, axe_js, size):
    page = new_page(SIZES[size], bypass_csp=True)  # the policy forbids the injected script, rightly
    found = {}

    def visit(name):
        page.wait_for_load_state("load")
        page.add_script_tag(path=axe_js)
        violations = page.evaluate(AXE_RUN)
        if violations:
            found[name] = violations
        page.shot(name)

    walk(page, live_server.url, commune, files, visit)
    serious = {name: [v for v in vs if v["impact"] in ("serious", "critical")] for name, vs in found.items()}
    assert {name: vs for name, vs in serious.items() if vs} == {}
    assert found == {}
