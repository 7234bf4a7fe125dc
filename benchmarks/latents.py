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
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from snakemake.utils import update_config

from musiclust.models.collapse import MIN_ACTIVE, active_dimensions
from musiclust.representations.geometry import MIN_EFFECTIVE_DIMS, effective_dimensionality
from musiclust.representations.latents import LOGVAR, read_latents
from musiclust.parquet_tables import column_array, read_table

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
HOLDOUT = 0.2
BASELINES = {"mel": "pca_mel", "mfcc_stats": "pca_mfcc", "mfcc2d": "pca_mfcc2d", "musicnn": "pca_musicnn"}
SCORING = {"kmeans": {"k": "n_genres", "n_init": 10}, "gmm": {"k": "n_genres"}}


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
    # From inside the work directory: snakemake takes a folder named like a profile in the
    # current directory (e.g. the work directory's own `default/`) for its workflow profile.
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=workdir)


def model_rows(results: Path) -> pd.DataFrame:
    """One row per learned model and seed: its latent facts, measured on its latents
    (``models.collapse.active_dimensions`` above the floor it trained with, and
    ``representations.geometry.effective_dimensionality``) and read from its history."""
    rows = []
    for latents_path in sorted(results.glob("models/*/seed-*/latents.parquet")):
        history_path = latents_path.with_name("history.parquet")
        if not history_path.exists():
            continue  # a baseline: no training
        _, mu, info = read_latents(latents_path)
        table = read_table(latents_path)
        logvar = column_array(table, LOGVAR) if LOGVAR in table.column_names else None
        dims = active_dimensions(mu, logvar, kl_threshold=info["kl_threshold"],
                                 variance_threshold=info["variance_threshold"],
                                 free_bits=info["training"]["free_bits"] if logvar is not None else 0.0)
        history = read_table(history_path).to_pandas()
        best = info.get("best_epoch") or int(history["epoch"].max())
        heldout = history.loc[history["epoch"] == best, "heldout_neg_elbo"]
        geometry = effective_dimensionality(mu)
        rows.append({
            "representation": info["representation"], "seed": info["seed"], "features": info["features"],
            "marked": int(dims.collapsed(info.get("min_active_dims", MIN_ACTIVE))
                          or geometry.degenerate(info.get("min_effective_dims", MIN_EFFECTIVE_DIMS))),
            "active_old": dims.active_above_kl_threshold, "active": dims.active, "at_floor": dims.at_floor or 0,
            "effective_dims": geometry.participation_ratio,
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
               "effective_dims": "effective dims", "heldout_neg_elbo": "held-out −ELBO", "best_epoch": "best epoch",
               "kmeans": "K-Means ARI",
               "gmm": "GMM ARI", "baseline_kmeans": "baseline K-Means ARI", "baseline_gmm": "baseline GMM ARI"}
    grouped = models.groupby(["representation", "baseline"], sort=False)
    out = grouped[list(columns)].agg(spread).rename(columns=columns).reset_index()
    # Seeds whose latents the report marks collapsed or degenerate (the thresholds they were run with).
    out.insert(2, "seeds marked", grouped["marked"].sum().to_numpy())
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
