"""Shared fixtures: small audio files written on the fly."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf


def write_tone(path, seconds: float, sample_rate: int = 44100, frequency: float = 440.0, amplitude: float = 0.3,
               noise: float = 0.05, seed: int = 0, fmt: str | None = None):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    signal = amplitude * np.sin(2 * np.pi * frequency * t) + noise * rng.standard_normal(t.size)
    sf.write(path, signal.astype(np.float32), sample_rate, format=fmt)
    return path


@pytest.fixture
def tone(tmp_path):
    """A factory of MP3 tones in a temporary folder."""

    def make(name="tone.mp3", **kwargs):
        return write_tone(tmp_path / name, **{"seconds": 8.0, **kwargs})

    return make
