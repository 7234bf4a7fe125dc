"""Rule download_archive: fetch one dataset archive, resumable, verified by SHA-1."""

import json
from pathlib import Path

from musiclust.data.catalog import archive
from musiclust.data.download import download_file
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
destination = Path(snakemake.output[0])
name = destination.stem
demo_dir = str(Path(snakemake.input.archive).parent) if snakemake.params.kind == "demo" else None
source = archive(snakemake.params.kind, name, demo_dir)
sha1 = source.sha1
if sha1 is None:
    sha1 = json.loads(Path(snakemake.input.checksums).read_text())[f"{name}.zip"]
settings = snakemake.params.download
download_file(
    source.url,
    destination,
    sha1=sha1,
    retries=settings.get("retries", 5),
    backoff_factor=settings.get("backoff_s", 2.0),
    timeout=settings.get("timeout_s", 60),
)
log.info("downloaded %s (sha1 %s)", destination, sha1)
