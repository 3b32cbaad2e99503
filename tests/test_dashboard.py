"""Trainer dashboard without a browser: controls, lessons, session, plots, network, page.

The browser test is tests/test_dashboard_browser.py; this module checks the logic and
renders the Solara page in-process (``solara.render``), which is quick.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pytest

from cspsim.dashboard import charts
from cspsim.dashboard.controls import base_values, build_controls, changed_values
from cspsim.dashboard.lessons import LESSONS_DIR, load_lesson, load_lessons
from cspsim.dashboard.network import areas_in_view, default_force, network_option
from cspsim.dashboard.series import series_of
from cspsim.dashboard.session import DashboardModel, Session
from cspsim.inputs.levers import lever_specs
from cspsim.inputs.scenario import ScenarioError, load_scenario, with_values
from cspsim.model.model import CSPModel
from cspsim.paths import CONFIGS_DIR

CLEVELAND = CONFIGS_DIR / "cleveland.toml"
LESSON_TITLES = {
    "The 2010s squeeze",
    "A new duty arrives without money",
    "Merge or not?",
    "Invest in a coordinator and an analyst",
    "The backbone investment",
}


@pytest.fixture(scope="module")
def cleveland() -> Session:
    return Session(CLEVELAND)


def _options(m: DashboardModel, s: Session) -> list[dict]:
    run, base = series_of(m, s.areas), s.baseline_series()
    return [
        charts.share_met_over_time(run, base, s.span),
        charts.share_met_by_duty(run, base),
        charts.engagement(run, base, s.span, "strategic"),
        charts.engagement(run, base, s.span, "operational"),
        charts.budgets(run, base, s.span),
        network_option(m, s.areas, {}),
    ]


# ------------------------------------------------------------------ controls
def test_every_lever_has_a_control_with_registry_bounds_and_unit():
    sc = load_scenario(CLEVELAND)
    controls = {c.name: c for c in build_controls(sc)}
    assert set(controls) == set(lever_specs())
    for name, spec in lever_specs().items():
        c = controls[name]
        assert c.description == spec.description and c.kind == spec.kind
        if spec.unit == "year":  # year sliders stop at the scenario's last year
            assert spec.lower <= c.lower <= c.upper <= min(spec.upper, sc.time.end.year)
        else:
            assert (c.lower, c.upper) == (spec.lower, spec.upper)
    assert controls["cut_pct__police"].label == "Cut to police (%)"
    assert controls["backbone_gbp_per_year"].to_display(1e6) == 1.0  # GBP shown in £m
    assert controls["backbone_gbp_per_year"].from_display(2.5) == 2.5e6
    assert controls["structure_mode"].section == "Structure and PCC"
    assert {c.section for c in controls.values()} <= {
        "Funding", "Duties", "Structure and PCC", "Investments", "Other",
    }  # fmt: skip


@pytest.mark.parametrize(
    "name", ["baseline.toml", "cleveland_merged.toml", "new_duty_unfunded_2026.toml"]
)
def test_base_values_reproduce_the_scenario(name):
    """Controls start where the scenario is: no lever counts as changed."""
    s = Session(CONFIGS_DIR / name)
    assert s.changed() == {}
    assert s.scenario_for() is s.base
    if name == "cleveland_merged.toml":
        assert s.values["structure_mode"] == "merged" and s.values["structure_start_year"] == 2014
    if name == "new_duty_unfunded_2026.toml":
        assert s.values["new_duty_workload_fte_per_100k"] == 1.0


def test_changed_values_bring_the_levers_they_need():
    sc = load_scenario(CLEVELAND)
    base = base_values(sc, build_controls(sc))
    assert base["cut_start_year__police"] == 2022  # two years before the end, not 2026
    moved = changed_values({**base, "cut_pct__police": 20.0}, base)
    assert moved == {
        "cut_pct__police": 20.0,
        "cut_start_year__police": 2022,
        "cut_phase_years": base["cut_phase_years"],
    }
    moved = changed_values({**base, "structure_start_year": 2016}, base)
    assert moved == {"structure_mode": "separate", "structure_start_year": 2016}
    assert changed_values(dict(base), base) == {}


def test_cut_sliders_start_at_and_set_the_scenarios_cuts():
    """On a scenario with lever cuts, cut sliders start at those cuts and moving one sets
    that cut (it replaces the scenario's cut; it does not add a second)."""
    sc = load_scenario(CONFIGS_DIR / "deeper_cuts_2026.toml")
    base = base_values(sc, build_controls(sc))
    assert (base["cut_pct__council"], base["cut_start_year__council"]) == (20.0, 2026)
    assert base["cut_pct__police"] == 10.0 and base["cut_pct__probation"] == 0.0
    assert changed_values(dict(base), base) == {}

    def council_cuts(values):
        cuts = with_values(sc, changed_values({**base, **values}, base)).funding.cuts
        return [(c.start.year, c.pct) for c in cuts if c.agency == "council"]

    assert council_cuts({"cut_pct__council": 10.0}) == [(2026, 10.0)]
    assert council_cuts({"cut_start_year__council": 2028}) == [(2028, 20.0)]
    assert council_cuts({"cut_pct__council": 0.0}) == []


# ------------------------------------------------------------------ lessons
def test_the_five_lessons_are_data_files():
    lessons = load_lessons()
    assert {x.title for x in lessons} == LESSON_TITLES
    assert [x.order for x in lessons] == sorted(x.order for x in lessons)
    for x in lessons:
        assert x.summary and x.look_for and x.values and x.scenario.is_file()


@pytest.mark.parametrize("lesson", load_lessons(), ids=lambda x: x.key)
def test_each_lesson_loads_and_runs(lesson):
    """Each preset applies to its base scenario, builds and runs a few quarters."""
    s = Session(CLEVELAND)
    s.apply_lesson(lesson)
    assert s.lesson is lesson and s.path == lesson.scenario.resolve()
    assert set(lesson.values) <= set(s.changed())
    m = DashboardModel(s)
    for _ in range(6):
        m.step()
    assert m.t == 5 and np.isfinite(m.rec.delivered[:6]).all()
    json.dumps(_options(m, s))  # every plot can be sent to the browser
    # The lesson's run differs from its baseline by the end (its levers do something).
    full = DashboardModel(s, replay_to=10**6)
    assert not np.allclose(full.rec.delivered.sum(axis=2), s.baseline.rec.delivered.sum(axis=2))


def test_a_bad_lesson_file_says_what_is_wrong(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'title = "x"\nscenario = "nowhere.toml"\nsummary = "s"\ncolour = 1\n'
        "[values]\nno_such_lever = 1\ncut_pct__police = 99\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as exc:
        load_lesson(bad)
    text = "\n".join(exc.value.problems)
    for part in ("colour: unknown key", "no_such_lever", "cut_pct__police", "scenario: file"):
        assert part in text
    assert LESSONS_DIR.is_dir()


# ------------------------------------------------------------------ session and model
def test_baseline_is_the_unmodified_scenario_with_the_same_seed(cleveland):
    ref = CSPModel(load_scenario(CLEVELAND), seed=cleveland.seed).run()
    np.testing.assert_array_equal(ref.rec.delivered, cleveland.baseline.rec.delivered)


def test_rebuild_with_replay_equals_stepping(cleveland):
    """Moving a lever mid-run replays the new scenario to the same quarter, same seed."""
    s = Session(CLEVELAND)
    s.values = {**s.values, "cut_pct__council": 30.0, "cut_start_year__council": 2012}
    stepped = DashboardModel(s)
    for _ in range(25):
        stepped.step()
    replayed = DashboardModel(s, replay_to=24)
    assert replayed.t == stepped.t == 24 and replayed.time == stepped.time == 25
    np.testing.assert_array_equal(replayed.rec.delivered, stepped.rec.delivered)
    base = s.baseline.rec.team_fte[24].sum()
    assert replayed.rec.team_fte[24].sum() < base  # the cut bites


def test_a_cut_applies_from_the_current_quarter_and_moves_share_met():
    """A cut switched on mid-run starts in the current financial year (its start year is
    unset), so share met moves within two quarters; a year set by hand is kept."""
    s = Session(CLEVELAND)
    t = 30  # 2016 Q4
    assert s.baseline.sched.quarters[t].isoformat() == "2016-10-01"
    s.values = s.moved("cut_pct__council", 30.0, t)
    assert s.values["cut_start_year__council"] == 2016  # financial year 2016-17
    m = DashboardModel(s, replay_to=t)
    m.step()
    m.step()
    run, base = series_of(m, s.areas), s.baseline_series()
    assert run.share_met[t + 2] < base.share_met[t + 2] - 0.005
    # Moved once more (or with its year set), the cut keeps its year.
    s.values = {**s.values, "cut_start_year__council": 2012}
    assert s.moved("cut_pct__council", 40.0, t)["cut_start_year__council"] == 2012
    # Before the first quarter: the run's first financial year, within the slider's bounds.
    fresh = Session(CLEVELAND)
    first = fresh.moved("cut_pct__police", 10.0, -1)["cut_start_year__police"]
    assert first == fresh.control("cut_start_year__police").lower == 2010


def test_undo_in_a_lesson_goes_back_to_the_lessons_levers():
    lesson = next(x for x in load_lessons() if x.key == "squeeze_2010s")
    s = Session(CLEVELAND)
    s.apply_lesson(lesson)
    start = dict(s.values)
    assert start["cut_pct__council"] == 32.6
    s.values = {**s.values, "cut_pct__council": 0.0, "cut_pct__police": 0.0}
    assert s.start_values() == start  # "Undo lever changes" and "Reset lesson" go here
    s.lesson = None
    assert s.start_values() == s.base_values


def test_events_are_dated_from_the_scenario_and_the_levers():
    from cspsim.dashboard.events import events_for, just_happened

    s = Session(CONFIGS_DIR / "lessons" / "scenarios" / "warwickshire.toml")
    s.values = s.moved("cut_pct__council", 20.0, 30)
    run = s.scenario_for()
    events = events_for(run, s.changed(), s.labels, s.span)
    by_label = {e.label: e for e in events}
    history = {
        "Spending review": "2010-10-20", "PCCs elected": "2012-11-22",
        "Public health": "2013-04-01", "Probation split": "2014-06-01",
        "Probation reunified": "2021-06-26", "ICBs": "2022-07-01",
    }  # fmt: skip
    for label, date in history.items():
        assert by_label[label].date.isoformat() == date and by_label[label].kind == "history"
    assert by_label["Prevent"].date.isoformat() == "2015-07-01"  # duties.toml
    lever = [e for e in events if e.kind == "lever"]
    assert [(e.date.isoformat(), e.label) for e in lever] == [("2016-04-01", "Cut to councils")]
    assert [e.date for e in events] == sorted(e.date for e in events)
    now, current = just_happened(events, dt.date(2012, 10, 1))
    assert current and now[0].label == "PCCs elected"
    now, current = just_happened(events, dt.date(2013, 1, 1))
    assert not current and now[0].label == "PCCs elected"
    squeeze = next(x for x in load_lessons() if x.key == "squeeze_2010s")
    s.apply_lesson(squeeze)  # five cuts from April 2010: one event, every cut named
    grouped = [e for e in events_for(s.scenario_for(), s.changed(), s.labels, s.span)
               if e.kind == "lever" and e.date == dt.date(2010, 4, 1)]  # fmt: skip
    assert len(grouped) == 1 and grouped[0].label == "5 levers"
    assert "Cut to police (%): 14.8" in grouped[0].text
    opt = charts.with_events({"series": []}, events)
    marks = opt["series"][0]["markLine"]["data"]
    assert len(marks) == len(events)
    assert all(m["label"]["show"] == (e.kind != "duty") for m, e in zip(marks, events, strict=True))


def test_monitors_show_run_baseline_and_difference():
    s = Session(CLEVELAND)
    s.values = s.moved("cut_pct__council", 40.0, 20)
    m = DashboardModel(s, replay_to=40)
    rows = {r.label: r for r in charts.monitors(series_of(m, s.areas), s.baseline_series())}
    share = rows["Demand met"]
    assert share.diff.endswith(" pts") and share.diff.startswith("−") and share.tone == "worse"
    assert rows["Council teams (FTE)"].tone == "worse"
    assert rows["Unmet demand (FTE)"].diff.startswith("+")
    partners = [k for k in rows if "engagement" in k]
    assert {"Police engagement (strategic, 0–1)", "Probation engagement (strategic, 0–1)"} <= set(
        partners
    )
    head = charts.headline(series_of(m, s.areas), s.baseline_series())
    assert head[0] == share and all(r.diff for r in head)


def test_mesa_reset_with_a_new_seed_reruns_the_baseline():
    s = Session(CLEVELAND)
    old = s.baseline.rec.delivered.copy()
    m = DashboardModel(session=s, seed=s.seed + 1)
    assert m.seed == s.seed and not np.array_equal(old, s.baseline.rec.delivered)


def test_national_view_is_one_force_area():
    s = Session(CONFIGS_DIR / "baseline.toml")
    geo = s.baseline.geo
    assert s.force == default_force(geo) and s.forces
    areas = areas_in_view(geo, s.force)
    assert 1 < len(areas) <= 12 and len(areas) < geo.n
    m = DashboardModel(s, replay_to=3)
    opt = network_option(m, s.areas, {})["series"][0]
    assert sum(n["id"].startswith("csp:") for n in opt["data"]) == len(areas)
    assert series_of(m, s.areas).n_areas == len(areas)


def test_network_shows_merged_councils_and_engagement(cleveland):
    s = Session(CONFIGS_DIR / "cleveland_merged.toml")
    before = network_option(DashboardModel(s, replay_to=10), s.areas, {})["series"][0]
    after = network_option(DashboardModel(s, replay_to=40), s.areas, {})["series"][0]
    kinds = lambda opt, k: [n for n in opt["data"] if n["id"].startswith(k)]  # noqa: E731
    assert len(kinds(before, "csp:")) == 4 and not kinds(before, "area:")
    assert len(kinds(after, "csp:")) == 1 and len(kinds(after, "area:")) == 4
    for link in after["links"]:
        assert 0 <= link["value"] <= 1 and link["lineStyle"]["color"].startswith("#")


def test_plots_show_this_run_against_the_baseline(cleveland):
    m = DashboardModel(cleveland, replay_to=7)
    share, duty, eng, _, budgets, _ = _options(m, cleveland)
    names = [x["name"] for x in share["series"]]
    assert names == [charts.BASELINE, charts.CURRENT]
    assert len(share["series"][1]["data"]) == 8  # this run so far
    assert len(share["series"][0]["data"]) == cleveland.baseline.sched.n_steps  # all of it
    assert [x["name"] for x in duty["series"]] == [charts.BASELINE, charts.CURRENT]
    dashed = [x["lineStyle"]["type"] for x in eng["series"]]
    assert dashed.count("dashed") == dashed.count("solid") > 0
    assert len(budgets["series"]) == 8  # four measures, two runs
    assert share["title"]["subtext"] == charts.STYLE_NOTE  # which line style is which run


def test_chart_text_is_presentation_size(cleveland):
    """Every font the plots set is at least 16 px (readable from the back of a room)."""
    m = DashboardModel(cleveland, replay_to=7)

    def sizes(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "fontSize":
                    yield v
                yield from sizes(v)
        elif isinstance(x, list):
            for v in x:
                yield from sizes(v)

    for opt in _options(m, cleveland)[:5]:
        found = list(sizes(opt))
        assert found and min(found) >= 16, opt["title"]


def test_every_quarter_steps_and_plots(cleveland):
    """Every quarter of a run steps and gives plots that serialise to JSON (the browser's
    input). Its speed is a benchmark, not a test: benchmarks/bench_dashboard.py."""
    m, n = DashboardModel(cleveland), 0
    while m.running:
        m.step()
        assert json.loads(json.dumps(_options(m, cleveland)))
        n += 1
    assert n > 4


def _lesson_effects(key: str) -> tuple[Session, object, object]:
    lesson = next(x for x in load_lessons() if x.key == key)
    s = Session(CLEVELAND)
    s.apply_lesson(lesson)
    m = DashboardModel(s, replay_to=10**6)
    return s, series_of(m, s.areas), s.baseline_series()


def test_what_the_lessons_tell_trainers_to_look_for_still_holds():
    """The on-screen explanations describe the model's behaviour; keep them true."""
    last = -1
    _, run, base = _lesson_effects("squeeze_2010s")
    assert run.team_fte[20] < 0.7 * base.team_fte[20]
    assert run.share_met[last] < base.share_met[last] - 0.1
    p = {k: i for i, k in enumerate(("police", "probation", "health", "fire_rescue",
                                     "youth_offending", "county_council"))}  # fmt: skip
    for partner in ("probation", "health", "youth_offending"):
        assert run.eng_strategic[last, p[partner]] < base.eng_strategic[last, p[partner]]
    _, run, base = _lesson_effects("new_duty_without_money")
    assert run.demand_fte[last] > base.demand_fte[last]
    assert (
        run.share_met_by_duty(run.n - 1)["crime_disorder_asb"]
        < base.share_met_by_duty(run.n - 1)["crime_disorder_asb"]
    )
    _, run, base = _lesson_effects("merge_or_not")
    for partner in ("health", "fire_rescue"):
        assert run.eng_strategic[last, p[partner]] > base.eng_strategic[last, p[partner]]
    # Probation: while its CRC served the four CSPs (to June 2021; its delivery units since
    # serve one borough each, so a merger no longer saves it meetings).
    q2020 = 46  # 2020 Q4 (October 2020), the last full year of the CRCs
    assert run.eng_strategic[q2020, p["probation"]] > base.eng_strategic[q2020, p["probation"]]
    # Police attention was local already (police_dilution_weight): merging moves it little.
    police = p["police"]
    assert abs(run.eng_strategic[last, police] - base.eng_strategic[last, police]) < 0.05
    assert run.share_met[last] < base.share_met[last] - 0.03
    _, run, base = _lesson_effects("coordinator_and_analyst")
    # Two posts per CSP: a few points of demand met (fewer since the domestic abuse, DHR and
    # modern slavery workloads grow with their sourced series, issue 12).
    assert run.share_met[last] > base.share_met[last] + 0.03
    assert run.spend_gbp[last] < 1.3 * base.spend_gbp[last]
    _, run, base = _lesson_effects("backbone_investment")
    k = run.n - 1
    assert run.share_met_by_duty(k)["domestic_abuse"] > base.share_met_by_duty(k)["domestic_abuse"]


def _pts(run, base, attr="share_met"):
    """Last quarter's difference (run - baseline) of a share, in percentage points."""
    return 100 * (float(getattr(run, attr)[-1]) - float(getattr(base, attr)[-1]))


def _duty_pts(run, base, duty):
    k = run.n - 1
    return 100 * (run.share_met_by_duty(k)[duty] - base.share_met_by_duty(k)[duty])


# The numbers the lesson cards quote, each checked against the model: (lesson, pattern
# with the quoted number(s), what the model gives for each, tolerance in the quoted unit).
# Rounded "about" figures: within 3 points (2 for a difference, 0.2 for the backbone's
# tenths) or 4 percent of a ratio.
LESSON_NUMBERS = [
    ("squeeze_2010s", r"falls from about (\d+)% to about (\d+)% by 2024, against about (\d+)%",
     lambda r, b: (100 * r.share_met[0], 100 * r.share_met[-1], 100 * b.share_met[-1]), 3.0),
    ("squeeze_2010s", r"about (\d+)% smaller than the baseline's by 2014",
     lambda r, b: (100 * (1 - r.team_fte[20] / b.team_fte[20]),), 4.0),  # 2014 Q1
    ("new_duty_without_money", r"demand met ends about (\d+) points below",
     lambda r, b: (-_pts(r, b),), 2.0),
    ("new_duty_without_money", r"bars lose (two) to (six) points",
     lambda r, b: _other_duties_range(r, b), 0.6),
    ("merge_or_not", r"ends about (\d+) points below the baseline",
     lambda r, b: (-_pts(r, b),), 2.0),
    ("coordinator_and_analyst", r"to about (\d+) points above the baseline by 2024",
     lambda r, b: (_pts(r, b),), 2.0),
    ("coordinator_and_analyst", r"spend is about (\d+)% higher .* delivery about (\d+)% higher",
     lambda r, b: (100 * (r.spend_gbp[-1] / b.spend_gbp[-1] - 1),
                   100 * (r.delivered_fte[-1] / b.delivered_fte[-1] - 1)), 3.0),
    ("backbone_investment", r"domestic abuse is about ([\d.]+) points above the baseline, "
     r"all duties about ([\d.]+) points",
     lambda r, b: (_duty_pts(r, b, "domestic_abuse"), _pts(r, b)), 0.2),
    ("backbone_investment", r"Council teams (do not change)",
     lambda r, b: (0.0 if np.allclose(r.team_fte, b.team_fte) else 1.0,), 0.0),
]  # fmt: skip
_WORDS = {"two": 2.0, "three": 3.0, "five": 5.0, "six": 6.0, "do not change": 0.0}


def _other_duties_range(run, base):
    """Smallest and largest loss (points) of the duties other than the new one."""
    k = run.n - 1
    now, ref = run.share_met_by_duty(k), base.share_met_by_duty(k)
    losses = [100 * (ref[d] - now[d]) for d in ref if d in now and ref[d] - now[d] > 1e-9]
    return min(losses), max(losses)


@pytest.mark.parametrize(
    ("key", "pattern", "model", "tolerance"), LESSON_NUMBERS, ids=lambda x: str(x)[:24]
)
def test_the_numbers_lesson_cards_quote_match_the_model(key, pattern, model, tolerance):
    """Every figure a lesson quotes is what the model shows, within the stated tolerance
    (the squeeze card once said "85% towards 60%" while the plot showed 72% to 49%)."""
    import re

    lesson = next(x for x in load_lessons() if x.key == key)
    text = " ".join((lesson.summary, *lesson.look_for))
    found = re.search(pattern, text)
    assert found, f"{key}: the card no longer says {pattern!r}"
    quoted = [_WORDS.get(g) if g in _WORDS else float(g) for g in found.groups()]
    _, run, base = _lesson_effects(key)
    actual = model(run, base)
    for q, a in zip(quoted, actual, strict=True):
        assert abs(q - a) <= tolerance, f"{key}: the card says {q:g}, the model gives {a:.2f}"


# ------------------------------------------------------------------ command line and assets
def test_dashboard_command_reports_bad_input(capsys):
    from cspsim.cli.main import main

    assert main(["dashboard", "--scenario", "no/such/file.toml"]) == 2
    assert main(["dashboard", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert "file not found" in err and "--port" in err


def test_server_command_and_environment(tmp_path):
    from cspsim.cli.dashboard import APP, free_port, server_command, server_env

    port = free_port()
    cmd = server_command("127.0.0.1", port)
    assert cmd[1:4] == ["-m", "solara", "run"] and str(APP) in cmd and "--production" in cmd
    assert "--production" not in server_command("127.0.0.1", port, dev=True)
    env = server_env(CLEVELAND, {})
    assert env["CSPSIM_DASHBOARD_SCENARIO"] == str(CLEVELAND.resolve())
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_browser_files_follow_the_installed_solara(tmp_path):
    from cspsim.dashboard.assets import missing_assets, required_assets

    assets = {a.package: a for a in required_assets()}
    assert {"@widgetti/solara-vuetify3-app", "requirejs", "echarts"} <= set(assets)
    assert all(a.version[0].isdigit() for a in assets.values())
    assert len(missing_assets(tmp_path)) == len(required_assets())  # an empty folder


def test_a_busy_port_fails_at_once_with_exit_2(capsys):
    """Another server on the port: exit 2 before starting anything, and say what to do."""
    import socket

    from cspsim.cli.main import main

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        t0 = time.perf_counter()
        assert main(["dashboard", "--port", str(port)]) == 2
        assert time.perf_counter() - t0 < 2.0
    assert f"port {port} is in use; try --port 0" in capsys.readouterr().err


def test_lever_tooltips_use_on_screen_names():
    """No ⓘ tooltip shows an internal lever name (``cut_start_year__council``...)."""
    import re

    from cspsim.dashboard.controls import readable

    specs = lever_specs()
    for spec in specs.values():
        text = readable(spec.description)
        assert not any(re.search(rf"(?<!\w){name}(?!\w)", text) for name in specs), text
    assert "“Cut to councils starting in (year)”" in readable(specs["cut_pct__council"].description)


def test_run_csv_has_run_baseline_difference_and_kept_run():
    import csv
    import io

    from cspsim.dashboard.export import run_csv

    s = Session(CLEVELAND)
    s.values = s.moved("cut_pct__council", 30.0, 10)
    m = DashboardModel(s, replay_to=12)
    run, base = series_of(m, s.areas), s.baseline_series()
    rows = list(csv.DictReader(io.StringIO(run_csv(run, base, base))))
    assert len(rows) == 13 and rows[0]["quarter"] == "2009-04-01"
    last = rows[-1]
    a, b = float(last["share_met_pct_run"]), float(last["share_met_pct_baseline"])
    assert abs(float(last["share_met_pct_difference"]) - (a - b)) < 1e-3 and a < b
    assert float(last["share_met_pct_kept_run"]) == pytest.approx(b, abs=1e-3)
    assert "engagement_strategic_police_run" in last
