"""Text measurements (they print; they are not tests).

1. Embedding throughput (tracks/s) of the default encoder, all-MiniLM-L6-v2 from the installed
   package, on lyrics-length and metadata-length texts, with ``--threads`` torch threads (the
   embed_text rule's threads); TF-IDF + SVD beside it. Model loading is timed apart.
2. The demo's lyrics coverage by status: what the generator wrote for the default demo, and,
   if a run left one, what ``results/demo/text/lyrics.parquet`` says after the provider judged it.
3. The first study's task 1 on the synthetic corpus (150 songs, English/Spanish): K-Means with k
   chosen by silhouette over 2..10 on PCA-16 of the standardised embeddings and on an MLP VAE
   (→ 256 → 128 → 16, 50 epochs), for a few seeds.

    .venv/bin/python benchmarks/text.py [--threads 2] [--skip-task1]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

from musiclust.data.demo import DemoSpec, demo_lyrics
from musiclust.data.demo.names import make_credits
from musiclust.data.demo.plan import plan_tracks
from musiclust.data.synthetic_lyrics import LANGUAGE_NAMES, SyntheticLyricsSpec, generate_lyrics_corpus
from musiclust.text.encoders import SentenceTransformerEncoder, TfidfSvdEncoder
from musiclust.text.sources import metadata_text


def demo_texts(n: int) -> tuple[list[str], list[str]]:
    """``n`` lyrics and ``n`` "title – artist" strings from demo corpora (several seeds)."""
    lyrics, metadata, seed = [], [], 0
    while len(lyrics) < n or len(metadata) < n:
        spec = DemoSpec(seed=seed)
        plan = plan_tracks(spec)
        credits = make_credits(spec, plan)
        lyrics += [t.lyrics for t in demo_lyrics(spec).values() if t.lyrics]
        metadata += [metadata_text(c.title, c.artist) for c in credits.values()]
        seed += 1
    return lyrics[:n], metadata[:n]


def throughput(threads: int, n: int) -> None:
    import torch

    torch.set_num_threads(threads)
    lyrics, metadata = demo_texts(n)
    encoder = SentenceTransformerEncoder(batch_size=64, device="cpu", show_progress=False)
    start = time.perf_counter()
    encoder.load()
    print(f"all-MiniLM-L6-v2: loaded in {time.perf_counter() - start:.1f} s (torch threads: {threads})")
    encoder.encode(metadata[:64])  # warm-up
    for label, texts in (("lyrics", lyrics), ("metadata", metadata)):
        words = np.mean([len(t.split()) for t in texts])
        start = time.perf_counter()
        vectors = encoder.encode(texts)
        seconds = time.perf_counter() - start
        print(f"  {label:8s}: {len(texts)} texts ({words:.0f} words each on average) in {seconds:.1f} s "
              f"= {len(texts) / seconds:.1f} tracks/s, dims {vectors.shape[1]}")
    start = time.perf_counter()
    vectors = TfidfSvdEncoder(n_components=384).fit_transform(lyrics)
    seconds = time.perf_counter() - start
    print(f"tfidf_svd (fit + transform) on the lyrics: {len(lyrics) / seconds:.0f} tracks/s, dims {vectors.shape[1]}")


def coverage() -> None:
    for seed in (0, 1, 2):
        statuses = Counter(t.status for t in demo_lyrics(DemoSpec(seed=seed)).values())
        n = sum(statuses.values())
        shares = ", ".join(f"{s} {c} ({c / n:.0%})" for s, c in statuses.most_common())
        print(f"demo seed {seed}, lyrics.jsonl as generated ({n} tracks): {shares}")
    fetched = Path("results/demo/text/lyrics.parquet")
    if fetched.exists():
        import pandas as pd

        statuses = pd.read_parquet(fetched, columns=["status"])["status"].value_counts()
        print(f"{fetched} (after the lyrics rule judged it): {statuses.to_dict()}")


def best_k(vectors: np.ndarray, seed: int) -> tuple[int, float, float]:
    """(k, silhouette, Calinski-Harabasz) of the K-Means over 2..10 with the best silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, silhouette_score

    best = None
    for k in range(2, 11):
        labels = KMeans(k, n_init=10, random_state=seed).fit_predict(vectors)
        score = silhouette_score(vectors, labels)
        if best is None or score > best[1]:
            best = (k, float(score), float(calinski_harabasz_score(vectors, labels)), labels)
    return best


def task1(seeds: list[int]) -> None:
    from sklearn.decomposition import PCA
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    records = generate_lyrics_corpus(SyntheticLyricsSpec())
    labels = np.array([LANGUAGE_NAMES[r["language"]] for r in records], dtype=object)
    embeddings = SentenceTransformerEncoder(device="cpu", show_progress=False).encode([r["lyrics"] for r in records])
    standardised = StandardScaler().fit_transform(embeddings)
    print(f"task 1: {len(records)} songs {dict(Counter(labels))}, all-MiniLM-L6-v2 ({embeddings.shape[1]} dims)")
    rows = []
    for seed in seeds:
        pca = PCA(16, random_state=seed).fit_transform(standardised)
        rows.append(("PCA-16", seed, *best_k(pca, seed)))
        try:
            from musiclust.representations.estimators import AutoencoderRepresentation
        except ImportError:
            continue
        vae = AutoencoderRepresentation("vae", arch={"latent_dim": 16, "hidden": [256, 128]}, epochs=50,
                                        batch_size=32, learning_rate=1e-3, beta=1.0, seed=seed)
        rows.append(("VAE-16", seed, *best_k(vae.fit_transform(embeddings), seed)))
    print("method  seed  k  silhouette  calinski_harabasz  ari(language)")
    for method, seed, k, silhouette, ch, predicted in rows:
        print(f"{method:7s} {seed:4d} {k:2d}  {silhouette:10.3f}  {ch:17.1f}  {adjusted_rand_score(labels, predicted):.3f}")
    print("study (table 1, paraphrase-multilingual-mpnet-base-v2): VAE k=2 silhouette 0.238 CH 42.64; "
          "PCA k=10 silhouette 0.255 CH 16.80")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n", type=int, default=256, help="texts per kind for the throughput")
    parser.add_argument("--skip-task1", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    throughput(args.threads, args.n)
    coverage()
    if not args.skip_task1:
        task1(args.seeds)


if __name__ == "__main__":
    main()
