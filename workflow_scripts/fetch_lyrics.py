"""Rule fetch_lyrics: ask the configured providers for every track's lyrics, judge, write the table.

The Genius token comes from the environment only (never config, params or logs).
"""

import os
from pathlib import Path

from musiclust.logs import log_to_file
from musiclust.lyrics import LyricsSettings, build_queries, fetch_lyrics, write_lyrics
from musiclust.lyrics.genius import TOKEN_VARIABLE

log = log_to_file(snakemake.log[0])
inputs = snakemake.input
settings = LyricsSettings.from_dict(snakemake.params.lyrics, local_path=inputs.get("local"))
metadata = inputs.get("metadata")
queries = build_queries(inputs.tracks, Path(metadata, "tracks.csv") if metadata else None)
token = os.environ.get(TOKEN_VARIABLE) if "genius" in settings.providers else None
log.info("lyrics of %d tracks from %s (cache %s)", len(queries), ", ".join(settings.providers), snakemake.params.cache)
table = fetch_lyrics(queries, settings, snakemake.params.cache, genius_token=token)
write_lyrics(table, snakemake.output[0])
