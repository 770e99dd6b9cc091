"""Family-school letters for a 2,000-student school: issue, print, sign.

Times freezing the recipient list, the background PDF of 2,000 letters with QR codes (one A4
page each), sequential signing through the service, and concurrent signing where every link is
submitted twice at the same moment by different threads: the run fails unless each delivery ends
with exactly one signature. The concurrent figure is meaningful on PostgreSQL
(`BENCH_DATABASE_URL`, see run.py); on SQLite writes are serialised and the figure only shows
that nothing is lost or duplicated.
"""

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

CLASSES = 40
PER_CLASS = 50
SEQUENTIAL = 500
THREADS = 16

Report = Callable[..., None]


def _school():
    from wuzha.orgs import services
    from wuzha.orgs.models import Guardianship, Person, PersonKind, UnitKind

    county = services.unit_create(parent=None, name="告知基准县", kind=UnitKind.COUNTY, code="N-C")
    school = services.unit_create(
        parent=county, name="告知基准小学", kind=UnitKind.PRIMARY_SCHOOL, code="N-S"
    )
    rng = random.Random(5)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭", "小明红刚丽华军芳伟静磊洋勇艳杰娟"
    for c in range(CLASSES):
        grade_no = c // 8 + 1
        if c % 8 == 0:
            grade = services.unit_create(
                parent=school, name=f"{grade_no}年级", kind=UnitKind.GRADE, code=f"N-S-{grade_no}"
            )
        klass = services.unit_create(
            parent=grade, name=f"{grade_no}年级{c % 8 + 1}班", kind=UnitKind.CLASS, code=f"N-{c}"
        )
        students = Person.objects.bulk_create(
            [
                Person(
                    unit=klass,
                    school=school,
                    kind=PersonKind.STUDENT,
                    name=rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                    number=f"{c:02d}{i:03d}",
                )
                for i in range(PER_CLASS)
            ]
        )
        guardians = Person.objects.bulk_create(
            [
                Person(unit=klass, kind=PersonKind.GUARDIAN, name=s.name[0] + "家长")
                for s in students
            ]
        )
        Guardianship.objects.bulk_create(
            [
                Guardianship(student=s, guardian=g, relation="mother")
                for s, g in zip(students, guardians, strict=True)
            ]
        )
    return school


def _typed(name: str):
    from wuzha.notices.services import SignInput

    return SignInput(signer_name=name, relation="mother", method="typed")


def run(report: Report) -> None:
    import datetime

    from django.db import connection, connections
    from django.utils import timezone

    from wuzha.notices import selectors, services
    from wuzha.notices.content import BUILTIN_BY_KEY
    from wuzha.notices.models import Delivery, PdfJob, Signature

    school = _school()
    t = BUILTIN_BY_KEY["letter"]
    notice = services.notice_create(
        unit=school,
        by=None,
        audience_units=[school],
        kind=t.kind,
        audience=t.audience,
        title=t.title,
        body=t.body,
        receipt_text=t.receipt_text,
        signature_mode=t.signature_mode,
        guardian_cosign=False,
        ask_app=True,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    started = time.perf_counter()
    n = services.notice_issue(notice=notice, by=None)
    report(f"notices: issue to {n} students (freeze list)", time.perf_counter() - started, "s")

    job = PdfJob.objects.create(
        notice=notice, unit=school, kind=PdfJob.Kind.LETTERS, base_url="https://wuzha.example.cn"
    )
    started = time.perf_counter()
    job = services.pdf_job_run(job=job)
    elapsed = time.perf_counter() - started
    assert job.status == PdfJob.Status.DONE and job.done == n, job.error
    report(f"notices: PDF of {n} letters with QR (task)", elapsed, "s")
    report("notices: PDF pages per second", n / elapsed, "pages/s")

    deliveries = list(Delivery.objects.filter(notice=notice).order_by("pk"))
    sequential, racing = deliveries[:SEQUENTIAL], deliveries[SEQUENTIAL:]

    started = time.perf_counter()
    for d in sequential:
        fresh = selectors.delivery_by_token(d.token)
        assert fresh is not None
        services.notice_sign(delivery=fresh, data=_typed("王家长"))
    elapsed = time.perf_counter() - started
    report(
        f"notices: sign {len(sequential)} links, one after another",
        len(sequential) / elapsed,
        "sig/s",
    )

    def sign(token: str) -> bool:
        try:
            delivery = selectors.delivery_by_token(token)
            assert delivery is not None
            for _attempt in range(100):
                try:
                    return services.notice_sign(delivery=delivery, data=_typed("李家长"))[1]
                except Exception as exc:  # SQLite only: "database is locked" under contention
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
            raise RuntimeError("gave up after 100 lock retries")
        finally:
            connections.close_all()

    tokens = [d.token for d in racing for _twice in range(2)]
    barrier = threading.Barrier(THREADS)

    def warm(_: int) -> None:
        barrier.wait()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(warm, range(THREADS)))
        created = sum(pool.map(sign, tokens))
    elapsed = time.perf_counter() - started
    rows = Signature.objects.filter(delivery__in=racing).count()
    signed = Signature.objects.filter(delivery__in=racing).values("delivery").distinct().count()
    wrong = (len(racing) - signed) + (rows - signed)  # links left unsigned + extra signatures
    assert created == rows == len(racing) and not wrong, (created, rows, signed, len(racing))
    report(
        f"notices: {THREADS} threads, {len(tokens)} submissions on "
        f"{len(racing)} links ({connection.vendor})",
        len(tokens) / elapsed,
        "req/s",
    )
    report("notices: signatures lost or duplicated", wrong, "")
    progress = selectors.notice_progress(notice)
    assert progress.total.signed == n
