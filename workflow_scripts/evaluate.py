"""Rule evaluate: every configured clustering algorithm on one representation and seed, scored."""

from musiclust.cluster.evaluation import evaluate, write_evaluation
from musiclust.cluster.labels import genres_of
from musiclust.logs import log_to_file
from musiclust.representations.latents import read_latents, read_own_clusters

log = log_to_file(snakemake.log[0])
ids, vectors, info = read_latents(snakemake.input.latents)
seed = int(snakemake.wildcards.seed)
# A model that clusters by itself (vade) adds its own clusters as one more algorithm row.
evaluation = evaluate(vectors, snakemake.params.algorithms, genres=genres_of(snakemake.input.tracks, ids), seed=seed,
                      standardize=snakemake.params.standardize,
                      own_clusters=read_own_clusters(snakemake.input.latents))
info = {**info, "representation": snakemake.wildcards.rep, "seed": seed}
write_evaluation(snakemake.output[0], ids, evaluation, info)
log.info("%s seed %d:\n%s", snakemake.wildcards.rep, seed, evaluation.metrics.to_string())
