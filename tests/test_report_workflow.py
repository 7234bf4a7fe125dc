"""The report rules on the tiny demo run: summary tables, figures, the page, `snakemake --report`."""

from __future__ import annotations

import subprocess
import zipfile

import pandas as pd
import pytest

from musiclust.representations.registry import expand_representations, is_learned
from tests.conftest import ROOT, SNAKEMAKE

pytestmark = pytest.mark.workflow


def test_report_holds_tables_figures_and_page(demo_run):
    workdir, config = demo_run
    report = workdir / "results" / "demo" / "report"
    summary = pd.read_csv(report / "summary.csv")
    metrics = pd.read_csv(report / "metrics.csv")
    assert len(summary) == metrics.groupby(["representation", "algorithm"]).ngroups
    assert summary["marks"].fillna("").str.contains("noise-dominated").any()
    assert r"\toprule" in (report / "summary.tex").read_text()
    assert "## By algorithm" in (report / "summary.md").read_text()

    reps = expand_representations(config["representations"])
    methods = config["report"]["projections"]
    figures = report / "figures"
    for method in methods:
        assert (figures / "projections" / f"projections-{method}.png").stat().st_size > 0
        for sweep in {spec["sweep"] for spec in reps.values() if "sweep" in spec}:
            assert (figures / "projections" / f"beta-grid-{sweep}-{method}.png").exists()
    for rep in (name for name, spec in reps.items() if is_learned(spec)):
        assert (figures / "models" / f"training-{rep}.png").exists()
    for name in ("models/disentanglement.png", "models/latent-correlation.png", "metrics-heatmap.png",
                 "metric-bars.png", "contingency.png"):
        assert (figures / name).exists(), name

    page = (report / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(list(figures.rglob("*.png")))
    # (the demo's broken files: an empty file, a truncated MP3 and an HTML page, README "Datasets")
    for text in ("Lyrics coverage", "Selection", "tracks with a genre label", "Tracks left out", "truncated",
                 "not audio", "Run config", "Clustering results", "Disentanglement"):
        assert text in page, text


def test_snakemake_report_shows_the_results(demo_run, tmp_path):
    workdir, _ = demo_run
    target = tmp_path / "report.zip"
    result = subprocess.run([str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
                             "--configfile", str(workdir / "config.yaml"), "--report", str(target)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ERROR" not in result.stderr, result.stderr[-3000:]
    names = zipfile.ZipFile(target).namelist()
    for name in ("metrics.csv", "summary.tex", "index.html", "metrics-heatmap.png", "projections-tsne.png"):
        assert any(n.endswith(name) for n in names), name
