"""Events marked on the dashboard's time plots and told in its "what just happened" line.

Three kinds, all read from the run's own inputs so that they match what the model does:

- **history**: the 2010 spending review (FACTS.md §1: 20 Oct 2010; no model input, it is
  what the scenario's 2010-11 cuts stand for), the first PCCs in office (the scenario's
  ``pcc.elected``; FACTS §1: 22 Nov 2012) and the health and probation reorganisations of
  the scenario's ``[[reorganisations]]`` (FACTS §1-2: CCGs and public health to councils
  1 Apr 2013, the probation split 1 Jun 2014, reunification 26 Jun 2021, ICBs 1 Jul 2022);
- **duty**: each duty's start (``configs/duties.toml``, or the scenario's override, or a
  new what-if duty), where it falls inside the run;
- **lever**: the start of each lever the trainer moved (a cut, a structure change,
  funded posts, a ring-fenced grant), 1 April of its start year as the levers apply them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cspsim.dashboard.controls import catalogue, lever_groups
from cspsim.dashboard.series import short_duty_name
from cspsim.inputs.scenario import Scenario

MAX_LABEL = 22  # characters of a label drawn along a plot's height
SPENDING_REVIEW_2010 = dt.date(2010, 10, 20)  # FACTS.md §1, "Spending Review 2010"
# (agency, new footprint) -> (short label, sentence); dates come from the scenario.
_REORGANISATIONS = {
    ("health", "ccg"): (
        "Public health",
        "PCTs give way to CCGs and public health moves to upper-tier councils "
        "(Health and Social Care Act 2012)",
    ),
    ("health", "icb"): (
        "ICBs",
        "CCGs give way to 42 Integrated Care Boards (Health and Care Act 2022)",
    ),
    ("health", "icb_2026"): (
        "ICB mergers",
        "The first ICB mergers: 12 ICBs become 6, and one grows, in London, the East of "
        "England and the South East (configs/geography/icb_mergers.csv)",
    ),
    ("probation", "crc"): (
        "Probation split",
        "Probation split into the National Probation Service and 21 CRCs "
        "(Transforming Rehabilitation)",
    ),
    ("probation", "pdu"): (
        "Probation reunified",
        "Probation reunified in one public service, its delivery units serving councils "
        "(CRC contracts end)",
    ),
    ("probation", "region"): (
        "Probation reunified",
        "Probation reunified in one public service (CRC contracts end)",
    ),
    # The National Probation Service's start and end are the probation events above.
    ("probation_nps", "nps_division"): None,
    ("probation_nps", "none"): None,
}


@dataclass(frozen=True)
class Event:
    """One dated event.

    Attributes:
        date: When it happens.
        label: A few words, drawn on the plots.
        text: One sentence for the "what just happened" line.
        kind: ``history``, ``duty`` or ``lever``.
    """

    date: dt.date
    label: str
    text: str
    kind: str


def _history(run: Scenario) -> list[Event]:
    out = [
        Event(
            SPENDING_REVIEW_2010, "Spending review",
            "The 2010 spending review: councils lose about a quarter of central funding, "
            "police a fifth, over four years", "history",
        ),
        Event(
            run.pcc.elected, "PCCs elected",
            "The first Police and Crime Commissioners take office; CSP plans now go to them",
            "history",
        ),
    ]  # fmt: skip
    for r in run.reorganisations:
        words = _REORGANISATIONS.get(
            (r.agency, r.footprint),
            (f"{r.agency.title()} reorganised", f"{r.agency.title()} reorganised ({r.footprint})"),
        )
        if words is not None:
            out.append(Event(r.date, *words, "history"))
    return out


def _duties(run: Scenario) -> list[Event]:
    out = []
    for duty_id, spec in catalogue().items():
        ov = run.duties.overrides.get(duty_id)
        if ov is not None and not ov.enabled:
            continue
        start = ov.start if ov is not None and ov.start else spec.start
        name = short_duty_name(spec.name)
        out.append(Event(start, name, f"New duty in force: {spec.name}", "duty"))
    for duty_id, new in run.duties.new.items():
        start = new.get("start")
        if isinstance(start, dt.date):
            name = str(new.get("name", duty_id))
            out.append(Event(start, short_duty_name(name), f"New duty in force: {name}", "duty"))
    return out


def _levers(changed: dict[str, Any], labels: dict[str, str]) -> list[Event]:
    out = []
    for group in lever_groups():
        years = [k for k in group if "start_year" in k and k in changed]
        main = [k for k in group if "start_year" not in k and k in changed]
        if not years or not main:
            continue
        lever = main[0]
        shown = labels.get(lever, lever)
        date = dt.date(round(float(changed[years[0]])), 4, 1)  # levers apply from 1 April
        value = changed[lever]
        what = f"{shown}: {value:g}" if isinstance(value, float) else f"{shown}: {value}"
        if isinstance(value, float) and value <= 0:
            continue  # a cut set back to 0 starts nothing
        label = shown.split(" (")[0]
        label = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        out.append(Event(date, label, f"{what} from here", "lever"))
    return out


def _together(levers: list[Event]) -> list[Event]:
    """Levers starting on the same day as one event ("6 levers"), so their labels do not
    print over each other; the sentence names them all."""
    by_date: dict[dt.date, list[Event]] = {}
    for e in levers:
        by_date.setdefault(e.date, []).append(e)
    out = []
    for date, group in by_date.items():
        if len(group) == 1:
            out.append(group[0])
        else:
            text = "; ".join(e.text.removesuffix(" from here") for e in group) + " from here"
            out.append(Event(date, f"{len(group)} levers", text, "lever"))
    return out


def events_for(
    run: Scenario, changed: dict[str, Any], labels: dict[str, str], span: tuple[str, str]
) -> list[Event]:
    """Every event inside the run's period, in date order.

    Args:
        run: The scenario of this run (levers applied).
        changed: The levers moved from the base scenario (``Session.changed()``).
        labels: On-screen labels of the levers, by name.
        span: First and last quarter of the run (ISO dates).
    """
    first, last = (dt.date.fromisoformat(x) for x in span)
    last_day = dt.date(last.year + (last.month + 2) // 12, (last.month + 2) % 12 + 1, 1)
    found = _history(run) + _duties(run) + _together(_levers(changed, labels))
    inside = [e for e in found if first <= e.date < last_day]
    return sorted(inside, key=lambda e: (e.date, e.kind))


def just_happened(events: list[Event], quarter: dt.date | None) -> tuple[list[Event], bool]:
    """The events of the current quarter, else the latest before it (and whether current).

    Args:
        events: Events in date order.
        quarter: First day of the current quarter (None before the first one).
    """
    if quarter is None:
        return [], False
    end = dt.date(quarter.year + (quarter.month + 2) // 12, (quarter.month + 2) % 12 + 1, 1)
    now = [e for e in events if quarter <= e.date < end]
    if now:
        return now, True
    past = [e for e in events if e.date < quarter]
    return (past[-1:], False) if past else ([], False)
