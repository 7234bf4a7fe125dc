"""Planning cost at FMA's sizes: jobs, CPU time, wall time and memory of ``snakemake -n``.

For each size (by default FMA small, medium and large: 8,000, 25,000 and 106,574 tracks) a
work folder gets a collection in FMA's layout on disk (README, "Data already on disk"):
``fma_metadata/tracks.csv`` in FMA's format (the two-row column header and the ``track_id``
line), every track with one top genre of 16 (real FMA leaves ``genre_top`` empty for more than
half of fma_large, so this is the upper bound), beside an ``fma_{size}`` audio folder that
planning never opens. The selection checkpoint then runs for real, and ``snakemake -n`` of
the default target (the repository's config.yaml, only the dataset added) is timed: CPU
seconds of the snakemake process and its children (``RUSAGE_CHILDREN``, one fresh process a
measurement), wall seconds and peak RSS.

``--noop`` adds the no-op rerun of a finished tiny demo (the tests' ``tiny_config``): the
whole workflow runs once (a few minutes), then ``snakemake`` again is timed.

Run: ``python benchmarks/dag.py [--sizes 8000 25000 106574] [--noop]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
FMA_SIZES = {8_000: "small", 25_000: "medium", 106_574: "large"}
GENRES = ("Blues", "Classical", "Country", "Easy Listening", "Electronic", "Experimental", "Folk", "Hip-Hop",
          "Instrumental", "International", "Jazz", "Old-Time / Historic", "Pop", "Rock", "Soul-RnB", "Spoken")


def fma_tracks_csv(n_tracks: int, seed: int = 0) -> pd.DataFrame:
    """A tracks.csv of ``n_tracks`` in FMA's format (the columns the selection reads, and a few more)."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(160_000, size=n_tracks, replace=False)) + 2
    columns = {
        ("artist", "name"): [f"Artist {i % 9973}" for i in ids],
        ("set", "split"): rng.choice(["training", "validation", "test"], size=n_tracks, p=[0.8, 0.1, 0.1]),
        ("set", "subset"): _subsets(n_tracks, rng),
        ("track", "duration"): rng.integers(30, 600, size=n_tracks),
        ("track", "genre_top"): rng.choice(GENRES, size=n_tracks),
        ("track", "language_code"): "en",
        ("track", "title"): [f"Track {i}" for i in ids],
    }
    table = pd.DataFrame(columns, index=pd.Index(ids, name="track_id"))
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def _subsets(n_tracks: int, rng: np.random.Generator) -> np.ndarray:
    """FMA's nesting: 8,000 small, 25,000 medium (small included), the rest large only."""
    subsets = np.array(["large"] * n_tracks, dtype=object)
    order = rng.permutation(n_tracks)
    subsets[order[:25_000]] = "medium"
    subsets[order[:8_000]] = "small"
    return subsets


def fma_folder(root: Path, n_tracks: int, size: str) -> Path:
    """``root/fma_metadata/tracks.csv`` of ``n_tracks`` beside an (empty) ``root/fma_{size}``."""
    (root / "fma_metadata").mkdir(parents=True)
    (root / f"fma_{size}").mkdir()
    fma_tracks_csv(n_tracks).to_csv(root / "fma_metadata" / "tracks.csv")
    return root


def bench_config(dataset: str, size: str, folder: Path, overrides: dict | None = None) -> dict:
    """config.yaml with an ``fma`` dataset read from ``folder`` (FMA's layout) as the default."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["datasets"][dataset] = {
        "kind": "fma",
        "size": size,
        "path": str(folder),
        "selection": {"subset": size, "genres": None, "tracks_per_genre": None, "seed": 42},
    }
    config["dataset"] = dataset
    for key, value in (overrides or {}).items():
        section = config
        *parents, leaf = key.split(".")
        for parent in parents:
            section = section[parent]
        section[leaf] = value
    return config


def run_snakemake(workdir: Path, config: dict, *args: str) -> dict:
    """One snakemake process: its result, CPU seconds (with children), wall seconds, peak RSS."""
    config_path = workdir / "config.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(config_path), "--cores", "2", *args]
    # A child of a child process: RUSAGE_CHILDREN then holds this measurement only.
    probe = ("import resource, subprocess, sys, time, json; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); w = time.perf_counter() - t; "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(json.dumps(dict(rc=r.returncode, out=r.stdout, err=r.stderr, wall=w, "
             "cpu=u.ru_utime + u.ru_stime, rss_mib=u.ru_maxrss / 1024)))")
    result = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True)
    measured = json.loads(result.stdout)
    if measured["rc"] != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed:\n{measured['out'][-3000:]}{measured['err'][-3000:]}")
    return measured


def planned_job_count(output: str) -> int:
    """The "total" line of Snakemake's job stats (0 when there is nothing to do)."""
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "total":
            return int(parts[1])
    return 0


def plan_size(n_tracks: int, overrides: dict | None = None) -> dict:
    size = FMA_SIZES.get(n_tracks, "large")
    dataset = "fma_bench"
    with tempfile.TemporaryDirectory(prefix="musiclust-dag-") as tmp:
        workdir = Path(tmp)
        config = bench_config(dataset, size, fma_folder(workdir / "fma", n_tracks, size), overrides)
        run_snakemake(workdir, config, f"results/{dataset}/tracks.parquet")
        metadata = pq.read_schema(workdir / "results" / dataset / "tracks.parquet").metadata
        measured = run_snakemake(workdir, config, "--dry-run")
    measured.update(tracks=n_tracks, shards=int(metadata[b"n_shards"]),
                    jobs=planned_job_count(measured["out"] + measured["err"]))
    return measured


def noop_rerun(workdir: Path | None) -> dict:
    """``snakemake`` again in a finished tiny demo: ``workdir`` (run there first unless it has
    finished already, e.g. the tests' workflow folder), or a temporary folder."""
    sys.path.insert(0, str(ROOT))
    from tests.conftest import tiny_config

    with tempfile.TemporaryDirectory(prefix="musiclust-noop-") as tmp:
        workdir = workdir or Path(tmp)
        if not (workdir / "results" / "demo" / "report" / "index.html").exists():
            run_snakemake(workdir, tiny_config())
        measured = run_snakemake(workdir, tiny_config())
    measured.update(tracks="demo (tiny, finished): snakemake", shards="",
                    jobs=planned_job_count(measured["out"] + measured["err"]))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(FMA_SIZES))
    parser.add_argument("--noop", action="store_true", help="also time the no-op rerun of a finished tiny demo")
    parser.add_argument("--noop-dir", type=Path, help="the tiny demo's folder (kept; reused once finished)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. features.shard_size=64 (YAML value)")
    args = parser.parse_args()
    overrides = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.set)}
    rows = [plan_size(n, overrides) for n in args.sizes]
    if args.noop or args.noop_dir:
        rows.append(noop_rerun(args.noop_dir))
    print("| tracks | shards | jobs | CPU-s | wall s | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        tracks = f"{row['tracks']:,}" if isinstance(row["tracks"], int) else row["tracks"]
        print(f"| {tracks} | {row['shards']} | {row['jobs']:,} | {row['cpu']:.1f} | {row['wall']:.1f} | {row['rss_mib']:.0f} |")
    print(f"(FMA sizes: snakemake -n of the default target, config.yaml {'+ ' + str(overrides) if overrides else 'as is'}; "
          f"CPU = user + system of snakemake and its children; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
