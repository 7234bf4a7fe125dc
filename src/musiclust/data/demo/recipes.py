"""Genre recipes of the demo corpus: what makes each synthetic genre sound like itself.

A spec with ``n_genres`` uses the first ``n_genres`` recipes; genre ids and titles are FMA's
root genres. Besides instruments, each genre has a recording chain (band, room, resonances):
genres differ in long-term spectrum, the cue a spectrogram clusterer can use.
"""

from __future__ import annotations

from dataclasses import dataclass


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

