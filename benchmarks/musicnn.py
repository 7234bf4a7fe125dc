"""MusiCNN extraction speed on 2 CPU threads, and what it adds to the feature stage.

On MP3 clips from the demo generator (``--clip-seconds`` long, 44.1 kHz), as the rules run:

- decode: the shared decode of the default features (log-mel centre 6 s, MFCCs' first 3 s),
  then the same with MusiCNN's span added (the whole clip, ``placement: whole``);
- musicnn: the feature job on the decoded shard (resample to 16 kHz, log-mel patches, the
  network in batches of ``--batch-size`` patches, mean over patches), beside the log-mel job.

Prints tracks/s, patches/s and CPU-seconds a track (wall time depends on the machine's load;
CPU time much less). Run: ``python benchmarks/musicnn.py`` (``--threads 2`` by default).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from musiclust.data.archives import safe_extract_zip
from musiclust.data.demo import DemoSpec, generate_demo_corpus
from musiclust.features.decode import DecodeSettings
from musiclust.features.plan import DecodePlan, span_params
from musiclust.features.pretrained.musicnn import PATCH_FRAMES, MusicnnSettings
from musiclust.features.pretrained.musicnn_weights import load_musicnn
from musiclust.features.shards import decode_shard, feature_shard
from musiclust.features.spectral import MelSettings, Mfcc2dSettings, MfccStatsSettings


def _timed(function) -> tuple[float, float, object]:
    """(wall s, CPU s of this process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--genres", type=int, default=6)
    parser.add_argument("--tracks-per-genre", type=int, default=3)
    parser.add_argument("--clip-seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--model", default="MTT_musicnn")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    base = {"mel": MelSettings(), "mfcc_stats": MfccStatsSettings(), "mfcc2d": Mfcc2dSettings()}
    musicnn = MusicnnSettings(model=args.model, batch_size=args.batch_size, device="cpu")
    settings = DecodeSettings()
    with tempfile.TemporaryDirectory() as tmp:
        spec = DemoSpec(n_genres=args.genres, tracks_per_genre=args.tracks_per_genre, n_broken=0,
                        clip_seconds=args.clip_seconds)
        generate_demo_corpus(spec, tmp)
        safe_extract_zip(Path(tmp, "fma_demo.zip"), tmp, progress=False)
        paths = [str(p) for p in sorted(Path(tmp, "fma_demo").rglob("*.mp3"))]
        ids = list(range(len(paths)))
        n = len(paths)

        def decode(features):
            plan = DecodePlan.from_params(settings.sample_rate, span_params(features))
            return decode_shard(ids, paths, settings, plan, args.threads, progress=False)[0]

        load_wall, load_cpu, _ = _timed(lambda: load_musicnn(args.model, "cpu"))
        decode(base)  # warm librosa/soxr caches
        base_wall, base_cpu, _ = _timed(lambda: decode(base))
        whole_wall, whole_cpu, audio = _timed(lambda: decode({**base, "musicnn": musicnn}))
        mel_wall, mel_cpu, _ = _timed(lambda: feature_shard(audio, "mel", MelSettings(), args.threads, progress=False))
        feature_shard(audio.slice(0, 1), "musicnn", musicnn, args.threads, progress=False)  # warm-up
        cnn_wall, cnn_cpu, table = _timed(lambda: feature_shard(audio, "musicnn", musicnn, args.threads, progress=False))

    patches = n * int(args.clip_seconds * 16000 / 256 + 1) // PATCH_FRAMES
    print(f"{n} MP3 clips of {args.clip_seconds:g} s at 44.1 kHz; {args.threads} threads; {args.model}, "
          f"batches of {args.batch_size} patches; {patches} patches of 3 s")
    print(f"weights read (checkpoint → state dict): {load_wall:.2f} s")
    print(f"decode, default features:     {n / base_wall:7.2f} tracks/s  ({base_cpu / n:.3f} CPU-s a track)")
    print(f"decode, with musicnn (whole): {n / whole_wall:7.2f} tracks/s  ({whole_cpu / n:.3f} CPU-s a track)")
    print(f"log-mel feature job:          {n / mel_wall:7.2f} tracks/s  ({mel_cpu / n:.3f} CPU-s a track)")
    print(f"musicnn feature job:          {n / cnn_wall:7.2f} tracks/s  ({cnn_cpu / n:.3f} CPU-s a track), "
          f"{patches / cnn_wall:.1f} patches/s; {table.column('musicnn').type}")
    print(f"musicnn job / log-mel job (wall): {cnn_wall / mel_wall:.1f}x")


if __name__ == "__main__":
    main()
