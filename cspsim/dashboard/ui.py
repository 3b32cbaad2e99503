"""Solara components of the dashboard's main area: lesson card, headline, plots, network.

The page itself (``cspsim/dashboard/app.py``) places these beside Mesa's ``ModelController``
(play / pause / step / reset). :class:`MainView` subscribes to Mesa's ``update_counter``, so it
is redrawn after every step the controller takes.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from cspsim.dashboard import charts
from cspsim.dashboard.areamap import MAP_HEIGHT_PX, area_map, csp_share_by_area, map_option
from cspsim.dashboard.events import Event, events_for, just_happened
from cspsim.dashboard.export import kept_line, run_csv, with_png_button
from cspsim.dashboard.lessons import Lesson
from cspsim.dashboard.network import LayoutCache, network_height, network_option
from cspsim.dashboard.series import quarter_label, series_of
from cspsim.dashboard.session import DashboardModel, Session
from cspsim.inputs.england import ATTRIBUTION


@solara.component
def LessonCard(lesson: Lesson | None, session: Session) -> None:
    """The lesson's explanation (or what the page shows when no lesson is picked)."""
    if lesson is None:
        body = (
            f"<b>{html.escape(session.base.name)}</b>: {html.escape(session.base.description)} "
            "Move a lever on the left: the run is rebuilt with the same seed and replayed to "
            "the current quarter; dashed lines and grey bars are the scenario without your "
            "changes (the baseline). Pick a lesson for a guided comparison."
        )
    else:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in lesson.look_for)
        body = f"<b>{html.escape(lesson.title)}.</b> {html.escape(lesson.summary)}"
        body += f"<ul>{items}</ul>" if items else ""
        if lesson.try_next:
            body += f"<div><i>Try next:</i> {html.escape(lesson.try_next)}</div>"
        if lesson.sources:
            body += f"<div class='cspsim-sources'>{html.escape(lesson.sources)}</div>"
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["cspsim-lesson"])


class Opaque:
    """Carries a value past Solara's renderer, which would walk a dict or list in full.

    Reacton looks inside every list and dict passed to a component for child elements, and
    the plots' data are thousands of numbers; wrapped, they are handed over as one object.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


@solara.component
def LiveChart(option: Opaque, height: int, maps: Opaque | None = None) -> None:
    """An ECharts figure whose option is set on the widget directly after each render.

    ``maps`` (GeoJSON by name) are registered when the figure is created.
    """
    el = solara.FigureEcharts(
        option={}, attributes={"style": f"height: {height}px; width: 100%;"}, responsive=True,
        maps=maps.value if maps is not None else {},
    )  # fmt: skip

    def push() -> None:
        solara.get_widget(el).option = option.value

    solara.use_effect(push, [option])
    return el


def quarter_label_file(model: DashboardModel) -> str:
    """The current quarter for a file name (``2016-Q3``)."""
    if model.t < 0:
        return "start"
    return quarter_label(model.sched.quarters[model.t]).replace(" ", "-")


_TONE = {"better": "#1b7f3b", "worse": "#b3261e", "same": "#555555"}


def _headline_html(quarter: str, rows: list[charts.Monitor], timing: str) -> str:
    cells = "".join(
        f"<div class='cspsim-cell'><div class='cspsim-label'>{html.escape(r.label)}</div>"
        f"<div class='cspsim-value'>{html.escape(r.now)}</div><div class='cspsim-ref'>"
        f"baseline {html.escape(r.base)} · <b style='color:{_TONE[r.tone]}'>"
        f"{html.escape(r.diff)}</b></div></div>"
        for r in rows
    )
    return (
        f"<div class='cspsim-headline'><div class='cspsim-cell'><div class='cspsim-label'>"
        f"Quarter</div><div class='cspsim-quarter cspsim-value'>{html.escape(quarter)}</div>"
        f"<div class='cspsim-ref' style='color:#999'>{html.escape(timing)}</div></div>"
        f"{cells}</div>"
    )


def _monitors_html(rows: list[charts.Monitor]) -> str:
    body = "".join(
        f"<tr><td>{html.escape(r.label)}</td><td>{html.escape(r.now)}</td>"
        f"<td>{html.escape(r.base)}</td><td style='color:{_TONE[r.tone]};font-weight:600'>"
        f"{html.escape(r.diff)}</td></tr>"
        for r in rows
    )
    return (
        "<div class='cspsim-monitors'><div class='cspsim-card-title'>This run against the "
        "baseline, this quarter</div><table><tr><th></th><th>this run</th><th>baseline</th>"
        f"<th>difference</th></tr>{body}</table></div>"
    )


def _events_html(now: list[Event], current: bool) -> str:
    if not now:
        return "<div class='cspsim-events'>Nothing has happened yet.</div>"
    when = "This quarter" if current else "Last event"
    items = "; ".join(
        f"{e.date:%b %Y}: {html.escape(e.text)}" + (" (your lever)" if e.kind == "lever" else "")
        for e in now
    )
    return f"<div class='cspsim-events'><b>{when}:</b> {items}</div>"


@solara.component
def MainView(
    model: DashboardModel,
    session: Session,
    force: str | None,
    on_force: Callable[[str | None], None],
    lesson: Lesson | None = None,
    kept: DashboardModel | None = None,
) -> None:
    """Headline numbers, what just happened, the plots and the network, after every step.

    ``kept`` is a finished run the trainer kept: drawn as a dotted "ghost" line.
    """
    update_counter.get()  # subscribe: the controller bumps it after each step
    kind, set_kind = solara.use_state("strategic")
    layouts: LayoutCache = solara.use_memo(dict, [])
    events = solara.use_memo(
        lambda: events_for(model.config, session.changed(model.values),
                           session.labels, session.span),
        [model],
    )  # fmt: skip
    t0 = time.perf_counter()
    areas = session.areas
    run, base = series_of(model, areas), session.baseline_series()
    span = session.span
    t = model.t
    quarter = "before the first quarter" if t < 0 else quarter_label(model.sched.quarters[t])
    quarter += f" ({t + 1} of {model.sched.n_steps})"
    ghost = series_of(kept, areas) if kept is not None else None
    share = charts.share_met_over_time(run, base, span)
    if ghost is not None:
        share["series"].append(kept_line(ghost, ghost.share_met, 100))
    options = {
        "share": charts.with_events(share, events),
        "duty": charts.share_met_by_duty(run, base),
        "engagement": charts.with_events(
            charts.engagement(run, base, span, kind), events, labels=False
        ),
        "budgets": charts.with_events(charts.budgets(run, base, span), events, labels=False),
        "network": network_option(model, areas, layouts),
    }
    for key in ("share", "duty", "engagement", "budgets", "network"):
        options[key] = with_png_button(options[key], f"cspsim-{key}-{quarter_label_file(model)}")
    rows = charts.monitors(run, base, kind)
    build_ms = 1000 * (time.perf_counter() - t0)
    timing = f"step {model.step_ms:.1f} ms · plots {build_ms:.0f} ms"
    now, current = just_happened(events, model.sched.quarters[t] if t >= 0 else None)
    with solara.Column(gap="8px", style={"padding": "4px 0"}):
        solara.HTML(
            tag="div", unsafe_innerHTML=_headline_html(quarter, charts.headline(run, base), timing)
        )
        # One row: what just happened, the CSV, the kept run's key (room for a plot below).
        with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.HTML(
                tag="div", unsafe_innerHTML=_events_html(now, current), style="flex: 1 1 420px"
            )
            solara.FileDownload(
                data=lambda: run_csv(run, base, ghost), filename="cspsim-run.csv",
                label="Download this run (CSV)", icon_name="mdi-download",
            )  # fmt: skip
            if ghost is not None:
                solara.Text("Dotted black line: the kept run.", style={"font-size": "16px"})
        if session.forces:
            solara.Select(
                label="Police force area shown (network and plots)", values=session.forces,
                value=force, on_value=on_force, dense=True, style={"max-width": "420px"},
            )  # fmt: skip
        with solara.Div(classes=["cspsim-grid"]):
            with solara.Card(margin=0, elevation=1, classes=["cspsim-chart-share"]):
                LiveChart(Opaque(options["share"]), 330)
            LessonCard(lesson, session).key(
                f"lesson-{session.path}-{lesson.key if lesson else None}"
            )
            MapCard(model, session)
            with solara.Card(margin=0, elevation=1, classes=["cspsim-chart-budgets"]):
                LiveChart(Opaque(options["budgets"]), 360)
            with solara.Card(margin=0, elevation=1, classes=["cspsim-chart-duty"]):
                LiveChart(Opaque(options["duty"]), charts.duty_chart_height(run, base))
            with solara.Card(margin=0, elevation=1, classes=["cspsim-chart-engagement"]):
                solara.Select(
                    label="Engagement plotted", values=["strategic", "operational"],
                    value=kind, on_value=set_kind, dense=True, style={"max-width": "240px"},
                )  # fmt: skip
                LiveChart(Opaque(options["engagement"]), 360)
            with solara.Card(margin=0, elevation=1, classes=["cspsim-monitor-card"]):
                solara.HTML(tag="div", unsafe_innerHTML=_monitors_html(rows))
            with solara.Card(
                margin=0, elevation=1, classes=["cspsim-chart-network", "cspsim-wide"]
            ):
                LiveChart(Opaque(options["network"]), network_height(options["network"]))
            with solara.Card(margin=0, elevation=1):
                solara.HTML(tag="div", unsafe_innerHTML=NETWORK_KEY)
        if (
            session.base.geography.real
        ):  # real England or real places: the ONS data must be attributed
            solara.HTML(tag="div", unsafe_innerHTML=ATTRIBUTION_HTML)


@solara.component
def MapCard(model: DashboardModel, session: Session) -> None:
    """The areas on the ONS map, shaded by share met or by the difference from the baseline."""
    update_counter.get()  # subscribe: redrawn after every step, like the plots
    mode, set_mode = solara.use_state("share of demand met")
    names = session.baseline.geo.names
    amap = area_map(tuple(names))
    with solara.Card(margin=0, elevation=1, classes=["cspsim-chart-map"]):
        if not amap.drawn:
            solara.HTML(tag="div", unsafe_innerHTML=_no_map_html(len(names)))
            return
        solara.Select(
            label="Map shows", values=["share of demand met", "difference from the baseline"],
            value=mode, on_value=set_mode, dense=True, style={"max-width": "320px"},
        )  # fmt: skip
        t = model.t
        option = map_option(
            amap, names, csp_share_by_area(model, t), csp_share_by_area(session.baseline, t),
            set(session.areas.tolist()), mode.startswith("difference"),
        )  # fmt: skip
        LiveChart(Opaque(option), MAP_HEIGHT_PX, Opaque({amap.name: amap.geojson})).key(amap.name)
        solara.HTML(tag="div", unsafe_innerHTML=ATTRIBUTION_HTML)  # ONS boundaries
        if amap.missing:
            shown = ", ".join(amap.missing[:8]) + (" …" if len(amap.missing) > 8 else "")
            solara.HTML(
                tag="div", unsafe_innerHTML=f"<div class='cspsim-map-note'>Not on the map "
                f"(no ONS code or shape): {html.escape(shown)}</div>",
            )  # fmt: skip


def _no_map_html(n: int) -> str:
    return (
        "<div class='cspsim-map-note'><div class='cspsim-card-title'>Map</div>"
        f"None of this scenario's {n} council areas has an ONS code or a 2021 boundary "
        "(its areas are synthetic), so there is no map. Open a scenario of real places, "
        "e.g. <code>cspsim dashboard --scenario kent</code> or <code>greater_manchester"
        "</code>.</div>"
    )


ATTRIBUTION_HTML = (
    f"<div class='cspsim-attribution' style='font-size:0.75rem;color:#666;padding:0 8px'>"
    f"{html.escape(ATTRIBUTION)}</div>"
)

NETWORK_KEY = """
<div style="font-size:16px;line-height:1.4;padding:8px 12px">
<b>Reading the network.</b> CSPs are circles in the middle column, coloured by the share of
demand they meet this quarter (green = all, amber = half, red = little). Partner agencies
are squares on the right, coloured by type (the key above the network); those serving
several CSPs come first. Each edge is an agency's <i>strategic engagement</i> with a CSP
(0–1): thick and green when it is fully involved, thin and red when it is drifting away.
Diamonds on the left are the member councils of a merged CSP; their edge is the council's
ownership of it, which fades after a merger. Hover for full names and values.
<br><br><b>Reading the plots.</b> Solid lines and purple bars are this run; dashed lines and
grey bars are the baseline: the same scenario and seed without your lever changes, run in
advance. Dotted vertical lines mark events: history (grey), duties (blue, named on hover)
and your levers (purple).
</div>
"""
