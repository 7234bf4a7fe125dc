"""Summary tables laid out like the studies' tables (report.layout, report/layouts.py): the study's
columns, headers, metric, row names and order, with musiclust's marks."""

from __future__ import annotations

import pandas as pd
import pytest

from musiclust.config_validation import load_schema
from musiclust.report.layouts import LAYOUTS, layout_of, layout_table
from musiclust.report.summary import summary_csv, summary_latex, summary_markdown

from .conftest import ROOT


def metrics_frame(representations=("pca_mel", "conv_vae_mel", "cvae_mel"),
                  algorithms=("kmeans", "agglomerative", "dbscan"), seeds=(0, 1, 2)):
    rows = []
    for r, representation in enumerate(representations):
        for a, algorithm in enumerate(algorithms):
            for seed in seeds:
                rows.append({"representation": representation, "algorithm": algorithm, "seed": seed,
                             "saw_labels": representation.startswith("cvae"),
                             "collapsed": representation == "conv_vae_mel" and seed == 0,
                             "silhouette": 0.1 * r + 0.01 * a + 0.001 * seed, "calinski_harabasz": 40.0 + seed,
                             "davies_bouldin": 1.5, "ari": 0.2, "nmi": 0.3,
                             # different on purpose: the first study's purity is the per-cluster one
                             "purity": 0.9, "purity_per_cluster": 0.4,
                             "n_clusters": 8, "noise_share": 0.9 if algorithm == "dbscan" else 0.0, "error": None})
    return pd.DataFrame(rows)


def test_schema_lists_the_layouts():
    schema = load_schema(ROOT / "schemas" / "config.schema.yaml")
    assert schema["properties"]["report"]["properties"]["layout"]["enum"] == list(LAYOUTS)


def test_unknown_layout_names_the_known_ones():
    with pytest.raises(ValueError, match="study1_task2"):
        layout_of("study_one")


def test_first_study_table_2_layout():
    labels = {"conv_vae_mel": "Conv-VAE (Audio)", "cvae_mel": "CVAE (Audio)", "pca_mel": "PCA (Baseline)"}
    table = layout_table(metrics_frame(), layout_of("study1_task2"), labels)
    assert list(table.columns) == ["Method", "Silhouette", "DBI", "ARI", "Purity", "marks"]
    # One row per representation, K-Means, in the study's order; † for the model that saw genres.
    assert list(table["Method"]) == ["Conv-VAE (Audio)", "CVAE (Audio) †", "PCA (Baseline)"]
    assert set(table["Purity"]) == {"0.40 ± 0.00"}
    assert table.loc[0, "Silhouette"] == "0.101 ± 0.001"  # K-Means: seeds 0.100, 0.101, 0.102
    assert table.loc[0, "marks"] == "collapsed (1/3 seeds)"


def test_first_study_table_3_has_nmi_and_task_1_the_chosen_k():
    task3 = layout_table(metrics_frame(), layout_of("study1_task3"))
    assert list(task3.columns) == ["Method", "Silhouette", "DBI", "ARI", "NMI", "Purity", "marks"]
    task1 = layout_table(metrics_frame(("text_vae_lyrics",), ("kmeans",), (0,)), layout_of("study1_task1"),
                         {"text_vae_lyrics": "VAE"})
    assert task1.to_dict("records") == [{"Method": "VAE + K-Means", "Optimal k": "8", "Silhouette": "0.000",
                                         "Calinski–Harabasz": "40.00", "marks": ""}]


def test_second_study_rows_are_method_and_algorithm_in_its_order():
    sweep = ("beta_vae_mfcc_beta10", "beta_vae_mfcc_beta0.5")
    labels = {"beta_vae_mfcc_beta0.5": "BetaVAE β = 0.5", "beta_vae_mfcc_beta10": "BetaVAE β = 10.0"}
    table = layout_table(metrics_frame(sweep), layout_of("study2"), labels)
    assert list(table.columns) == ["Method", "Silhouette ↑", "Calinski-Harabasz ↑", "Davies-Bouldin ↓",
                                   "Adjusted Rand Index ↑", "Normalized Mutual Info ↑", "Purity ↑", "marks"]
    assert list(table["Method"]) == [f"BetaVAE β = {b} + {a}" for b in ("0.5", "10.0")
                                     for a in ("K-Means", "Agglomerative", "DBSCAN")]
    assert set(table["Purity ↑"]) == {"0.9000 ± 0.0000"}
    assert table.loc[2, "marks"] == "noise-dominated"


def test_summary_files_lead_with_the_layout():
    metrics = metrics_frame()
    labels = {"pca_mel": "PCA (Baseline)"}
    markdown = summary_markdown(metrics, "fma_small", "study1_task3", labels)
    assert markdown.index("## Task 3 (Hard)") < markdown.index("## By representation")
    assert "| PCA (Baseline) " in markdown and "mean ± std over 3 seed(s)" in markdown
    latex = summary_latex(metrics, "fma_small", "study1_task3", labels)
    assert latex.count(r"\begin{table}") == 3 and r"\label{tab:fma_small-study1_task3}" in latex
    assert list(summary_csv(metrics, "study1_task3", labels).columns)[:2] == ["Method", "Silhouette"]
    # generic: musiclust's own tables only
    assert "Task 3" not in summary_markdown(metrics, "demo")
    assert list(summary_csv(metrics).columns)[:2] == ["representation", "algorithm"]
