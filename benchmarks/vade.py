"""VaDE against the studies' two-step recipe on the demo, over seeds (issue 20).

Runs the workflow (config.yaml's demo and settings; the representations below; K-Means and GMM)
in a work directory, then prints, per representation, mean ± std over the seeds of ARI and NMI
for K-Means and GMM on its latents and, for the VaDE models, their own clusters (the `vade`
rows); then the training time of each VaDE model against its plain VAE, as the ratio of the
summed epoch times of the same run (the machine's load cancels out, roughly). The demo is a
smoke test with planted genres, not evidence about real music.

    nice python benchmarks/vade.py --workdir /tmp/vade_bench --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parents[1]
REPRESENTATIONS = ["pca_mfcc", "raw_mfcc", "vae_mfcc", "vade_mfcc", "pca_mel", "conv_vae_mel", "conv_vade_mel"]
PAIRS = {"vade_mfcc": "vae_mfcc", "conv_vade_mel": "conv_vae_mel"}  # VaDE model → the plain VAE it extends


def run(workdir: Path, seeds: list[int], cores: int) -> Path:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["seeds"] = seeds
    config["only"] = {"representations": REPRESENTATIONS, "algorithms": ["kmeans", "gmm"]}
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(Path(sys.executable).with_name("snakemake")), "-s", str(ROOT / "Snakefile"), "--directory",
               str(workdir), "--configfile", str(workdir / "config.yaml"), "--cores", str(cores),
               f"results/{config['dataset']}/report/metrics.csv"]
    subprocess.run(command, check=True)
    return workdir / "results" / config["dataset"]


def table(results: Path) -> pd.DataFrame:
    metrics = pd.read_csv(results / "report" / "metrics.csv")
    metrics = metrics[metrics["representation"].isin(REPRESENTATIONS)]
    grouped = metrics.groupby(["representation", "algorithm"])[["ari", "nmi"]].agg(["mean", "std", "count"])
    rows = []
    for (rep, algorithm), values in grouped.iterrows():
        rows.append({"representation": rep, "algorithm": algorithm, "seeds": int(values[("ari", "count")]),
                     **{m: f"{values[(m, 'mean')]:.3f} ± {values[(m, 'std')]:.3f}" for m in ("ari", "nmi")}})
    order = {rep: i for i, rep in enumerate(REPRESENTATIONS)}
    return pd.DataFrame(rows).sort_values(["representation", "algorithm"], key=lambda c: c.map(order) if
                                          c.name == "representation" else c)


def facts(results: Path) -> pd.DataFrame:
    """Per VaDE model and seed: training time against its plain VAE's, components used, active dims."""
    rows = []
    for vade, plain in PAIRS.items():
        for history in sorted((results / "models" / vade).glob("seed-*/history.parquet")):
            seed_dir = history.parent.name
            plain_history = results / "models" / plain / seed_dir / "history.parquet"
            meta = json.loads(pq.read_schema(history).metadata[b"info"])
            vade_time = pq.read_table(history, columns=["time_s"]).column(0).to_numpy().sum()
            plain_time = pq.read_table(plain_history, columns=["time_s"]).column(0).to_numpy().sum()
            rows.append({"model": vade, "seed": seed_dir, "time_s": round(float(vade_time), 1),
                         "plain_time_s": round(float(plain_time), 1), "ratio": round(float(vade_time / plain_time), 2),
                         "epochs": meta["epochs"], "k": meta["n_components"],
                         "empty_components": meta["empty_components"], "active_dims": meta["active_dims"],
                         "effective_dims": meta.get("effective_dims")})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--no-run", action="store_true", help="only read a finished run in --workdir")
    args = parser.parse_args()
    if args.no_run:
        config = yaml.safe_load((ROOT / "config.yaml").read_text())
        results = args.workdir / "results" / config["dataset"]
    else:
        results = run(args.workdir, args.seeds, args.cores)
    print(table(results).to_markdown(index=False))
    print()
    print(facts(results).to_markdown(index=False))


if __name__ == "__main__":
    main()
