"""Rule extract_archive: unpack a zip's top folder, refusing members that escape it."""

from pathlib import Path

from musiclust.data.archives import safe_extract_zip
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
target = Path(snakemake.output[0])
files = safe_extract_zip(snakemake.input.zip, target.parent, members_prefix=f"{target.name}/")
log.info("extracted %d files of %s into %s", len(files), snakemake.input.zip, target)
