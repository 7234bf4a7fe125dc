"""Rule train_model: train one learned representation for one seed (resumable)."""

from pathlib import Path

from musiclust.cluster.labels import genres_of
from musiclust.logs import log_to_file
from musiclust.representations.inputs import read_features
from musiclust.representations.learned import CollapseCheck, LearnedOutputs, train_representation

log = log_to_file(snakemake.log[0])
spec = snakemake.params.spec
ids, features = read_features(list(snakemake.input.features), spec["features"])
info = train_representation(
    snakemake.wildcards.rep,
    spec,
    snakemake.params.defaults,
    ids,
    features,
    genres_of(snakemake.input.tracks, ids),
    seed=int(snakemake.wildcards.seed),
    threads=snakemake.threads,
    outputs=LearnedOutputs(*(Path(p) for p in (snakemake.output.checkpoint, snakemake.output.history, snakemake.output.latents))),
    collapse=CollapseCheck(**snakemake.params.collapse),
    log=log.info,
)
log.info("trained %s", info)
