"""Solara components of the dashboard: lesson picker, lever controls, plots, network.

The page itself (``cspsim/dashboard/app.py``) wires these to Mesa's SolaraViz, which supplies the
play / pause / step / reset buttons and the speed sliders. :class:`MainView` subscribes to
Mesa's ``update_counter``, so it is redrawn after every step SolaraViz takes.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from cspsim.dashboard import charts
from cspsim.dashboard.controls import Control, catalogue, choice_label, sections
from cspsim.dashboard.lessons import Lesson
from cspsim.dashboard.network import LayoutCache, network_option
from cspsim.dashboard.series import quarter_label, series_of
from cspsim.dashboard.session import DashboardModel, Session
from cspsim.inputs.england import ATTRIBUTION

FREE = "Free exploration (no lesson)"
OnChange = Callable[[str, Any], None]  # a control's new value: on_change(name, value)
# A dependent control is shown only while the lever it depends on is in use.
_DEPENDS = {
    "cut_start_year__": lambda v, n: v.get("cut_pct__" + n.removeprefix("cut_start_year__"), 0) > 0,
    "cut_phase_years": lambda v, n: any(x > 0 for k, x in v.items() if k.startswith("cut_pct__")),
    "ring_fence_start_year": lambda v, n: v.get("ring_fenced_grant_gbp_per_year", 0) > 0,
    "new_duty_start_year": lambda v, n: v.get("new_duty_workload_fte_per_100k", 0) > 0,
    "new_duty_new_burdens": lambda v, n: v.get("new_duty_workload_fte_per_100k", 0) > 0,
    "levers_start_year": lambda v, n: bool(v.get("fund_coordinator") or v.get("fund_analyst")),
    "structure_start_year": lambda v, n: v.get("structure_mode") != "separate",
}


def _visible(c: Control, values: dict[str, Any]) -> bool:
    for prefix, rule in _DEPENDS.items():
        if c.name.startswith(prefix):
            return bool(rule(values, c.name))
    return True


def _shown(c: Control, value: Any) -> str:
    if c.kind == "choice":
        return choice_label(value)
    if c.kind == "boolean":
        return "yes" if value else "no"
    shown = c.to_display(value)
    return f"{shown:g}" if isinstance(shown, float) else str(shown)


@solara.component
def ControlWidget(c: Control, value: Any, on_change: OnChange) -> None:
    """One lever's widget: a label with the current value, then the input."""

    def set_(shown: Any) -> None:
        on_change(c.name, c.from_display(shown))

    with solara.Column(
        gap="0px", style={"margin-bottom": "6px"}, classes=[f"cspsim-lever-{c.name}"]
    ):
        if c.kind == "boolean":
            with solara.Row(gap="0px", style={"align-items": "center"}):
                solara.Checkbox(label=c.label, value=bool(value), on_value=set_)
                _Info(c.description)
        elif c.kind == "choice":
            labels = [choice_label(x) for x in c.choices]
            with solara.Row(gap="0px", style={"align-items": "center"}):
                solara.Select(
                    label=c.label,
                    values=labels,
                    value=choice_label(value),
                    on_value=lambda lab: set_(c.choices[labels.index(lab)]),
                    dense=True,
                )
                _Info(c.description)
        else:
            with solara.Row(gap="4px", style={"align-items": "center"}):
                solara.Text(f"{c.label}: {_shown(c, value)}", style={"font-size": "0.85rem"})
                _Info(c.description)
            if c.kind == "integer":
                solara.SliderInt(
                    "", value=int(c.to_display(value)), min=int(c.lower), max=int(c.upper),
                    step=1, on_value=set_, thumb_label=True,
                )  # fmt: skip
            else:
                solara.SliderFloat(
                    "", value=float(c.to_display(value)), min=c.lower / c.scale,
                    max=c.upper / c.scale, step=c.step, on_value=set_, thumb_label=True,
                )  # fmt: skip


@solara.component
def _Info(text: str) -> None:
    """A small information icon that shows ``text`` on hover."""
    with solara.Tooltip(text):
        solara.v.Icon(children=["mdi-information-outline"], size="small", color="grey")


@solara.component
def DutyControls(session: Session, values: dict[str, Any], on_change: OnChange) -> None:
    """Pick a catalogue duty, then switch it on or off, date it and fund it."""
    duties = catalogue()
    names = {spec.name: d for d, spec in duties.items()}
    moved = [d for d in duties if any(session.changed(values).get(f"{p}{d}") is not None
             for p in ("duty_on__", "duty_start_year__", "duty_new_burdens_scale__"))]  # fmt: skip
    picked, set_picked = solara.use_state(next(iter(duties)))
    solara.Select(
        label="Duty to change",
        values=list(names),
        value=duties[picked].name,
        on_value=lambda n: set_picked(names[n]),
        dense=True,
    )
    ControlWidget(session.control(f"duty_on__{picked}"), values[f"duty_on__{picked}"], on_change)
    if values[f"duty_on__{picked}"]:
        name = f"duty_start_year__{picked}"
        ControlWidget(session.control(name), values[name], on_change)
        if duties[picked].new_burdens_gbp_per_year > 0:
            name = f"duty_new_burdens_scale__{picked}"
            ControlWidget(session.control(name), values[name], on_change)
        else:
            solara.Text(
                "Arrived without new-burdens money.",
                style={"font-size": "0.8rem", "margin-bottom": "10px"},
            )
    if moved:
        changed = ", ".join(duties[d].name.split("(")[0].strip() for d in moved)
        solara.Text(f"Changed: {changed}", style={"font-size": "0.8rem", "color": "#5b2bd6"})


@solara.component
def LeverPanel(
    session: Session, values: dict[str, Any], on_change: OnChange, on_undo: Callable[[], None]
) -> None:
    """Every lever, by section; sections holding a changed lever start open."""
    changed = session.changed(values)
    with solara.Card("Levers", margin=0, style={"margin-top": "8px"}):
        solara.Button(
            "Undo lever changes", on_click=on_undo, disabled=not changed, text=True, color="primary"
        )
        for section in sections():
            controls = [c for c in session.controls if c.section == section]
            if not controls:
                continue
            expand = section == sections()[0] or any(c.name in changed for c in controls)
            with solara.Details(summary=section, expand=expand):
                if section == "Duties":
                    DutyControls(session, values, on_change)
                for c in controls:
                    if section == "Duties" and c.name.startswith("duty_"):
                        continue
                    if _visible(c, values):
                        ControlWidget(c, values[c.name], on_change)


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
        body += f"<ul style='margin:4px 0 0 0'>{items}</ul>" if items else ""
        if lesson.try_next:
            body += f"<div><i>Try next:</i> {html.escape(lesson.try_next)}</div>"
        if lesson.sources:
            body += f"<div style='font-size:0.75rem;color:#666'>{html.escape(lesson.sources)}</div>"
    solara.HTML(
        tag="div",
        unsafe_innerHTML=body,
        style="padding:8px 12px;border-left:4px solid #5b2bd6;background:#f5f2ff;"
        "font-size:0.9rem;line-height:1.35",
    )


class Opaque:
    """Carries a value past Solara's renderer, which would walk a dict or list in full.

    Reacton looks inside every list and dict passed to a component for child elements, and
    the plots' data are thousands of numbers; wrapped, they are handed over as one object.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


@solara.component
def LiveChart(option: Opaque, height: int) -> None:
    """An ECharts figure whose option is set on the widget directly after each render."""
    el = solara.FigureEcharts(
        option={}, attributes={"style": f"height: {height}px; width: 100%;"}, responsive=True
    )

    def push() -> None:
        solara.get_widget(el).option = option.value

    solara.use_effect(push, [option])
    return el


def _headline_html(quarter: str, rows: list[tuple[str, str, str]], timing: str) -> str:
    cells = "".join(
        f"<td style='padding:2px 14px 2px 0'><div style='font-size:0.75rem;color:#555'>"
        f"{html.escape(label)}</div><div style='font-size:1.15rem;font-weight:600'>"
        f"{html.escape(now)}</div><div style='font-size:0.75rem;color:#777'>baseline "
        f"{html.escape(ref)}</div></td>"
        for label, now, ref in rows
    )
    return (
        f"<table><tr><td style='padding:2px 18px 2px 0'><div style='font-size:0.75rem;"
        f"color:#555'>Quarter</div><div class='cspsim-quarter' style='font-size:1.3rem;"
        f"font-weight:700'>{html.escape(quarter)}</div><div style='font-size:0.7rem;"
        f"color:#999'>{html.escape(timing)}</div></td>{cells}</tr></table>"
    )


@solara.component
def MainView(
    model: DashboardModel,
    session: Session,
    force: str | None,
    on_force: Callable[[str | None], None],
) -> None:
    """Headline numbers, the four plots and the network, redrawn after every step."""
    update_counter.get()  # subscribe: SolaraViz bumps it after each step
    kind, set_kind = solara.use_state("strategic")
    layouts: LayoutCache = solara.use_memo(dict, [])
    t0 = time.perf_counter()
    areas = session.areas
    run, base = series_of(model, areas), session.baseline_series()
    span = session.span
    t = model.t
    quarter = "before the first quarter" if t < 0 else quarter_label(model.sched.quarters[t])
    quarter += f" ({t + 1} of {model.sched.n_steps})"
    options = {
        "share": charts.share_met_over_time(run, base, span),
        "duty": charts.share_met_by_duty(run, base),
        "engagement": charts.engagement(run, base, span, kind),
        "budgets": charts.budgets(run, base, span),
        "network": network_option(model, areas, layouts),
    }
    build_ms = 1000 * (time.perf_counter() - t0)
    timing = f"step {model.step_ms:.1f} ms · plots built in {build_ms:.0f} ms"
    with solara.Column(gap="8px", style={"padding": "4px 8px"}):
        solara.HTML(
            tag="div", unsafe_innerHTML=_headline_html(quarter, charts.headline(run, base), timing)
        )
        with solara.Row(gap="16px", style={"align-items": "center"}):
            if session.forces:
                solara.Select(
                    label="Police force area shown (network and plots)",
                    values=session.forces,
                    value=force,
                    on_value=on_force,
                    dense=True,
                    style={"max-width": "360px"},
                )
            solara.Select(
                label="Engagement plotted",
                values=["strategic", "operational"],
                value=kind,
                on_value=set_kind,
                dense=True,
                style={"max-width": "220px"},
            )
        with solara.GridFixed(columns=2, column_gap="12px", row_gap="12px"):
            for key in ("share", "duty", "engagement", "budgets"):
                with solara.Card(margin=0, elevation=1, classes=[f"cspsim-chart-{key}"]):
                    LiveChart(Opaque(options[key]), 340)
            with solara.Card(margin=0, elevation=1, classes=["cspsim-chart-network"]):
                LiveChart(Opaque(options["network"]), 420)
            with solara.Card(margin=0, elevation=1):
                solara.HTML(tag="div", unsafe_innerHTML=NETWORK_KEY)
        if session.base.geography.named:  # real places: the ONS data must be attributed
            solara.HTML(tag="div", unsafe_innerHTML=ATTRIBUTION_HTML)


ATTRIBUTION_HTML = (
    f"<div class='cspsim-attribution' style='font-size:0.75rem;color:#666;padding:0 8px'>"
    f"{html.escape(ATTRIBUTION)}</div>"
)

NETWORK_KEY = """
<div style="font-size:0.85rem;line-height:1.4;padding:4px 8px">
<b>Reading the network.</b> Circles are CSPs, coloured by the share of demand they meet this
quarter (green = all, amber = half, red = little). Squares are partner agencies, coloured by
type; agencies that serve several CSPs sit in the middle, those that serve one sit outside it.
Each edge is an agency's <i>strategic engagement</i> with a CSP (0–1): thick and green when
it is fully involved, thin and red when it is drifting away. Diamonds are the member councils
of a merged CSP; their edge is the council's ownership of it, which fades after a merger.
Hover for values; drag or scroll to pan and zoom.
<br><br><b>Reading the plots.</b> Solid lines and purple bars are this run; dashed lines and
grey bars are the baseline: the same scenario and seed without your lever changes, run in
advance. Where the solid line sits below the dashed one, the change costs delivery or
engagement; above, it buys some.
</div>
"""
