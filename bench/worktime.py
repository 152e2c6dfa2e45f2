"""Benchmark of due-time computation (procedures/worktime.py, on procedures/workcalendar.py): due times per
second on 100,000 dossiers.

Run from the project root: ``.venv/bin/python bench/worktime.py [--count N] [--seed S] [--min-rate R]``.
Every run also recounts: the working time between each working-hours/-days case's clock start and its due time
must equal the deadline (an independent walk), and the worked examples of docs/time-rules.md must come out.
``--smoke`` does the same on 2,000 cases, with no rate target (CI). Exits 1 when the rate is below --min-rate or
when anything disagrees. No Django.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as timer
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from procedures.worktime import (  # noqa: E402
    TZ,
    Unit,
    WorkCalendar,
    clock_start,
    due_at,
    working_time_between,
)

# Worked examples: (received, amount, unit, cut-off) → due time.
EXAMPLES = [
    ((datetime(2025, 3, 10, 10, 0, tzinfo=TZ), 3, Unit.WORKING_DAYS, None), datetime(2025, 3, 13, 10, 0, tzinfo=TZ)),
    ((datetime(2026, 3, 2, 11, 30, tzinfo=TZ), 0, Unit.SAME_DAY, time(11, 30)), datetime(2026, 3, 3, 17, 0, tzinfo=TZ)),
    ((datetime(2026, 8, 21, 14, 0, tzinfo=TZ), 1, Unit.WORKING_DAYS, None), datetime(2026, 8, 22, 14, 0, tzinfo=TZ)),
]


def recount(cal: WorkCalendar, cases, dues) -> list[str]:
    """Disagreements between the due times and an independent count of the working time they allow."""
    problems = []
    for args, expected in EXAMPLES:
        got = due_at(cal, *args[:3], cutoff=args[3])
        if got != expected:
            problems.append(f"example {args[0]:%d/%m/%Y %H:%M} {args[1]} {args[2]}: {got} ≠ {expected}")
    per_unit = {Unit.WORKING_HOURS: timedelta(hours=1), Unit.WORKING_DAYS: timedelta(hours=cal.hours_per_day)}
    for (received, amount, unit, cutoff), due in zip(cases, dues, strict=True):
        if unit in per_unit:
            start = clock_start(cal, received, cutoff=cutoff)
            if working_time_between(cal, start, due) != amount * per_unit[unit]:
                problems.append(f"{received:%d/%m/%Y %H:%M} + {amount} {unit}: {due} does not allow that much")
        elif due < received:
            problems.append(f"{received:%d/%m/%Y %H:%M} + {amount} {unit}: due {due} before reception")
    return problems


def make_cases(count: int, seed: int) -> list[tuple[datetime, int, Unit, time | None]]:
    """Random receptions in 2024–2027 (minute resolution) with a mix of units, amounts and cut-offs."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=TZ)
    minutes = int((datetime(2028, 1, 1, tzinfo=TZ) - start).total_seconds() // 60)
    cases = []
    for _ in range(count):
        received = start + timedelta(minutes=rng.randrange(minutes))
        kind = rng.randrange(4)
        if kind == 0:
            case = (received, rng.randint(1, 20), Unit.WORKING_DAYS, rng.choice((None, time(15, 0))))
        elif kind == 1:
            case = (received, rng.randint(1, 40), Unit.WORKING_HOURS, None)
        elif kind == 2:
            case = (received, 0, Unit.SAME_DAY, rng.choice((time(11, 30), time(15, 0))))
        else:
            case = (received, rng.randint(1, 30), Unit.CALENDAR_DAYS, None)
        cases.append(case)
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="due times to compute (default 100000)")
    parser.add_argument("--seed", type=int, default=20250310, help="random seed")
    parser.add_argument(
        "--min-rate", type=float, default=0.0, help="fail (exit 1) below this many per second"
    )
    parser.add_argument("--smoke", action="store_true", help="2,000 cases and the recount, no rate target (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.count, args.min_rate = min(args.count, 2_000), 0.0

    cal = WorkCalendar.vietnam()
    cases = make_cases(args.count, args.seed)

    began = timer.perf_counter()
    dues = [due_at(cal, received, amount, unit, cutoff=cutoff) for received, amount, unit, cutoff in cases]
    elapsed = timer.perf_counter() - began

    rate = len(cases) / elapsed
    print(f"{len(cases)} due times in {elapsed:.3f} s: {rate:,.0f} due times per second")
    problems = recount(cal, cases, dues)
    for problem in problems[:20]:
        print(f"MISMATCH {problem}", file=sys.stderr)
    print(f"recount: {'all agree' if not problems else f'{len(problems)} disagree'} "
          f"({len(cases)} cases, {len(EXAMPLES)} worked examples)")
    if problems:
        return 1
    if rate < args.min_rate:
        print(f"FAIL: below the minimum rate of {args.min_rate:,.0f} per second", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
