"""Rule generate_demo_archives: write the synthetic corpus as FMA-style zip archives, and its lyrics."""

from collections import Counter
from pathlib import Path

from musiclust.data.demo import DemoSpec, demo_lyrics, generate_demo_corpus
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
out_dir = Path(snakemake.output.checksums).parent
spec = DemoSpec(**snakemake.params.spec)
checksums = generate_demo_corpus(spec, out_dir, archive_name="fma_demo")
log.info("demo archives in %s: %s", out_dir, checksums)
log.info("lyrics.jsonl, intended outcome per track: %s", dict(Counter(t.status for t in demo_lyrics(spec).values())))
