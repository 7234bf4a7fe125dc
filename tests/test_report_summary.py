"""The summary-first report on plain frames: ranking, baselines of the same features, marks,
the chosen clustering as clusters.csv / playlists / neighbours, the selection section as
select_tracks writes it, and secrets redacted from the config the page shows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from musiclust.cluster.neighbours import centre_distances, nearest_neighbours
from musiclust.data.selection import Selection, run_selection
from musiclust.report.clusters import (cluster_overview, cluster_table, neighbour_table, playlist_entries,
                                       write_playlists)
from musiclust.report.page import render_page
from musiclust.report.ranking import (baseline_comparisons, chosen_clustering, comparison_note, headline, holds_over_seeds,
                                      rank_representations, ranking_metric, summary_rows)
from musiclust.report.summary import study_tables
from musiclust.representations.registry import same_feature_baselines


def metrics_of(scores: dict, seeds=(0, 1, 2), **facts) -> pd.DataFrame:
    """Long-form metrics like metrics.csv: ``scores`` (rep, algorithm) → ARI per seed."""
    rows = []
    for (rep, algorithm), values in scores.items():
        for seed, value in zip(seeds, values):
            rows.append({"representation": rep, "algorithm": algorithm, "seed": seed, "ari": value,
                         "silhouette": 0.2 + value / 10, "n_tracks": 30 if rep != "text_lyrics" else 12,
                         "noise_share": 0.0, "error": None, "family": "pca",
                         "saw_labels": rep.startswith("cvae"), "collapsed": False,
                         **{k: v.get(rep, False) for k, v in facts.items()}})
    return pd.DataFrame(rows)


SCORES = {("pca_mfcc", "kmeans"): [0.30, 0.32, 0.31], ("pca_mfcc", "gmm"): [0.20, 0.22, 0.21],
          ("vae_mfcc", "kmeans"): [0.40, 0.45, 0.42], ("vae_mfcc", "gmm"): [0.10, 0.10, 0.10],
          ("cvae_mel", "kmeans"): [0.90, 0.90, 0.90], ("beta_vae", "kmeans"): [0.60, 0.60, 0.60],
          ("text_lyrics", "kmeans"): [0.05, 0.30, 0.05]}


def test_ranking_marks_and_baselines_over_seeds():
    # `degenerate` (an effective dimensionality near 1) marks like `collapsed`; † is label-trained.
    metrics = metrics_of(SCORES, degenerate={"beta_vae": True})
    assert ranking_metric(metrics, "silhouette") == "ari"  # genres exist: ARI
    ranking = rank_representations(metrics, "ari")
    assert ranking["representation"].tolist() == ["cvae_mel", "beta_vae", "vae_mfcc", "pca_mfcc", "text_lyrics"]
    assert ranking.loc[1, "marks"] == "degenerate (3/3 seeds)" and "†" in ranking.loc[0, "marks"]
    assert ranking.set_index("representation").at["text_lyrics", "tracks"] == 12
    comparisons = baseline_comparisons(metrics, ranking, {"vae_mfcc": ["pca_mfcc"], "text_lyrics": ["pca_mfcc"]},
                                       "ari")
    vae = comparisons.set_index("representation").loc["vae_mfcc"]
    assert vae["baseline"] == "pca_mfcc" and vae["difference"] == pytest.approx(0.113, abs=1e-3)
    assert vae["verdict"] == "holds: better on all 3 seeds"
    assert comparisons.set_index("representation").at["text_lyrics", "verdict"] == "holds: worse on all 3 seeds"
    # The winner is the first unmarked row; the marked ones above it are named.
    text = headline(ranking, comparisons, "ari")
    assert text == ("vae_mfcc (kmeans) clusters best: ARI 0.423 ± 0.025 over 3 seeds, 0.113 ahead of pca_mfcc, the "
                    "baseline of its features (holds: better on all 3 seeds); ranked above it but marked: cvae_mel, "
                    "beta_vae.")
    table = summary_rows(ranking, comparisons, "ari")
    assert table.loc[2, "Δ vs baseline"] == "+0.113 (pca_mfcc)"
    assert table.loc[2, "over seeds"] == "holds: better on all 3 seeds" and table.loc[3, "over seeds"] == ""
    assert chosen_clustering(metrics, "ari")[:2] == ("vae_mfcc", "kmeans")
    assert chosen_clustering(metrics, "ari", "pca_mfcc")[:2] == ("pca_mfcc", "kmeans")
    assert chosen_clustering(metrics, "ari", None, "gmm")[:2] == ("pca_mfcc", "gmm")


def test_one_seed_is_not_tested_and_unlabelled_runs_rank_by_an_internal_metric():
    assert holds_over_seeds(pd.Series([0.1])) == "one seed: not tested"
    assert holds_over_seeds(pd.Series([0.1, -0.2, 0.3])) == "does not hold: better on 2 of 3 seeds"
    metrics = metrics_of({k: v[:1] for k, v in SCORES.items()}, seeds=(0,))
    ranking = rank_representations(metrics, "ari")
    comparisons = baseline_comparisons(metrics, ranking, {"vae_mfcc": ["pca_mfcc"]}, "ari")
    assert comparisons.iloc[0]["verdict"] == "one seed: not tested"
    assert "over 1 seed," in headline(ranking, comparisons, "ari")
    assert "over seeds" not in summary_rows(ranking, comparisons, "ari")  # nothing tested: no column
    no_learned = baseline_comparisons(metrics, ranking, {}, "ari")
    assert "Δ vs baseline" not in summary_rows(ranking, no_learned, "ari") and comparison_note(no_learned, "ari") == ""
    tie = rank_representations(metrics_of({("a", "kmeans"): [0.5], ("b", "kmeans"): [0.5]}, seeds=(0,)), "ari")
    assert headline(tie, no_learned, "ari") == "a (kmeans) clusters best: ARI 0.500 over 1 seed, tied with b."
    unlabelled = metrics.assign(ari=np.nan)
    assert ranking_metric(unlabelled, "ari") == "silhouette"
    assert ranking_metric(unlabelled, "davies_bouldin") == "davies_bouldin"
    by_db = rank_representations(unlabelled.assign(davies_bouldin=unlabelled["silhouette"]), "davies_bouldin")
    assert by_db["representation"].iloc[0] == "text_lyrics"  # lower is better


def test_full_table_is_grouped_best_algorithm_first_with_track_counts():
    table = study_tables(metrics_of(SCORES), "ari")["all"]
    assert table[["representation", "algorithm"]].values.tolist()[:4] == [
        ["cvae_mel †", "kmeans"], ["beta_vae", "kmeans"], ["vae_mfcc", "kmeans"], ["vae_mfcc", "gmm"]]
    assert table.set_index("representation").at["text_lyrics", "tracks"] == "12"


def test_same_feature_baselines_of_learned_hybrid_and_multimodal():
    registry = {"pca_mfcc": {"family": "pca", "features": "mfcc_stats"},
                "raw_mfcc": {"family": "raw", "features": "mfcc_stats"},
                "text": {"family": "raw", "features": "lyrics-minilm"},
                "vae": {"family": "vae", "features": "mfcc_stats"},
                "conv": {"family": "conv_vae", "features": "mel"},
                "mm": {"family": "multimodal_vae", "features": "mfcc_stats", "text": "lyrics-minilm"},
                "hybrid": {"family": "hybrid_concat", "parts": ["vae", "text"]}}
    assert same_feature_baselines(registry) == {"vae": ["pca_mfcc", "raw_mfcc"],
                                                "mm": ["pca_mfcc", "raw_mfcc", "text"],
                                                "hybrid": ["pca_mfcc", "raw_mfcc", "text"]}


def test_clusters_playlists_and_neighbours(tmp_path):
    music = tmp_path / "music" / "album"
    music.mkdir(parents=True)
    files = [music / f"song{i}.mp3" for i in range(6)]
    for path in files:
        path.write_bytes(b"x")
    tracks = pd.DataFrame({"track_id": np.arange(6), "title": ["A", "B", None, "D", "E", "F"],
                           "artist": ["x", "y", None, None, "z", "z"], "genre": [None] * 6,
                           "audio_path": [str(p) for p in files]})
    space = np.array([[0, 0], [0, 1], [0, 3], [10, 10], [10, 11], [50, 50]], dtype=float)
    labels = np.array([0, 0, 0, 1, 1, -1])
    assert centre_distances(space, labels)[:3] == pytest.approx([4 / 3, 1 / 3, 5 / 3])
    assert np.isnan(centre_distances(space, labels)[5])
    clusters = cluster_table(np.arange(6), space, labels, tracks)
    assert clusters["track_id"].tolist() == [1, 0, 2, 3, 4, 5]  # by cluster, nearest the centre first, noise last
    playlists = write_playlists(clusters, tmp_path / "report" / "playlists")
    assert [p.name for p in playlists] == ["unclustered.m3u", "cluster-00.m3u", "cluster-01.m3u"]
    text = (tmp_path / "report" / "playlists" / "cluster-00.m3u").read_text()
    assert text.splitlines()[:3] == ["#EXTM3U", "#EXTINF:-1,B – y", "../../music/album/song1.mp3"]
    assert "#EXTINF:-1,song2.mp3" in text  # no title: the file's name
    assert playlist_entries(playlists[1]) == [files[1].resolve(), files[0].resolve(), files[2].resolve()]
    overview = cluster_overview(clusters, nearest=2)
    assert overview["cluster"].tolist() == ["0", "1", "unclustered"] and "genres" not in overview
    assert overview.loc[0, "nearest the centre"] == "B – y; A – x" and overview.loc[0, "tracks"] == 3
    labelled = cluster_overview(clusters.assign(genre=["Rock", "Rock", "Pop", None, "Jazz", None]))
    assert labelled.loc[0, "genres"] == "Rock 2, Pop 1" and labelled.loc[1, "genres"] == "Jazz 1 (+1 unknown)"
    neighbours = neighbour_table(np.arange(6), space, tracks, k=2)
    first = neighbours[neighbours["track_id"] == 0]
    assert first["neighbour_id"].tolist() == [1, 2] and first["rank"].tolist() == [1, 2]
    assert (neighbours["track_id"] != neighbours["neighbour_id"]).all()
    indices, _ = nearest_neighbours(np.zeros((3, 2)), 5)  # duplicates, k past n - 1
    assert indices.shape == (3, 2) and all(i not in row for i, row in enumerate(indices))


def test_selection_section_shows_what_select_tracks_writes():
    tracks = pd.DataFrame({"genre": ["Rock"] * 5 + ["Pop"] * 2 + ["Jazz"] * 4}, index=pd.RangeIndex(11, name="track_id"))
    outcome = run_selection(tracks, Selection(tracks_per_genre=4, seed=0))
    report = json.loads(json.dumps({"dataset": "mine", **outcome.report}))  # as selection.json holds it
    assert report["shortfalls"] == {"Pop": {"asked": 4, "found": 2}}
    selected = outcome.selected.reset_index()
    failures = pd.DataFrame(columns=["track_id", "stage", "reason", "detail"])
    html = render_page(dataset="mine", config={}, tracks=selected, failures=failures, lyrics=None, tables=[],
                       figures=[], selection=report)
    assert "<td>Pop</td><td class=\"n\">4</td><td class=\"n\">2</td><td class=\"n\">2</td>" in html
    assert "{" not in html.split("<h3>Selection</h3>")[1].split("</section>")[0]  # no raw dict
    total = run_selection(tracks, Selection(tracks=20, seed=0)).report
    html = render_page(dataset="mine", config={}, tracks=selected, failures=failures, lyrics=None, tables=[],
                       figures=[], selection=json.loads(json.dumps(total)))
    assert "11 tracks in all, 9 fewer than selection.tracks (20) asked" in html


def test_the_page_never_shows_a_secret_of_the_config():
    token = "sig=Zm9vYmFyc2VjcmV0dG9rZW4"
    config = {"datasets": {"fma_large": {"kind": "fma", "archives": {"fma_large": {
        "url": f"https://user:hunter2@mirror.example/fma_large.zip?{token}&expires=1", "sha1": None}}}},
        "lyrics": {"genius": {"access_token": "abcd1234"}}}
    html = render_page(dataset="fma_large", config=config, tracks=pd.DataFrame({"track_id": [1]}),
                       failures=pd.DataFrame(columns=["track_id", "stage", "reason", "detail"]), lyrics=None,
                       tables=[], figures=[])
    for secret in ("Zm9vYmFyc2VjcmV0dG9rZW4", "hunter2", "expires", "abcd1234"):
        assert secret not in html, secret
    assert "https://mirror.example/fma_large.zip[redacted]" in html
