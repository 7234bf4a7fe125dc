"""Rule baseline_table: report/baselines.md, the baselines' metrics as soon as they are evaluated
(the learned models may still be training; metrics.md has every representation)."""

from pathlib import Path

from musiclust.logs import log_to_file
from musiclust.report.metrics_tables import gather_failures, gather_metrics, metrics_report

log = log_to_file(snakemake.log[0])
metrics = gather_metrics(snakemake.input.evaluations)
report = metrics_report(metrics, gather_failures([]), snakemake.wildcards.dataset,
                        title=f"Baselines: {snakemake.wildcards.dataset} (the learned models: metrics.md)")
Path(snakemake.output[0]).write_text(report, encoding="utf-8")
log.info("%d metric rows of %d baselines", len(metrics), metrics["representation"].nunique())
