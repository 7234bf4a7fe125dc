"""Rule generate_demo_archives: write the synthetic corpus as FMA-style zip archives."""

from pathlib import Path

from musiclust.data.demo import DemoSpec, generate_demo_corpus
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
out_dir = Path(snakemake.output.checksums).parent
checksums = generate_demo_corpus(DemoSpec(**snakemake.params.spec), out_dir, archive_name="fma_demo")
log.info("demo archives in %s: %s", out_dir, checksums)
