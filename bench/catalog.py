"""Benchmark: the public catalog search on 2,000 procedures — relevance, then Vietnamese alphabetical order.

Run from the project root against PostgreSQL:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onecua_dev .venv/bin/python bench/catalog.py [--count N]
A throw-away test database (test_<name>) is created and dropped; the database in DATABASE_URL is not touched
(without DATABASE_URL: SQLite). The demo catalog is imported (catalog import, as `load_demo` does) and checked
alone first: "khai sinh", "dang ky khai sinh" and "ĐĂNG KÝ KHAI SINH" must list "Đăng ký khai sinh" first, and
the list without a query must be in Vietnamese order. Then --count procedures with generated Vietnamese names are
added (bulk_create, 5 % of them inactive) and common queries are timed, --runs rounds each, through the selector
(catalog_search + the paginator's count and first page, what the list view does) and through the page
(Django's test Client, GET /thu-tuc/?q=…). Every query's whole result is compared with the same order computed in
Python (procedures.text.sort_key), so the database's comparison of the keys is checked too.
Prints p50/p95 per path — wall-clock, and this process's CPU time beside it (which other work on a shared
machine does not inflate; the database server's time is not in it) — and exits 1 when a wall-clock p95 is
above --max-ms (default 50) or an order is wrong.
--smoke: 300 procedures, 3 rounds, every order check, no time target (CI).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.test")

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "procedures" / "fixtures" / "demo_catalog.json"
BIRTH = "Đăng ký khai sinh"
BIRTH_QUERIES = ("khai sinh", "dang ky khai sinh", "ĐĂNG KÝ KHAI SINH")
# Known names of the demo catalog, in their Vietnamese order (C < Ch < Đ < L; Cấp before Chứng thực).
DEMO_ORDER_PREFIXES = ("Cấp bản sao", "Cấp giấy phép", "Cấp Giấy xác nhận", "Chứng thực", "Đăng ký kết hôn", BIRTH,
                       "Đăng ký khai tử", "Đăng ký thành lập công ty", "Đăng ký thành lập hộ", "Đăng ký thường trú",
                       "Liên thông")
QUERIES = (
    "",
    "khai sinh",
    "dang ky khai sinh",
    "ĐĂNG KÝ KHAI SINH",
    "cấp giấy phép",
    "giay phep xay dung",
    "đăng ký",
    "chứng thực",
    "hộ kinh doanh",
    "thuong tru",
    "đất đai",
    "cap lai",
    "1.001193",
)

VERBS = ("Cấp", "Cấp lại", "Cấp đổi", "Cấp bản sao", "Cấp điều chỉnh", "Đăng ký", "Đăng ký lại", "Đăng ký thay đổi",
         "Điều chỉnh", "Gia hạn", "Thu hồi", "Xác nhận", "Chứng thực", "Thẩm định", "Phê duyệt", "Công nhận",
         "Thông báo", "Giải quyết", "Cho phép", "Chấp thuận", "Hủy bỏ", "Bổ sung", "Sửa đổi", "Chuyển nhượng",
         "Ủy quyền", "Ưu đãi", "Khai báo", "Trích lục", "Tặng", "Quyết định")
OBJECTS = ("giấy phép xây dựng", "giấy chứng nhận quyền sử dụng đất", "trích lục khai sinh", "kết hôn",
           "khai tử", "thường trú", "tạm trú", "hộ kinh doanh", "giấy phép lái xe", "chứng chỉ hành nghề dược",
           "giấy phép kinh doanh vận tải", "biển số xe", "hộ chiếu phổ thông", "nhận cha, mẹ, con",
           "giám hộ", "thay đổi, cải chính hộ tịch", "giấy chứng nhận an toàn thực phẩm", "giấy phép khai thác khoáng sản",
           "hồ sơ địa chính", "đất đai", "biến động đất đai", "chữ ký", "hợp đồng, giao dịch", "bản sao từ bản chính",
           "giấy phép môi trường", "đề án bảo vệ môi trường", "danh hiệu thi đua", "học bổng chính sách",
           "trợ cấp xã hội hằng tháng", "hỗ trợ mai táng phí", "thẻ bảo hiểm y tế", "người có công với cách mạng",
           "giấy phép hoạt động giáo dục nghề nghiệp", "cơ sở giáo dục mầm non", "trường tiểu học",
           "giấy phép lao động cho người nước ngoài", "nội quy lao động", "thỏa ước lao động tập thể",
           "giấy phép bán lẻ rượu", "giấy phép bán lẻ sản phẩm thuốc lá", "cửa hàng xăng dầu", "chợ",
           "giấy phép sử dụng vật liệu nổ công nghiệp", "phương án phòng cháy, chữa cháy", "nhà ở riêng lẻ",
           "công trình tín ngưỡng", "lễ hội", "tổ chức tôn giáo", "hội, quỹ xã hội", "dự án đầu tư",
           "doanh nghiệp tư nhân", "hợp tác xã", "tàu cá", "giống cây trồng", "thuốc thú y", "rừng sản xuất",
           "nguồn nước", "thủy lợi", "điểm truy cập Internet công cộng", "quảng cáo ngoài trời")
QUALIFIERS = ("", "", "", "cho cá nhân", "cho tổ chức", "có yếu tố nước ngoài", "tại cấp xã", "tại cấp tỉnh",
              "lưu động", "trong trường hợp bị mất, hỏng", "đối với nhà ở riêng lẻ", "cho trẻ em dưới 6 tuổi",
              "(cấp tỉnh)", "lần 2", "theo Nghị định 123/2015/NĐ-CP", "trên môi trường điện tử", "đối với hộ gia đình")
FIELDS = ("Hộ tịch", "Chứng thực", "Đất đai", "Hoạt động xây dựng", "Đăng ký, quản lý cư trú", "Hộ kinh doanh",
          "Thành lập và hoạt động của doanh nghiệp", "Đường bộ", "Dược phẩm", "An toàn thực phẩm", "Môi trường",
          "Tài nguyên nước", "Khoáng sản", "Giáo dục và Đào tạo", "Giáo dục nghề nghiệp", "Lao động",
          "Bảo trợ xã hội", "Người có công", "Thi đua, khen thưởng", "Tín ngưỡng, tôn giáo", "Văn hóa",
          "Lưu thông hàng hóa trong nước", "Phòng cháy, chữa cháy", "Vật liệu nổ công nghiệp", "Thủy sản",
          "Trồng trọt", "Thú y", "Lâm nghiệp", "Thủy lợi", "Viễn thông và Internet", "Ưu đãi đầu tư", "Ấn phẩm")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="generated procedures (besides the demo catalog)")
    parser.add_argument("--runs", type=int, default=20, help="rounds over the common queries, per path")
    parser.add_argument("--max-ms", type=float, default=50.0, help="p95 target of a search, per path")
    parser.add_argument("--smoke", action="store_true", help="300 procedures, 3 rounds, no time target (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.count, args.runs, args.max_ms = min(args.count, 300), min(args.runs, 3), float("inf")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    # The test Client's host; setup_test_environment() is not used, its instrumented template rendering
    # (response.context) would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(timings are wall-clock: other work on the machine inflates them)")
    old = setup_databases(verbosity=0, interactive=False)
    try:
        return run(args)
    finally:
        teardown_databases(old, verbosity=0)


def run(args) -> int:
    problems: list[str] = []
    load_demo_catalog()
    demo_names = check_demo(problems)
    generate(args.count)
    check_orders(problems, demo_names)
    selector_p95, page_p95 = time_searches(args.runs)
    for problem in problems:
        print("ORDER:", problem, file=sys.stderr)
    target = "no time target (smoke)" if args.max_ms == float("inf") else f"target p95 ≤ {args.max_ms:.0f} ms"
    ok = not problems and max(selector_p95, page_p95) <= args.max_ms
    print(f"load average now {os.getloadavg()[0]:.1f}")
    print(f"OK ({target})" if ok else f"FAIL: {len(problems)} order problems; {target}")
    return 0 if ok else 1


def load_demo_catalog() -> None:
    from procedures.services import catalog_import

    # The demo desks are not there: the rows are imported without their agencies.
    rows = [{k: v for k, v in row.items() if k != "agencies"} for row in json.loads(DEMO_CATALOG.read_text())]
    report = catalog_import(rows=enumerate(rows, start=1))
    if report.rejected:
        raise SystemExit(f"demo catalog rows rejected: {report.rejected}")


def names(queryset) -> list[str]:
    return [p.name for p in queryset]


def check_demo(problems: list[str]) -> list[str]:
    """The demo catalog alone: "Đăng ký khai sinh" first for the birth queries, the list in Vietnamese order."""
    from procedures.selectors import catalog_search

    for query in BIRTH_QUERIES:
        first = names(catalog_search(query=query)[:1])
        if first != [BIRTH]:
            problems.append(f"demo catalog, {query!r}: first {first}, expected {BIRTH!r}")
    listed = names(catalog_search())
    if len(listed) != len(DEMO_ORDER_PREFIXES) or not all(
        name.startswith(prefix) for name, prefix in zip(listed, DEMO_ORDER_PREFIXES, strict=False)
    ):
        problems.append(f"demo catalog without a query: {listed}")
    print(f"demo catalog: {len(listed)} procedures; 'khai sinh' → {names(catalog_search(query='khai sinh')[:2])}")
    return listed


def generate(count: int) -> None:
    from procedures.models import DeadlineUnit, Field, OnlineLevel, Procedure, ProcedureLevel

    rng = random.Random(2025)
    fields = Field.objects.bulk_create(Field(code=f"BENCH{i:02d}", name=name) for i, name in enumerate(FIELDS))
    seen = set(Procedure.objects.values_list("name", flat=True))
    procedures = []
    while len(procedures) < count:
        name = " ".join(part for part in (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)) if part)
        name = name[0].upper() + name[1:]
        if name in seen:
            continue
        seen.add(name)
        i = len(procedures)
        procedures.append(Procedure(
            national_code=f"{3 + i % 6}.{100000 + i:06d}", name=name, field=rng.choice(fields),
            level=rng.choice(ProcedureLevel.values), online_level=rng.choice(OnlineLevel.values),
            deadline_amount=rng.choice((1, 3, 5, 10, 15)), deadline_unit=DeadlineUnit.WORKING_DAYS,
            is_active=rng.random() >= 0.05))
    began = time.perf_counter()
    Procedure.objects.bulk_create(procedures, batch_size=500)  # the sort keys are computed by the manager
    print(f"generated {count} procedures in {time.perf_counter() - began:.1f} s "
          f"({Procedure.objects.filter(is_active=True).count()} active in all)")


def expected_order(query: str) -> list[tuple[str, str]]:
    """The order the selector must give, computed in Python from the same definition."""
    from procedures.models import Procedure
    from procedures.text import fold, sort_key

    folded = fold(query)
    rows = []
    for code, name in Procedure.objects.filter(is_active=True).values_list("national_code", "name"):
        text, folded_name = fold(f"{code} {name}"), fold(name)
        if not all(word in text for word in folded.split()):
            continue
        if not folded:
            rank = 0
        elif folded_name == folded or (" " not in folded and code.lower() == folded):
            rank = 0
        elif folded_name.startswith(folded):
            rank = 1
        elif f" {folded}" in folded_name:
            rank = 2
        else:
            rank = 3
        rows.append(((rank, sort_key(name), code), code, name))
    return [(code, name) for _key, code, name in sorted(rows)]


def check_orders(problems: list[str], demo_names: list[str]) -> None:
    from procedures.selectors import catalog_fields, catalog_search
    from procedures.text import sort_key

    for query in QUERIES:
        got = list(catalog_search(query=query).values_list("national_code", "name"))
        expected = expected_order(query)
        if got != expected:
            at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), None)
            problems.append(f"{query!r}: {len(got)} results, {len(expected)} expected; first difference at {at}")
        print(f"  {query or '(no query)'!r:>22}: {len(got):5d} results, first: {got[0][1] if got else '—'}")
    for query in BIRTH_QUERIES[1:]:
        first = names(catalog_search(query=query)[:1])
        if first != [BIRTH]:
            problems.append(f"{query!r}: first {first}, expected {BIRTH!r}")
    birth = names(catalog_search(query="khai sinh"))
    if not birth.index(BIRTH) < next(i for i, n in enumerate(birth) if n.startswith("Liên thông")):
        problems.append("'khai sinh': Đăng ký khai sinh is not before Liên thông…")
    listed = names(catalog_search())
    positions = [listed.index(name) for name in demo_names]
    if positions != sorted(positions):
        problems.append(f"without a query, the demo procedures are out of order: {positions}")
    fields = [f.name for f in catalog_fields()]
    if fields != sorted(fields, key=sort_key) or fields[:2] != ["An toàn thực phẩm", "Ấn phẩm"]:
        problems.append(f"fields out of order: {fields}")


def time_searches(runs: int) -> tuple[float, float]:
    from django.conf import settings
    from django.core.paginator import Paginator
    from django.test import Client
    from django.urls import reverse

    from procedures.selectors import catalog_search

    page_size = settings.ONECUA["CATALOG_PAGE_SIZE"]

    def selector(query: str) -> None:
        page = Paginator(catalog_search(query=query), page_size).get_page(1)
        list(page.object_list)

    client, url = Client(), reverse("procedures:list")

    def page(query: str) -> None:
        response = client.get(url, {"q": query} if query else {})
        assert response.status_code == 200, response.status_code

    results = {}
    for label, fn in (("selector (count + first page)", selector), ("page (test Client)", page)):
        for query in QUERIES:  # warm-up: plans, caches, templates
            fn(query)
        times, cpu, by_query = [], [], {q: [] for q in QUERIES}
        for _ in range(runs):
            for query in QUERIES:
                began, began_cpu = time.perf_counter(), time.process_time()
                fn(query)
                elapsed = (time.perf_counter() - began) * 1000
                cpu.append((time.process_time() - began_cpu) * 1000)
                times.append(elapsed)
                by_query[query].append(elapsed)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        slowest = max(by_query, key=lambda q: statistics.median(by_query[q]))
        print(f"{label:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (n={len(times)}; this process's CPU: "
              f"p50 {statistics.median(cpu):.1f}, p95 {percentile(cpu, 0.95):.1f} ms; slowest query "
              f"{slowest or '(no query)'!r}: p50 {statistics.median(by_query[slowest]):.1f} ms)")
        results[label] = p95
    return tuple(results.values())


if __name__ == "__main__":
    sys.exit(main())
