"""Rule disentanglement_table: latent-space statistics of every learned model and seed."""

from pathlib import Path

from musiclust.logs import log_to_file
from musiclust.report.disentanglement_table import disentanglement_rows, disentanglement_summary
from musiclust.report.metrics_tables import markdown_table

log = log_to_file(snakemake.log[0])
rows = disentanglement_rows(snakemake.input.latents, snakemake.input.histories, snakemake.params.kl_threshold,
                           snakemake.params.floor_margin, snakemake.params.min_effective_dims)
rows.to_csv(snakemake.output.csv, index=False)
page = (
    f"# Disentanglement: {snakemake.wildcards.dataset}\n\n"
    f"Mean |correlation| between latent dimensions (lower: more independent), variance of the means, "
    f"active dimensions (KL > {snakemake.params.kl_threshold} nats, and with free bits KL > free_bits × "
    f"{1 + snakemake.params.floor_margin:g}; variance > 0.01), dimensions pinned at the free-bits floor, effective "
    f"dimensionality (participation ratio of the means' covariance; below {snakemake.params.min_effective_dims:g}: "
    f"degenerate) and the directions holding 90 % of their variance. Mean ± std over seeds.\n\n"
    + markdown_table(disentanglement_summary(rows))
)
Path(snakemake.output.markdown).write_text(page, encoding="utf-8")
log.info("%d models", len(rows))
