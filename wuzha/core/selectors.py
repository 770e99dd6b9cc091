"""Reads shared by the apps."""

from typing import Any

from django.db.models import Model, QuerySet

from .models import SensitiveRead


def sensitive_reads[M: Model](
    subject: str, objects: QuerySet[M], *, limit: int = 200
) -> list[tuple[SensitiveRead, M]]:
    """The latest `limit` logged reads of `subject` records among `objects`, each with its record.

    `objects` (e.g. the files of a unit's subtree) stays a subquery: only the records the
    returned reads name are loaded, whatever the size of the subtree.
    """
    reads = list(
        SensitiveRead.objects.filter(subject=subject, object_id__in=objects.values("pk"))
        .select_related("user")
        .order_by("-at")[:limit]
    )
    records: dict[Any, M] = objects.in_bulk({r.object_id for r in reads})
    return [(read, records[read.object_id]) for read in reads]
