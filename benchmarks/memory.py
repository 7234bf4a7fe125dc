"""Peak memory of PCA and training on a synthetic shard set, against the memory budget.

Writes ``--tracks`` (default 25,000: FMA medium) tracks of two feature kinds as Parquet shards
the way the feature stage does (``--shard-size`` tracks a shard): ``mfcc_stats``-like 40-d
vectors and mel-like ``--mel-shape`` spectrograms (default 128×128, 64 KiB a track), values of
low rank plus noise. Each measurement is a fresh child process (``multiprocessing`` spawn)
doing what the rule does (``fit_baseline`` for PCA; ``load_features`` then ``train`` for a
model), and reports:

- ``peak RSS``: the child's ``ru_maxrss``; it counts the pages of a memory map that happen to be
  resident, which the kernel drops under pressure;
- ``peak anon``: the largest ``RssAnon`` (/proc/self/status) sampled every 20 ms: the memory
  that cannot be dropped, the one an out-of-memory kill is about.

Two more steps at FMA large's scale (``--evaluation-tracks``, default 100,000):

- ``evaluation``: one algorithm at a time on a synthetic latent (``--latent-dim`` 32: 16
  Gaussian clusters plus noise, as a VAE's latent), through ``evaluate`` as the evaluate rule
  runs it, against the ``mem_mb`` that rule declares (``evaluation_mem_mb``); with
  ``--dense-eps`` DBSCAN is also run with an ``eps`` wider than the data (every pair neighbours);
- ``table``: a ``kind: table`` Parquet file of FMA's 518 feature columns, read as selection
  (labels only) and as the feature job (the selected rows) do.

Run: ``python benchmarks/memory.py [--steps features evaluation table] [--tracks 25000]
[--budgets none 4000 1000] [--keep DIR] [--evaluation-tracks 100000] [--algorithms dbscan hdbscan]``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

SEED = 0


def write_shards(folder: Path, kind: str, n_tracks: int, shape: tuple[int, ...], shard_size: int) -> list[str]:
    """Low-rank (16) structure plus noise, shard by shard (never the whole set in memory)."""
    from musiclust.parquet_tables import build_table, write_table

    rng = np.random.default_rng([SEED, len(shape)])
    width = math.prod(shape)
    basis = rng.standard_normal((16, width)).astype(np.float32) / 4
    paths = []
    for n, start in enumerate(range(0, n_tracks, shard_size)):
        rows = min(shard_size, n_tracks - start)
        values = rng.standard_normal((rows, 16)).astype(np.float32) @ basis
        values += rng.standard_normal(values.shape, dtype=np.float32)
        path = folder / kind / f"shard-{n}.parquet"
        write_table(build_table(np.arange(start, start + rows), arrays={kind: values.reshape(rows, *shape)}), path)
        paths.append(str(path))
    return paths


def _anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(task: str, paths: list[str], kind: str, budget_mb: float | None, spill: str, out) -> None:
    """In the child: run ``task`` and send back its peaks and facts."""
    peak = {"anon": _anon_mb()}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak["anon"] = max(peak["anon"], _anon_mb())

    threading.Thread(target=sample, daemon=True).start()
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # one BLAS thread, like a one-thread job: on a loaded machine more only contend
    from musiclust.models import TrainConfig, train
    from musiclust.representations.baseline import fit_baseline
    from musiclust.representations.streaming import MemoryBudget, load_features

    budget = MemoryBudget(budget_mb)
    started = time.perf_counter()
    if task == "pca":
        _, vectors, model = fit_baseline({"family": "pca", "features": kind, "n_components": 32}, paths, SEED, budget)
        path = f"incremental, batches of {model.batch_rows_}" if model.batch_rows_ else "in memory"
    else:
        _, features = load_features(paths, kind, budget, spill)
        path = "memory-mapped" if isinstance(features, np.memmap) else "in memory"
        family, arch = ("vae", {"hidden": [256, 128], "latent_dim": 32}) if features.ndim == 2 else (
            "conv_vae", {"channels": [8, 16, 16, 32], "latent_dim": 32})
        if features.ndim == 2:  # the estimator standardises vectors: the same copy here
            features = (features - features.mean(axis=0)) / features.std(axis=0)
        config = TrainConfig(epochs=1, batch_size=64, seed=SEED, device="cpu", threads=1)
        train(family, arch, features, None, config, None, progress=False)
        Path(spill).unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    done.set()
    peak["anon"] = max(peak["anon"], _anon_mb())
    out.send({"path": path, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "anon_mb": peak["anon"], "seconds": elapsed})


def measure(task: str, paths: list[str], kind: str, budget_mb: float | None, spill: Path) -> dict:
    return _in_child(_measure, task, paths, kind, budget_mb, str(spill))


def _in_child(target, *args) -> dict:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(*args, send))
    child.start()
    result = receive.recv()
    child.join()
    return result


def _peaks(run) -> dict:
    """``run()``'s peak RSS and peak anon (sampled), its seconds, and what it returns."""
    peak = {"anon": _anon_mb()}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak["anon"] = max(peak["anon"], _anon_mb())

    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    facts = run()
    elapsed = time.perf_counter() - started
    done.set()
    return {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "anon_mb": max(peak["anon"], _anon_mb()), "seconds": elapsed, **facts}


def synthetic_latent(n_tracks: int, dims: int, dense: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """16 Gaussian clusters plus unit noise (float32, as latents are stored) and each track's
    cluster as its genre; ``dense``: one tight clump instead (every track within 1.0 of every other)."""
    rng = np.random.default_rng(SEED)
    genres = rng.integers(0, 16, n_tracks)
    if dense:
        return (rng.standard_normal((n_tracks, dims)) * 0.05).astype(np.float32), genres.astype(str)
    centres = rng.standard_normal((16, dims)) * 3
    return (centres[genres] + rng.standard_normal((n_tracks, dims))).astype(np.float32), genres.astype(str)


def _measure_evaluation(n_tracks: int, dims: int, algorithms: dict, dense: bool, out) -> None:
    from threadpoolctl import threadpool_limits

    from musiclust.cluster.algorithms import evaluation_mem_mb
    from musiclust.cluster.evaluation import evaluate

    threadpool_limits(1)
    vectors, genres = synthetic_latent(n_tracks, dims, dense)

    def run() -> dict:
        evaluation = evaluate(vectors, algorithms, genres=genres, seed=SEED)
        errors = [e for e in evaluation.metrics.get("error", []) if isinstance(e, str)]
        return {"clusters": {a: int(v.max()) + 1 for a, v in evaluation.labels.items()}, "errors": errors}

    out.send({**_peaks(run), "declared_mb": evaluation_mem_mb(n_tracks, dims, algorithms)})


def _measure_table(path: str, n_selected: int, out) -> None:
    from musiclust.data.feature_table import feature_table_shard, read_feature_table

    def run() -> dict:
        tracks, _ = read_feature_table(path, with_features=False)  # what selection reads
        shard = feature_table_shard(path, tracks.index.to_numpy()[:n_selected])  # the feature job
        return {"tracks": len(tracks), "shard_mb": shard.nbytes / 2**20}

    out.send(_peaks(run))


def write_feature_table(path: Path, n_tracks: int, columns: int = 518, row_group: int = 10_000) -> float:
    """An FMA-features-sized Parquet table (float32 columns, genre and title), MiB on disk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(SEED)
    names = [f"f{i:03d}" for i in range(columns)]
    schema = pa.schema([("track_id", pa.int64()), ("genre", pa.string()), ("title", pa.string()),
                        *[(n, pa.float32()) for n in names]])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n_tracks, row_group):
            rows = min(row_group, n_tracks - start)
            values = rng.standard_normal((rows, columns)).astype(np.float32)
            arrays = [pa.array(np.arange(start, start + rows)), pa.array([f"g{i % 16}" for i in range(rows)]),
                      pa.array([f"track {start + i}" for i in range(rows)]), *[pa.array(values[:, j]) for j in range(columns)]]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return path.stat().st_size / 2**20


def evaluation_rows(args) -> list[tuple]:
    rows = []
    runs = [(a, False) for a in args.algorithms] + ([("dbscan", True)] if args.dense_eps else [])
    for algorithm, dense in runs:
        params = {"eps": 1.0, "min_samples": 5} if dense else {}
        result = _in_child(_measure_evaluation, args.evaluation_tracks, args.latent_dim, {algorithm: params}, dense)
        label = f"{algorithm} (eps 1.0 over one clump)" if dense else algorithm
        print(f"  evaluation {label}: {result}", flush=True)
        rows.append((label, result))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--shard-size", type=int, default=417, help="tracks a shard (config features.max_shards' scale)")
    parser.add_argument("--mel-shape", type=int, nargs=2, default=[128, 128])
    parser.add_argument("--budgets", nargs="+", default=["none", "4000", "1000"], help="MiB, or none")
    parser.add_argument("--keep", type=Path, help="write the shards here and keep them (default: a temporary folder)")
    parser.add_argument("--steps", nargs="+", default=["features", "evaluation", "table"],
                        choices=["features", "evaluation", "table"])
    parser.add_argument("--evaluation-tracks", type=int, default=100_000)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--algorithms", nargs="+", default=["kmeans", "agglomerative", "gmm", "dbscan", "hdbscan"])
    parser.add_argument("--dense-eps", action="store_true", help="also DBSCAN with eps wider than the data")
    args = parser.parse_args()
    budgets = [None if b == "none" else float(b) for b in args.budgets]
    if "evaluation" in args.steps:
        print(f"evaluation: {args.evaluation_tracks} tracks × {args.latent_dim} latent dimensions", flush=True)
        rows = evaluation_rows(args)
        print("\n| algorithm | declared mem_mb | peak RSS MiB | peak anon MiB | s | clusters |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, r in rows:
            clusters = next(iter(r["clusters"].values()), None)
            print(f"| {label} | {r['declared_mb']} | {r['rss_mb']:.0f} | {r['anon_mb']:.0f} | {r['seconds']:.0f} | "
                  f"{clusters if clusters is not None else r['errors']} |")
    if "table" in args.steps:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "features.parquet"
            size = write_feature_table(path, args.evaluation_tracks)
            result = _in_child(_measure_table, str(path), args.evaluation_tracks // 2)
            print(f"\ntable: {args.evaluation_tracks} tracks × 518 float32 columns, {size:.0f} MiB on disk "
                  f"({args.evaluation_tracks * 518 * 4 / 2**20:.0f} MiB as float32), half selected: {result}")
    if "features" not in args.steps:
        return

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        kinds = {"mfcc_stats": (40,), "mel": tuple(args.mel_shape)}
        rows = []
        for kind, shape in kinds.items():
            started = time.perf_counter()
            paths = write_shards(folder, kind, args.tracks, shape, args.shard_size)
            data_mb = args.tracks * math.prod(shape) * 4 / 2**20
            print(f"{kind}: {args.tracks} tracks × {shape}, {len(paths)} shards, {data_mb:.0f} MiB as float32 "
                  f"(written in {time.perf_counter() - started:.0f} s)", flush=True)
            for task in ("pca", "train"):
                for budget in budgets:
                    result = measure(task, paths, kind, budget, folder / "features.npy")
                    rows.append((kind, task, budget, data_mb, result))
                    print(f"  {task:5} budget {budget or 'none'}: {result}", flush=True)

    print("\n| features | step | budget MiB | how | data MiB | peak RSS MiB | peak anon MiB | s |")
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for kind, task, budget, data_mb, r in rows:
        print(f"| {kind} | {task} | {budget or 'none':} | {r['path']} | {data_mb:.0f} | {r['rss_mb']:.0f} | "
              f"{r['anon_mb']:.0f} | {r['seconds']:.0f} |")


if __name__ == "__main__":
    main()
