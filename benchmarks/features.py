"""Feature extraction throughput: musiclust's pipeline against the studies' per-track loop.

Both turn the same MP3 clips (30 s, 44.1 kHz, from the demo generator) into the first study's
log-mel spectrograms (128 × 256, n_fft 2048, hop 512 at 22,050 Hz):

- baseline: the studies' loop, one track at a time: ``librosa.load`` of the whole clip at
  22,050 Hz, ``melspectrogram`` and ``power_to_db``, then the centre 256 frames.
- pipeline: musiclust's decode stage (only the spans the default features read: the log-mels'
  6 s and the MFCCs' first 3 s, or the whole clip with ``--mfcc-placement whole``; resampled
  with soxr, on a thread pool of ``--workers``) followed by its log-mel stage, as the rules
  run them.

Prints tracks/s for both and their ratio. Run: ``python benchmarks/features.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import librosa
import numpy as np

from musiclust.data.archives import safe_extract_zip
from musiclust.data.demo import DemoSpec, generate_demo_corpus
from musiclust.features.decode import DecodeSettings
from musiclust.features.plan import DecodePlan, span_params
from musiclust.features.shards import decode_shard, feature_shard
from musiclust.features.spectral import MelSettings, Mfcc2dSettings, MfccStatsSettings


def baseline(paths: list[Path]) -> np.ndarray:
    out = []
    for path in paths:
        y, sr = librosa.load(path, sr=22050)
        mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=512, n_mels=128), ref=np.max)
        start = max(0, (mel.shape[1] - 256) // 2)
        out.append(mel[:, start : start + 256])
    return np.stack(out)


def pipeline(paths: list[Path], workers: int, mfcc_placement: str) -> int:
    features = {"mel": MelSettings(), "mfcc_stats": MfccStatsSettings(placement=mfcc_placement), "mfcc2d": Mfcc2dSettings()}
    plan = DecodePlan.from_params(22050, span_params(features))
    audio, _ = decode_shard(list(range(len(paths))), [str(p) for p in paths], DecodeSettings(), plan, workers, progress=False)
    mel = feature_shard(audio, "mel", MelSettings(), workers, progress=False)
    return mel.num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--genres", type=int, default=6)
    parser.add_argument("--tracks-per-genre", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mfcc-placement", choices=["start", "center", "whole"], default="start")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        spec = DemoSpec(n_genres=args.genres, tracks_per_genre=args.tracks_per_genre, n_broken=0)
        generate_demo_corpus(spec, tmp)
        safe_extract_zip(Path(tmp, "fma_demo.zip"), tmp, progress=False)
        paths = sorted(Path(tmp, "fma_demo").rglob("*.mp3"))
        n = len(paths)
        # Warm both paths once (librosa's filter bank cache, numba), then time the best of repeats.
        baseline(paths[:2])
        pipeline(paths[:4], args.workers, args.mfcc_placement)
        base_s = min(_timed(lambda: baseline(paths)) for _ in range(args.repeats))
        pipe_s = min(_timed(lambda: pipeline(paths, args.workers, args.mfcc_placement)) for _ in range(args.repeats))
    print(f"clips: {n} MP3s of 30 s at 44.1 kHz; workers: {args.workers}; best of {args.repeats}")
    print(f"baseline (librosa.load whole clip + melspectrogram): {n / base_s:7.2f} tracks/s ({base_s:.2f} s)")
    print(f"pipeline (span decode, MFCC {args.mfcc_placement}, + log-mel, pooled): {n / pipe_s:7.2f} tracks/s ({pipe_s:.2f} s)")
    print(f"speed-up: {base_s / pipe_s:.2f}x")


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
