"""The registration point of the coverage ledger ("不漏一班、不漏一人").

Each domain app that reaches people (an activity attended, a guardian's signature, a test passed, a
screening round, a home visit, an APP installation) registers one `CoverageChannel` from its
AppConfig.ready(). The outreach app derives coverage from every registered channel; nothing about
coverage is ever typed in by hand.

A channel provides two selectors:

- `reached(unit, start, end)` → a queryset of person ids (`values("person_id")`-style, a single
  column) of persons in `unit`'s subtree reached between `start` and `end` (inclusive dates), so
  coverage is computed with set operations in the database;
- `events(person, start, end)` → the source records for one person, as `CoverageEvent`s.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.utils.functional import Promise

    from wuzha.orgs.models import OrgUnit, Person


@dataclass(frozen=True)
class CoverageEvent:
    """One record by which a person was reached."""

    channel: str
    date: datetime.date
    label: str
    url: str = ""


@dataclass(frozen=True)
class CoverageChannel:
    code: str
    label: "str | Promise"
    reached: Callable[["OrgUnit", datetime.date, datetime.date], "QuerySet[Any]"]
    events: Callable[["Person", datetime.date, datetime.date], list[CoverageEvent]]
    order: int = 100


_CHANNELS: dict[str, CoverageChannel] = {}


def register(channel: CoverageChannel) -> None:
    """Register (or replace, on reload) a channel under its code."""
    _CHANNELS[channel.code] = channel


def channels() -> list[CoverageChannel]:
    """The registered channels in display order."""
    return sorted(_CHANNELS.values(), key=lambda c: (c.order, c.code))
