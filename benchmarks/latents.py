"""Do the learned representations use their latents? Per learned representation of a run.

Runs the pipeline (nice, in its own work directory) for each setting asked, over several seeds,
up to the evaluations, then prints per learned representation, mean ± std over the seeds:
active latent dimensions as the old test counted them (KL and variance above 0.01) and as
counted above the free-bits floor, the dimensions pinned at the floor, the effective
dimensionality of the latent means (participation ratio of their covariance), the held-out
negative ELBO (nats per track, at the epoch whose weights gave the latents), and K-Means and
GMM ARI beside those of the PCA baseline of the same features.

Settings:

* ``default``: config.yaml as it is (the first run), plus a PCA baseline of the 2-D MFCCs.
* ``study2_hard``: presets/study2_hard.yaml's rows (the study's loss, and the extra rows beyond
  it) on the demo, beside a PCA baseline of the same MFCC statistics.

Both score K-Means and GMM with k = the demo's genres, and hold out a seeded 20 % of the tracks
from training wherever a setting holds out none (the study's rows included), so that every row
has a held-out ELBO. ARI is reported for comparison only: nothing here chooses by it.

    nice python benchmarks/latents.py --workdir /tmp/latents --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml
from snakemake.utils import update_config

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
HOLDOUT = 0.2
BASELINES = {"mel": "pca_mel", "mfcc_stats": "pca_mfcc", "mfcc2d": "pca_mfcc2d"}
SCORING = {"kmeans": {"k": "n_genres", "n_init": 10}, "gmm": {"k": "n_genres"}}


def participation_ratio(vectors: np.ndarray) -> float:
    """(Σλ)² / Σλ² of the covariance of ``vectors``: 1 when one direction holds all the variance."""
    eigenvalues = np.clip(np.linalg.eigvalsh(np.cov(np.asarray(vectors, np.float64), rowvar=False)), 0, None)
    return float(eigenvalues.sum() ** 2 / (eigenvalues**2).sum()) if eigenvalues.any() else 0.0


def _with_baselines(config: dict) -> dict:
    config["representations"].setdefault("pca_mfcc2d", {"family": "pca", "features": "mfcc2d", "n_components": 32})
    config["clustering"]["algorithms"] = copy.deepcopy(SCORING)
    for spec in config["representations"].values():
        if "training" in spec and not {**config.get("training", {}), **spec["training"]}.get("holdout_fraction"):
            spec["training"]["holdout_fraction"] = HOLDOUT
    return config


def default_config(seeds: list[int]) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["seeds"] = seeds
    return _with_baselines(config)


def preset_config(name: str, seeds: list[int]) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    update_config(config, yaml.safe_load((ROOT / "presets" / f"{name}.yaml").read_text()))
    config["dataset"], config["seeds"] = "demo", seeds
    if config["training"].get("holdout_fraction", 0) == 0:
        config["training"]["holdout_fraction"] = HOLDOUT
    config = _with_baselines(config)
    features = {config["representations"][r]["features"] for r in config["only"]["representations"]}
    config["only"] = {"representations": [*config["only"]["representations"], *(BASELINES[f] for f in sorted(features))],
                      "algorithms": list(SCORING)}
    return config


def run(workdir: Path, config: dict, cores: int) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    command = ["nice", str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile",
               str(workdir / "config.yaml"), "--cores", str(cores), "--rerun-incomplete",
               f"{config['results_dir']}/{config['dataset']}/report/metrics.csv"]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _info(path: Path) -> dict:
    return json.loads(pq.read_schema(path).metadata[b"info"])


def model_rows(results: Path) -> pd.DataFrame:
    """One row per learned model and seed: its latent facts, read from its outputs."""
    rows = []
    for latents_path in sorted(results.glob("models/*/seed-*/latents.parquet")):
        history_path = latents_path.with_name("history.parquet")
        if not history_path.exists():
            continue  # a baseline: no training
        info = _info(latents_path)
        latents = pq.read_table(latents_path)
        mu = np.stack(latents.column("mean").to_numpy(zero_copy_only=False))
        history = pq.read_table(history_path).to_pandas()
        kl = np.asarray(json.loads(pq.read_schema(history_path).metadata[b"kl_per_dim"]) or [np.nan] * mu.shape[1])
        floor = float(info["training"]["free_bits"])
        varies = mu.var(axis=0) > info["variance_threshold"]
        best = info.get("best_epoch") or int(history["epoch"].max())
        heldout = history.loc[history["epoch"] == best, "heldout_neg_elbo"]
        rows.append({
            "representation": info["representation"], "seed": info["seed"], "features": info["features"],
            "active_old": info["active_dims"],
            # The floor-aware count: clearly above the free-bits floor (diag's definition lands in the library).
            "active": int(((kl > max(floor * 1.5, floor + 0.05, info["kl_threshold"])) & varies).sum()),
            "at_floor": int((np.abs(kl - floor) <= 0.05).sum()) if floor > 0 else 0,
            "effective_dims": participation_ratio(mu),
            "heldout_neg_elbo": float(heldout.iloc[0]) if len(heldout) else np.nan,
            "epochs": int(history["epoch"].max()), "best_epoch": best,
        })
    return pd.DataFrame(rows)


def table(results: Path) -> pd.DataFrame:
    models = model_rows(results)
    metrics = pd.read_csv(results / "report" / "metrics.csv")
    ari = metrics.pivot_table(index=["representation", "seed"], columns="algorithm", values="ari").reset_index()
    models = models.merge(ari, on=["representation", "seed"], how="left")
    models["baseline"] = models["features"].map(BASELINES)
    base = ari.rename(columns={"representation": "baseline", **{a: f"baseline_{a}" for a in SCORING}})
    models = models.merge(base, on=["baseline", "seed"], how="left")

    def spread(values: pd.Series) -> str:
        values = values.dropna()
        if values.empty:
            return "—"
        scale = 0 if values.abs().max() >= 100 else 2
        return f"{values.mean():.{scale}f} ± {values.std(ddof=0):.{scale}f}" if len(values) > 1 else f"{values.mean():.{scale}f}"

    columns = {"active_old": "active (old count)", "active": "active (above floor)", "at_floor": "at the floor",
               "effective_dims": "effective dims", "heldout_neg_elbo": "held-out −ELBO", "kmeans": "K-Means ARI",
               "gmm": "GMM ARI", "baseline_kmeans": "baseline K-Means ARI", "baseline_gmm": "baseline GMM ARI"}
    grouped = models.groupby(["representation", "baseline"], sort=False)
    out = grouped[list(columns)].agg(spread).rename(columns=columns).reset_index()
    return out.sort_values("representation").reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/musiclust-latents"))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--settings", nargs="+", default=["default", "study2_hard"], choices=["default", "study2_hard"])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--no-run", action="store_true", help="only read the results already in --workdir")
    args = parser.parse_args()
    for setting in args.settings:
        config = default_config(args.seeds) if setting == "default" else preset_config(setting, args.seeds)
        workdir = args.workdir / setting
        if not args.no_run:
            run(workdir, config, args.cores)
        print(f"\n{setting} (seeds {', '.join(map(str, args.seeds))}; mean ± std):\n")
        print(table(workdir / config["results_dir"] / config["dataset"]).to_markdown(index=False), flush=True)


if __name__ == "__main__":
    main()
