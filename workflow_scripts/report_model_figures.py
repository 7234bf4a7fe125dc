"""Rule report_model_figures: training curves of each learned model (every seed), correlation
matrices, variance per dimension and active dimensions."""

from pathlib import Path

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.disentanglement_plots import correlation_figure, disentanglement_figure
from musiclust.report.loading import histories_by_seed, latent_means, save_figure
from musiclust.report.training_curves import training_figure

log = log_to_file(snakemake.log[0])
out = Path(snakemake.output[0])
by_model = {}
for path in snakemake.input.histories:
    by_model.setdefault(Path(path).parent.parent.name, []).append(path)
for rep, paths in by_model.items():
    save_figure(training_figure(histories_by_seed(paths), rep), out / f"training-{rep}.png")
    log.info("%s: training curves of %d seeds", rep, len(paths))
save_figure(disentanglement_figure(pd.read_csv(snakemake.input.table)), out / "disentanglement.png")
save_figure(correlation_figure(latent_means(snakemake.input.latents)), out / "latent-correlation.png")
