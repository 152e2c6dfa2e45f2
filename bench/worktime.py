"""Benchmark of due-time computation (procedures/worktime.py): due times per second on 100,000 dossiers.

Run from the project root: ``.venv/bin/python bench/worktime.py [--count N] [--seed S] [--min-rate R]``.
Exits 1 when the rate is below --min-rate. No Django.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as timer
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from procedures.worktime import TZ, Unit, WorkCalendar, due_at  # noqa: E402


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
    args = parser.parse_args(argv)

    cal = WorkCalendar.vietnam()
    cases = make_cases(args.count, args.seed)

    began = timer.perf_counter()
    for received, amount, unit, cutoff in cases:
        due_at(cal, received, amount, unit, cutoff=cutoff)
    elapsed = timer.perf_counter() - began

    rate = len(cases) / elapsed
    print(f"{len(cases)} due times in {elapsed:.3f} s: {rate:,.0f} due times per second")
    if rate < args.min_rate:
        print(f"FAIL: below the minimum rate of {args.min_rate:,.0f} per second", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
