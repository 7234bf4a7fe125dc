"""The demo's spec and track plan: which tracks exist, their ids, genres, split and breakage."""

from __future__ import annotations

from dataclasses import dataclass

from musiclust.data.demo.recipes import GENRE_RECIPES
from musiclust.defaults import defaults

MIN_GENRES = 6
N_MULTI_GENRE_TRACKS = 2
BROKEN_KINDS = ("empty", "truncated", "not_audio")
# Sample rates an MPEG-1/2/2.5 layer III stream can carry (LAME refuses others).
MP3_SAMPLE_RATES = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})

# Seed-sequence stream tags: one independent random stream per purpose, so adding a purpose
# (lyrics came after audio and names) leaves what the others draw unchanged.
AUDIO_STREAM = 1
NAMES_STREAM = 2
LYRICS_STREAM = 3


_DEMO = defaults("datasets", "additionalProperties", "demo")  # the config's defaults (the schema)


@dataclass(frozen=True)
class DemoSpec:
    """Size and seed of a demo corpus. Validated on construction."""

    n_genres: int = _DEMO["n_genres"]  # at least MIN_GENRES, at most len(GENRE_RECIPES)
    tracks_per_genre: int = _DEMO["tracks_per_genre"]
    clip_seconds: float = _DEMO["clip_seconds"]
    sample_rate: int = _DEMO["sample_rate"]
    n_broken: int = _DEMO["n_broken"]  # deliberately broken audio files, added on top
    seed: int = _DEMO["seed"]

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



def demo_track_id(index: int) -> int:
    """FMA-like track id of the ``index``-th demo track: unique, increasing, not contiguous.

    Spread over several ``XXX/`` folders so the archive layout is exercised like FMA's.
    """
    return 2 + 97 * index + (7 * index) % 11


@dataclass(frozen=True)
class PlannedTrack:
    index: int
    track_id: int
    genres: tuple[int, ...]  # indices into GENRE_RECIPES; two for a multi-genre track
    broken_kind: str | None = None  # one of BROKEN_KINDS, or None for good audio
    within_genre: int = 0  # position among the tracks of its (first) genre


def plan_tracks(spec: DemoSpec) -> list[PlannedTrack]:
    """Single-genre tracks (genres interleaved), then multi-genre, then broken ones."""
    plan: list[PlannedTrack] = []
    n_single = spec.n_genres * spec.tracks_per_genre
    for index in range(n_single):
        plan.append(
            PlannedTrack(
                index, demo_track_id(index), (index % spec.n_genres,), within_genre=index // spec.n_genres
            )
        )
    for j in range(N_MULTI_GENRE_TRACKS):
        index = len(plan)
        pair = (2 * j % spec.n_genres, (2 * j + 1) % spec.n_genres)
        plan.append(PlannedTrack(index, demo_track_id(index), pair, within_genre=spec.tracks_per_genre + j))
    for j in range(spec.n_broken):
        index = len(plan)
        plan.append(
            PlannedTrack(
                index,
                demo_track_id(index),
                (j % spec.n_genres,),
                broken_kind=BROKEN_KINDS[j % len(BROKEN_KINDS)],
                within_genre=spec.tracks_per_genre + N_MULTI_GENRE_TRACKS + j,
            )
        )
    return plan


def split_for(track: PlannedTrack) -> str:
    """About 80/10/10, stratified by genre: a rotating slot per genre decides."""
    slot = (track.within_genre + track.genres[0]) % 10
    return "validation" if slot == 8 else "test" if slot == 9 else "training"


def audio_member(archive_name: str, track_id: int) -> str:
    """Path of a track's MP3 inside the audio zip, FMA's layout: ``fma_x/000/000002.mp3``."""
    tid = f"{track_id:06d}"
    return f"{archive_name}/{tid[:3]}/{tid}.mp3"


def broken_track_ids(spec: DemoSpec) -> dict[int, str]:
    """Track ids of the deliberately broken files and how each is broken."""
    return {t.track_id: t.broken_kind for t in plan_tracks(spec) if t.broken_kind}


def multi_genre_track_ids(spec: DemoSpec) -> list[int]:
    """Track ids of the tracks listed under two root genres (empty ``genre_top``)."""
    return [t.track_id for t in plan_tracks(spec) if len(t.genres) > 1]
