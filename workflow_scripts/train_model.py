"""Rule train_model: train one learned representation for one seed (resumable)."""

from pathlib import Path

from musiclust.cluster.labels import genres_of
from musiclust.logs import log_to_file
from musiclust.representations.inputs import read_features
from musiclust.representations.learned import CollapseCheck, LearnedOutputs, train_representation
from musiclust.representations.streaming import MemoryBudget, load_features

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
info = train_representation(
    snakemake.wildcards.rep,
    spec,
    snakemake.params.defaults,
    ids,
    features,
    genres_of(snakemake.input.tracks, ids),
    seed=int(snakemake.wildcards.seed),
    outputs=LearnedOutputs(*(Path(p) for p in (snakemake.output.checkpoint, snakemake.output.history, snakemake.output.latents))),
    collapse=CollapseCheck(**snakemake.params.collapse),
    text=read_features(list(snakemake.input.text), spec["text"]) if "text" in spec else None,
    log=log.info,
)
spill.unlink(missing_ok=True)
log.info("trained %s", info)
