"""Solara components of the dashboard's sidebar: lesson menu, run settings, levers.

The page (``cspsim/dashboard/app.py``) places them; the levers are generated from the
registry (:mod:`cspsim.dashboard.controls`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import solara

from cspsim.dashboard.controls import (
    Control,
    catalogue,
    changed_values,
    choice_label,
    readable,
    sections,
)

if TYPE_CHECKING:
    from cspsim.dashboard.lessons import Lesson
    from cspsim.dashboard.session import Session

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
                _Info(readable(c.description))
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
                _Info(readable(c.description))
        else:
            with solara.Row(gap="4px", style={"align-items": "center"}):
                solara.Text(f"{c.label}: {_shown(c, value)}", style={"font-size": "0.85rem"})
                _Info(readable(c.description))
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
        start = session.start_values()
        solara.Button(
            "Back to the lesson's levers" if session.lesson else "Undo lever changes",
            on_click=on_undo, disabled=not changed_values(values, start), text=True,
            color="primary", style={"text-transform": "none"},
        )  # fmt: skip
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
def LessonPicker(titles: list[str], current: Lesson | None, on_pick: Any) -> None:
    """The lesson menu and "Reset lesson": a lesson, even the current one, starts afresh.

    A menu of buttons rather than a select, because a select ignores choosing the item
    it already shows, and choosing the current lesson again is how a trainer goes back
    to its start.
    """
    title = current.title if current else FREE
    with solara.Row(gap="4px", style={"align-items": "center", "flex-wrap": "wrap"}):
        activator = solara.Button(
            f"Lesson: {title}", icon_name="mdi-menu-down", classes=["cspsim-lesson-menu"],
            outlined=True, style={"text-transform": "none", "max-width": "100%"},
        )  # fmt: skip
        menu = solara.lab.Menu(activator=activator)
        with menu, solara.Column(gap="0px", classes=["cspsim-lesson-list"]):
            for t in titles:
                solara.Button(
                    t, text=True, on_click=lambda t=t: on_pick(t),
                    style={"text-transform": "none", "justify-content": "start"},
                )  # fmt: skip
        if current is not None:
            solara.Button(
                "Reset lesson", icon_name="mdi-restore", on_click=lambda: on_pick(current.title),
                color="primary", text=True, classes=["cspsim-reset-lesson"],
            )  # fmt: skip


@solara.component
def RunSettings(speed: solara.Reactive[int], seed: solara.Reactive[int], on_seed: Any) -> None:
    """The playing speed and the seed, each showing its value."""
    solara.Text(
        f"Pause between quarters while playing: {speed.value} ms",
        style={"font-size": "0.9rem"}, classes=["cspsim-speed-label"],
    )  # fmt: skip
    solara.SliderInt(
        "", value=speed.value, min=10, max=1000, step=10, on_value=speed.set, thumb_label=True
    )
    with solara.Row(gap="4px", style={"align-items": "center"}):
        solara.InputInt(
            "Seed (of this run and the baseline; applied on Reset)", value=seed.value,
            on_value=on_seed, continuous_update=False, classes=["cspsim-seed"],
        )  # fmt: skip
