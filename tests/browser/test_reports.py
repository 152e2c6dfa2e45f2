"""An inspector reads the month's report in Chromium, follows a cell to its list, and sees the charts drawn."""

import os

import pytest

from tests.browser.test_journeys import login
from tests.builders import World
from tests.reports.conftest import Script
from tests.reports.scenario import EXPECTED, build_march

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inspector_follows_a_report_cell_to_its_list_and_sees_the_dashboard_charts(page, live_server):
    world = World()
    build_march(Script(world))
    inspector = world.user("inspector@province")
    base = live_server.url
    login(page, base, inspector.username)
    page.get_by_role("link", name="Thống kê, báo cáo").click()
    page.get_by_label("Từ ngày").fill("01/03/2025")
    page.get_by_label("Đến ngày").fill("31/03/2025")
    page.get_by_role("button", name="Xem").click()
    table = page.locator("#ii06a")
    total_overdue = table.locator('[data-cell="all|pending_overdue"]')
    assert total_overdue.inner_text() == str(EXPECTED["total"][10])
    page.shot("ii06a")
    total_overdue.focus()
    page.keyboard.press("Enter")  # keyboard access: every cell is a link
    page.wait_for_url("**/bao-cao/ho-so/**")
    assert page.locator("#count").inner_text().startswith(f"{EXPECTED['total'][10]} ")
    assert page.locator("table.table tbody tr").count() == EXPECTED["total"][10]
    page.shot("drill-down")
    page.get_by_role("link", name="Tổng quan").first.click()
    page.get_by_label("Từ ngày").fill("01/03/2025")
    page.get_by_label("Đến ngày").fill("31/03/2025")
    page.get_by_role("button", name="Xem").click()
    # Chart.js ran under the strict CSP: every canvas was drawn by static/js/charts.js.
    page.wait_for_selector('canvas[data-chart="chart-timeliness"][data-drawn="1"]')
    assert page.locator("canvas[data-drawn='1']").count() == 3
    assert page.locator("#kpi-on-time").inner_text() == "66,7 %"  # Vietnamese decimal comma
    page.shot("dashboard")
