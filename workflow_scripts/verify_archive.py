"""Rule verify_archive: check a zip already on disk against its SHA-1; it is then read in place."""

from pathlib import Path

from musiclust.data.catalog import verify_local_archive
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
zip_path = Path(snakemake.input[0])
expected = snakemake.params.sha1
actual = verify_local_archive(zip_path, expected)
if actual is None:
    log.warning("%s: sha1 is null in config, not checked", zip_path)
else:
    log.info("%s: SHA-1 %s as expected", zip_path, actual)
# The stamp names the file and its digest: extract_archive reads the zip itself.
Path(snakemake.output[0]).write_text(f"{actual or 'unchecked'}  {zip_path.resolve()}\n")
