"""The dashboard page rendered in-process (``solara.render``): buttons, levers, lessons.

Quick checks of the page's wiring without a browser; tests/test_dashboard_browser.py
drives the real page in Chromium.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import ipyvuetify as v
import ipywidgets
import pytest
import solara

import cspsim.dashboard.app as app
from cspsim.dashboard.lessons import load_lessons


class PageDriver:
    """Find and operate the rendered page's widgets."""

    def __init__(self):
        self.box, self.rc = solara.render(
            solara.AppLayout(children=[app.Page()]), handle_error=False
        )

    def widgets(self) -> Iterator[ipywidgets.Widget]:
        """Every widget of the page, slots (tooltips, menus) included."""
        seen, stack = set(), [self.box]
        while stack:
            w = stack.pop()
            if id(w) in seen:
                continue
            seen.add(id(w))
            yield w
            kids = list(getattr(w, "children", None) or [])
            for slot in getattr(w, "v_slots", None) or []:
                child = slot.get("children")
                kids += child if isinstance(child, list) else [child]
            stack += [k for k in kids if isinstance(k, ipywidgets.Widget)]

    def one(self, cls, **match) -> ipywidgets.Widget:
        found = [
            w
            for w in self.widgets()
            if isinstance(w, cls) and all(getattr(w, k, None) == x for k, x in match.items())
        ]
        assert len(found) == 1, f"{len(found)} {cls.__name__} match {match}"
        return found[0]

    def lever(self, name: str, cls=v.Slider) -> ipywidgets.Widget:
        """The input of a lever's control."""
        tag = f"cspsim-lever-{name}"
        for w in self.widgets():
            if tag in (getattr(w, "class_", None) or "").split():
                box = w
                break
        else:
            raise AssertionError(f"no control for {name}")
        inputs = [x for x in PageDriverView(box).widgets() if isinstance(x, cls)]
        assert len(inputs) == 1
        return inputs[0]

    def html(self) -> str:
        """Text of every HTML block (headline, lesson card, network key)."""
        return "\n".join(
            w.unsafe_innerHTML or "" for w in self.widgets() if isinstance(w, solara.widgets.HTML)
        )

    def texts(self) -> list[str]:
        return [c for w in self.widgets() for c in (getattr(w, "children", None) or []) if
                isinstance(c, str)]  # fmt: skip

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.one(v.Btn, children=["Step"]).click()

    def select(self, label: str, value: str) -> None:
        self.one(v.Select, label=label).v_model = value

    def lesson(self, title: str) -> None:
        """Choose a lesson from the lesson menu (even the current one)."""
        self.one(v.Btn, children=[title]).click()

    def button(self, text: str) -> ipywidgets.Widget:
        """The button whose text (after its icon, if any) is ``text``."""
        found = [
            w for w in self.widgets() if isinstance(w, v.Btn) and (w.children or [None])[-1] == text
        ]
        assert len(found) == 1, f"{len(found)} buttons {text!r}"
        return found[0]

    def errors(self) -> list[str]:
        return [str(w.children) for w in self.widgets() if isinstance(w, v.Alert)]


class PageDriverView(PageDriver):
    """A driver over part of the page (no rendering)."""

    def __init__(self, box):
        self.box = box


@pytest.fixture
def page() -> PageDriver:
    return PageDriver()


def test_step_and_a_lever_rebuild_and_replay(page):
    assert "before the first quarter (0 of 63)" in page.html()
    page.step(3)
    assert "(3 of 63)" in page.html() and "Time: 3.0" not in page.texts()  # no raw "Time"
    before = page.html()
    page.lever("cut_pct__council").v_model = 40
    assert "Cut to councils (%): 40" in page.texts()
    assert "(3 of 63)" in page.html()  # rebuilt with the new lever, replayed to quarter 3
    assert not page.errors()
    # Unset, the cut's start year follows the current quarter (the run's first year here).
    assert page.lever("cut_start_year__council", v.Slider).v_model == 2010
    page.step(4)
    assert page.html() != before and "(7 of 63)" in page.html()
    page.lever("cut_start_year__council").v_model = 2000  # out of bounds: said, not applied
    assert "cut_start_year__council" in " ".join(page.errors())
    page.button("Undo lever changes").click()
    assert "Cut to councils (%): 0" in page.texts() and not page.errors()


@pytest.mark.parametrize("lesson", load_lessons(), ids=lambda x: x.key)
def test_each_lesson_from_the_list(page, lesson):
    page.step(2)
    page.lesson(lesson.title)
    text = page.html()
    assert html.escape(lesson.title) in text and html.escape(lesson.summary[:40]) in text
    assert "before the first quarter" in text  # a lesson starts from the first quarter
    page.step(3)
    assert "(3 of" in page.html() and not page.errors()
    if lesson.key == "backbone_investment":  # national: one police force area at a time
        force = page.one(v.Select, label="Police force area shown (network and plots)")
        other = next(x for x in force.items if x != force.v_model)
        force.v_model = other
        assert "(3 of" in page.html() and not page.errors()
    page.lesson(app.FREE)
    assert html.escape(lesson.summary[:40]) not in page.html()


def test_a_new_lesson_after_a_finished_run_can_be_stepped(page):
    """Mesa's controller disables Step at the end of a run; a new lesson or scenario
    starts a fresh controller (twice in a row, to cover both sidebar layouts)."""
    for title in ("Merge or not?", "The 2010s squeeze"):
        page.step(63)
        assert "(63 of 63)" in page.html()
        assert page.one(v.Btn, children=["Step"]).disabled
        page.lesson(title)
        assert not page.one(v.Btn, children=["Step"]).disabled
        page.step(2)
        assert "(2 of 63)" in page.html() and not page.errors()


def test_reset_lesson_and_choosing_it_again_restore_its_levers(page):
    """ "Undo lever changes" goes back to the lesson's levers, not to zero; "Reset lesson"
    and choosing the current lesson again restart it, with its levers, from quarter 1."""
    page.lesson("The 2010s squeeze")
    page.step(4)
    page.lever("cut_pct__council").v_model = 0
    page.lever("cut_pct__police").v_model = 0
    assert "Cut to councils (%): 0" in page.texts()
    page.button("Back to the lesson's levers").click()
    assert "Cut to councils (%): 32.6" in page.texts() and "(4 of 63)" in page.html()
    for again in (lambda: page.button("Reset lesson").click(), lambda: page.lesson(
        "The 2010s squeeze"
    )):  # fmt: skip
        page.lever("cut_pct__council").v_model = 5
        page.step(2)
        assert "Cut to councils (%): 5" in page.texts()
        again()
        assert "Cut to councils (%): 32.6" in page.texts() and "Cut to police (%): 14.8" in (
            page.texts()
        )
        assert "before the first quarter" in page.html() and "The 2010s squeeze" in page.html()
        assert not page.errors()


def test_no_developer_controls_and_values_shown(page):
    """Mesa's Render Interval, Use Threads and raw "Time" are not on the page; the speed
    and the seed show their values; the dark-mode switch is gone."""
    text = " ".join(page.texts())
    for word in ("Render Interval", "Use Threads", "Time: "):
        assert word not in text
    assert "Pause between quarters while playing: 150 ms" in text
    seed = page.one(v.TextField, label="Seed (of this run and the baseline; applied on Reset)")
    assert seed.v_model == "2009"  # configs/cleveland.toml run.seed
    assert not any("mdi-brightness" in str(getattr(w, "children", "")) for w in page.widgets())


def test_real_places_carry_the_ons_attribution(monkeypatch):
    """The page on Kent (real places) shows the ONS attribution with its map; areas without
    an ONS boundary get no map (and so no attribution)."""
    from cspsim.dashboard.areamap import area_map
    from cspsim.dashboard.ui import _no_map_html
    from cspsim.inputs.england import ATTRIBUTION

    licence = ATTRIBUTION.split(" Contains")[0]
    monkeypatch.setenv("CSPSIM_DASHBOARD_SCENARIO", "kent")
    page = PageDriver()
    page.step(1)
    assert licence in page.html() and not page.errors()
    none = area_map(("north_east_metropolitan_1", "north_east_metropolitan_2"))
    assert none.drawn == () and len(none.missing) == 2 and "no map" in _no_map_html(2)


def test_another_scenario_redraws_the_card_and_the_map(page):
    """Choosing a scenario shows its description; areas with ONS names get a map (with the
    ONS attribution)."""
    from cspsim.inputs.england import ATTRIBUTION

    licence = html.escape(ATTRIBUTION.split(" Contains")[0])
    assert "no map" not in page.html() and licence in page.html()  # Cleveland: real names
    page.select("Scenario", "baseline (baseline.toml)")
    assert "England" in page.html() and licence in page.html() and not page.errors()
    page.select("Scenario", "kent (kent.toml)")
    page.step(1)
    text = page.html()
    assert "Kent police force area" in text and "no map" not in text and not page.errors()


def test_keep_a_run_as_a_ghost_and_download_csv(page):
    """ "Keep this run" draws the kept run as a dotted line in the share plot; the CSV
    download carries this run, the baseline, the difference and the kept run."""
    page.step(2)
    page.button("Keep this run").click()
    page.lever("cut_pct__council").v_model = 30
    page.step(2)
    assert "the kept run" in " ".join(page.texts()) and not page.errors()
    share = [
        w.option for w in page.widgets() if isinstance(getattr(w, "option", None), dict)
        and w.option.get("title", {}).get("text") == "Share of demand met, all duties"
    ]  # fmt: skip
    names = [x["name"] for x in share[0]["series"]]
    assert "Kept run" in names and len(share[0]["series"][names.index("Kept run")]["data"]) == 63
    assert all(o.get("toolbox", {}).get("feature", {}).get("saveAsImage") for o in share)
    page.button("Forget kept run").click()
    assert "the kept run" not in " ".join(page.texts())
