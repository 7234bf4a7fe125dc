import numpy as np
import pytest
from sklearn.datasets import make_blobs

from musiclust.cluster.algorithms import NOISE, cluster_vectors, clustering_space, kdistance_eps
from musiclust.cluster.evaluation import evaluate, read_evaluation, write_evaluation
from musiclust.cluster.metrics import clustering_metrics, purity_per_cluster, purity_score


@pytest.fixture
def blobs():
    vectors, truth = make_blobs(n_samples=90, centers=3, n_features=5, cluster_std=0.5, random_state=0)
    return vectors, np.array(["abc"[t] for t in truth], dtype=object)


@pytest.mark.parametrize("algorithm", ["kmeans", "agglomerative"])
def test_k_from_genres_and_auto(blobs, algorithm):
    vectors, genres = blobs
    fixed = cluster_vectors(vectors, algorithm, {"k": "n_genres"}, seed=0, n_genres=3)
    assert fixed.k == 3 and len(set(fixed.labels)) == 3
    auto = cluster_vectors(vectors, algorithm, {"k": "auto", "k_range": [2, 6]}, seed=0)
    assert auto.k == 3 and sorted(auto.k_scores) == [2, 3, 4, 5, 6]
    assert max(auto.k_scores, key=auto.k_scores.get) == 3
    assert cluster_vectors(vectors, algorithm, {"k": 4}, seed=0).k == 4


def test_kmeans_is_seeded(blobs):
    vectors, _ = blobs
    a = cluster_vectors(vectors, "kmeans", {"k": 5, "n_init": 1}, seed=3).labels
    b = cluster_vectors(vectors, "kmeans", {"k": 5, "n_init": 1}, seed=3).labels
    assert np.array_equal(a, b)


def test_n_genres_needs_labels(blobs):
    with pytest.raises(ValueError, match="n_genres"):
        cluster_vectors(blobs[0], "kmeans", {"k": "n_genres"}, seed=0, n_genres=0)


def test_dbscan_noise_is_counted_not_clustered(blobs):
    vectors, genres = blobs
    vectors = np.vstack([vectors, [[50.0] * 5, [-50.0] * 5]])
    genres = np.append(genres, ["a", "b"])
    result = cluster_vectors(clustering_space(vectors, False), "dbscan", {"eps": 1.5, "min_samples": 5}, seed=0)
    metrics = clustering_metrics(vectors, result.labels, genres)
    assert metrics["n_noise"] >= 2 and (result.labels == NOISE).sum() == metrics["n_noise"]
    assert metrics["noise_share"] == pytest.approx(metrics["n_noise"] / len(vectors))
    assert metrics["coverage"] == pytest.approx(1 - metrics["noise_share"])
    assert metrics["n_clusters"] == 3
    # The two outliers are noise, one group of their own: nearly, not exactly, perfect.
    assert 0.9 < metrics["ari"] < 1.0 and metrics["n_labelled"] == len(vectors)


def test_noise_cannot_flatter_the_label_metrics():
    """One pure cluster of 5 tracks in 95 % noise used to score ARI = NMI = purity = 1."""
    genres = np.array(["abcd"[i % 4] for i in range(100)], dtype=object)
    genres[:5] = "a"
    labels = np.full(100, NOISE)
    labels[:5] = 0
    vectors = np.random.default_rng(0).standard_normal((100, 3))
    metrics = clustering_metrics(vectors, labels, genres)
    assert metrics["coverage"] == pytest.approx(0.05)
    assert metrics["ari"] < 0.1 and metrics["nmi"] < 0.2
    assert metrics["purity"] < 0.35 and metrics["purity_per_cluster"] < 0.7


def test_purity_in_both_studies_definitions():
    truth = np.array(["a"] * 9 + ["b"] + ["b"])
    found = np.array([0] * 10 + [1])
    # Second study: (9 + 1) / 11 tracks in their cluster's majority; first: mean of 9/10 and 1/1.
    assert clustering_metrics(np.zeros((11, 1)), found, truth)["purity"] == pytest.approx(10 / 11)
    assert clustering_metrics(np.zeros((11, 1)), found, truth)["purity_per_cluster"] == pytest.approx((0.9 + 1) / 2)


def test_dbscan_eps_auto_from_the_k_distance_knee(blobs):
    vectors, genres = blobs
    outliers = np.random.default_rng(1).uniform(-40, 40, size=(6, 5))
    data = np.vstack([vectors, outliers])
    eps = kdistance_eps(data, 5)
    within = cluster_vectors(vectors, "dbscan", {"eps": "auto"}).eps
    assert 0.3 < eps < 3.0 and within > 0  # the blobs' scale (std 0.5), not the outliers' (~40)
    result = cluster_vectors(data, "dbscan", {"eps": "auto", "min_samples": 5})
    assert result.eps == pytest.approx(eps)
    metrics = clustering_metrics(data, result.labels, np.append(genres, ["a"] * 6))
    assert metrics["n_clusters"] == 3 and metrics["ari"] > 0.85


@pytest.mark.parametrize("algorithm", ["gmm", "hdbscan"])
def test_gmm_and_hdbscan_find_the_blobs(blobs, algorithm):
    vectors, genres = blobs
    result = cluster_vectors(vectors, algorithm, {"k": "n_genres"} if algorithm == "gmm" else {}, seed=0, n_genres=3)
    assert clustering_metrics(vectors, result.labels, genres)["ari"] > 0.9


def test_unknown_algorithm_or_setting_is_named():
    with pytest.raises(ValueError, match="unknown clustering algorithm 'spectral'"):
        cluster_vectors(np.zeros((5, 2)), "spectral", {})
    with pytest.raises(ValueError, match="dbscan: unknown setting.*epsilon"):
        cluster_vectors(np.zeros((5, 2)), "dbscan", {"epsilon": 1})


def test_evaluate_runs_every_algorithm_and_records_a_failure(blobs, tmp_path):
    vectors, genres = blobs
    algorithms = {"kmeans": {"k": "n_genres"}, "gmm": {"k": 3}, "dbscan": {}, "hdbscan": {},
                  "agglomerative": {"k": 500}}
    evaluation = evaluate(vectors, algorithms, genres=genres, seed=0)
    assert list(evaluation.metrics["algorithm"]) == list(algorithms)
    assert set(evaluation.labels) == {"kmeans", "gmm", "dbscan", "hdbscan"}
    failed = evaluation.metrics.set_index("algorithm").loc["agglomerative"]
    assert "k=500 needs more than 90 tracks" in failed["error"]
    ids = np.arange(len(vectors)) + 7
    write_evaluation(tmp_path / "e.parquet", ids, evaluation, {"representation": "r", "seed": 0})
    read_ids, read_back, info = read_evaluation(tmp_path / "e.parquet")
    assert read_ids.tolist() == ids.tolist() and info == {"representation": "r", "seed": 0}
    assert np.array_equal(read_back.labels["gmm"], evaluation.labels["gmm"])
    assert read_back.metrics.loc[0, "ari"] == pytest.approx(evaluation.metrics.loc[0, "ari"])


def test_metrics_on_a_perfect_and_a_degenerate_clustering(blobs):
    vectors, genres = blobs
    truth = np.array(["abc".index(g) for g in genres])
    perfect = clustering_metrics(vectors, truth, genres)
    assert perfect["ari"] == pytest.approx(1.0) and perfect["nmi"] == pytest.approx(1.0) and perfect["purity"] == 1.0
    assert perfect["silhouette"] > 0.7 and perfect["davies_bouldin"] < 0.5 and perfect["calinski_harabasz"] > 100
    one = clustering_metrics(vectors, np.zeros(len(vectors), dtype=int), genres)
    assert one["silhouette"] is None and one["ari"] == pytest.approx(0.0)
    unlabelled = clustering_metrics(vectors, truth, None)
    assert unlabelled["ari"] is None and unlabelled["silhouette"] is not None


def test_purity_by_hand():
    truth = np.array(["a", "a", "a", "b", "b", "c"])
    found = np.array([0, 0, 1, 1, 1, 1])
    # cluster 0: 2 a; cluster 1: 2 b of 4 → (2 + 2) / 6
    assert purity_score(truth, found) == pytest.approx(4 / 6)
    assert purity_per_cluster(truth, found) == pytest.approx((1.0 + 0.5) / 2)


def test_standardised_space():
    vectors = np.array([[1.0, 100.0], [2.0, 200.0], [3.0, 300.0]])
    space = clustering_space(vectors, True)
    assert np.allclose(space.mean(axis=0), 0) and np.allclose(space.std(axis=0), 1)
    assert np.array_equal(clustering_space(vectors, False), vectors)
