"""The report's library on plain arrays and frames: projections, figures, summary tables, page."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import yaml

from musiclust.report.captions import describe_figure
from musiclust.report.disentanglement_plots import correlation_figure, disentanglement_figure
from musiclust.report.loading import save_figure, subsample
from musiclust.report.metric_plots import contingency, contingency_figure, metric_bars, metrics_heatmap
from musiclust.report.page import Figure, render_page
from musiclust.report.projections import beta_grid_figure, project, projection_figure
from musiclust.report.summary import best_algorithms, latex_table, study_tables, summary_latex, summary_markdown
from musiclust.report.training_curves import training_figure

RNG = np.random.default_rng(0)


def blobs(n_per=10, k=3, d=6):
    centres = RNG.normal(scale=6, size=(k, d))
    x = np.concatenate([c + RNG.normal(size=(n_per, d)) for c in centres])
    return x, np.repeat(np.arange(k), n_per)


def metrics_frame():
    rows = []
    for rep, good in (("pca", 0.6), ("vae", 0.3)):
        for algorithm, shift in (("kmeans", 0.0), ("dbscan", -0.2)):
            for seed in (0, 1, 2):
                rows.append({"representation": rep, "algorithm": algorithm, "seed": seed, "family": rep,
                             "saw_labels": False, "collapsed": rep == "vae" and seed == 0, "active_dims": 4,
                             "silhouette": good + shift + 0.01 * seed, "calinski_harabasz": 40.0 + seed,
                             "davies_bouldin": 1.0 - good, "ari": good + shift, "nmi": good, "purity": good,
                             "purity_per_cluster": good, "n_clusters": 3, "coverage": 1.0 if shift == 0 else 0.3,
                             "noise_share": 0.0 if shift == 0 else 0.7, "n_tracks": 30, "error": None})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_project_gives_two_columns_and_is_seeded(method):
    x, _ = blobs()
    a, b = project(x, method, seed=1), project(x, method, seed=1)
    assert a.shape == (len(x), 2) and np.isfinite(a).all()
    np.testing.assert_allclose(a, b)


def test_project_degenerate_inputs_and_unknown_method():
    assert project(np.ones((2, 5)), "tsne").shape == (2, 2)
    assert project(np.ones((5, 1)), "pca").shape == (5, 2)
    with pytest.raises(ValueError, match="unknown projection"):
        project(np.ones((5, 3)), "isomap")


def test_subsample_is_seeded_sorted_and_bounded():
    assert list(subsample(5, 10, 0)) == [0, 1, 2, 3, 4]
    picked = subsample(100, 10, 3)
    assert len(picked) == 10 and list(picked) == sorted(picked) and list(picked) == list(subsample(100, 10, 3))


def test_figures_render_to_png(tmp_path):
    x, truth = blobs()
    points = project(x, "pca")
    genres = np.array(["Rock", "Pop", None], dtype=object)[truth]
    clusters = truth.copy()
    clusters[:3] = -1
    entries = [{"name": f"rep{i}", "algorithm": "kmeans", "points": points, "clusters": clusters, "genres": genres,
                "beta": beta} for i, beta in enumerate((0.5, 4.0, 1.0))]
    history = pd.DataFrame({"epoch": [1, 2, 3], "loss": [3.0, 2.0, 1.5], "reconstruction": [2.5, 1.6, 1.2],
                            "kl": [0.5, 0.4, 0.3], "beta": [0.3, 0.6, 1.0], "heldout_neg_elbo": [3.1, 2.2, 1.9]})
    rows = pd.DataFrame({"representation": ["a", "a", "b"], "seed": [0, 1, 0], "mean_abs_correlation": [0.2, 0.3, 0.5],
                         "variance_per_dim": ["1 0.5 0.001", "1 0.4 0.002", "0.3 0.2 0.1"],
                         "active_dims_kl": [2, 2, 3], "active_dims_variance": [2, 2, 3], "latent_dim": [3, 3, 3]})
    metrics = metrics_frame()
    figures = {
        "projections": projection_figure(entries, "pca"),
        "beta": beta_grid_figure(entries, "tsne", "sweep"),
        "training": training_figure({0: history, 1: history * 1.1}, "vae"),
        "training_ae": training_figure({0: history.drop(columns=["kl", "beta"])}, "ae"),
        "correlation": correlation_figure({"a": x, "b": x[:, :3]}),
        "disentanglement": disentanglement_figure(rows),
        "empty_disentanglement": disentanglement_figure(rows.iloc[:0]),
        "heatmap": metrics_heatmap(metrics),
        "bars": metric_bars(metrics, best_algorithms(metrics)),
        "contingency": contingency_figure([{"name": "a", "algorithm": "kmeans", "clusters": clusters, "genres": genres}]),
        "empty_projections": projection_figure([], "pca"),
    }
    for name, figure in figures.items():
        save_figure(figure, tmp_path / f"{name}.png")
        data = (tmp_path / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, name


def test_training_figure_shows_warmup_and_heldout():
    history = pd.DataFrame({"loss": [3.0, 2.0], "reconstruction": [2.5, 1.6], "kl": [0.5, 0.4], "beta": [0.5, 1.0],
                            "heldout_neg_elbo": [3.2, 2.4]})
    figure = training_figure({0: history}, "vae")
    labels = [line.get_label() for ax in figure.axes for line in ax.get_lines()]
    assert "β (warm-up)" in labels and "seed 0 held out" in labels
    assert [ax.get_title() for ax in figure.axes[:4]] == ["Total loss", "Reconstruction", "KL divergence",
                                                           "Combined (each / its first epoch)"]


def test_contingency_counts_clusters_by_genre_with_noise_last():
    table = contingency(np.array([1, 0, 0, -1]), np.array(["Rock", "Pop", "Pop", None], dtype=object))
    assert list(table.index) == ["cluster 0", "cluster 1", "noise"]
    assert table.loc["cluster 0", "Pop"] == 2 and table.loc["noise", "unknown"] == 1


def test_best_algorithm_skips_noise_dominated_runs_and_respects_direction():
    metrics = metrics_frame()
    metrics.loc[metrics["algorithm"] == "dbscan", "ari"] = 0.99  # better, but noise-dominated
    assert best_algorithms(metrics, "ari") == {"pca": "kmeans", "vae": "kmeans"}
    assert best_algorithms(metrics, "davies_bouldin")["pca"] == "kmeans"


def test_summary_tables_mean_std_marks_markdown_and_booktabs():
    metrics = metrics_frame()
    tables = study_tables(metrics)
    summary = tables["all"]
    row = summary[(summary["representation"] == "pca") & (summary["algorithm"] == "kmeans")].iloc[0]
    assert row["Silhouette ↑"] == "0.610 ± 0.010" and row["seeds"] == 3
    marks = dict(zip(summary["representation"] + "/" + summary["algorithm"], summary["marks"]))
    assert "noise-dominated" in marks["pca/dbscan"] and "collapsed (1/3 seeds)" in marks["vae/kmeans"]
    assert list(tables["by_algorithm"]["algorithm"]) == ["dbscan", "dbscan", "kmeans", "kmeans"]
    markdown = summary_markdown(metrics, "demo")
    assert "| pca " in markdown and "0.610 ± 0.010" in markdown
    latex = summary_latex(metrics, "demo")
    assert r"\toprule" in latex and r"\midrule" in latex and r"\bottomrule" in latex
    assert r"0.610 $\pm$ 0.010" in latex and "±" not in latex
    assert latex.count(r"\begin{tabular}") == 2
    assert r"\begin{tabular}{l" in latex and "rl}" in latex  # text columns left, numbers right


def test_latex_table_escapes_specials():
    latex = latex_table(pd.DataFrame({"representation": ["beta_vae_50%"], "marks": ["a & b"]}), "cap_1", "tab:x")
    assert r"beta\_vae\_50\%" in latex and r"a \& b" in latex and r"\caption{cap\_1}" in latex


def test_page_is_self_contained_and_has_every_section(tmp_path):
    save_figure(training_figure({0: pd.DataFrame({"loss": [2.0, 1.0], "reconstruction": [1.5, 0.8],
                                                  "kl": [0.5, 0.2]})}, "vae"), tmp_path / "t.png")
    tracks = pd.DataFrame({"track_id": [1, 2, 3], "genre": ["Rock", "Pop", None]})
    failures = pd.DataFrame({"track_id": [3], "stage": ["decode"], "reason": ["corrupt"], "detail": [""]})
    config = {"dataset": "demo", "report": {"projections": ["tsne"]}}
    figure = Figure(*describe_figure("training", "vae"), tmp_path / "t.png")
    html = render_page(dataset="demo", config=config, tracks=tracks, failures=failures, lyrics=None,
                       tables=[("Clustering results", "note", study_tables(metrics_frame())["all"])], figures=[figure])
    assert html.count("data:image/png;base64,") == 1 and 'src="http' not in html and "<script" not in html
    for anchor in ("#dataset", "#tables", "#training", "#run-config"):
        assert f'href="{anchor}"' in html and f'id="{anchor[1:]}"' in html
    assert "Lyrics coverage" not in html and 'class="marked"' in html
    assert yaml.safe_dump(config, sort_keys=False).splitlines()[0] in html
    with_lyrics = render_page(dataset="demo", config=config, tracks=tracks, failures=failures,
                              lyrics=pd.DataFrame({"track_id": [1, 2], "status": ["found", "instrumental"]}),
                              tables=[], figures=[])
    assert "Lyrics coverage" in with_lyrics and "1 of 2 tracks have lyrics (50%)" in with_lyrics
    assert "<h3>Selection</h3>" not in with_lyrics  # (no selection.json given)


def test_page_shows_what_selection_did(tmp_path):
    tracks = pd.DataFrame({"track_id": [1, 2], "genre": ["Rock", "Pop"]})
    failures = pd.DataFrame(columns=["track_id", "stage", "reason", "detail"])
    selection = {"funnel": [{"step": "the dataset", "tracks": 5}, {"step": "selection.genres ['Rock', 'Pop']",
                                                                    "tracks": 2}],
                 "shortfalls": {"Pop": {"asked": 4, "found": 1}}, "total_shortfall": None,
                 "missing_files": [{"line": 4, "file": "gone.mp3"}]}
    html = render_page(dataset="mine", config={}, tracks=tracks, failures=failures, lyrics=None, tables=[],
                       figures=[], selection=selection)
    assert "<h3>Selection</h3>" in html and "selection.genres [&#x27;Rock&#x27;, &#x27;Pop&#x27;]" in html
    assert "<td>Pop</td><td class=\"n\">4</td><td class=\"n\">1</td><td class=\"n\">3</td>" in html
    assert "1 rows of the metadata CSV name no file" in html and "<td>gone.mp3</td>" in html


def test_every_figure_kind_has_a_caption():
    for kind in ("projections", "beta_grid", "training", "disentanglement", "correlation", "heatmap", "bars",
                 "contingency"):
        section, title, caption = describe_figure(kind, "x", "tsne")
        assert section and title and caption
    with pytest.raises(ValueError):
        describe_figure("pie")


@pytest.mark.skipif(not os.environ.get("MUSICLUST_TEST_UMAP"),
                    reason="UMAP's first call compiles with numba for about a minute: set MUSICLUST_TEST_UMAP=1")
def test_umap_projection():
    x, _ = blobs()
    points = project(x, "umap", seed=0)
    assert points.shape == (len(x), 2) and np.isfinite(points).all()
