"""The trainer dashboard: an interactive trade-off explorer in the browser (Solara, Mesa).

Start it with ``cspsim dashboard [--scenario FILE]`` or ``solara run cspsim/dashboard/app.py``. The
scenario is read from the ``CSPSIM_DASHBOARD_SCENARIO`` environment variable (set by
``cspsim dashboard``), default ``configs/cleveland.toml``. See docs/DASHBOARD.md.

Layout: the sidebar holds the lesson and scenario pickers, the speed and seed, and the
levers; the main area holds a run bar that stays in view (Mesa's reset / play / step, keep
this run), the headline numbers with their difference from the baseline, what just
happened, the plots, the map, the monitors and the partnership network.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import solara
from mesa.visualization.solara_viz import ModelController

from cspsim.dashboard.lessons import load_lessons
from cspsim.dashboard.session import DashboardModel, Session
from cspsim.dashboard.sidebar import FREE, LessonPicker, LeverPanel, RunSettings
from cspsim.dashboard.style import PAGE_CSS
from cspsim.dashboard.ui import MainView
from cspsim.inputs.catalogue import resolve_scenario
from cspsim.inputs.scenario import ScenarioError, load_scenario
from cspsim.paths import CONFIGS_DIR

if TYPE_CHECKING:
    from cspsim.dashboard.lessons import Lesson

DEFAULT_SCENARIO = CONFIGS_DIR / "cleveland.toml"
PLAY_INTERVAL_MS = 150
LEVERS_OFFSET = 1_000_000  # sidebar position of the levers: below the other cards
TITLE = "cspsim: community safety partnerships"
# Mesa's controller steps one quarter per click and draws in the page's thread; the page
# offers no other choice (a trainer has no use for them).
ONE_QUARTER = solara.reactive(1)
NO_THREADS = solara.reactive(False)


def _quiet_solara() -> None:
    """No "runs on Solara" banner; a page title of our own."""
    try:
        from solara.server import settings
    except ImportError:  # pragma: no cover - solara without its server
        return
    settings.theme.show_banner = False
    settings.theme.title = "cspsim dashboard"


_quiet_solara()
# Reacton's faster renderer (opt-in in the installed reacton; set REACTON_FAST=0 to opt
# out): a step's redraw takes about 8 ms instead of about 40 (docs/DASHBOARD.md).
os.environ.setdefault("REACTON_FAST", "1")


def default_scenario() -> Path:
    """The scenario the page opens with (a file, or a shipped scenario's name)."""
    chosen = os.environ.get("CSPSIM_DASHBOARD_SCENARIO") or DEFAULT_SCENARIO
    return resolve_scenario(chosen).resolve()


def scenario_choices(first: Path) -> dict[str, Path]:
    """Scenarios offered in the picker: the start one, Cleveland, England, Kent (real places,
    on the map) and the lessons' bases."""
    paths = [first, DEFAULT_SCENARIO, CONFIGS_DIR / "baseline.toml", CONFIGS_DIR / "kent.toml"]
    paths += [lesson.scenario for lesson in load_lessons()]
    out: dict[str, Path] = {}
    for p in paths:
        p = Path(p).resolve()
        if p in out.values():
            continue
        try:
            sc = load_scenario(p)
        except ScenarioError:
            continue
        out[f"{sc.name} ({p.name})"] = p
    return out


@solara.component
def Page() -> None:
    """The dashboard page (Solara's entry point)."""
    start = solara.use_memo(default_scenario, [])
    session = solara.use_memo(lambda: Session(start), [])
    lessons = solara.use_memo(load_lessons, [])
    choices = solara.use_memo(lambda: scenario_choices(start), [])
    model: solara.Reactive[DashboardModel] = solara.use_reactive(
        solara.use_memo(lambda: DashboardModel(session), [])
    )
    values = solara.use_reactive(dict(session.values))
    lesson: solara.Reactive[Lesson | None] = solara.use_reactive(None)
    generation = solara.use_reactive(0)  # a new one remounts the controller (fresh state)
    force = solara.use_reactive(session.force)
    error: solara.Reactive[str | None] = solara.use_reactive(None)
    kept: solara.Reactive[DashboardModel | None] = solara.use_reactive(None)
    speed = solara.use_reactive(PLAY_INTERVAL_MS)
    seed = solara.use_reactive(session.seed)
    # What Mesa's Reset builds the next run from (the seed is applied there, Mesa's way).
    params = solara.use_reactive({"session": session, "seed": session.seed})

    def on_seed(value: int) -> None:
        seed.set(value)
        params.set({"session": session, "seed": int(value)})

    def restart() -> None:
        # The model first: every update may redraw at once (a button's handler is not
        # batched), and the plots must never pair the new session with the old model.
        model.set(DashboardModel(session))
        lesson.set(session.lesson)
        seed.set(session.seed)
        params.set({"session": session, "seed": session.seed})
        values.set(dict(session.values))
        force.set(session.force)
        kept.set(None)  # another scenario or lesson: the kept run no longer compares
        generation.set(generation.value + 1)
        error.set(None)

    def on_change(name: str, value: Any) -> None:
        new = session.moved(name, value, model.value.t)
        try:
            session.scenario_for(new)
        except ScenarioError as exc:
            problems = [
                p.removeprefix("<dict>: ").removeprefix("parameters.") for p in exc.problems
            ]
            error.set("Not applied: " + "; ".join(problems))
            return
        session.values = new
        values.set(new)
        error.set(None)
        model.set(DashboardModel(session, replay_to=model.value.t))

    def on_undo() -> None:
        session.values = session.start_values()
        values.set(dict(session.values))
        error.set(None)
        model.set(DashboardModel(session, replay_to=model.value.t))

    def pick_lesson(title: str) -> None:
        chosen = next((x for x in lessons if x.title == title), None)
        try:
            if chosen is not None:
                session.apply_lesson(chosen)
            session.lesson = chosen
        except ScenarioError as exc:
            error.set("; ".join(exc.problems))
            return
        restart()

    def pick_scenario(label: str | None) -> None:
        if label is None:  # the selection was cleared: keep the scenario
            return
        try:
            session.load(choices[label])
        except ScenarioError as exc:
            error.set("; ".join(exc.problems))
            return
        restart()

    def keep_run() -> None:
        # The whole run with the current levers (same seed), so the ghost spans the period.
        kept.set(DashboardModel(session, replay_to=10**6))

    def pick_force(name: str | None) -> None:
        session.force = name
        force.set(name)

    current = next((k for k, p in choices.items() if p == session.path), None)
    # Everything in this hidden block is drawn elsewhere (style sheet, app bar, sidebar);
    # hidden, it leaves no gaps above the plots.
    with solara.v.Html(tag="div", style_="display: none"):
        solara.Style(PAGE_CSS)
        solara.lab.theme.dark = False  # light only: the cards and plots are drawn for it
        with solara.AppBarTitle():
            solara.Text(TITLE, classes=["cspsim-title"])
        with SidebarAt(-2), solara.Card("Lesson and scenario", margin=0):
            LessonPicker([FREE] + [x.title for x in lessons], lesson.value, pick_lesson)
            solara.Select(
                label="Scenario", values=list(choices), value=current, on_value=pick_scenario
            )
        with SidebarAt(-1), solara.Card("Run", margin=0, style={"margin-top": "8px"}):
            RunSettings(speed, seed, on_seed)
        with SidebarAt(LEVERS_OFFSET):
            LeverPanel(session, values.value, on_change, on_undo)
    with solara.Column(style={"padding": "0 8px"}):
        # Mesa's controller in a bar that stays at the top of the page while it scrolls,
        # so Play and Step are in view whatever the sidebar or the plots show. A new run
        # (lesson, scenario) needs a fresh controller, which otherwise keeps "finished" in
        # its own state. A new key was not enough; a placeholder before it on every other
        # generation moves it, and a moved component is mounted afresh.
        with solara.Row(classes=["cspsim-run-buttons"], gap="8px"):
            if generation.value % 2:
                solara.v.Html(tag="span", style_="display: none")
            ModelController(
                model, model_parameters=params, play_interval=speed,
                render_interval=ONE_QUARTER, use_threads=NO_THREADS,
            )  # fmt: skip
            solara.Button(
                "Keep this run", icon_name="mdi-pin", on_click=keep_run, outlined=True,
                classes=["cspsim-keep"], style={"text-transform": "none"},
            )  # fmt: skip
            if kept.value is not None:
                solara.Button(
                    "Forget kept run", on_click=lambda: kept.set(None), text=True,
                    style={"text-transform": "none"},
                )  # fmt: skip
        if error.value:
            solara.Error(error.value)
        MainView(model.value, session, force.value, pick_force, lesson.value, kept.value)


@solara.component
def SidebarAt(offset: int, children: list[Any] | None = None) -> None:
    """Like ``solara.Sidebar``, at a fixed place in the sidebar (larger = lower).

    Solara orders sidebar content by how deep in the page it is declared, so the levers
    could change places when the page is redrawn; a fixed offset keeps them in order.
    """
    from solara.components.applayout import sidebar_portal

    sidebar_portal.use_portal_add(list(children or []), offset)
