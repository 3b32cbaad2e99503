"""map.png: the run's council areas on the ONS 2021 district boundaries."""

from __future__ import annotations

import pandas as pd
import pytest

from cspsim.analysis.maps import BOUNDARIES, match_areas, plot_map, read_boundaries
from cspsim.inputs.england import ATTRIBUTION
from cspsim.inputs.scenario import GeographyConfig, load_scenario
from cspsim.paths import CONFIGS_DIR
from cspsim.studies.api import run

CLEVELAND = {"Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees"}


@pytest.fixture(scope="module")
def cleveland():
    return run("cleveland", replicates=1)


def test_boundaries_england_and_wales():
    shapes = read_boundaries()
    assert BOUNDARIES.is_file()
    assert len(shapes) == 331 and shapes["code"].is_unique
    assert shapes["code"].str[0].value_counts().to_dict() == {"E": 309, "W": 22}
    by_code = dict(zip(shapes["code"], shapes["name"], strict=True))
    assert by_code["E06000001"] == "Hartlepool" and by_code["W06000015"] == "Cardiff"
    assert by_code["E07000245"] == "West Suffolk"
    xmin, ymin, xmax, ymax = shapes.total_bounds  # lon/lat
    assert -7 < xmin < xmax < 2 and 49 < ymin < ymax < 56


def test_match_by_name_code_successor_and_predecessors():
    shapes = read_boundaries()
    got = {
        m.area: m
        for m in match_areas(
            ["hartlepool", "E06000002", "Forest Heath", "North Yorkshire", "Shepway", "nowhere_1"],
            shapes,
        )
    }
    assert got["hartlepool"].codes == ("E06000001",) and not got["hartlepool"].note
    assert got["E06000002"].codes == ("E06000002",)
    assert got["Forest Heath"].codes == ("E07000245",)  # merged 2019 into West Suffolk
    assert "West Suffolk" in got["Forest Heath"].note
    assert len(got["North Yorkshire"].codes) == 7  # 2023 unitary: its 2021 districts
    assert got["Shepway"].codes == ("E07000112",)  # renamed Folkestone and Hythe
    assert got["nowhere_1"].codes == ()


def test_cleveland_run_writes_map(cleveland, tmp_path):
    assert set(cleveland.csp_of_area) == CLEVELAND
    shapes = read_boundaries()
    assert all(m.codes for m in match_areas(cleveland.csp_of_area, shapes))
    path = plot_map(cleveland.frame, tmp_path, "cleveland", cleveland.csp_of_area)
    assert path == tmp_path / "map.png" and path.stat().st_size > 10_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*tmp*"))  # atomic write left nothing behind
    # Without the mapping, each CSP of the frame is taken as one area of its name.
    (tmp_path / "x").mkdir()
    assert plot_map(cleveland.frame, tmp_path / "x", "cleveland") == tmp_path / "x" / "map.png"


def test_figure_carries_attribution(cleveland, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    texts: list[str] = []
    close = plt.close

    def keep(fig=None):
        if fig is not None:
            texts.extend(t.get_text() for t in fig.texts)
            texts.extend(t.get_text() for ax in fig.axes for t in ax.texts)
        close(fig)

    monkeypatch.setattr(plt, "close", keep)
    plot_map(cleveland.frame, tmp_path, "cleveland", cleveland.csp_of_area)
    joined = " ".join(texts).replace("\n", " ")
    assert ATTRIBUTION in joined
    assert "Hartlepool" in joined and "%" in joined and " pp" in joined


def test_synthetic_england_writes_no_map(tmp_path):
    sc = load_scenario(CONFIGS_DIR / "baseline.toml").model_copy(
        update={"geography": GeographyConfig(kind="synthetic_england")}
    )
    frame = run(sc, replicates=1).frame
    assert plot_map(frame, tmp_path, "baseline") is None
    assert not (tmp_path / "map.png").exists()


def test_merged_csp_shades_its_areas_alike(tmp_path):
    r = run("cleveland_merged", replicates=1)
    ends = {end for _, end in r.csp_of_area.values()}
    assert len(ends) == 1 and next(iter(ends)).startswith("merged:")
    assert plot_map(r.frame, tmp_path, "merged", r.csp_of_area) == tmp_path / "map.png"


def test_cli_run_writes_map_only_for_real_areas(tmp_path):
    from cspsim.cli.main import main

    assert (
        main(["run", "cleveland", "--replicates", "1", "--out", str(tmp_path / "c"), "--quiet"])
        == 0
    )
    assert (tmp_path / "c" / "map.png").stat().st_size > 0
    manifest = pd.read_json(tmp_path / "c" / "manifest.json", typ="series")
    assert "map.png" in manifest["files"]


def test_compare_of_real_places_maps_the_difference(tmp_path):
    """A comparison of real places writes a map per scenario of its CSPs' share of demand met
    over the window and the difference from the reference, shown in the report."""
    from cspsim.studies.api import compare

    comp = compare(["kent_2030", "kent_section_114_2026"], replicates=2, out=tmp_path / "c")
    png = tmp_path / "c" / "map_kent_section_114_2026.png"
    assert png.exists() and png.name in comp.files
    assert f"alt='{png.stem}'" in (tmp_path / "c" / "report.html").read_text(encoding="utf-8")
    c = comp.csp
    medway = c[
        (c["csp"] == "Medway")
        & (c["outcome"] == "share_met")
        & (c["scenario"] == "kent_section_114_2026")
    ]
    assert len(medway) == 1
    assert (medway["diff"] < 0).all()  # the section 114 council, shaded below the reference
