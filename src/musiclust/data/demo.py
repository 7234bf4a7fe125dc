"""Deterministic synthetic music corpus in the Free Music Archive's on-disk format.

The pipeline's real FMA code path (read ``fma_metadata.zip``, list the audio archive,
decode MP3s, skip the broken ones) runs unchanged on what this module writes:

* ``fma_metadata.zip`` with ``fma_metadata/tracks.csv`` (FMA's two-row column header plus the
  ``track_id,,,`` index row) and ``fma_metadata/genres.csv``;
* ``{archive_name}.zip`` with ``{archive_name}/XXX/XXXXXX.mp3`` (FMA's layout), a README and a
  ``checksums`` file like the real archives;
* ``checksums.json``: SHA-1 of both zips.

Every genre is a synthesis recipe (tempo, drum pattern, instruments, harmony, noise, room
and EQ) and every track draws its own variation (key, tempo, mix, timbre, band, loudness)
from a generator seeded by ``(spec.seed, track index)``, so a track's audio does not depend on
the order in which tracks are rendered. ``TRACK_VARIATION`` sets how far tracks stray from
their recipe, and so how hard the genres are to cluster: tuned so that KMeans on PCA of
log-mel spectrograms reaches an adjusted Rand index of roughly 0.5-0.7, neither trivial nor
hopeless. Archives are byte-identical for the same spec on the same machine (fixed zip
timestamps, sorted entries, deterministic MP3 encoder).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

MIN_GENRES = 6
N_MULTI_GENRE_TRACKS = 2
BROKEN_KINDS = ("empty", "truncated", "not_audio")
TRUNCATED_BYTES = 200
# Sample rates an MPEG-1/2/2.5 layer III stream can carry (LAME refuses others).
MP3_SAMPLE_RATES = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})
METADATA_ZIP = "fma_metadata.zip"
CHECKSUMS_JSON = "checksums.json"

# Seed-sequence stream tags: one independent random stream per purpose.
_AUDIO_STREAM = 1
_NAMES_STREAM = 2
# 1980-01-01 is the earliest time a zip entry can carry; fixed so archives are reproducible.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_STEPS_PER_BAR = 16


# --------------------------------------------------------------------------------------
# Spec
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSpec:
    """Size and seed of a demo corpus. Validated on construction."""

    n_genres: int = 8  # at least MIN_GENRES, at most len(GENRE_RECIPES)
    tracks_per_genre: int = 12
    clip_seconds: float = 30.0
    sample_rate: int = 44100
    n_broken: int = 3  # deliberately broken audio files, added on top
    seed: int = 0

    def __post_init__(self) -> None:
        n_recipes = len(GENRE_RECIPES)
        if not MIN_GENRES <= self.n_genres <= n_recipes:
            raise ValueError(
                f"DemoSpec.n_genres must be between {MIN_GENRES} and {n_recipes} "
                f"(the number of genre recipes), got {self.n_genres}"
            )
        if self.tracks_per_genre < 1:
            raise ValueError(f"DemoSpec.tracks_per_genre must be >= 1, got {self.tracks_per_genre}")
        if not self.clip_seconds > 0:
            raise ValueError(f"DemoSpec.clip_seconds must be > 0, got {self.clip_seconds}")
        if self.sample_rate not in MP3_SAMPLE_RATES:
            raise ValueError(
                f"DemoSpec.sample_rate must be one MP3 supports {sorted(MP3_SAMPLE_RATES)}, "
                f"got {self.sample_rate}"
            )
        if self.n_broken < 0:
            raise ValueError(f"DemoSpec.n_broken must be >= 0, got {self.n_broken}")
        if self.seed < 0:
            raise ValueError(f"DemoSpec.seed must be >= 0 (it seeds numpy), got {self.seed}")
        n_tracks = self.n_genres * self.tracks_per_genre + N_MULTI_GENRE_TRACKS + self.n_broken
        if demo_track_id(n_tracks - 1) > 999_999:
            raise ValueError(f"DemoSpec asks for {n_tracks} tracks; their ids would not fit FMA's 6 digits")


# --------------------------------------------------------------------------------------
# Genre recipes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    """How one instrument turns notes into sound."""

    kind: str  # "additive" | "pad" | "fm" | "pluck"
    rolloff: float = 1.0  # harmonic k has amplitude k**-rolloff; for "pluck", excitation darkness
    odd_only: bool = False  # clarinet/square-like spectra
    n_harmonics: int = 24
    fm_ratio: float = 1.0  # modulator frequency / carrier frequency ("fm")
    fm_index: float = 0.0  # peak modulation index, decays with the note ("fm")
    attack: float = 0.005  # seconds
    decay: float = 1.0  # exponential decay time constant, seconds
    vibrato: float = 0.0  # depth as a fraction of the frequency
    detune_cents: float = 0.0  # detuning of the two oscillators of a "pad", cents either way
    drive: float = 0.0  # tanh overdrive on the instrument's whole bus (0: clean)


@dataclass(frozen=True)
class DrumKit:
    """A one-bar drum pattern on a 16-step grid ('x' hit, '.' rest) and its sounds."""

    kick: str
    snare: str
    hat: str
    kick_hz: float = 55.0  # kick body pitch (a tom or tabla is higher)
    snare_tone_hz: float = 190.0
    hat_decay: float = 0.04  # seconds; long decays sound like a ride cymbal or shaker


@dataclass(frozen=True)
class GenreRecipe:
    """Everything that makes one synthetic genre sound like itself."""

    name: str  # FMA's genre_top title
    genre_id: int  # FMA's root genre id
    subgenre: tuple[int, str]  # (genre id, title) of one child genre, for genres.csv
    tempo_bpm: tuple[float, float]
    drums: DrumKit | None
    scale: tuple[int, ...]  # semitones above the tonic
    progression: tuple[int, ...]  # chord roots as scale degrees, one chord per bar
    chord_voice: Voice
    chord_size: int  # notes stacked in thirds; 0 for a power chord (root, fifth, octave)
    chord_rhythm: str  # 16-step onsets; a note lasts until the next onset
    chord_register: int  # MIDI note of the tonic the chords sit on
    arpeggiate: bool = False  # play chord tones one at a time instead of together
    lead_voice: Voice | None = None
    lead_rhythm: str = ""
    lead_register: int = 72
    lead_scale: tuple[int, ...] | None = None  # defaults to ``scale``
    bass_voice: Voice | None = None
    bass_rhythm: str = ""
    bass_register: int = 36
    walking_bass: bool = False
    swing: float = 0.0  # fraction of a step the off-beats are delayed by
    levels: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)  # drums, chords, lead, bass
    noise_level: float = 0.0  # relative to the music's RMS
    noise_colour: float = 1.0  # power spectrum ~ f**-colour: 0 white, 1 pink, 2 brown
    # The recording chain's pass band (studio, room, medium), drawn log-uniformly per track.
    highpass_hz: tuple[float, float] = (30.0, 40.0)
    lowpass_hz: tuple[float, float] = (15000.0, 19000.0)
    reverb: tuple[float, float] = (0.3, 1.0)  # (wet level, RT60 seconds) of the room
    tilt_db_per_octave: float = 0.0  # mastering EQ around 1 kHz: genres differ in long-term spectrum
    # Resonances of the genre's instruments and rooms: (centre Hz, gain dB, width in octaves).
    eq_peaks: tuple[tuple[float, float, float], ...] = ()
    stereo_width: float = 0.0  # 0 writes a mono file


MAJOR = (0, 2, 4, 5, 7, 9, 11)
NATURAL_MINOR = (0, 2, 3, 5, 7, 8, 10)
DORIAN = (0, 2, 3, 5, 7, 9, 10)
MIXOLYDIAN = (0, 2, 4, 5, 7, 9, 10)
HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)
PHRYGIAN_DOMINANT = (0, 1, 4, 5, 7, 8, 10)
BLUES = (0, 3, 5, 6, 7, 10)
WHOLE_TONE = (0, 2, 4, 6, 8, 10)
EIGHTHS = "x.x.x.x.x.x.x.x."
SIXTEENTHS = "xxxxxxxxxxxxxxxx"
BACKBEAT = "....x.......x..."

# A spec with n_genres uses the first n_genres recipes; genre ids and titles are FMA's roots.
# Besides instruments, each genre has a recording chain (band, room, resonances): genres differ in
# long-term spectrum, the cue a spectrogram clusterer can use.
GENRE_RECIPES: tuple[GenreRecipe, ...] = (
    GenreRecipe(
        name="Rock",
        genre_id=12,
        subgenre=(66, "Indie-Rock"),
        tempo_bpm=(112.0, 140.0),
        drums=DrumKit(kick="x.....x.x.......", snare=BACKBEAT, hat=EIGHTHS),
        scale=NATURAL_MINOR,
        progression=(0, 5, 2, 6),
        chord_voice=Voice("additive", rolloff=0.9, decay=0.6, drive=6.0),
        chord_size=0,
        chord_rhythm=EIGHTHS,
        chord_register=40,
        bass_voice=Voice("additive", rolloff=2.0, decay=0.4),
        bass_rhythm=EIGHTHS,
        bass_register=28,
        levels=(0.9, 1.3, 0.0, 0.4),
        noise_level=0.02,
        highpass_hz=(60.0, 90.0),
        lowpass_hz=(8000.0, 12000.0),
        reverb=(0.35, 0.8),
        eq_peaks=((2500.0, 8.0, 0.6), (400.0, -6.0, 0.7)),
    ),
    GenreRecipe(
        name="Electronic",
        genre_id=15,
        subgenre=(181, "Techno"),
        tempo_bpm=(122.0, 132.0),
        drums=DrumKit(kick="x...x...x...x...", snare=BACKBEAT, hat=SIXTEENTHS, kick_hz=48.0, hat_decay=0.06),
        scale=NATURAL_MINOR,
        progression=(0, 5, 3, 4),
        chord_voice=Voice("pad", rolloff=0.8, detune_cents=18.0, attack=0.05, decay=4.0),
        chord_size=3,
        chord_rhythm="x...............",
        chord_register=60,
        lead_voice=Voice("fm", fm_ratio=2.0, fm_index=2.5, decay=0.12),
        lead_rhythm=SIXTEENTHS,
        lead_register=69,
        bass_voice=Voice("fm", fm_ratio=1.0, fm_index=1.5, decay=0.15),
        bass_rhythm="..x...x...x...x.",
        bass_register=33,
        levels=(1.0, 1.4, 0.4, 0.8),
        noise_level=0.03,
        highpass_hz=(25.0, 35.0),
        lowpass_hz=(15000.0, 19000.0),
        reverb=(0.6, 2.0),
        eq_peaks=((60.0, 8.0, 0.7), (9000.0, 6.0, 0.8), (1000.0, -4.0, 1.0)),
    ),
    GenreRecipe(
        name="Hip-Hop",
        genre_id=21,
        subgenre=(539, "Rap"),
        tempo_bpm=(84.0, 96.0),
        drums=DrumKit(kick="x......x..x.....", snare=BACKBEAT, hat=EIGHTHS, kick_hz=52.0, hat_decay=0.03),
        scale=DORIAN,
        progression=(0, 3),
        chord_voice=Voice("additive", rolloff=2.4, attack=0.01, decay=1.2),
        chord_size=4,
        chord_rhythm="x.......x.......",
        chord_register=57,
        bass_voice=Voice("additive", rolloff=6.0, decay=0.9),
        bass_rhythm="x......x..x.....",
        bass_register=31,
        swing=0.12,
        levels=(1.2, 0.4, 0.0, 1.7),
        noise_level=0.08,
        noise_colour=0.0,
        highpass_hz=(30.0, 45.0),
        lowpass_hz=(3500.0, 6000.0),
        reverb=(0.15, 0.5),
        eq_peaks=((70.0, 10.0, 0.6),),
    ),
    GenreRecipe(
        name="Folk",
        genre_id=17,
        subgenre=(137, "Free-Folk"),
        tempo_bpm=(92.0, 120.0),
        drums=None,
        scale=MAJOR,
        progression=(0, 3, 4, 0),
        chord_voice=Voice("pluck", rolloff=0.4, decay=3.0),
        chord_size=3,
        chord_rhythm=EIGHTHS,
        chord_register=52,
        arpeggiate=True,
        lead_voice=Voice("additive", rolloff=1.6, attack=0.06, decay=2.0, vibrato=0.006),
        lead_rhythm="x.......x...x...",
        lead_register=67,
        bass_voice=Voice("pluck", rolloff=0.7, decay=1.2),
        bass_rhythm="x.......x.......",
        bass_register=40,
        levels=(0.0, 1.0, 0.5, 0.4),
        noise_level=0.03,
        highpass_hz=(70.0, 110.0),
        lowpass_hz=(7000.0, 11000.0),
        reverb=(0.6, 1.6),
        eq_peaks=((200.0, 6.0, 0.7), (3500.0, 5.0, 0.5)),
    ),
    GenreRecipe(
        name="Classical",
        genre_id=5,
        subgenre=(187, "Chamber Music"),
        tempo_bpm=(60.0, 84.0),
        drums=None,
        scale=HARMONIC_MINOR,
        progression=(0, 3, 4, 0),
        chord_voice=Voice("pad", rolloff=1.1, detune_cents=8.0, attack=0.4, decay=6.0, vibrato=0.004),
        chord_size=3,
        chord_rhythm="x...............",
        chord_register=55,
        lead_voice=Voice("additive", rolloff=1.1, attack=0.08, decay=3.0, vibrato=0.008),
        lead_rhythm="x...x...x...x...",
        lead_register=74,
        bass_voice=Voice("additive", rolloff=1.4, attack=0.15, decay=4.0, vibrato=0.004),
        bass_rhythm="x.......x.......",
        bass_register=38,
        levels=(0.0, 1.0, 0.8, 0.5),
        noise_level=0.003,
        stereo_width=0.5,
        highpass_hz=(40.0, 60.0),
        lowpass_hz=(5000.0, 8000.0),
        reverb=(0.7, 2.2),
        eq_peaks=((500.0, 7.0, 1.0), (5000.0, -6.0, 1.0)),
    ),
    GenreRecipe(
        name="Jazz",
        genre_id=4,
        subgenre=(179, "Jazz: Vocal"),
        tempo_bpm=(120.0, 170.0),
        drums=DrumKit(
            kick="x...............",
            snare="......x.......x.",
            hat="x...x.x.x...x.x.",
            snare_tone_hz=230.0,
            hat_decay=0.28,
        ),
        scale=DORIAN,
        progression=(1, 4, 0, 0),
        chord_voice=Voice("fm", fm_ratio=1.0, fm_index=1.2, attack=0.003, decay=0.8),
        chord_size=4,
        chord_rhythm="x.....x...x.....",
        chord_register=55,
        bass_voice=Voice("additive", rolloff=2.5, decay=0.5),
        bass_rhythm="x...x...x...x...",
        bass_register=31,
        walking_bass=True,
        swing=0.3,
        levels=(0.6, 0.9, 0.0, 1.0),
        noise_level=0.01,
        highpass_hz=(40.0, 60.0),
        lowpass_hz=(9000.0, 14000.0),
        reverb=(0.3, 0.9),
        eq_peaks=((250.0, 6.0, 0.8), (2000.0, -8.0, 0.7)),
    ),
    GenreRecipe(
        name="Pop",
        genre_id=10,
        subgenre=(76, "Electropop"),
        tempo_bpm=(96.0, 122.0),
        drums=DrumKit(kick="x.......x.x.....", snare=BACKBEAT, hat=EIGHTHS),
        scale=MAJOR,
        progression=(0, 4, 5, 3),
        chord_voice=Voice("additive", rolloff=1.6, attack=0.003, decay=1.2),
        chord_size=3,
        chord_rhythm="x...x...x...x...",
        chord_register=60,
        lead_voice=Voice("additive", rolloff=1.3, attack=0.03, decay=1.5, vibrato=0.01),
        lead_rhythm="x.x...x.x.x...x.",
        lead_register=72,
        bass_voice=Voice("additive", rolloff=2.2, decay=0.5),
        bass_rhythm="x.......x.x.....",
        bass_register=36,
        levels=(1.0, 0.7, 0.9, 0.8),
        noise_level=0.03,
        highpass_hz=(40.0, 60.0),
        lowpass_hz=(9000.0, 13000.0),
        reverb=(0.5, 1.8),
        eq_peaks=((5000.0, 7.0, 0.6), (120.0, 3.0, 0.8)),
    ),
    GenreRecipe(
        name="Experimental",
        genre_id=38,
        subgenre=(250, "Noise"),
        tempo_bpm=(60.0, 180.0),
        drums=None,
        scale=WHOLE_TONE,
        progression=(0, 2, 1),
        chord_voice=Voice("fm", fm_ratio=1.414, fm_index=5.0, attack=0.5, decay=5.0),
        chord_size=3,
        chord_rhythm="x...............",
        chord_register=48,
        lead_voice=Voice("fm", fm_ratio=3.53, fm_index=8.0, decay=0.3),
        lead_rhythm="x..x.x...x..x...",
        lead_register=76,
        levels=(0.0, 1.0, 0.6, 0.0),
        noise_level=0.6,
        noise_colour=0.0,
        highpass_hz=(20.0, 400.0),
        lowpass_hz=(6000.0, 19000.0),
        reverb=(0.8, 3.5),
        eq_peaks=((1200.0, 9.0, 0.4),),
    ),
    GenreRecipe(
        name="International",
        genre_id=2,
        subgenre=(46, "Latin America"),
        tempo_bpm=(96.0, 128.0),
        drums=DrumKit(
            kick="x..x..x...x..x..",
            snare="..x....x..x....x",
            hat=SIXTEENTHS,
            kick_hz=110.0,
            snare_tone_hz=320.0,
            hat_decay=0.02,
        ),
        scale=PHRYGIAN_DOMINANT,
        progression=(0,),
        chord_voice=Voice("pad", rolloff=1.8, detune_cents=4.0, attack=0.3, decay=8.0),
        chord_size=0,
        chord_rhythm="x...............",
        chord_register=48,
        lead_voice=Voice("pluck", rolloff=0.1, decay=0.9),
        lead_rhythm="x.xx.x.xx.x.x.xx",
        lead_register=64,
        levels=(0.8, 0.5, 1.0, 0.0),
        noise_level=0.01,
        highpass_hz=(80.0, 150.0),
        lowpass_hz=(7000.0, 11000.0),
        reverb=(0.3, 1.0),
        eq_peaks=((800.0, 8.0, 0.5),),
    ),
    GenreRecipe(
        name="Blues",
        genre_id=3,
        subgenre=(117, "Chicago Blues"),
        tempo_bpm=(70.0, 96.0),
        drums=DrumKit(kick="x.......x.......", snare=BACKBEAT, hat=EIGHTHS, hat_decay=0.06),
        scale=MIXOLYDIAN,
        progression=(0, 0, 3, 0, 4, 3, 0, 4),
        chord_voice=Voice("pluck", rolloff=0.3, decay=0.8, drive=2.0),
        chord_size=3,
        chord_rhythm=EIGHTHS,
        chord_register=45,
        lead_voice=Voice("additive", rolloff=1.2, odd_only=True, attack=0.04, decay=1.0, vibrato=0.012),
        lead_rhythm="x..x..x...x..x..",
        lead_register=67,
        lead_scale=BLUES,
        bass_voice=Voice("additive", rolloff=2.5, decay=0.5),
        bass_rhythm="x...x...x...x...",
        bass_register=33,
        walking_bass=True,
        swing=0.33,
        levels=(0.8, 1.0, 0.8, 0.8),
        noise_level=0.02,
        highpass_hz=(80.0, 120.0),
        lowpass_hz=(4500.0, 7500.0),
        reverb=(0.3, 0.8),
        eq_peaks=((1500.0, 7.0, 0.6),),
    ),
)


# --------------------------------------------------------------------------------------
# Track plan: which tracks exist, their ids, genres and breakage
# --------------------------------------------------------------------------------------


def demo_track_id(index: int) -> int:
    """FMA-like track id of the ``index``-th demo track: unique, increasing, not contiguous.

    Spread over several ``XXX/`` folders so the archive layout is exercised like FMA's.
    """
    return 2 + 97 * index + (7 * index) % 11


@dataclass(frozen=True)
class _PlannedTrack:
    index: int
    track_id: int
    genres: tuple[int, ...]  # indices into GENRE_RECIPES; two for a multi-genre track
    broken_kind: str | None = None  # one of BROKEN_KINDS, or None for good audio
    within_genre: int = 0  # position among the tracks of its (first) genre


def _plan_tracks(spec: DemoSpec) -> list[_PlannedTrack]:
    """Single-genre tracks (genres interleaved), then multi-genre, then broken ones."""
    plan: list[_PlannedTrack] = []
    n_single = spec.n_genres * spec.tracks_per_genre
    for index in range(n_single):
        plan.append(
            _PlannedTrack(
                index, demo_track_id(index), (index % spec.n_genres,), within_genre=index // spec.n_genres
            )
        )
    for j in range(N_MULTI_GENRE_TRACKS):
        index = len(plan)
        pair = (2 * j % spec.n_genres, (2 * j + 1) % spec.n_genres)
        plan.append(_PlannedTrack(index, demo_track_id(index), pair, within_genre=spec.tracks_per_genre + j))
    for j in range(spec.n_broken):
        index = len(plan)
        plan.append(
            _PlannedTrack(
                index,
                demo_track_id(index),
                (j % spec.n_genres,),
                broken_kind=BROKEN_KINDS[j % len(BROKEN_KINDS)],
                within_genre=spec.tracks_per_genre + N_MULTI_GENRE_TRACKS + j,
            )
        )
    return plan


def _split_for(track: _PlannedTrack) -> str:
    """About 80/10/10, stratified by genre: a rotating slot per genre decides."""
    slot = (track.within_genre + track.genres[0]) % 10
    return "validation" if slot == 8 else "test" if slot == 9 else "training"


def audio_member(archive_name: str, track_id: int) -> str:
    """Path of a track's MP3 inside the audio zip, FMA's layout: ``fma_x/000/000002.mp3``."""
    tid = f"{track_id:06d}"
    return f"{archive_name}/{tid[:3]}/{tid}.mp3"


# --------------------------------------------------------------------------------------
# Titles and artist names
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    """Word lists to make plausible titles and names in one language."""

    code: str
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    title_patterns: tuple[str, ...]  # "{a}" adjective, "{n}"/"{m}" nouns
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    band_patterns: tuple[str, ...]


_LEXICONS: tuple[_Lexicon, ...] = (
    _Lexicon(
        "en",
        ("Silver", "Broken", "Quiet", "Electric", "Golden", "Lonely", "Wild", "Hollow", "Burning", "Northern",
         "Paper", "Velvet", "Distant", "Crimson", "Restless", "Midnight"),
        ("Garden", "River", "Heart", "Highway", "Mirror", "Ocean", "Window", "Summer", "Shadow", "Engine",
         "Lantern", "Harbor", "Signal", "Orchard", "Machine", "Sparrow"),
        ("{a} {n}", "The {n}", "{n} of the {m}", "{a} {n}s", "Under the {a} {n}", "{n}, {m}", "Last {n}"),
        ("Ada", "Ben", "Clara", "Dylan", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack", "Lucy", "Sam"),
        ("Walker", "Hayes", "Moore", "Fletcher", "Reed", "Carter", "Quinn", "Brooks", "Lane", "Porter"),
        ("The {a} {n}s", "{a} {n}", "The {n}s", "{n} Club", "{a} Youth"),
    ),
    _Lexicon(
        "es",
        ("perdido", "dorado", "azul", "eterno", "salvaje", "oscuro", "lejano", "tranquilo", "rojo", "nuevo"),
        ("corazón", "río", "camino", "luna", "ciudad", "fuego", "mar", "viento", "canción", "jardín",
         "silencio", "noche", "día", "sueño"),
        ("{N} {a}", "{N} de {m}", "El {n} {a}", "Canción del {n}", "Sin {n}", "Entre el {n} y el {m}"),
        ("Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Andrés", "Camila", "Joaquín", "Inés", "Pablo"),
        ("García", "Martínez", "López", "Fernández", "Núñez", "Ramírez", "Ortega", "Muñoz", "Castillo"),
        ("Los del {N}", "{N} {a}", "La {N} Band", "Grupo {N}"),
    ),
    _Lexicon(
        "fr",
        ("bleu", "perdu", "doux", "étrange", "ancien", "léger", "sombre", "dernier", "fragile", "secret"),
        ("nuit", "vent", "rêve", "été", "forêt", "cœur", "rivière", "fenêtre", "lumière", "chemin",
         "silence", "hiver", "miroir"),
        ("{N} {a}", "Le {n} et la {m}", "Sous la {n}", "{N} d'{m}", "Dernier {n}", "Après le {n}"),
        ("Camille", "Élodie", "Julien", "Margaux", "Théo", "Chloé", "Lucien", "Anaïs", "Benoît", "Zoé"),
        ("Lefèvre", "Moreau", "Dubois", "Laurent", "Girard", "Rousseau", "Fontaine", "Mercier", "Chevalier"),
        ("Les {N}s", "{N} {a}", "Orchestre du {N}", "Le {N} Club"),
    ),
    _Lexicon(
        "de",
        ("stille", "kalte", "dunkle", "weite", "goldene", "letzte", "neue", "grüne", "müde", "helle"),
        ("Nacht", "Straße", "Stadt", "Welle", "Stimme", "Brücke", "Wolke", "Träume", "Spiegel", "Fabrik",
         "Grenze", "Sehnsucht"),
        ("Die {a} {N}", "{N} und {M}", "Über die {N}", "{N}", "Ohne {N}", "Eine {a} {N}"),
        ("Jonas", "Lena", "Felix", "Hanna", "Lukas", "Jürgen", "Greta", "Matthias", "Sören", "Ute"),
        ("Müller", "Schröder", "Becker", "Hoffmann", "Krüger", "Wagner", "Schäfer", "Vogel", "Koch"),
        ("{N}werk", "Kapelle {N}", "Die {N}-Band", "{A} {N}"),
    ),
    _Lexicon(
        "pt",
        ("azul", "perdido", "antigo", "doce", "sozinho", "dourado", "longe", "novo", "quieto", "selvagem"),
        ("saudade", "coração", "mar", "estrada", "lua", "cidade", "canção", "verão", "janela", "sertão",
         "chuva", "manhã"),
        ("{N} {a}", "{N} do {m}", "Saudade de {n}", "A {n} e o {m}", "Sem {n}", "Canção da {n}"),
        ("João", "Mariana", "Tiago", "Beatriz", "Gonçalo", "Luísa", "Caetano", "Inês", "Rodrigo", "Marta"),
        ("Silva", "Santos", "Conceição", "Araújo", "Gonçalves", "Pereira", "Simões", "Lima", "Brandão"),
        ("Conjunto {N}", "{N} {a}", "Banda do {N}", "Trio {N}"),
    ),
    _Lexicon(
        "ja",
        ("aoi", "shiroi", "tooi", "atarashii", "shizukana", "akai", "yasashii", "kanashii"),
        ("sora", "yoru", "umi", "hoshi", "kaze", "yume", "sakura", "michi", "tsuki", "ame", "machi", "hikari"),
        ("{N} no {M}", "{A} {N}", "{N} to {M}", "よるのそら", "ほしのうた", "あめのまち", "かぜとゆめ", "{N}"),
        ("Haruka", "Ren", "Yui", "Sora", "Takumi", "Aoi", "Kenji", "Mio", "Daichi", "Hina"),
        ("Sato", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Ito", "Nakamura", "Kobayashi", "Yamamoto"),
        ("{N} {M}", "{A} {N}", "{N}-gumi", "ゆめのおと"),
    ),
    _Lexicon(
        "it",
        ("azzurro", "perduto", "dolce", "lontano", "antico", "ultimo", "selvaggio", "nuovo", "quieto"),
        ("cuore", "mare", "strada", "notte", "città", "vento", "sogno", "estate", "finestra", "canzone",
         "silenzio", "luce"),
        ("{N} {a}", "La {n} del {m}", "Senza {n}", "{N} e {m}", "Canzone della {n}"),
        ("Giulia", "Marco", "Chiara", "Lorenzo", "Francesca", "Niccolò", "Elena", "Matteo", "Nicolò"),
        ("Rossi", "Bianchi", "Esposito", "Ricci", "Colombo", "Fabbri", "De Luca", "Galli", "Mancini"),
        ("Banda del {N}", "{N} {a}", "Orchestra {N}", "Gruppo {N}"),
    ),
)
# English dominates FMA, so it dominates here too.
_LANGUAGE_WEIGHTS = np.array([0.36, 0.12, 0.12, 0.1, 0.1, 0.12, 0.08])


def _fill(pattern: str, lexicon: _Lexicon, rng: np.random.Generator) -> str:
    """Fill ``{a}``/``{n}``/``{m}`` slots; an upper-case slot name capitalises the word."""

    def pick(words: Sequence[str]) -> str:
        return words[int(rng.integers(len(words)))]

    noun = pick(lexicon.nouns)
    other = pick([w for w in lexicon.nouns if w != noun])
    adjective = pick(lexicon.adjectives)

    def cap(word: str) -> str:
        return word[:1].upper() + word[1:]

    text = pattern.format(
        a=adjective, n=noun, m=other, A=cap(adjective), N=cap(noun), M=cap(other)
    )
    return cap(text)


@dataclass(frozen=True)
class _Credits:
    artist: str
    album: str
    title: str
    language_code: str
    artist_id: int
    album_id: int
    number: int  # track number on the album


def _pick_lexicon(rng: np.random.Generator) -> _Lexicon:
    return _LEXICONS[int(rng.choice(len(_LEXICONS), p=_LANGUAGE_WEIGHTS / _LANGUAGE_WEIGHTS.sum()))]


def _title(lexicon: _Lexicon, rng: np.random.Generator) -> str:
    return _fill(lexicon.title_patterns[int(rng.integers(len(lexicon.title_patterns)))], lexicon, rng)


def _artist_name(lexicon: _Lexicon, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        first = lexicon.first_names[int(rng.integers(len(lexicon.first_names)))]
        last = lexicon.last_names[int(rng.integers(len(lexicon.last_names)))]
        return f"{first} {last}"
    return _fill(lexicon.band_patterns[int(rng.integers(len(lexicon.band_patterns)))], lexicon, rng)


def _make_credits(spec: DemoSpec, plan: list[_PlannedTrack]) -> dict[int, _Credits]:
    """Artists (each with one album, in one language) shared by 2-4 tracks of a genre."""
    credits: dict[int, _Credits] = {}
    next_artist_id = 1
    groups: dict[int, list[_PlannedTrack]] = {}
    for track in plan:
        # One group per genre; a multi-genre track is its own group (an artist of its own).
        key = track.genres[0] if len(track.genres) == 1 else len(GENRE_RECIPES) + track.index
        groups.setdefault(key, []).append(track)
    for key in sorted(groups):
        tracks = groups[key]
        rng = np.random.default_rng([spec.seed, _NAMES_STREAM, key])
        position = 0
        while position < len(tracks):
            size = int(rng.integers(2, 5))
            lexicon = _pick_lexicon(rng)
            artist = _artist_name(lexicon, rng)
            album = _title(lexicon, rng)
            for number, track in enumerate(tracks[position : position + size], start=1):
                title = _title(lexicon, rng)
                credits[track.track_id] = _Credits(
                    artist, album, title, lexicon.code, next_artist_id, 1000 + next_artist_id, number
                )
            next_artist_id += 1
            position += size
    return credits


# --------------------------------------------------------------------------------------
# Metadata tables
# --------------------------------------------------------------------------------------


def _genre_list(ids: Sequence[int]) -> str:
    """FMA writes genre lists as Python list literals, e.g. ``[12, 25]``."""
    return "[" + ", ".join(str(i) for i in ids) + "]"


def _tracks_table(spec: DemoSpec, plan: list[_PlannedTrack]) -> pd.DataFrame:
    credits = _make_credits(spec, plan)
    duration = int(round(spec.clip_seconds))
    rows = []
    for track in plan:
        recipes = [GENRE_RECIPES[g] for g in track.genres]
        credit = credits[track.track_id]
        if len(recipes) == 1:
            recipe = recipes[0]
            # Half the tracks are tagged with the sub-genre, like FMA's most specific tags.
            uses_sub = track.within_genre % 2 == 1
            genres = [recipe.subgenre[0]] if uses_sub else [recipe.genre_id]
            genres_all = sorted({recipe.genre_id, *genres})
            genre_top = recipe.name
        else:
            genres = sorted(r.genre_id for r in recipes)
            genres_all = genres
            genre_top = ""  # FMA leaves it empty when a track has several root genres
        rows.append(
            {
                ("album", "id"): credit.album_id,
                ("album", "title"): credit.album,
                ("artist", "id"): credit.artist_id,
                ("artist", "name"): credit.artist,
                ("set", "split"): _split_for(track),
                ("set", "subset"): "small",
                ("track", "duration"): duration,
                ("track", "genre_top"): genre_top,
                ("track", "genres"): _genre_list(genres),
                ("track", "genres_all"): _genre_list(genres_all),
                ("track", "language_code"): credit.language_code,
                ("track", "number"): credit.number,
                ("track", "title"): credit.title,
            }
        )
    table = pd.DataFrame(rows, index=pd.Index([t.track_id for t in plan], name="track_id"))
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def _genres_table(spec: DemoSpec, tracks: pd.DataFrame) -> pd.DataFrame:
    """FMA's genres.csv: root genres (parent 0, top_level itself) and one child each."""
    counts: dict[int, int] = {}
    for listed in tracks[("track", "genres_all")]:
        for gid in json.loads(listed):
            counts[gid] = counts.get(gid, 0) + 1
    rows = []
    for recipe in GENRE_RECIPES[: spec.n_genres]:
        rows.append((recipe.genre_id, counts.get(recipe.genre_id, 0), 0, recipe.name, recipe.genre_id))
        sub_id, sub_title = recipe.subgenre
        rows.append((sub_id, counts.get(sub_id, 0), recipe.genre_id, sub_title, recipe.genre_id))
    genres = pd.DataFrame(rows, columns=["genre_id", "#tracks", "parent", "title", "top_level"])
    return genres.sort_values("genre_id").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Synthesis
# --------------------------------------------------------------------------------------


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


def _render_part(
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


def _render_drums(
    kit: DrumKit,
    n_bars: int,
    step_seconds: float,
    swing: float,
    n_samples: int,
    sr: int,
    rng: np.random.Generator,
) -> np.ndarray:
    bus = np.zeros(n_samples, dtype=np.float32)
    bar_seconds = _STEPS_PER_BAR * step_seconds
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
        nxt = steps[i + 1] if i + 1 < len(steps) else _STEPS_PER_BAR
        onset = bar_start + _step_time(step, step_seconds, swing)
        if nxt < _STEPS_PER_BAR:
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


def _compose(
    recipe: GenreRecipe, key: int, n_bars: int, step_seconds: float, rng: np.random.Generator
) -> tuple[list[_Note], list[_Note], list[_Note]]:
    """Chord, lead and bass notes for ``n_bars`` bars in the recipe's harmony."""
    chords: list[_Note] = []
    lead: list[_Note] = []
    bass: list[_Note] = []
    bar_seconds = _STEPS_PER_BAR * step_seconds
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


def _hybrid(first: GenreRecipe, second: GenreRecipe) -> GenreRecipe:
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
    n_bars = int(math.ceil(seconds / (_STEPS_PER_BAR * step_seconds))) + 1
    # Start mid-bar so clips do not all open on a downbeat.
    offset = int(rng.integers(0, int(_STEPS_PER_BAR * step_seconds * sr)))
    total = n_samples + offset
    chord_notes, lead_notes, bass_notes = _compose(recipe, key, n_bars, step_seconds, rng)
    drums_level, chords_level, lead_level, bass_level = (
        float(level) for level in np.asarray(recipe.levels) * rng.lognormal(0.0, variation.mix_sigma, size=4)
    )
    # Each part is brought to unit RMS first so the recipe's levels are its actual mix.
    music = np.zeros(total, dtype=np.float32)
    if recipe.drums is not None and drums_level > 0:
        drums = _render_drums(recipe.drums, n_bars, step_seconds, recipe.swing, total, sr, rng)
        music += drums_level * _rms_normalised(drums)
    harmonic = chords_level * _rms_normalised(_render_part(recipe.chord_voice, chord_notes, total, sr, rng))
    if recipe.lead_voice is not None and lead_level > 0:
        harmonic += lead_level * _rms_normalised(_render_part(recipe.lead_voice, lead_notes, total, sr, rng))
    music += harmonic
    if recipe.bass_voice is not None and bass_level > 0:
        music += bass_level * _rms_normalised(_render_part(recipe.bass_voice, bass_notes, total, sr, rng))
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


# --------------------------------------------------------------------------------------
# Encoding and archives
# --------------------------------------------------------------------------------------


def encode_mp3(audio: np.ndarray, sr: int) -> bytes:
    """MP3 bytes via libsndfile's bundled LAME (no ffmpeg needed).

    Encodes to a real temporary file, not a BytesIO: with a file libsndfile never calls back
    into Python, so the encoder runs without the GIL and threads encode in parallel.
    """
    handle, path = tempfile.mkstemp(suffix=".mp3", prefix="musiclust-demo-")
    os.close(handle)
    try:
        sf.write(path, audio, sr, format="MP3")
        return Path(path).read_bytes()
    finally:
        os.unlink(path)


_NOT_AUDIO = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    b"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _track_audio(spec: DemoSpec, track: _PlannedTrack) -> bytes:
    """The bytes of one track's MP3 file (broken on purpose for the broken tracks)."""
    if track.broken_kind == "empty":
        return b""
    if track.broken_kind == "not_audio":
        return _NOT_AUDIO
    rng = np.random.default_rng([spec.seed, _AUDIO_STREAM, track.index])
    recipes = [GENRE_RECIPES[g] for g in track.genres]
    recipe = recipes[0] if len(recipes) == 1 else _hybrid(recipes[0], recipes[1])
    # A truncated file only needs a valid beginning, so render a short clip.
    seconds = min(spec.clip_seconds, 2.0) if track.broken_kind == "truncated" else spec.clip_seconds
    data = encode_mp3(synthesize_track(recipe, seconds, spec.sample_rate, rng), spec.sample_rate)
    return data[:TRUNCATED_BYTES] if track.broken_kind == "truncated" else data


def _parallel_map(func: Callable[[_PlannedTrack], bytes], items: Sequence[_PlannedTrack]) -> list[bytes]:
    """Threads suffice: numpy's large operations and the MP3 encoder (a cffi call) release the GIL."""
    try:
        workers = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        workers = os.cpu_count() or 1
    if workers <= 1 or len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def _zip_bytes(entries: dict[str, bytes], compression: int) -> bytes:
    """A zip with sorted entries and fixed timestamps and permissions: same input, same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, so the permissions above are honoured everywhere
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary sibling, then rename: readers never see a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _readme(spec: DemoSpec, archive_name: str, plan: list[_PlannedTrack]) -> str:
    broken = ", ".join(f"{t.track_id:06d} ({t.broken_kind})" for t in plan if t.broken_kind)
    genres = ", ".join(r.name for r in GENRE_RECIPES[: spec.n_genres])
    return (
        f"{archive_name}: synthetic demo corpus in the layout of the Free Music Archive (FMA).\n"
        "\n"
        "Generated by musiclust.data.demo; no real music. Each genre is a synthesis recipe.\n"
        f"Spec: {spec}\n"
        f"Genres: {genres}\n"
        f"Tracks: {len(plan)} ({N_MULTI_GENRE_TRACKS} with several root genres, {spec.n_broken} broken)\n"
        f"Broken on purpose: {broken or 'none'}\n"
        "Layout: <archive>/<first 3 digits of the 6-digit track id>/<6-digit track id>.mp3\n"
    )


def generate_demo_corpus(spec: DemoSpec, out_dir: str | Path, archive_name: str = "fma_demo") -> dict[str, str]:
    """Write out_dir/fma_metadata.zip and out_dir/{archive_name}.zip; return {zip file name: sha1 hex}.

    Also writes out_dir/checksums.json with the same mapping.
    """
    if not archive_name or "/" in archive_name or archive_name.startswith("."):
        raise ValueError(f"archive_name must be a plain file stem, got {archive_name!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = _plan_tracks(spec)

    tracks = _tracks_table(spec, plan)
    genres = _genres_table(spec, tracks)
    metadata_zip = _zip_bytes(
        {
            "fma_metadata/tracks.csv": tracks.to_csv(lineterminator="\n").encode("utf-8"),
            "fma_metadata/genres.csv": genres.to_csv(index=False, lineterminator="\n").encode("utf-8"),
        },
        zipfile.ZIP_DEFLATED,
    )

    audio = _parallel_map(functools.partial(_track_audio, spec), plan)
    entries = {audio_member(archive_name, t.track_id): data for t, data in zip(plan, audio)}
    # Like FMA's archives: a sha1 per audio file, then a README.
    entries[f"{archive_name}/checksums"] = "".join(
        f"{hashlib.sha1(data).hexdigest()}  {name.split('/', 1)[1]}\n"
        for name, data in sorted(entries.items())
    ).encode()
    entries[f"{archive_name}/README.txt"] = _readme(spec, archive_name, plan).encode("utf-8")
    audio_zip = _zip_bytes(entries, zipfile.ZIP_STORED)  # MP3 is already compressed

    checksums: dict[str, str] = {}
    for name, data in ((METADATA_ZIP, metadata_zip), (f"{archive_name}.zip", audio_zip)):
        _write_atomic(out_dir / name, data)
        checksums[name] = hashlib.sha1(data).hexdigest()
    _write_atomic(out_dir / CHECKSUMS_JSON, (json.dumps(checksums, indent=2, sort_keys=True) + "\n").encode())
    return checksums


def broken_track_ids(spec: DemoSpec) -> dict[int, str]:
    """Track ids of the deliberately broken files and how each is broken."""
    return {t.track_id: t.broken_kind for t in _plan_tracks(spec) if t.broken_kind}


def multi_genre_track_ids(spec: DemoSpec) -> list[int]:
    """Track ids of the tracks listed under two root genres (empty ``genre_top``)."""
    return [t.track_id for t in _plan_tracks(spec) if len(t.genres) > 1]
