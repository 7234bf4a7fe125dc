"""The summary-first page and the clusters a person uses, from real runs: the tiny demo (shared
run; its page in the browser: tests/test_report_browser.py) and a tiny unlabelled folder of tones
(one cheap representation, the page as the only target), whose playlists must name its files and
whose page must show no secret of the config."""

from __future__ import annotations

import copy
from collections import Counter

import pandas as pd
import pytest
import yaml

from musiclust.report.clusters import playlist_entries
from tests.conftest import planned_jobs, snakemake, tiny_config, write_tone

pytestmark = pytest.mark.workflow

TOKEN = "X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    """Eight 2-s tones, low and high, in a folder without a CSV (no genres), clustered from PCA of
    their MFCC statistics; the config also names a signed mirror URL."""
    root = tmp_path_factory.mktemp("folder-run")
    music = root / "My Music"
    (music / "b-sides").mkdir(parents=True)
    for i in range(8):
        name = f"b-sides/tone {i}.wav" if i % 4 == 3 else f"tone {i}.wav"
        write_tone(music / name, 2.0, sample_rate=22050, frequency=(220.0 if i % 2 else 1760.0) * (1 + i / 40),
                   seed=i, fmt="WAV")
    config = tiny_config()
    config["datasets"]["mine"] = {"kind": "folder", "path": str(music)}
    config["datasets"]["fma_large"]["archives"] = {
        "fma_large": {"url": f"https://mirror.example/fma_large.zip?{TOKEN}", "sha1": None}}
    config["dataset"] = "mine"
    config["only"] = {"representations": ["pca_mfcc"], "algorithms": ["kmeans", "agglomerative"]}
    for algorithm in config["clustering"]["algorithms"].values():
        if "k" in algorithm:
            algorithm["k"] = 2
    config["report"] = {"projections": ["pca"], "best_by": "silhouette"}
    workdir = root / "work"
    workdir.mkdir()
    result = snakemake(workdir, config, "results/mine/report/index.html")  # (not the Markdown and LaTeX tables)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir, config, music


def test_an_unlabelled_folder_gets_clusters_playlists_and_neighbours(folder_run):
    workdir, config, music = folder_run
    report = workdir / "results" / "mine" / "report"
    clusters = pd.read_csv(report / "clusters.csv")
    assert len(clusters) == 8 and clusters["genre"].isna().all() and clusters["cluster"].nunique() == 2
    assert clusters["distance_to_centre"].notna().all()
    playlists = sorted((report / "playlists").glob("*.m3u"))
    assert [p.name for p in playlists] == ["cluster-00.m3u", "cluster-01.m3u"]
    named = [entry for playlist in playlists for entry in playlist_entries(playlist)]
    assert sorted(named) == sorted(p.resolve() for p in music.rglob("*.wav"))  # every file, once, and they exist
    assert all(not line.startswith("/") for p in playlists for line in p.read_text().splitlines())  # relative
    neighbours = pd.read_csv(report / "neighbours.csv")
    assert len(neighbours) == 8 * 7  # 10 asked, 7 others exist
    # Low tones are each other's nearest, not the high ones'.
    low = set(clusters.loc[clusters["file"].str.contains("tone [1357]"), "track_id"])
    first = neighbours[neighbours["rank"] == 1]
    assert all((t in low) == (n in low) for t, n in zip(first["track_id"], first["neighbour_id"]))

    page = (report / "index.html").read_text(encoding="utf-8")
    assert "0f1e2d3c4b5a" not in page and "mirror.example/fma_large.zip[redacted]" in page
    assert page.index('id="summary"') < page.index('id="clusters"') < page.index('id="dataset"')
    assert "The tracks have no genres: score is silhouette" in page
    assert "tone 3" in page.split('id="clusters"')[1].split('id="dataset"')[0]  # a track by its name
    assert page.count("data:image/png;base64,") == len(list((report / "figures").rglob("*.png")))


def test_demo_clusters_and_summary(demo_run):
    workdir, config = demo_run
    report = workdir / "results" / "demo" / "report"
    metrics = pd.read_csv(report / "metrics.csv")
    clusters = pd.read_csv(report / "clusters.csv")
    representation = clusters["representation"].iloc[0]
    rows = metrics[(metrics["representation"] == representation) & (metrics["seed"] == config["seeds"][0])]
    assert len(clusters) == rows["n_tracks"].iloc[0] and clusters["genre"].notna().all()
    assert not rows["saw_labels"].any() and not rows["collapsed"].any()  # the first unmarked
    for playlist in (report / "playlists").glob("*.m3u"):
        assert all(entry.exists() for entry in playlist_entries(playlist)), playlist
    page = (report / "index.html").read_text(encoding="utf-8")
    assert page.index('id="summary"') < page.index('id="clusters"') < page.index('id="dataset"')
    assert "clusters best: ARI" in page and "one seed: not tested whether it holds" in page and "Δ vs baseline" in page


def test_clusters_rerun_only_for_what_they_read(demo_run):
    workdir, config = demo_run
    edited = copy.deepcopy(config)
    try:
        edited["report"]["clusters"] = {"representation": "pca_mfcc", "algorithm": "kmeans", "neighbours": 3}
        assert planned_jobs(workdir, edited) == Counter({"report_clusters": 1, "report_page": 1, "all": 1})
        edited["report"]["clusters"] = {"representation": "nope"}
        result = snakemake(workdir, edited, "--dry-run")
        assert "report.clusters.representation: 'nope' is not a representation" in result.stdout + result.stderr
    finally:  # the shared run's config.yaml as it was, for the tests that read it
        (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
