"""The report pages as a leader or inspector uses them: the table, its links, the files, who may see what."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dossiers import services
from reports import ii06a
from surveys.services import rating_submit
from tests.builders import at, vn
from tests.reports.scenario import EXPECTED

QUERY = "start=01/03/2025&end=31/03/2025"


@pytest.fixture
def inspector(world, client):
    user = world.user("inspector@province")
    client.force_login(user)
    return user


def test_the_page_shows_the_table_and_every_cell_links_to_a_list_of_that_length(march, inspector, client):
    response = client.get(f"/can-bo/bao-cao/?{QUERY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trung tâm Phục vụ hành chính công phường Một" in html
    report = response.context["report"]
    assert [report.total.cells[k] for k in ii06a.COLUMN_KEYS] == EXPECTED["total"]
    for row in [*report.rows, report.total]:
        for column in ("received_total", "carried_over", "resolved_late", "pending_overdue", "refused"):
            listed = client.get(f"/can-bo/bao-cao/ho-so/?{QUERY}&row={row.key}&col={column}")
            assert listed.status_code == 200
            assert listed.context["page"].paginator.count == row.cells[column], (row.key, column)


def test_the_drill_down_list_runs_a_bounded_number_of_queries(march, inspector, client,
                                                              django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = client.get(f"/can-bo/bao-cao/ho-so/?{QUERY}&row=all&col=received_total")
    assert response.context["page"].paginator.count == 15
    assert "079203009999" not in response.content.decode()  # no ID numbers in lists


def test_the_excel_file_holds_the_same_numbers_as_the_page(march, inspector, client):
    page = client.get(f"/can-bo/bao-cao/?{QUERY}").context["report"]
    response = client.get(f"/can-bo/bao-cao/?{QUERY}&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet["D4"].value == "Số hồ sơ nhận giải quyết" and sheet["H5"].value == "Tổng số"
    rows = {}
    for row in sheet.iter_rows(min_row=6, values_only=True):
        if row[1] is None:
            break
        assert all(isinstance(v, int) for v in row[3:17])  # real numbers, not text
        rows[row[2] or "total"] = list(row[3:17])
    expected = {r.code: [r.cells[k] for k in ii06a.COLUMN_KEYS] for r in page.rows}
    expected["total"] = [page.total.cells[k] for k in ii06a.COLUMN_KEYS]
    assert rows == expected == EXPECTED


def test_the_pdf_reads_back_with_the_official_title_and_totals(march, inspector, client):
    response = client.get(f"/can-bo/bao-cao/?{QUERY}&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "01/03/2025" in text and "31/03/2025" in text
    assert "Tổng cộng 15 8 4 3 6 2 2 2 7 3 4 1 1 2" in " ".join(text.split())


def test_grouping_by_field_and_by_procedure_gives_the_same_totals(march, inspector, client):
    for grouping in ("field", "procedure"):
        report = client.get(f"/can-bo/bao-cao/?{QUERY}&grouping={grouping}").context["report"]
        assert [report.total.cells[k] for k in ii06a.COLUMN_KEYS] == EXPECTED["total"]


def test_a_clerk_may_not_see_reports_and_a_leader_sees_only_their_agency(march, world, client):
    client.force_login(world.user("clerk@desk"))
    response = client.get(f"/can-bo/bao-cao/?{QUERY}")
    assert response.status_code == 403
    assert "Không có quyền xem báo cáo" in response.content.decode()
    client.force_login(world.user("leader@other_desk"))
    report = client.get(f"/can-bo/bao-cao/?{QUERY}").context["report"]
    assert [r.code for r in report.rows] == ["H61.22.11"]
    # Another agency's cell through a crafted link: the list is limited to the leader's scope.
    listed = client.get(f"/can-bo/bao-cao/ho-so/?{QUERY}&row=agency:{world.desk.pk}&col=received_total")
    assert listed.context["page"].paginator.count == 0


def test_bad_input_is_explained_and_kept(march, inspector, client):
    response = client.get("/can-bo/bao-cao/?start=31/03/2025&end=01/03/2025")
    assert response.status_code == 400
    assert "“Đến ngày” phải sau hoặc trùng “Từ ngày”." in response.content.decode()
    assert 'value="31/03/2025"' in response.content.decode()
    response = client.get("/can-bo/bao-cao/?start=32/13/2025&end=01/03/2025")
    assert response.status_code == 400 and "dd/mm/yyyy" in response.content.decode()
    response = client.get(f"/can-bo/bao-cao/ho-so/?{QUERY}&row=agency:x&col=drop_table")
    assert response.status_code == 400
    assert "Đường dẫn không hợp lệ" in response.content.decode()


def test_dashboard_scores_and_public_page(march, world, inspector, client):
    returned = world.returned()  # resolved and returned on 10 Mar 2025 (the conftest's default timeline)
    with at(vn(2025, 3, 10, 15)):
        rating_submit(dossier=returned, overall=0, convenience=1, via="kiosk")
    board = client.get("/can-bo/bao-cao/tong-quan/?start=01/03/2025&end=31/03/2025").context["board"]
    assert (board.early, board.on_time, board.late) == (3, 2, 2)  # the month's six plus the returned one
    assert (board.ratings, board.satisfied, board.satisfaction_rate) == (1, 0, 0)
    response = client.get("/can-bo/bao-cao/chi-so-766/?start=01/03/2025&end=31/03/2025")
    assert response.status_code == 200
    total = response.context["total"]
    on_time = total["on_time"]
    assert on_time.denominator == 8 + 4 + 1  # received in March (online, in person/post) + the returned one
    with at(vn(2025, 4, 15, 9)):
        public = client.get("/cong-khai/")
    assert public.status_code == 200
    assert "Cấp bản sao trích lục hộ tịch" in public.content.decode()
    assert "0912000222" not in public.content.decode()
    xlsx = client.get("/can-bo/bao-cao/chi-so-766/?start=01/03/2025&end=31/03/2025&format=xlsx")
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet["A4"].value == "Cơ quan, đơn vị"
    # An indicator the inspector has not entered yet (data reuse) has no figures in the file, only its reason;
    # a computed one keeps its numerator and denominator.
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    pending = [row for row in rows if row[0] == "Tổng cộng" and row[2].startswith(str(total["data_reuse"].label))]
    assert pending and pending[0][3:6] == [None, None, None] and total["data_reuse"].note in pending[0][2]
    counted = [row for row in rows if row[0] == "Tổng cộng" and row[2].startswith(str(on_time.label))]
    assert counted[0][3:5] == [on_time.numerator, 13]


def test_rebuild_asks_and_runs(march, world, client):
    client.force_login(world.user("admin@province"))
    response = client.post("/can-bo/bao-cao/tong-hop-lai/chay/", follow=True)
    assert response.status_code == 200
    assert response.context["runs"][0].dossiers == 21  # every dossier of the scenario
    assert "Đã yêu cầu tổng hợp lại số liệu" in response.content.decode()
    assert client.get("/can-bo/bao-cao/tong-hop-lai/chay/").status_code == 405


def test_report_pages_run_a_bounded_number_of_queries_whatever_the_data(march, world, inspector, client,
                                                                        django_assert_max_num_queries):
    # The 766 page also reads the catalog, payments and signed results, PAKN and the inspector's entries (+4).
    for url, most in ((f"/can-bo/bao-cao/?{QUERY}", 16), (f"/can-bo/bao-cao/?{QUERY}&grouping=procedure", 16),
                      (f"/can-bo/bao-cao/tong-quan/?{QUERY}", 16), (f"/can-bo/bao-cao/chi-so-766/?{QUERY}", 24)):
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_the_dashboard_counts_apologies_and_those_issued_late(world, inspector, client):
    leader = world.user("leader@dept")
    in_time, late, other_month = (world.processing(received_at=vn(2025, 3, 10, 10, 0)) for _ in range(3))
    with at(vn(2025, 3, 11, 10, 0)):  # two working days before the due time (Thu 13 Mar 10:00)
        services.dossier_apologise(dossier=in_time, actor=leader, reason="Chờ liên ngành",
                                   new_appointment_at=vn(2025, 3, 17, 10, 0))
    with at(vn(2025, 3, 14, 9, 0)):  # after the due time: issued, and marked late
        services.dossier_apologise(dossier=late, actor=leader, reason="Chờ liên ngành",
                                   new_appointment_at=vn(2025, 3, 20, 10, 0))
    with at(vn(2025, 4, 1, 9, 0)):
        services.dossier_apologise(dossier=other_month, actor=leader, reason="Chờ liên ngành",
                                   new_appointment_at=vn(2025, 4, 20, 10, 0))
    page = client.get("/can-bo/bao-cao/tong-quan/?start=01/03/2025&end=31/03/2025")
    board = page.context["board"]
    assert (board.apologies, board.late_apologies) == (2, 1)
    body = page.content.decode()
    assert 'id="kpi-apologies">2<' in body and "1 phiếu lập muộn" in body


def test_the_dashboard_charts_count_in_whole_dossiers_name_procedures_and_show_their_tables(march, inspector,
                                                                                           client):
    from reports.charts import short_procedure_name

    response = client.get(f"/can-bo/bao-cao/tong-quan/?{QUERY}")
    charts, board = response.context["charts"], response.context["board"]
    assert charts["timeliness"]["options"]["scales"]["y"]["ticks"]["precision"] == 0
    assert charts["channels"]["options"]["scales"]["y"]["ticks"]["precision"] == 0
    assert board.procedures
    labels = charts["times"]["data"]["labels"]
    assert labels == [short_procedure_name(p.procedure) for p in board.procedures]
    assert all(p.procedure.national_code not in label for p, label in zip(board.procedures, labels, strict=True))
    assert charts["times"]["fullLabels"] == [f"{p.procedure.national_code} – {p.procedure.name}"
                                             for p in board.procedures]
    assert short_procedure_name(type(board.procedures[0].procedure)(name="x" * 200)).endswith("…")
    # Without JavaScript every chart's place shows its table (the CSS shows a chart box only once drawn).
    body = response.content.decode()
    blocks = body.split('<section class="chart-block">')[1:]
    assert len(blocks) == 3
    for block in blocks:
        assert '<details class="chart-data" open>' in block and "<table" in block and "<canvas" in block
