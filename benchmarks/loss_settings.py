"""Loss settings compared by what a user without labels can see.

For each learned representation of the config (its family, architecture, epochs and batch
size), trains one model per loss setting on the features of a finished run, with a seeded
share of the tracks held out, and prints: active latent dimensions (KL and variance of the
means), total KL, the reconstruction error on the training tracks and on the held-out tracks
(summed squared error per track), and the held-out negative ELBO per track (nats; lower is
better). Genre labels are never read: this is how the defaults of ``training:`` are chosen.

    python benchmarks/loss_settings.py --results results/demo --seeds 0 1 \
        --representations vae_mfcc conv_vae_mfcc2d conv_vae_mel
    python benchmarks/loss_settings.py --results results/demo --seeds 0 1 \
        --representations beta_vae_mfcc --betas 1 4 10 --settings sum "sum + free bits 0.1"
"""

from __future__ import annotations

import argparse
import glob
import time
from pathlib import Path

import pandas as pd
import yaml

from musiclust.representations.estimators import AutoencoderRepresentation
from musiclust.parquet_tables import read_array_shards

SETTINGS = {  # every knob explicit, so a change of the library's defaults cannot blur a row
    "mean (old)": {"reconstruction": "mean", "kl_warmup_epochs": 0, "free_bits": 0.0},
    "sum": {"reconstruction": "sum", "kl_warmup_epochs": 0, "free_bits": 0.0},
    "sum + warm-up 10": {"reconstruction": "sum", "kl_warmup_epochs": 10, "free_bits": 0.0},
    "sum + free bits 0.1": {"reconstruction": "sum", "kl_warmup_epochs": 0, "free_bits": 0.1},
    "sum + warm-up 10 + free bits 0.1": {"reconstruction": "sum", "kl_warmup_epochs": 10, "free_bits": 0.1},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results/demo", help="a finished run's results/{dataset}")
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--representations", nargs="+", default=["vae_mfcc", "conv_vae_mfcc2d", "conv_vae_mel"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--betas", nargs="+", type=float, default=None,
                        help="train each setting at these β instead of the representation's own")
    args = parser.parse_args()
    config = yaml.safe_load(Path(args.config).read_text())
    rows = []
    for name in args.representations:
        spec = config["representations"][name]
        shards = sorted(glob.glob(f"{args.results}/features/{spec['features']}/shard-*.parquet"))
        _, features = read_array_shards(shards, spec["features"])
        training = {**{k: v for k, v in config["training"].items() if k in ("learning_rate",)}, **spec["training"]}
        runs = [(label, beta) for label in args.settings for beta in (args.betas or [training.get("beta")])]
        for label, beta in runs:
            for seed in args.seeds:
                started = time.perf_counter()
                model = AutoencoderRepresentation(
                    spec["family"], arch=spec.get("arch"), seed=seed, device="cpu", threads=1,
                    **{**training, **SETTINGS[label], "beta": beta, "holdout_fraction": args.holdout,
                       "early_stopping": False},
                ).fit(features)
                last = model.history_.iloc[-1]
                activity = model.active_dims_
                rows.append({
                    "representation": name, "setting": label, "beta": model.config_.beta, "seed": seed,
                    "active": activity.active, "active_kl": activity.active_kl,
                    "active_var": activity.active_variance, "kl": round(float(activity.kl_per_dim.sum()), 2),
                    # Per track, summed over the input's elements: comparable across settings.
                    "train_sse": round(float(last["reconstruction"]) * (features[0].size if label.startswith("mean") else 1), 1),
                    "heldout_sse": round(float(last["heldout_reconstruction"]), 1),
                    "heldout_neg_elbo": round(float(last["heldout_neg_elbo"]), 1),
                    "seconds": round(time.perf_counter() - started, 1),
                })
                print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    frame = pd.DataFrame(rows)
    print("\nMean over seeds:")
    print(frame.groupby(["representation", "setting", "beta"], sort=False).mean(numeric_only=True).round(1).to_string())


if __name__ == "__main__":
    main()
