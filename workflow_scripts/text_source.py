"""Rule text_source: the text of each track from one source, and the tracks without any."""

from collections import Counter

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.text.sources import build_source, read_lyrics_jsonl, read_lyrics_table
from musiclust.text.store import write_source_texts

log = log_to_file(snakemake.log[0])
source = snakemake.wildcards.source
tracks = pd.read_parquet(snakemake.input.tracks, columns=["track_id", "title", "artist"])
lyrics = None
if "lyrics" in snakemake.input.keys():
    lyrics = read_lyrics_table(snakemake.input.lyrics)
elif "lyrics_jsonl" in snakemake.input.keys():
    lyrics = read_lyrics_jsonl(snakemake.input.lyrics_jsonl)
if lyrics is not None:
    log.info("lyrics by status: %s", dict(Counter(lyrics["status"])))
texts, excluded = build_source(tracks, source, lyrics)
write_source_texts(
    snakemake.output.texts, texts,
    metadata={"source": source, "n_tracks": len(tracks), "n_excluded": len(excluded),
              "source_used": dict(Counter(texts["source_used"]))},
)
excluded.to_csv(snakemake.output.excluded, index=False)
log.info("%s: %d of %d tracks have text (%s); %d left out (%s)", source, len(texts), len(tracks),
         dict(Counter(texts["source_used"])), len(excluded), dict(Counter(excluded["reason"])))
