"""The feature kind ``musicnn``: MusiCNN embeddings of a clip, pooled over its 3 s patches.

The input recipe is the original's (``musicnn/extractor.py``, ``batch_data``): audio at
16 kHz, librosa's mel power spectrogram (512-sample FFT, hop 256, 96 bands) rounded to
float16, compressed as ``log10(10000·x + 1)``, cut into patches of 187 frames (3 s) without
overlap, the last incomplete patch dropped. Two things differ, both where the original has
no answer:

- the log is taken in float32. The original's ``10000 * float16 array`` ran in float32
  under the numpy it pinned (<1.17: value-based casting); under numpy ≥ 2 the same line
  stays float16 and overflows to inf for any band above 6.55 (a 0.1-amplitude bass note),
  which turns the tags into NaN. float32 is what the pinned original computed.
- a clip shorter than one patch is repeated to 187 frames (the training's ``repeat-pad``)
  where the extractor fails.

Audio comes from the shared decode (at ``audio.sample_rate``, 22,050 Hz by default) and is
resampled to 16 kHz with librosa's soxr, as ``librosa.load(path, sr=16000)`` would from the
file; resampling twice (source → 22,050 → 16,000) keeps everything below 8 kHz, the model's
whole band. Patches of all the clips of a shard run through the network in batches.

This module imports torch only when embeddings are computed (the workflow imports the
settings at every start-up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import librosa
import numpy as np

from musiclust.defaults import defaults
from musiclust.features.clip import PLACEMENTS, DecodedAudio, excerpt

SAMPLE_RATE = 16000
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 96
PATCH_FRAMES = 187  # librosa.time_to_frames(3 s, sr=16000, n_fft=512, hop_length=256) + 1
MODELS = ("MTT_musicnn", "MSD_musicnn")  # the musicnn wheel's MusiCNN checkpoints (its VGGs are other models)
LAYERS = ("penultimate", "tags")
POOLS = ("mean", "max")
LAYER_DIMS = {"penultimate": 200, "tags": 50}


_MUSICNN = defaults("features", "musicnn")  # the config's defaults (schemas/config.schema.yaml)


@dataclass(frozen=True)
class MusicnnSettings:
    model: str = _MUSICNN["model"]  # MTT_musicnn (MagnaTagATune) | MSD_musicnn (Million Song Dataset)
    layer: str = _MUSICNN["layer"]  # penultimate: 200 dims | tags: the 50 tag probabilities
    pool: tuple[str, ...] = field(default=tuple(_MUSICNN["pool"]))  # over a clip's patches, concatenated
    placement: str = _MUSICNN["placement"]  # whole: every 3 s patch of the clip (the original); start | center
    duration_s: float = _MUSICNN["duration_s"]  # the excerpt for start | center (within the clip)
    batch_size: int = _MUSICNN["batch_size"]  # patches a forward pass
    device: str = _MUSICNN["device"]  # auto: CUDA when present, else CPU

    SPAN_FIELDS = ("placement", "duration_s")

    def __post_init__(self):
        problems = []
        if self.model not in MODELS:
            problems.append(f"model {self.model!r} is not one of {MODELS}")
        if self.layer not in LAYERS:
            problems.append(f"layer {self.layer!r} is not one of {LAYERS}")
        if not self.pool or any(p not in POOLS for p in self.pool) or len(set(self.pool)) != len(self.pool):
            problems.append(f"pool {list(self.pool)!r} must name each of {POOLS} at most once, at least one")
        if self.placement not in PLACEMENTS:
            problems.append(f"placement {self.placement!r} is not one of {PLACEMENTS}")
        if problems:
            raise ValueError("features.musicnn: " + "; ".join(problems))

    @property
    def dims(self) -> int:
        return LAYER_DIMS[self.layer] * len(self.pool)

    def span(self, clip_length: int, sample_rate: int) -> tuple[int, int]:
        """The clip samples read: the whole clip, or an excerpt kept inside it (patches of
        silence beyond a short clip would be embedded as if they were music)."""
        start, stop = excerpt(self.placement, round(self.duration_s * sample_rate), clip_length)
        duration = stop - start
        if duration >= clip_length:
            return 0, clip_length
        start = min(max(start, 0), clip_length - duration)
        return start, start + duration


def log_mel(signal: np.ndarray) -> np.ndarray:
    """``(frames, 96)`` float32: the original's compressed mel spectrogram of 16 kHz audio."""
    power = librosa.feature.melspectrogram(y=signal, sr=SAMPLE_RATE, hop_length=HOP_LENGTH, n_fft=N_FFT, n_mels=N_MELS).T
    return np.log10(10000 * power.astype(np.float16).astype(np.float32) + 1)


def patches(spectrogram: np.ndarray) -> np.ndarray:
    """``(n, 187, 96)``: consecutive non-overlapping patches; a spectrogram shorter than one
    patch is repeated to fill it."""
    if spectrogram.shape[0] < PATCH_FRAMES:
        spectrogram = np.resize(spectrogram, (PATCH_FRAMES, spectrogram.shape[1]))  # repeats rows
    count = spectrogram.shape[0] // PATCH_FRAMES
    return np.ascontiguousarray(spectrogram[: count * PATCH_FRAMES].reshape(count, PATCH_FRAMES, -1))


def clip_patches(audio: DecodedAudio, settings: MusicnnSettings) -> np.ndarray:
    """The patches of a decoded clip's ``settings.span``, at 16 kHz."""
    segment = audio.segment(*settings.span(audio.clip_length, audio.sample_rate))
    if audio.sample_rate != SAMPLE_RATE:
        segment = librosa.resample(segment, orig_sr=audio.sample_rate, target_sr=SAMPLE_RATE)
    return patches(log_mel(segment))


def embed_patches(patch_sets: Sequence[np.ndarray], settings: MusicnnSettings, threads: int = 1) -> np.ndarray:
    """``(len(patch_sets), settings.dims)``: each set's patches through the network, the
    chosen layer pooled over the set's patches."""
    import torch

    from musiclust.features.pretrained.musicnn_weights import load_musicnn
    from musiclust.models.train_config import resolve_device

    device = resolve_device(settings.device)
    network = load_musicnn(settings.model, str(device))
    counts = [len(p) for p in patch_sets]
    if not counts:
        return np.zeros((0, settings.dims), dtype=np.float32)
    stacked = np.concatenate(patch_sets)
    outputs = []
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        with torch.inference_mode():
            for start in range(0, len(stacked), settings.batch_size):
                batch = torch.from_numpy(stacked[start : start + settings.batch_size]).to(device)
                penultimate, logits = network(batch)
                layer = penultimate if settings.layer == "penultimate" else torch.sigmoid(logits)
                outputs.append(layer.float().cpu().numpy())
    finally:
        torch.set_num_threads(previous_threads)
    per_patch = np.concatenate(outputs)
    bounds = np.cumsum([0, *counts])
    pooled = [
        np.concatenate([getattr(np, pool)(per_patch[a:b], axis=0) for pool in settings.pool])
        for a, b in zip(bounds[:-1], bounds[1:])
    ]
    return np.stack(pooled).astype(np.float32)


def musicnn_features(clips: Sequence[DecodedAudio], settings: MusicnnSettings, threads: int = 1, progress: bool = True) -> np.ndarray:
    """``(len(clips), settings.dims)`` embeddings of decoded clips (one shard's)."""
    from musiclust.features.shards import parallel_map  # (shards imports the kinds' registry, hence this module)

    patch_sets = parallel_map(partial(clip_patches, settings=settings), list(clips), threads, "musicnn input", progress)
    return embed_patches(patch_sets, settings, threads)


def musicnn_feature(audio: DecodedAudio, settings: MusicnnSettings) -> np.ndarray:
    """One clip's embedding (the per-clip extractor interface of ``spectral.extract``)."""
    return embed_patches([clip_patches(audio, settings)], settings)[0]
