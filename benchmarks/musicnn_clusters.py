"""MusiCNN embeddings against the studies' audio representations on the demo, over seeds (issue 19).

Runs the workflow (config.yaml's demo and representations, the studies' epochs, K-Means and GMM
only) in a work directory, then prints per representation mean ± std over the seeds of K-Means
and GMM ARI / NMI / silhouette and the dimensions clustered: the embeddings as they are (raw,
standardised), their PCA-32, the basic VAE on them and its hybrid with the text latent, beside
pca_mel, conv_vae_mel, vae_mfcc and the first study's hybrid. The demo's genres are synthetic
recipes, not music a tagger was trained on: a smoke test of the wiring, not evidence.

    python benchmarks/musicnn_clusters.py --workdir /tmp/musicnn_clusters --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ["pca_mel", "conv_vae_mel", "vae_mfcc", "pca_text_metadata", "hybrid_mel_metadata"]
MUSICNN = ["raw_musicnn", "pca_musicnn", "vae_musicnn", "hybrid_musicnn_metadata", "hybrid_pca_musicnn_metadata"]


def clusters_config(seeds: list[int], full_demo: bool) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["seeds"] = seeds
    if full_demo:  # the generator's demo (12 tracks a genre, 30 s), as benchmarks/fusion.py
        config["datasets"]["demo"]["demo"].update(tracks_per_genre=12, clip_seconds=30.0)
    representations = config["representations"]
    representations["conv_vae_mel"]["training"]["epochs"] = 25  # the first study's
    representations["raw_musicnn"] = {"family": "raw", "features": "musicnn"}
    representations["hybrid_pca_musicnn_metadata"] = {"family": "hybrid_concat", "parts": ["pca_musicnn", "pca_text_metadata"]}
    config["only"] = {"representations": STUDIES + MUSICNN, "algorithms": ["kmeans", "gmm"]}
    return config


def run(workdir: Path, config: dict, cores: int) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(Path(sys.executable).with_name("snakemake")), "-s", str(ROOT / "Snakefile"), "--directory",
               str(workdir), "--configfile", str(workdir / "config.yaml"), "--cores", str(cores),
               "results/demo/report/metrics.csv"]
    subprocess.run(command, check=True)


def table(workdir: Path, config: dict) -> pd.DataFrame:
    metrics = pd.read_csv(workdir / "results/demo/report/metrics.csv")
    rows = []
    for rep in config["only"]["representations"]:
        row = {"representation": rep, "family": config["representations"][rep]["family"]}
        for algorithm in ("kmeans", "gmm"):
            runs = metrics[(metrics["representation"] == rep) & (metrics["algorithm"] == algorithm)]
            for metric in ("ari", "nmi", "silhouette"):
                row[f"{algorithm} {metric}"] = f"{runs[metric].mean():.3f} ± {runs[metric].std(ddof=0):.3f}"
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--full-demo", action="store_true", help="the generator's 96 tracks of 30 s (config.yaml: 64 of 10 s)")
    parser.add_argument("--no-run", action="store_true", help="only print the table of a finished run")
    args = parser.parse_args()
    config = clusters_config(args.seeds, args.full_demo)
    if not args.no_run:
        run(args.workdir, config, args.cores)
    print(table(args.workdir, config).to_markdown(index=False))


if __name__ == "__main__":
    main()
