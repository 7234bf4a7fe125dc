"""Rule metrics_table: gather every evaluation of a dataset into the report tables."""

from pathlib import Path

from musiclust.logs import log_to_file
from musiclust.report.metrics_tables import gather_failures, gather_metrics, metrics_report

log = log_to_file(snakemake.log[0])
metrics = gather_metrics(snakemake.input.evaluations)
failures = gather_failures(snakemake.input.failures, snakemake.input.excluded)
metrics.to_csv(snakemake.output.csv, index=False)
failures.to_csv(snakemake.output.failures, index=False)
Path(snakemake.output.markdown).write_text(metrics_report(metrics, failures, snakemake.wildcards.dataset), encoding="utf-8")
log.info("%d metric rows, %d tracks left out", len(metrics), len(failures))
