"""Rendering one demo track: the parts mixed, noise, the recording chain, per-track variation.

Every track draws its own variation (key, tempo, mix, timbre, band, loudness) from the
generator it is given. ``TRACK_VARIATION`` sets how far tracks stray from their recipe, and
so how hard the genres are to cluster.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from musiclust.data.demo.instruments import STEPS_PER_BAR, compose, render_drums, render_part
from musiclust.data.demo.recipes import GenreRecipe, Voice


_NOISE_BLOCK = 1 << 17  # ~3 s at 44.1 kHz; an inverse FFT's output is periodic, so it tiles seamlessly


def _coloured_noise(n: int, colour: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with power spectrum ~ f**-colour, shaped in the frequency domain.

    One short block is tiled rather than one FFT the clip's length: many times cheaper, and
    a period of seconds is inaudible in noise.
    """
    size = min(_NOISE_BLOCK, n)
    spectrum = rng.standard_normal(size // 2 + 1) + 1j * rng.standard_normal(size // 2 + 1)
    freqs = np.arange(size // 2 + 1, dtype=float)
    freqs[0] = 1.0
    spectrum *= freqs ** (-colour / 2.0)
    spectrum[0] = 0.0
    block = np.fft.irfft(spectrum, size)
    block = (block / (np.std(block) + 1e-12)).astype(np.float32)
    return np.tile(block, -(-n // size))[:n]


_FILTER_POWER = 16  # twice the filter order: eighth order, 48 dB per octave
_RESPONSE_POINTS = 4097  # the EQ curve is smooth: evaluate it coarsely, interpolate to every bin


def _fast_fft_length(n: int) -> int:
    """Smallest 2**a * 3**b * 5**c >= n: pocketfft is markedly faster on such lengths."""
    best = 1 << max(0, (n - 1).bit_length())
    power3 = 1
    while power3 < best:
        power35 = power3
        while power35 < best:
            candidate = power35 * (1 << max(0, (-(-n // power35) - 1).bit_length()))
            best = min(best, candidate)
            power35 *= 5
        power3 *= 3
    return best


def _eq_response_db(
    freqs: np.ndarray, highpass_hz: float, lowpass_hz: float, tilt_db_per_octave: float,
    eq_peaks: Sequence[tuple[float, float, float]],
) -> np.ndarray:
    """Band limits (Butterworth-shaped), tilt around 1 kHz and Gaussian resonance bumps, in dB."""
    freqs = np.maximum(freqs, 1.0)
    band = (1.0 + (freqs / lowpass_hz) ** _FILTER_POWER) * (1.0 + (highpass_hz / freqs) ** _FILTER_POWER)
    octaves = np.log2(np.maximum(freqs, 20.0) / 1000.0)
    response_db = tilt_db_per_octave * octaves - 10.0 * np.log10(band)
    for centre_hz, gain_db, width in eq_peaks:
        response_db += gain_db * np.exp(-0.5 * ((octaves - np.log2(centre_hz / 1000.0)) / width) ** 2)
    return np.maximum(response_db, -200.0)


def _recording_chain(
    x: np.ndarray, sr: int, highpass_hz: float, lowpass_hz: float, tilt_db_per_octave: float,
    eq_peaks: Sequence[tuple[float, float, float]], reverb_wet: float, reverb_seconds: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Room, band and EQ in one trip through the frequency domain.

    Reverb is a convolution with exponentially decaying noise, circular over the padded FFT
    length (the tail wraps onto the clip's start: harmless for an excerpt of a longer piece).
    """
    n = x.shape[0]
    n_fft = _fast_fft_length(n)
    spectrum = np.fft.rfft(x, n_fft, axis=0)
    coarse = np.linspace(0.0, sr / 2.0, _RESPONSE_POINTS)
    response_db = _eq_response_db(coarse, highpass_hz, lowpass_hz, tilt_db_per_octave, eq_peaks)
    response = np.interp(np.fft.rfftfreq(n_fft, 1.0 / sr), coarse, 10.0 ** (response_db / 20.0))
    if reverb_wet > 0:
        ir_length = min(n, int(reverb_seconds * sr))
        t = np.arange(ir_length) / sr
        impulse = rng.standard_normal(ir_length) * np.exp(-6.9 * t / reverb_seconds)  # -60 dB at RT60
        impulse *= reverb_wet / np.sqrt(np.sum(impulse**2))
        impulse[0] += 1.0  # the dry signal
        response = response * np.fft.rfft(impulse, n_fft)
    spectrum *= response if x.ndim == 1 else response[:, None]
    return np.fft.irfft(spectrum, n_fft, axis=0)[:n].astype(np.float32)


def _log_uniform(bounds: tuple[float, float], rng: np.random.Generator) -> float:
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def _rms_normalised(x: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(x))))
    return x / rms if rms > 0 else x


@dataclass(frozen=True)
class TrackVariation:
    """How far a track strays from its genre's recipe; the knob that sets clustering difficulty."""

    transpose_semitones: int = 3  # key moves up to this far either way
    timbre_sigma: float = 0.1  # log-normal spread of brightness, decay, FM depth, resonance gain
    mix_sigma: float = 0.12  # log-normal spread of each part's level
    noise_sigma: float = 0.2  # log-normal spread of the noise floor
    tilt_sigma_db: float = 0.5  # spread of the mastering tilt, dB per octave
    eq_shift_octaves: float = 0.12  # spread of the resonances' centre frequencies
    loudness_db: tuple[float, float] = (-12.0, -1.0)  # gain after peak normalisation


TRACK_VARIATION = TrackVariation()


def _vary(recipe: GenreRecipe, variation: TrackVariation, rng: np.random.Generator) -> GenreRecipe:
    """Per-track timbre changes: brightness, decay and FM depth drift around the recipe."""
    sigma = variation.timbre_sigma

    def jitter(voice: Voice | None) -> Voice | None:
        if voice is None:
            return None
        if voice.kind == "pluck":  # rolloff is a 0..1 mix there, not an exponent
            rolloff = float(np.clip(voice.rolloff + rng.normal(0.0, 0.75 * sigma), 0.0, 1.0))
        else:
            rolloff = voice.rolloff * float(rng.lognormal(0.0, sigma))
        return replace(
            voice,
            rolloff=rolloff,
            decay=voice.decay * float(rng.lognormal(0.0, sigma)),
            fm_index=voice.fm_index * float(rng.lognormal(0.0, sigma)),
            drive=voice.drive * float(rng.lognormal(0.0, 1.5 * sigma)),
        )

    return replace(
        recipe,
        chord_voice=jitter(recipe.chord_voice),
        lead_voice=jitter(recipe.lead_voice),
        bass_voice=jitter(recipe.bass_voice),
    )


def hybrid(first: GenreRecipe, second: GenreRecipe) -> GenreRecipe:
    """A track between two genres: rhythm and tempo of the first, sounds and harmony of the second."""
    return replace(
        first,
        scale=second.scale,
        progression=second.progression,
        chord_voice=second.chord_voice,
        chord_size=second.chord_size,
        chord_register=second.chord_register,
        lead_voice=second.lead_voice,
        lead_rhythm=second.lead_rhythm,
        lead_register=second.lead_register,
        lead_scale=second.lead_scale,
        noise_level=0.5 * (first.noise_level + second.noise_level),
        eq_peaks=tuple((centre, gain / 2, width) for centre, gain, width in first.eq_peaks + second.eq_peaks),
    )


def synthesize_track(
    recipe: GenreRecipe,
    seconds: float,
    sr: int,
    rng: np.random.Generator,
    variation: TrackVariation = TRACK_VARIATION,
) -> np.ndarray:
    """Render one track of ``recipe``: float32, shape ``(n,)`` (mono) or ``(n, 2)`` (stereo).

    Peak-normalised, then scaled by a random loudness so levels differ like real tracks.
    """
    n_samples = int(round(seconds * sr))
    recipe = _vary(recipe, variation, rng)
    key = int(rng.integers(-variation.transpose_semitones, variation.transpose_semitones + 1))
    bpm = float(rng.uniform(*recipe.tempo_bpm))
    step_seconds = 60.0 / bpm / 4.0
    n_bars = int(math.ceil(seconds / (STEPS_PER_BAR * step_seconds))) + 1
    # Start mid-bar so clips do not all open on a downbeat.
    offset = int(rng.integers(0, int(STEPS_PER_BAR * step_seconds * sr)))
    total = n_samples + offset
    chord_notes, lead_notes, bass_notes = compose(recipe, key, n_bars, step_seconds, rng)
    drums_level, chords_level, lead_level, bass_level = (
        float(level) for level in np.asarray(recipe.levels) * rng.lognormal(0.0, variation.mix_sigma, size=4)
    )
    # Each part is brought to unit RMS first so the recipe's levels are its actual mix.
    music = np.zeros(total, dtype=np.float32)
    if recipe.drums is not None and drums_level > 0:
        drums = render_drums(recipe.drums, n_bars, step_seconds, recipe.swing, total, sr, rng)
        music += drums_level * _rms_normalised(drums)
    harmonic = chords_level * _rms_normalised(render_part(recipe.chord_voice, chord_notes, total, sr, rng))
    if recipe.lead_voice is not None and lead_level > 0:
        harmonic += lead_level * _rms_normalised(render_part(recipe.lead_voice, lead_notes, total, sr, rng))
    music += harmonic
    if recipe.bass_voice is not None and bass_level > 0:
        music += bass_level * _rms_normalised(render_part(recipe.bass_voice, bass_notes, total, sr, rng))
    music = music[offset:]
    if recipe.noise_level > 0:
        music_rms = float(np.sqrt(np.mean(np.square(music))))
        noise_gain = recipe.noise_level * float(rng.lognormal(0.0, variation.noise_sigma)) * music_rms
        music += noise_gain * _coloured_noise(n_samples, recipe.noise_colour, rng)
    if recipe.stereo_width > 0:
        # Widen with a short (Haas) delay of the harmonic parts, opposite in each channel.
        delay = int(0.012 * sr)
        side = np.zeros(n_samples, dtype=np.float32)
        side[delay:] = recipe.stereo_width * harmonic[offset : offset + n_samples - delay]
        music = np.stack([music + side, music - side], axis=1)
    # The recording chain: room, pass band, tilt and resonances, each nudged per track.
    reverb_wet = recipe.reverb[0] * float(rng.lognormal(0.0, variation.timbre_sigma))
    highpass_hz = _log_uniform(recipe.highpass_hz, rng)
    lowpass_hz = _log_uniform(recipe.lowpass_hz, rng)
    tilt = recipe.tilt_db_per_octave + float(rng.normal(0.0, variation.tilt_sigma_db))
    eq_peaks = [
        (
            centre * 2.0 ** float(rng.normal(0.0, variation.eq_shift_octaves)),
            gain * float(rng.lognormal(0.0, variation.timbre_sigma)),
            width,
        )
        for centre, gain, width in recipe.eq_peaks
    ]
    music = _recording_chain(music, sr, highpass_hz, lowpass_hz, tilt, eq_peaks, reverb_wet, recipe.reverb[1], rng)
    peak = float(np.max(np.abs(music)))
    gain = 10.0 ** (rng.uniform(*variation.loudness_db) / 20.0)
    return (music * (gain / peak if peak > 0 else 0.0)).astype(np.float32)

