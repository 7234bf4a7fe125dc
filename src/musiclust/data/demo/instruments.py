"""Instruments of the demo synthesiser: notes, oscillators, plucked strings, drums, composition."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from musiclust.data.demo.recipes import DrumKit, GenreRecipe, Voice

STEPS_PER_BAR = 16


@dataclass(frozen=True)
class _Note:
    onset: float  # seconds
    duration: float  # seconds
    midi: float
    velocity: float


def _midi_hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69.0) / 12.0)


def _steps(pattern: str) -> list[int]:
    return [i for i, c in enumerate(pattern) if c == "x"]


def _scale_note(scale: Sequence[int], degree: int) -> int:
    """Semitones above the tonic of a scale degree, wrapping into higher octaves."""
    octave, step = divmod(degree, len(scale))
    return 12 * octave + scale[step]


_TABLE_SIZE = 8192
_TABLE_MASK = _TABLE_SIZE - 1


@functools.lru_cache(maxsize=256)
def _wavetable(rolloff: float, odd_only: bool, n_harmonics: int) -> np.ndarray:
    """One cycle of an additive waveform, built in the frequency domain (one inverse FFT)."""
    spectrum = np.zeros(_TABLE_SIZE // 2 + 1, dtype=complex)
    k = np.arange(1, n_harmonics + 1)
    amplitudes = k.astype(float) ** -rolloff
    if odd_only:
        amplitudes[1::2] = 0.0
    spectrum[1 : n_harmonics + 1] = -1j * amplitudes  # sine phase
    table = np.fft.irfft(spectrum, _TABLE_SIZE)
    table = (table / np.max(np.abs(table))).astype(np.float32)
    table.setflags(write=False)
    return table


@functools.lru_cache(maxsize=8)
def _sample_times(sr: int, n: int) -> np.ndarray:
    """Seconds of each sample, float32; notes slice it instead of building their own."""
    times = (np.arange(n, dtype=np.float64) / sr).astype(np.float32)
    times.setflags(write=False)
    return times


def _times(n: int, sr: int) -> np.ndarray:
    # Cache by power of two so a handful of arrays serve every note length.
    return _sample_times(sr, 1 << max(16, (n - 1).bit_length()))[:n]


def _envelope(voice: Voice, n: int, gate: int, sr: int) -> np.ndarray:
    """Attack ramp, exponential decay, and a short release fade at the note's end."""
    t = _times(n, sr)
    env = np.exp(t * np.float32(-1.0 / voice.decay))
    attack = int(voice.attack * sr)
    if attack > 1:
        env[: min(attack, n)] *= np.linspace(0.0, 1.0, attack, dtype=np.float32)[: min(attack, n)]
    release = max(1, min(int(0.04 * sr), n // 4))
    fade_start = max(0, gate - release)
    env[fade_start:] *= np.linspace(1.0, 0.0, n - fade_start, dtype=np.float32)
    return env


def _table_index(freq: float, n: int, sr: int, vibrato: float, rng: np.random.Generator) -> np.ndarray:
    """Wavetable positions of an oscillator; vibrato makes the phase a cumulative sum."""
    start = rng.random()
    if vibrato <= 0:
        cycles = np.arange(n, dtype=np.float64) * (freq / sr) + start
    else:
        t = _times(n, sr)
        rate = 5.0 + rng.random()
        depth = np.float32(vibrato) * np.minimum(np.float32(1.0), t * np.float32(1 / 0.3))  # vibrato fades in
        inst = np.float32(freq / sr) * (np.float32(1.0) + depth * np.sin(np.float32(2 * np.pi * rate) * t))
        cycles = np.cumsum(inst, dtype=np.float64) + start
    return (cycles * _TABLE_SIZE).astype(np.int64) & _TABLE_MASK


def _karplus_strong(freq: float, n: int, sr: int, voice: Voice, rng: np.random.Generator) -> np.ndarray:
    """Plucked string: a noise burst through a damped delay line, one period per numpy step."""
    period = max(2, int(round(sr / freq)))
    loss = math.exp(-1.0 / (voice.decay * freq))  # amplitude falls by e over ``decay`` seconds
    excitation = rng.uniform(-1.0, 1.0, period)
    # Darker plucks: average the excitation with its neighbour (a gentle low-pass).
    smoothed = 0.5 * (excitation + np.roll(excitation, 1))
    excitation = (1 - voice.rolloff) * excitation + voice.rolloff * smoothed
    y = np.zeros(n + period + 1, dtype=np.float32)
    y[1 : period + 1] = excitation  # y[0] is the zero the recursion reads before the burst
    half_loss = np.float32(0.5 * loss)
    for start in range(period + 1, n + 1, period):
        stop = min(start + period, n + 1)
        width = stop - start
        previous = y[start - period - 1 : start - period + width]  # y[k - period - 1 .. k - period]
        np.multiply(previous[1:] + previous[:-1], half_loss, out=y[start:stop])
    return y[1 : n + 1]


def _render_note(
    voice: Voice, freq: float, n: int, gate: int, sr: int, rng: np.random.Generator
) -> np.ndarray:
    """One note of ``n`` samples, released after ``gate`` samples."""
    if voice.kind == "pluck":
        wave = _karplus_strong(freq, n, sr, voice, rng)
        return wave * _envelope(replace(voice, attack=0.0, decay=1e9), n, gate, sr)
    env = _envelope(voice, n, gate, sr)
    if voice.kind == "fm":
        t = _times(n, sr)
        index = np.float32(voice.fm_index) * np.exp(t * np.float32(-2.0 / voice.decay))
        sine = _wavetable(0.0, False, 1)
        modulator = sine[_table_index(voice.fm_ratio * freq, n, sr, 0.0, rng)]
        # Phase modulation through the sine table: carrier index plus the modulation offset.
        offset = (index * modulator * np.float32(_TABLE_SIZE / (2 * np.pi))).astype(np.int64)
        return sine[(_table_index(freq, n, sr, 0.0, rng) + offset) & _TABLE_MASK] * env
    nyquist_harmonics = max(1, int(0.45 * sr / (freq * (1 + voice.vibrato))))
    table = _wavetable(round(voice.rolloff, 3), voice.odd_only, min(voice.n_harmonics, nyquist_harmonics))
    if voice.kind == "pad":
        # Two detuned oscillators beat against each other: the slow chorus of strings and synth pads.
        wave = table[_table_index(freq * 2 ** (-voice.detune_cents / 1200), n, sr, voice.vibrato, rng)]
        wave += table[_table_index(freq * 2 ** (voice.detune_cents / 1200), n, sr, voice.vibrato, rng)]
        return wave * (env * np.float32(0.5))
    return table[_table_index(freq, n, sr, voice.vibrato, rng)] * env


def render_part(
    voice: Voice, notes: Sequence[_Note], n_samples: int, sr: int, rng: np.random.Generator
) -> np.ndarray:
    """Sum the notes of one instrument into a bus, then overdrive the bus if asked."""
    bus = np.zeros(n_samples, dtype=np.float32)
    ring = 0.25 if voice.kind == "pluck" else 0.08  # let notes ring past their gate
    for note in notes:
        start = int(note.onset * sr)
        if start >= n_samples:
            continue
        gate = int(note.duration * sr)
        n = min(gate + int(ring * sr), n_samples - start)
        if n <= 8:
            continue
        wave = _render_note(voice, _midi_hz(note.midi), n, min(gate, n), sr, rng)
        bus[start : start + n] += np.float32(note.velocity) * wave
    if voice.drive > 0 and np.any(bus):
        bus = np.tanh(bus * np.float32(voice.drive / np.max(np.abs(bus))))
    return bus


def _drum_hit(kind: str, kit: DrumKit, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One drum sound; drawn once per track so hits repeat like a sample would."""
    if kind == "kick":
        t = np.arange(int(0.35 * sr)) / sr
        freq = kit.kick_hz * (1.0 + 2.0 * np.exp(-t / 0.03))  # the pitch drop that makes a thump
        return np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / 0.18)
    if kind == "snare":
        t = np.arange(int(0.25 * sr)) / sr
        noise = np.diff(rng.standard_normal(len(t) + 1))  # first difference: brighter noise
        tone = np.sin(2 * np.pi * kit.snare_tone_hz * t)
        return (0.5 * noise * np.exp(-t / 0.07) + 0.8 * tone * np.exp(-t / 0.05))
    t = np.arange(int(max(0.08, 4 * kit.hat_decay) * sr)) / sr
    noise = np.diff(rng.standard_normal(len(t) + 2), n=2)  # second difference: hiss
    return 0.5 * noise * np.exp(-t / kit.hat_decay)


def _step_time(step: int, step_seconds: float, swing: float) -> float:
    """Onset of a 16th-note step; swing delays the off-beat 8ths and 16ths."""
    delay = 0.0
    if step % 2 == 1:
        delay = swing * step_seconds
    elif step % 4 == 2:
        delay = swing * 2 * step_seconds
    return step * step_seconds + delay


def render_drums(
    kit: DrumKit,
    n_bars: int,
    step_seconds: float,
    swing: float,
    n_samples: int,
    sr: int,
    rng: np.random.Generator,
) -> np.ndarray:
    bus = np.zeros(n_samples, dtype=np.float32)
    bar_seconds = STEPS_PER_BAR * step_seconds
    for kind, pattern, level in (("kick", kit.kick, 1.0), ("snare", kit.snare, 0.8), ("hat", kit.hat, 0.35)):
        hit = (_drum_hit(kind, kit, sr, rng) * level).astype(np.float32)
        for bar in range(n_bars):
            for step in _steps(pattern):
                start = int((bar * bar_seconds + _step_time(step, step_seconds, swing)) * sr)
                if start >= n_samples:
                    continue
                n = min(len(hit), n_samples - start)
                accent = 1.0 if step % 4 == 0 else 0.75
                bus[start : start + n] += hit[:n] * np.float32(accent * rng.uniform(0.85, 1.0))
    return bus


def _rhythm_notes(
    pattern: str, bar_start: float, step_seconds: float, swing: float, gate: float = 0.9
) -> list[tuple[float, float]]:
    """(onset, duration) of each onset in a one-bar pattern; a note lasts until the next one."""
    steps = _steps(pattern)
    out = []
    for i, step in enumerate(steps):
        nxt = steps[i + 1] if i + 1 < len(steps) else STEPS_PER_BAR
        onset = bar_start + _step_time(step, step_seconds, swing)
        if nxt < STEPS_PER_BAR:
            end = bar_start + _step_time(nxt, step_seconds, swing)
        else:
            end = bar_start + nxt * step_seconds
        out.append((onset, max(step_seconds * 0.5, (end - onset) * gate)))
    return out


def _chord(recipe: GenreRecipe, degree: int) -> list[int]:
    """Semitones above the tonic of the chord on ``degree``."""
    root = _scale_note(recipe.scale, degree)
    if recipe.chord_size == 0:
        return [root, root + 7, root + 12]
    return [_scale_note(recipe.scale, degree + 2 * j) for j in range(recipe.chord_size)]


def compose(
    recipe: GenreRecipe, key: int, n_bars: int, step_seconds: float, rng: np.random.Generator
) -> tuple[list[_Note], list[_Note], list[_Note]]:
    """Chord, lead and bass notes for ``n_bars`` bars in the recipe's harmony."""
    chords: list[_Note] = []
    lead: list[_Note] = []
    bass: list[_Note] = []
    bar_seconds = STEPS_PER_BAR * step_seconds
    lead_scale = recipe.lead_scale or recipe.scale
    lead_degree = int(rng.integers(0, len(lead_scale)))
    for bar in range(n_bars):
        start = bar * bar_seconds
        degree = recipe.progression[bar % len(recipe.progression)]
        next_degree = recipe.progression[(bar + 1) % len(recipe.progression)]
        tones = _chord(recipe, degree)
        onsets = _rhythm_notes(recipe.chord_rhythm, start, step_seconds, recipe.swing)
        for i, (onset, duration) in enumerate(onsets):
            velocity = rng.uniform(0.7, 1.0)
            if recipe.arpeggiate:
                arp = tones + [t + 12 for t in tones]
                midi = recipe.chord_register + key + arp[i % len(arp)]
                chords.append(_Note(onset, duration * 2.5, midi, velocity))  # let arpeggios ring
            else:
                chords.extend(_Note(onset, duration, recipe.chord_register + key + t, velocity) for t in tones)
        if recipe.lead_voice is not None:
            for onset, duration in _rhythm_notes(recipe.lead_rhythm, start, step_seconds, recipe.swing):
                if rng.random() < 0.15:  # phrasing: leave some steps silent
                    continue
                step = rng.choice([-2, -1, -1, 0, 1, 1, 2])  # a random walk, mostly stepwise
                lead_degree = int(np.clip(lead_degree + step, 0, 2 * len(lead_scale)))
                midi = recipe.lead_register + key + _scale_note(lead_scale, lead_degree)
                lead.append(_Note(onset, duration, midi, rng.uniform(0.6, 1.0)))
        if recipe.bass_voice is not None:
            bass_onsets = _rhythm_notes(recipe.bass_rhythm, start, step_seconds, recipe.swing)
            for i, (onset, duration) in enumerate(bass_onsets):
                if recipe.walking_bass and i > 0:
                    # Walk toward the next chord's root through neighbouring scale tones.
                    step_degree = next_degree + (len(bass_onsets) - i) * int(rng.choice([-1, 1]))
                    semis = _scale_note(recipe.scale, step_degree)
                else:
                    semis = _scale_note(recipe.scale, degree)
                midi = recipe.bass_register + key + (semis % 12)
                bass.append(_Note(onset, duration, midi, rng.uniform(0.8, 1.0)))
    return chords, lead, bass


