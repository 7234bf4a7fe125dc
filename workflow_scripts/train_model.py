"""Rule train_model: train one learned representation for one seed (resumable).

Training checkpoints into ``training-state.pt`` beside the outputs and resumes from it when
rerun; that file is not an output, because Snakemake deletes a job's outputs before rerunning
it. Only a finished run is moved to ``checkpoint.pt``, last, which marks the job done.
"""

import os
from pathlib import Path

from musiclust.cluster.labels import genres_of
from musiclust.logs import log_to_file
from musiclust.representations.inputs import read_features
from musiclust.representations.latents import write_latents
from musiclust.representations.learned import CollapseCheck, fit_learned
from musiclust.representations.streaming import MemoryBudget, load_features
from musiclust.parquet_tables import write_table

log = log_to_file(snakemake.log[0])
spec = snakemake.params.spec
# Torch runs on the configured threads (a param: the model's numbers depend on them), even
# where the scheduler granted fewer cores (`--cores` below them): slower, but the same model.
threads = {**snakemake.params.defaults, **spec["training"]}["threads"]
if snakemake.threads < threads:
    log.warning("training.threads is %d but this job was granted %d core(s): training on %d threads anyway, "
                "since the result depends on the thread count", threads, snakemake.threads, threads)
# Over the memory budget, the features are memory-mapped from a copy beside the outputs. The
# budget is a resource of the rule (rules/representations.smk), so editing it reruns nothing.
budget = MemoryBudget(snakemake.resources.memory_budget_mb)
spill = Path(snakemake.output.checkpoint).with_name("features.npy")
ids, features = load_features(list(snakemake.input.features), spec["features"], budget, spill)
if spill.exists():
    log.info("features over the memory budget: memory-mapped from %s", spill)
working = Path(snakemake.output.checkpoint).with_name("training-state.pt")
fitted = fit_learned(
    snakemake.wildcards.rep,
    spec,
    snakemake.params.defaults,
    ids,
    features,
    genres_of(snakemake.input.tracks, ids),
    seed=int(snakemake.wildcards.seed),
    checkpoint_path=working,
    collapse=CollapseCheck(**snakemake.params.collapse),
    text=read_features(list(snakemake.input.text), spec["text"]) if "text" in spec else None,
    log=log.info,
)
write_table(fitted.history(), snakemake.output.history)
write_latents(snakemake.output.latents, ids, fitted.model.latents_, logvar=fitted.model.logvar_, info=fitted.info,
              columns=fitted.columns)
os.replace(working, snakemake.output.checkpoint)
spill.unlink(missing_ok=True)
log.info("trained %s", fitted.info)
