import numpy as np
import pytest
from sklearn.datasets import make_blobs

from musiclust.cluster.algorithms import NOISE, cluster_vectors, clustering_space
from musiclust.cluster.metrics import clustering_metrics, purity_score


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
    assert metrics["n_clusters"] == 3
    assert metrics["ari"] == pytest.approx(1.0)


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


def test_standardised_space():
    vectors = np.array([[1.0, 100.0], [2.0, 200.0], [3.0, 300.0]])
    space = clustering_space(vectors, True)
    assert np.allclose(space.mean(axis=0), 0) and np.allclose(space.std(axis=0), 1)
    assert np.array_equal(clustering_space(vectors, False), vectors)
