"""Make tests/data/musicnn_reference.npz: the original MusiCNN's outputs on a few synthetic clips.

Run once, with the original TensorFlow implementation, in a throwaway environment (TensorFlow
is never a dependency of musiclust):

    python3 -m venv /tmp/tfref2
    /tmp/tfref2/bin/pip install tensorflow-cpu==2.15.1 librosa==0.11.0 "numpy<2" soundfile soxr
    /tmp/tfref2/bin/pip install --no-deps musicnn==0.1.0
    /tmp/tfref2/bin/python tests/data/make_musicnn_reference.py tests/data/musicnn_reference.npz

numpy < 2 on purpose: the original's ``10000 * float16 array`` runs in float32 under numpy 1.x
(value-based casting, what its pin numpy<1.17 gave) but overflows in float16 under numpy 2.
TensorFlow 2.15 still has ``tf.compat.v1.layers`` (Keras 2). The clips are generated here
(``reference_clips``), so tests/test_musicnn.py regenerates them instead of storing audio;
their checksum is stored to catch a drift of the generator. The extractor runs with
``configuration.BATCH_SIZE = 64`` (see ``main``); the tags are the same at any batch size.
"""

from __future__ import annotations

import hashlib
import sys

import numpy as np

SAMPLE_RATE = 16000
SECONDS = 7.0  # two whole 3 s patches and a remainder the extractor drops


def _envelope(t: np.ndarray, period: float, decay: float) -> np.ndarray:
    return np.exp(-(t % period) / decay)


def reference_clips() -> dict[str, np.ndarray]:
    """Three deterministic 7 s clips at 16 kHz of different character (float32)."""
    t = np.arange(int(SECONDS * SAMPLE_RATE)) / SAMPLE_RATE
    noise = np.random.default_rng(0).standard_normal(t.size)
    # Plucked chords: harmonics of a changing root every second, decaying.
    roots = np.array([220.0, 261.63, 196.0, 174.61])[(t // 1.0).astype(int) % 4]
    chords = sum(
        (0.25 / k) * np.sin(2 * np.pi * k * ratio * roots * t) for ratio in (1.0, 1.26, 1.5) for k in (1, 2, 3, 4)
    ) * _envelope(t, 1.0, 0.4)
    # Drums at 120 bpm: a pitch-dropping kick on the beat, noise snare on the off-beat, hi-hats.
    beat = t % 0.5
    kick = 0.8 * np.sin(2 * np.pi * (50 + 80 * np.exp(-beat / 0.03)) * beat) * np.exp(-beat / 0.12)
    snare = 0.4 * noise * _envelope(t + 0.25, 0.5, 0.06) * ((t % 1.0) >= 0.5)
    hats = 0.1 * np.diff(noise, prepend=0.0) * _envelope(t, 0.125, 0.02)
    drums = kick + snare + hats
    # Synth: a detuned sawtooth bass line, a rising chirp and a quiet noise bed.
    bass_f = np.array([55.0, 65.41, 73.42, 49.0])[(t // 0.5).astype(int) % 4]
    saw = lambda f: 2 * ((f * t) % 1.0) - 1  # noqa: E731
    synth = 0.3 * (saw(bass_f) + saw(bass_f * 1.01)) + 0.2 * np.sin(2 * np.pi * (300 + 150 * t) * t) + 0.05 * noise
    return {name: clip.astype(np.float32) for name, clip in (("chords", chords), ("drums", drums), ("synth", synth))}


def clips_checksum(clips: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(clips):
        digest.update(name.encode())
        digest.update(np.round(clips[name], 6).astype(np.float32).tobytes())
    return digest.hexdigest()


def main(output: str) -> None:
    import os
    import tempfile

    import librosa
    import soundfile as sf
    import tensorflow as tf
    from musicnn import configuration
    from musicnn.extractor import extractor

    # The extractor's loop over batches after the first keeps the first batch's features
    # (it unpacks them into other names): one batch holding every patch avoids it.
    configuration.BATCH_SIZE = 64

    clips = reference_clips()
    arrays = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, clip in clips.items():
            path = os.path.join(folder, f"{name}.wav")
            sf.write(path, clip, SAMPLE_RATE, subtype="FLOAT")  # librosa.load reads it back exactly
            for model in ("MTT_musicnn", "MSD_musicnn"):
                taggram, _, features = extractor(path, model=model, input_length=3, extract_features=True)
                arrays[f"{model}/{name}/taggram"] = np.asarray(taggram, dtype=np.float32)
                arrays[f"{model}/{name}/penultimate"] = np.asarray(features["penultimate"], dtype=np.float32)
    versions = f"tensorflow {tf.__version__}, numpy {np.__version__}, librosa {librosa.__version__}, musicnn 0.1.0"
    np.savez_compressed(output, clips_sha256=clips_checksum(clips), versions=versions, **arrays)
    print(f"wrote {output}: {len(arrays)} arrays ({versions})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/musicnn_reference.npz")
