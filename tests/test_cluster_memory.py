"""Density clustering in bounded memory (issue 18): DBSCAN's neighbourhoods a chunk at a time,
with scikit-learn's labels; DBSCAN and HDBSCAN evaluations under the mem_mb the rule declares."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.cluster import DBSCAN

from musiclust.cluster.dbscan import chunk_rows, chunked_dbscan
from tests.conftest import ROOT


@pytest.mark.parametrize("seed", range(6))
def test_chunked_dbscan_gives_scikit_learns_labels(seed):
    """Noise, clusters, their numbering and every border point's cluster, with chunks of 7 rows."""
    rng = np.random.default_rng(seed)
    n, dims = int(rng.integers(100, 500)), int(rng.integers(2, 8))
    vectors = rng.standard_normal((5, dims))[rng.integers(0, 5, n)] * 4 + rng.standard_normal((n, dims))
    eps, min_samples = float(rng.uniform(0.5, 0.9)) * np.sqrt(dims), int(rng.integers(3, 9))
    reference = DBSCAN(eps=eps, min_samples=min_samples).fit(vectors)
    expected = reference.labels_
    chunk_mb = 7 * n * 16 / 2**20
    assert chunk_rows(n, chunk_mb) == 7
    labels = chunked_dbscan(vectors, eps, min_samples, chunk_mb=chunk_mb)
    assert np.array_equal(labels, expected)
    # (Something to compare: noise, several clusters, border points.)
    borders = np.setdiff1d(np.flatnonzero(labels >= 0), reference.core_sample_indices_)
    assert (labels == -1).any() and labels.max() >= 1 and len(borders)


# A fresh process: generate the latent, evaluate, report the peak RSS and the declared memory.
_EVALUATE = """
import json, resource, sys
import numpy as np
from musiclust.cluster.algorithms import evaluation_mem_mb
from musiclust.cluster.evaluation import evaluate

n, dims, algorithms = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
vectors = (np.random.default_rng(0).standard_normal((n, dims)) * 0.05).astype(np.float32)
evaluation = evaluate(vectors, algorithms, seed=0)
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "declared_mb": evaluation_mem_mb(n, dims, algorithms),
                  "clusters": {name: int(labels.max()) + 1 for name, labels in evaluation.labels.items()}}))
"""


def test_dbscan_and_hdbscan_evaluation_stays_under_the_declared_mem_mb():
    """12,000 tracks in one tight clump and DBSCAN's eps wider than it: every track neighbours
    every other, 144 million pairs (scikit-learn's DBSCAN held them all: 2.3 GB at its peak
    against 1,005 MB declared). HDBSCAN alongside. The evaluation's peak RSS, in a fresh process,
    stays under what the evaluate rule declares (evaluation_mem_mb)."""
    algorithms = {"dbscan": {"eps": 1.0, "min_samples": 5}, "hdbscan": {"min_cluster_size": 5}}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", _EVALUATE, "12000", "8", json.dumps(algorithms)],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["clusters"]["dbscan"] == 1  # the clump, as one cluster
    assert measured["peak_mb"] < measured["declared_mb"], measured
