"""Rule download_archive: fetch one dataset archive, resumable, verified by SHA-1."""

import json
from pathlib import Path

from musiclust.data.catalog import archive
from musiclust.data.download import download_file
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
destination = Path(snakemake.output[0])
name = destination.stem
if snakemake.params.kind == "demo":  # generated: its checksums file holds the SHA-1
    source = archive("demo", name, str(Path(snakemake.input.archive).parent))
    url, sha1 = source.url, json.loads(Path(snakemake.input.checksums).read_text())[f"{name}.zip"]
else:  # FMA's own address, or a mirror's (config)
    url, sha1 = snakemake.params.source["url"], snakemake.params.source["sha1"]
if sha1 is None:
    log.warning("%s: sha1 is null in config, the download is not checked", name)
settings = snakemake.params.download
download_file(
    url,
    destination,
    sha1=sha1,
    retries=settings["retries"],
    backoff_factor=settings["backoff_s"],
    timeout=settings["timeout_s"],
)
log.info("downloaded %s (sha1 %s)", destination, sha1 or "not checked")
