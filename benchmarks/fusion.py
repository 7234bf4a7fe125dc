"""Audio, text and their fusions on the demo, over seeds: the table issue 8 asks for.

Runs the workflow (config.yaml's demo and its representations, K-Means and GMM only) in a
work directory, then prints, per representation, mean ± std over the seeds of K-Means and GMM
ARI / NMI / silhouette, active latent dimensions (learned models) and the share of tracks whose
text is lyrics. The demo is a smoke test with planted genres, not evidence about real music.

    python benchmarks/fusion.py --workdir /tmp/fusion --seeds 0 1 2
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
# Audio only, text only (metadata, lyrics, lyrics else metadata), and every fusion of config.yaml.
AUDIO = ["vae_mfcc", "conv_vae_mel", "pca_mfcc"]
TEXT = ["text_metadata", "pca_text_metadata", "text_lyrics_only", "text_lyrics"]
FUSION_FAMILIES = ("hybrid_concat", "hybrid_weighted", "multimodal_vae")


def fusion_config(seeds: list[int], text_weight: float) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["seeds"] = seeds
    # The README's table: the generator's demo (12 tracks a genre, 30 s) and the study's 25 epochs of
    # the conv VAE, not config.yaml's quick-first-run sizes.
    config["datasets"]["demo"]["demo"].update(tracks_per_genre=12, clip_seconds=30.0)
    representations = config["representations"]
    representations["conv_vae_mel"]["training"]["epochs"] = 25
    # Lyrics only, without the metadata fallback: the tracks that have lyrics.
    representations["text_lyrics_only"] = {"family": "raw", "features": "lyrics-minilm", "standardize": False}
    # Each multimodal model again with the text's squared error weighted down (balanced modalities).
    for name, spec in list(representations.items()):
        if spec["family"] == "multimodal_vae":
            representations[f"{name}_balanced"] = {**spec, "arch": {**spec.get("arch", {}), "text_weight": text_weight}}
    fusion = [n for n, s in representations.items() if s["family"] in FUSION_FAMILIES]
    config["only"] = {"representations": AUDIO + TEXT + fusion, "algorithms": ["kmeans", "gmm"]}
    return config


def run(workdir: Path, config: dict, cores: int) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(Path(sys.executable).with_name("snakemake")), "-s", str(ROOT / "Snakefile"), "--directory",
               str(workdir), "--configfile", str(workdir / "config.yaml"), "--cores", str(cores),
               "results/demo/report/metrics.csv"]
    subprocess.run(command, check=True)


def lyrics_share(workdir: Path, rep: str, spec: dict) -> float | None:
    """Share of a representation's tracks whose text is lyrics (None: it reads no text)."""
    text = spec.get("text") or (spec.get("features") if "-" in str(spec.get("features")) else None)
    if text is None:
        return None
    used = pq.read_table(workdir / "results/demo/text" / f"{text}.parquet", columns=["source_used"]).column(0)
    latents = pq.read_table(workdir / f"results/demo/models/{rep}/seed-0/latents.parquet", columns=["track_id"])
    n_lyrics = sum(1 for s in used.to_pylist() if s == "lyrics")
    return n_lyrics / latents.num_rows


def table(workdir: Path, config: dict) -> pd.DataFrame:
    metrics = pd.read_csv(workdir / "results/demo/report/metrics.csv")
    specs = config["representations"]
    rows = []
    for rep in config["only"]["representations"]:
        spec = specs[rep]
        row = {"representation": rep, "family": spec["family"]}
        for algorithm in ("kmeans", "gmm"):
            runs = metrics[(metrics["representation"] == rep) & (metrics["algorithm"] == algorithm)]
            for metric in ("ari", "nmi", "silhouette"):
                row[f"{algorithm} {metric}"] = f"{runs[metric].mean():.3f} ± {runs[metric].std(ddof=0):.3f}"
        dims = metrics.loc[metrics["representation"] == rep, "active_dims"].dropna()
        row["active dims"] = f"{dims.mean():.1f}" if len(dims) else "–"
        share = None
        for part in spec.get("parts", [rep]):
            share = share if share is not None else lyrics_share(workdir, part, specs[part])
        row["lyrics share"] = "–" if share is None else f"{share:.2f}"
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--text-weight", type=float, default=40 / 384,
                        help="text_weight of the *_balanced multimodal models (default: 40 MFCC statistics / 384 "
                             "MiniLM dimensions, so that both modalities count the same)")
    parser.add_argument("--no-run", action="store_true", help="only print the table of a finished run")
    args = parser.parse_args()
    config = fusion_config(args.seeds, args.text_weight)
    if not args.no_run:
        run(args.workdir, config, args.cores)
    print(table(args.workdir, config).to_markdown(index=False))
    info = json.loads(pq.read_schema(args.workdir / "results/demo/models/hybrid_mel_metadata_weighted/seed-0/latents.parquet")
                      .metadata[b"info"])
    print(f"\nhybrid_mel_metadata_weighted, seed 0: block variance {info['block_variance']}, "
          f"tracks missing per part {info['tracks_missing_per_part']}")


if __name__ == "__main__":
    main()
