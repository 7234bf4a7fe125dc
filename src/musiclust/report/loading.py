"""Reading a run's files into what the report's figures draw (plain arrays and frames).

The rules' adapters call these; a notebook can too. Nothing here draws or writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from musiclust.representations.latents import read_latents
from musiclust.parquet_tables import read_table

# Clustering and projection modules import scikit-learn (seconds): loaded by the functions
# that need them, so that drawing training curves stays quick.


def save_figure(fig: plt.Figure, path: str | Path, dpi: int = 110) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def read_history(path: str | Path) -> pd.DataFrame:
    """A model's per-epoch history without its list columns."""
    table = read_table(path)
    keep = [name for name in table.column_names if not str(table.schema.field(name).type).startswith(("list", "fixed"))]
    return table.select(keep).to_pandas()


def subsample(n: int, max_points: int | None, seed: int) -> np.ndarray:
    """Indices of at most ``max_points`` of ``n`` points (all of them, in order, if fewer)."""
    if not max_points or n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


def clustered_projection(latents: str | Path, evaluation: str | Path, tracks: str | Path, algorithm: str,
                         method: str, *, seed: int = 0, max_points: int | None = None) -> dict:
    """One representation's projected latents with its clusters (by ``algorithm``) and genres."""
    from musiclust.cluster.evaluation import read_evaluation
    from musiclust.cluster.labels import genres_of
    from musiclust.report.projections import project

    ids, vectors, info = read_latents(latents)
    eval_ids, result, _ = read_evaluation(evaluation)
    clusters = pd.Series(result.labels.get(algorithm, np.full(len(eval_ids), -1)), index=eval_ids).reindex(ids)
    keep = subsample(len(ids), max_points, seed)
    return {
        "name": info.get("representation", Path(latents).parent.parent.name),
        "beta": info.get("beta"),
        "algorithm": algorithm,
        "points": project(vectors[keep], method, seed=seed),
        "clusters": clusters.fillna(-1).astype(int).to_numpy()[keep],
        "genres": genres_of(tracks, ids)[keep],
    }


def best_clustering(evaluation: str | Path, tracks: str | Path, algorithm: str) -> dict:
    """Cluster labels of ``algorithm`` and genres, track by track, from one evaluation file."""
    from musiclust.cluster.evaluation import read_evaluation
    from musiclust.cluster.labels import genres_of

    ids, result, info = read_evaluation(evaluation)
    labels = result.labels.get(algorithm, np.full(len(ids), -1))
    return {"name": info.get("representation", Path(evaluation).parent.name), "algorithm": algorithm,
            "clusters": np.asarray(labels), "genres": genres_of(tracks, ids)}


def latent_means(paths: Sequence[str | Path]) -> dict[str, np.ndarray]:
    """Representation → encoder means, from latents files (the first file of each wins)."""
    out: dict[str, np.ndarray] = {}
    for path in paths:
        _, vectors, info = read_latents(path)
        out.setdefault(info.get("representation", Path(path).parent.parent.name), vectors)
    return out


def histories_by_seed(paths: Sequence[str | Path]) -> dict[int, pd.DataFrame]:
    """Seed (from the ``seed-{s}`` folder name) → history frame."""
    return {int(Path(path).parent.name.split("-", 1)[1]): read_history(path) for path in paths}


def file_of(paths: Sequence[str | Path], representation: str) -> Path:
    """The one of a seed's files (``.../evaluation/{rep}/seed-{s}.parquet`` or
    ``.../models/{rep}/seed-{s}/latents.parquet``) that belongs to ``representation``."""
    for path in map(Path, paths):
        folder = path.parent if path.name.startswith("seed-") else path.parent.parent
        if folder.name == representation:
            return path
    raise KeyError(f"no file of representation {representation!r} among {len(paths)} inputs")
