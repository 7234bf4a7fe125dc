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

Run: ``python benchmarks/memory.py [--tracks 25000] [--budgets none 4000 1000] [--keep DIR]``.
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
    from musiclust.tables import build_table, write_table

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
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_measure, args=(task, paths, kind, budget_mb, str(spill), send))
    child.start()
    result = receive.recv()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--shard-size", type=int, default=417, help="tracks a shard (config features.max_shards' scale)")
    parser.add_argument("--mel-shape", type=int, nargs=2, default=[128, 128])
    parser.add_argument("--budgets", nargs="+", default=["none", "4000", "1000"], help="MiB, or none")
    parser.add_argument("--keep", type=Path, help="write the shards here and keep them (default: a temporary folder)")
    args = parser.parse_args()
    budgets = [None if b == "none" else float(b) for b in args.budgets]

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
