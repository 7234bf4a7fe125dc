"""DBSCAN in bounded memory: scikit-learn's labels, its neighbourhoods asked a chunk at a time.

scikit-learn's ``DBSCAN`` asks for every track's ``eps``-neighbourhood at once and keeps them
all until the end: one index per pair of neighbours, n² at worst (a wide ``eps``, a dense
region), 80 GB for 100,000 tracks. Here the same search (``NearestNeighbors.radius_neighbors``,
as DBSCAN builds it) is asked for ``chunk_rows`` tracks at a time, and each chunk is reduced
before the next:

1. each track's neighbours are counted (itself included): at least ``min_samples`` make it a
   core point; a non-core point has fewer than ``min_samples``, and those are kept;
2. each core point's core neighbours join its cluster: connected components of the core
   points, merged as the joins are gathered (``scipy.sparse.csgraph.connected_components``,
   every ``MERGE_EVERY`` ids and at each chunk's end); a pair split across chunks is joined
   when the later chunk is searched, both statuses known then;
3. clusters are numbered by their first core point, and a border point joins the
   lowest-numbered cluster among its core neighbours. That is what scikit-learn's expansion
   gives (it grows one cluster at a time from the lowest unlabelled core point; the first to
   reach a border point keeps it), so the labels are scikit-learn's, noise included.

Memory: one chunk's neighbourhoods (``chunk_rows · n`` indices at worst, sized by
``NEIGHBOURHOOD_CHUNK_MB``), the non-core points' kept neighbours (``n · min_samples`` at most)
and a few arrays of n. Time: scikit-learn's search, once.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import NearestNeighbors

NOISE = -1
# One chunk's neighbourhoods, at worst every track a neighbour of each of its rows (MiB).
NEIGHBOURHOOD_CHUNK_MB = 256
# Bytes a neighbour costs while a chunk is searched: its index and its distance.
BYTES_PER_NEIGHBOUR = 16
# Components to join are gathered up to this many, then joined (each costs ~40 bytes then).
MERGE_EVERY = 2**20


def chunk_rows(n_tracks: int, chunk_mb: float = NEIGHBOURHOOD_CHUNK_MB) -> int:
    """Rows a chunk may hold so that even all-neighbour rows stay within ``chunk_mb``."""
    return max(1, int(chunk_mb * 2**20 // (max(n_tracks, 1) * BYTES_PER_NEIGHBOUR)))


def dbscan_mem_mb(n_tracks: int, min_samples: int, chunk_mb: float = NEIGHBOURHOOD_CHUNK_MB) -> float:
    """Memory (MiB) :func:`chunked_dbscan` needs beyond the vectors: one chunk, the kept
    neighbours of non-core points and the k-distance curve (``eps: auto``), a few arrays of n."""
    return chunk_mb + MERGE_EVERY * 48 / 2**20 + n_tracks * (2 * min_samples * BYTES_PER_NEIGHBOUR + 64) / 2**20


def _merge(component: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """``component`` (each point's component, named by a point) after joining each group of
    components into one (a group may name one several times)."""
    groups = [g for g in groups if len(g) > 1]
    if not groups:
        return component
    heads = np.concatenate([np.full(len(g) - 1, g[0]) for g in groups])
    tails = np.concatenate([g[1:] for g in groups])
    n = len(component)
    graph = coo_matrix((np.ones(len(heads), dtype=np.int8), (heads, tails)), shape=(n, n))
    return connected_components(graph, directed=False)[1][component]


def chunked_dbscan(vectors: np.ndarray, eps: float, min_samples: int,
                   chunk_mb: float = NEIGHBOURHOOD_CHUNK_MB) -> np.ndarray:
    """DBSCAN labels of ``vectors`` (noise -1), equal to ``sklearn.cluster.DBSCAN(eps,
    min_samples).fit_predict(vectors)``, with neighbourhoods held a chunk at a time."""
    vectors = np.asarray(vectors, dtype=np.float64)
    n = len(vectors)
    rows = chunk_rows(n, chunk_mb)
    search = NearestNeighbors(radius=eps).fit(vectors)  # (DBSCAN's defaults: auto, leaf 30, euclidean)

    # One pass. A chunk's counts make its core points; each core point joins its core neighbours
    # whose status is known by then (earlier chunks, this one): a pair split across chunks is
    # joined when the later one is searched (neighbourhoods are symmetric). Non-core points
    # keep their (fewer than min_samples) neighbours for the border points.
    core = np.zeros(n, dtype=bool)
    component = np.arange(n)
    kept_points, kept_neighbours = [], []
    for start in range(0, n, rows):
        end = min(start + rows, n)
        neighbourhoods = search.radius_neighbors(vectors[start:end], return_distance=False)
        counts = np.fromiter(map(len, neighbourhoods), dtype=np.int64, count=len(neighbourhoods))
        core[start:end] = counts >= min_samples
        for offset in np.flatnonzero(counts < min_samples):
            kept_points.append(np.full(counts[offset], start + offset, dtype=np.intp))
            kept_neighbours.append(neighbourhoods[offset].copy())  # (not a view of the chunk)
        groups, pending = [], 0
        for offset in np.flatnonzero(counts >= min_samples):
            neighbours = neighbourhoods[offset]  # (the point itself among them)
            joined = component[neighbours[core[neighbours]]]
            if (joined != joined[0]).any():  # (else all in its cluster already)
                groups.append(joined)
                pending += len(joined)
            if pending > MERGE_EVERY:  # joined now, the next rows' groups shrink
                component, groups, pending = _merge(component, groups), [], 0
        del neighbourhoods
        component = _merge(component, groups)
    core_points = np.flatnonzero(core)

    # Clusters numbered by first core point; borders join their lowest-numbered neighbouring cluster.
    labels = np.full(n, NOISE, dtype=np.intp)
    if len(core_points):
        clusters, first = np.unique(component[core_points], return_index=True)
        number = np.empty(len(clusters), dtype=np.intp)
        number[np.argsort(first)] = np.arange(len(clusters))
        labels[core_points] = number[np.searchsorted(clusters, component[core_points])]
    if kept_points:
        points, neighbours = np.concatenate(kept_points), np.concatenate(kept_neighbours)
        reached = core[neighbours]
        lowest = np.full(n, np.iinfo(np.intp).max, dtype=np.intp)
        np.minimum.at(lowest, points[reached], labels[neighbours[reached]])
        border = (lowest != np.iinfo(np.intp).max) & ~core
        labels[border] = lowest[border]
    return labels
