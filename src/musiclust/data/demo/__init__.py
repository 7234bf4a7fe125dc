"""Deterministic synthetic music corpus in the Free Music Archive's on-disk format.

The pipeline's real FMA code path (read ``fma_metadata.zip``, list the audio archive,
decode MP3s, skip the broken ones) runs unchanged on what this package writes:

* ``fma_metadata.zip`` with ``fma_metadata/tracks.csv`` (FMA's two-row column header plus the
  ``track_id,,,`` index row), ``fma_metadata/genres.csv`` and ``fma_metadata/features.csv``
  (FMA's 518 columns and three-row header; drawn per genre, not measured: ``demo.features``);
* ``{archive_name}.zip`` with ``{archive_name}/XXX/XXXXXX.mp3`` (FMA's layout), a README and a
  ``checksums`` file like the real archives;
* ``checksums.json``: SHA-1 of both zips;
* ``lyrics.jsonl``: lyrics of part of the tracks (several languages, leaning by genre), the
  instrumental ones marked; what the ``local`` lyrics provider reads.

Every genre is a synthesis recipe (tempo, drum pattern, instruments, harmony, noise, room
and EQ) and every track draws its own variation (key, tempo, mix, timbre, band, loudness)
from a generator seeded by ``(spec.seed, purpose, track index)``, so a track's audio does not
depend on the order in which tracks are rendered, nor on anything drawn for another purpose
(names, lyrics). ``TRACK_VARIATION`` sets how far tracks stray from their recipe, and so how
hard the genres are to cluster: tuned so that KMeans on PCA of log-mel spectrograms reaches an
adjusted Rand index of roughly 0.5-0.7, neither trivial nor hopeless. Archives are
byte-identical for the same spec on the same machine (fixed zip timestamps, sorted entries,
deterministic MP3 encoder).

Modules: ``recipes`` (genre recipes), ``plan`` (spec, track ids, genres, breakage),
``instruments`` and ``synthesis`` (audio), ``names`` (titles and artists), ``lyrics``
(lyrics and instrumentals), ``archives`` (metadata tables, MP3s, zips: the entry point).
"""

from musiclust.data.demo.archives import (
    CHECKSUMS_JSON,
    LYRICS_JSONL,
    METADATA_ZIP,
    TRUNCATED_BYTES,
    encode_mp3,
    generate_demo_corpus,
)
from musiclust.data.demo.lyrics import LYRICS_LANGUAGES, PHRASEBOOKS, TrackLyrics, demo_lyrics, write_song
from musiclust.data.demo.plan import (
    BROKEN_KINDS,
    MIN_GENRES,
    MP3_SAMPLE_RATES,
    N_MULTI_GENRE_TRACKS,
    DemoSpec,
    audio_member,
    broken_track_ids,
    demo_track_id,
    multi_genre_track_ids,
)
from musiclust.data.demo.recipes import GENRE_RECIPES, DrumKit, GenreRecipe, Voice
from musiclust.data.demo.synthesis import TRACK_VARIATION, TrackVariation, synthesize_track

__all__ = [
    "BROKEN_KINDS",
    "CHECKSUMS_JSON",
    "GENRE_RECIPES",
    "LYRICS_JSONL",
    "LYRICS_LANGUAGES",
    "METADATA_ZIP",
    "MIN_GENRES",
    "MP3_SAMPLE_RATES",
    "N_MULTI_GENRE_TRACKS",
    "PHRASEBOOKS",
    "TRACK_VARIATION",
    "TRUNCATED_BYTES",
    "DemoSpec",
    "DrumKit",
    "GenreRecipe",
    "TrackLyrics",
    "TrackVariation",
    "Voice",
    "audio_member",
    "broken_track_ids",
    "demo_lyrics",
    "demo_track_id",
    "encode_mp3",
    "generate_demo_corpus",
    "multi_genre_track_ids",
    "synthesize_track",
    "write_song",
]
