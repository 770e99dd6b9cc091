"""Duty completeness at city scale: one county with 120 schools and 5,760 classes.

A term of monthly class meetings and biweekly screenings is instantiated for every class
(≈ 75,000 duties), about two thirds are marked submitted (some late), and the completeness of the
whole county — expected / submitted / on time / late / missing per child unit, two queries —
is timed for a term, a month and a week, plus one school's drill-down and the overdue list.
"""

import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from functools import partial

SCHOOLS = 120
GRADES = 6
CLASSES_PER_GRADE = 8
TODAY = date(2026, 11, 23)

Report = Callable[..., None]


def _tree():
    """Bulk-create the tree with materialised paths computed here (unit_create is too slow)."""
    from wuzha.orgs import services
    from wuzha.orgs.models import OrgUnit, UnitKind

    county = services.unit_create(parent=None, name="基准县", kind=UnitKind.COUNTY, code="P-C")
    schools, grades, classes = [], [], []
    for s in range(SCHOOLS):
        school_path = OrgUnit._get_path(county.path, 2, s + 1)
        kind = UnitKind.PRIMARY_SCHOOL if s % 2 else UnitKind.MIDDLE_SCHOOL
        schools.append(
            OrgUnit(
                path=school_path,
                depth=2,
                numchild=GRADES,
                name=f"第{s + 1}学校",
                kind=kind,
                code=f"P-S{s:03d}",
            )
        )
        for g in range(GRADES):
            grade_path = OrgUnit._get_path(school_path, 3, g + 1)
            grades.append(
                OrgUnit(
                    path=grade_path,
                    depth=3,
                    numchild=CLASSES_PER_GRADE,
                    name=f"{g + 1}年级",
                    kind=UnitKind.GRADE,
                    code=f"P-S{s:03d}-G{g}",
                )
            )
            for c in range(CLASSES_PER_GRADE):
                classes.append(
                    OrgUnit(
                        path=OrgUnit._get_path(grade_path, 4, c + 1),
                        depth=4,
                        numchild=0,
                        name=f"{g + 1}年级{c + 1}班",
                        kind=UnitKind.CLASS,
                        code=f"P-S{s:03d}-G{g}-C{c}",
                    )
                )
    OrgUnit.objects.bulk_create(schools + grades + classes, batch_size=2000)
    OrgUnit.objects.filter(pk=county.pk).update(numchild=SCHOOLS)
    county.refresh_from_db()
    return county, len(classes)


def _timed(fn: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def run(report: Report) -> None:
    from django.db import connection
    from django.utils import timezone

    from wuzha.core.periods import parse
    from wuzha.orgs.models import OrgUnit, UnitKind
    from wuzha.plans import selectors, services
    from wuzha.plans.models import Duty

    started = time.perf_counter()
    county, class_count = _tree()
    report(
        f"build tree: {SCHOOLS} schools, {class_count} classes", time.perf_counter() - started, "s"
    )

    term = services.term_add(
        unit=county,
        school_year=2026,
        number=1,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 1, 22),
    )
    services.holiday_add(
        term=term, name="国庆节", start_date=date(2026, 10, 1), end_date=date(2026, 10, 7)
    )
    campaign = services.campaign_create(
        unit=county, name="基准方案", start_date=date(2026, 9, 1), end_date=date(2027, 1, 22)
    )
    started = time.perf_counter()
    services.duty_template_create(
        campaign=campaign,
        title="主题班会",
        unit_kind=UnitKind.CLASS,
        cadence="monthly",
        deadline_day=28,
        within_terms=True,
        min_photos=2,
    )
    services.duty_template_create(
        campaign=campaign,
        title="隐患摸排",
        unit_kind=UnitKind.CLASS,
        cadence="biweekly",
        deadline_weekday=5,
        within_terms=True,
        count_label="摸排人数",
    )
    duties = Duty.objects.count()
    report(f"instantiate {duties:,} duties (2 templates)", time.perf_counter() - started, "s")

    started = time.perf_counter()
    again = services.campaign_instantiate(campaign=campaign)
    assert again == 0, again
    report("re-instantiate (idempotent, creates 0)", time.perf_counter() - started, "s")

    rng = random.Random(2026)
    past = list(Duty.objects.filter(due_date__lt=TODAY).values_list("pk", "due_date"))
    on_time, late = [], []
    for pk, _due in past:
        roll = rng.random()
        if roll < 0.6:
            on_time.append(pk)
        elif roll < 0.7:
            late.append(pk)
    for chunk in range(0, len(on_time), 900):
        Duty.objects.filter(pk__in=on_time[chunk : chunk + 900]).update(
            status=Duty.Status.ACCEPTED, first_submitted_at=timezone.now(), is_late=False
        )
    for chunk in range(0, len(late), 900):
        Duty.objects.filter(pk__in=late[chunk : chunk + 900]).update(
            status=Duty.Status.SUBMITTED, first_submitted_at=timezone.now(), is_late=True
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    for key in ("2026-T1", "2026-11", "2026-W48"):
        period = parse(key)
        total, rows = selectors.duty_completeness(county, period, today=TODAY)
        ms = _timed(partial(selectors.duty_completeness, county, period, today=TODAY))
        report(f"county completeness {key} ({total.expected:,} due, {len(rows)} rows)", ms, "ms")

    school = OrgUnit.objects.get(code="P-S007")
    ms = _timed(lambda: selectors.duty_completeness(school, parse("2026-T1"), today=TODAY))
    report("school drill-down completeness 2026-T1", ms, "ms")
    ms = _timed(lambda: list(selectors.overdue_duties(county, today=TODAY)[:50]))
    count = selectors.overdue_duties(county, today=TODAY).count()
    report(f"county overdue list, first page ({count:,} overdue)", ms, "ms")
