"""Coverage of a whole county at city scale, derived with set operations in the database.

Builds the demo tree and people at `city` scale (示范市: 4 counties), gives most classes two
class meetings this term with roster attendance (a few absentees each) in bulk, and some
villages household visits, then times the coverage roll-up of 示范县 and of the city, a county's
API response, and one class's list of persons not yet reached.
"""

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Callable

Report = Callable[..., None]
BATCH = 5000


def _world(report: Report) -> None:
    from wuzha.orgs import demo

    started = time.perf_counter()
    ctx = demo.DemoContext(scale="city", spec=demo.world_spec("city"), out=lambda _s: None)
    demo.step_tree(ctx)
    demo.step_people(ctx)
    report(
        "outreach: build the city-scale demo tree and people", time.perf_counter() - started, "s"
    )


def _activities(term_start: datetime.date, today: datetime.date) -> tuple[int, int]:
    from wuzha.orgs.models import OrgUnit, Person, PersonKind, UnitKind
    from wuzha.outreach.models import Activity, Attendance

    rng = random.Random(4)
    classes = {u.path: u for u in OrgUnit.objects.filter(kind=UnitKind.CLASS)}
    step = OrgUnit.steplen
    roster: dict[int, list[int]] = defaultdict(list)
    for pk, path in Person.objects.filter(kind=PersonKind.STUDENT).values_list("pk", "unit__path"):
        cls = classes.get(path) or classes.get(path[:-step])
        if cls is not None:
            roster[cls.pk].append(pk)
    days = (today - term_start).days
    activities = []
    for cls in classes.values():
        if rng.random() < 0.15:
            continue
        for n in range(2):
            activities.append(
                Activity(
                    unit=cls,
                    kind="class_meeting",
                    title=f"反诈主题班会{n + 1}",
                    date=term_start + datetime.timedelta(days=rng.randint(0, days)),
                    audiences=["student"],
                    attendance_mode="roster",
                )
            )
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    rows: list[Attendance] = []
    total = 0
    for activity in activities:
        students = roster[activity.unit_id]
        absent = set(rng.sample(students, min(len(students), rng.randint(0, 4))))
        rows.extend(
            Attendance(activity=activity, person_id=pk, present=pk not in absent) for pk in students
        )
        if len(rows) >= BATCH * 4:
            Attendance.objects.bulk_create(rows, batch_size=BATCH)
            total += len(rows)
            rows = []
    Attendance.objects.bulk_create(rows, batch_size=BATCH)
    return len(activities), total + len(rows)


def run(report: Report) -> None:
    from django.test import Client
    from django.utils import timezone

    from wuzha.orgs.demo import CITY_CODE, COUNTY_CODE
    from wuzha.orgs.models import OrgUnit, Person, PersonKind, Role, UnitKind
    from wuzha.orgs.services import api_token_create, user_invite
    from wuzha.outreach import selectors

    _world(report)
    today = timezone.localdate()
    term = selectors.period_for(OrgUnit.objects.get(code=COUNTY_CODE), None)
    start = min(term.start, today - datetime.timedelta(days=30))
    started = time.perf_counter()
    n_activities, n_rows = _activities(start, today)
    report(
        f"outreach: bulk-create {n_activities} meetings, {n_rows} attendance rows",
        time.perf_counter() - started,
        "s",
    )

    county = OrgUnit.objects.get(code=COUNTY_CODE)
    city = OrgUnit.objects.get(code=CITY_CODE)
    students = Person.objects.in_subtree(county).filter(kind=PersonKind.STUDENT).count()
    for label, unit in ((f"county, {students} students", county), ("whole city", city)):
        timings = []
        for _repeat in range(3):
            started = time.perf_counter()
            total, _rows = selectors.unit_coverage(unit, start, today)
            timings.append(time.perf_counter() - started)
        assert total.persons and 0 < total.reached < total.persons, total
        report(f"outreach: coverage roll-up of {label} (best of 3)", min(timings) * 1000, "ms")
    report("outreach: county coverage rate", total.rate or 0, "%")

    klass = OrgUnit.objects.filter(path__startswith=county.path, kind=UnitKind.CLASS).first()
    assert klass is not None
    started = time.perf_counter()
    people = selectors.unit_person_coverage(klass, start, today, unreached_only=True)
    report(
        f"outreach: one class's unreached list ({len(people)} persons)",
        (time.perf_counter() - started) * 1000,
        "ms",
    )

    user, _pw = user_invite(
        username="bench_outreach", display_name="基准", unit=county, role=Role.COORDINATOR
    )
    _token, key = api_token_create(user=user)
    client = Client()
    timings = []
    for _repeat in range(3):
        started = time.perf_counter()
        response = client.get(
            f"/api/v1/units/{COUNTY_CODE}/coverage",
            {"period": term.key},
            headers={"Authorization": f"Bearer {key}"},
            HTTP_HOST="localhost",
        )
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    report("outreach: GET /api/v1/units/{county}/coverage (first)", timings[0] * 1000, "ms")
    report("outreach: GET /api/v1/units/{county}/coverage (best of 3)", min(timings) * 1000, "ms")
