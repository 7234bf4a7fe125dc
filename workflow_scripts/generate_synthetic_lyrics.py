"""Rule generate_synthetic_lyrics: the text-only corpus of the first study's task 1."""

from collections import Counter

from musiclust.data.synthetic_lyrics import SyntheticLyricsSpec, write_lyrics_corpus
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
records = write_lyrics_corpus(SyntheticLyricsSpec(**snakemake.params.spec), snakemake.output[0])
log.info("%d songs: %s", len(records), dict(Counter(r["language"] for r in records)))
