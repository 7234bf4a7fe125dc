"""Rule baseline_representation: PCA or raw (standardised) features → latents.parquet."""

from musiclust.logs import log_to_file
from musiclust.representations.baseline import fit_baseline
from musiclust.representations.geometry import geometry_info
from musiclust.representations.latents import write_latents
from musiclust.representations.streaming import MemoryBudget

log = log_to_file(snakemake.log[0])
spec = snakemake.params.spec
seed = int(snakemake.wildcards.seed)
ids, vectors, model = fit_baseline(spec, list(snakemake.input.features), seed, MemoryBudget(snakemake.params.memory_budget_mb))
info = {**model.info(), "representation": snakemake.wildcards.rep, "features": spec["features"], "seed": seed,
        "latent_dim": int(vectors.shape[1]), **geometry_info(vectors, snakemake.params.min_effective_dims)}
write_latents(snakemake.output.latents, ids, vectors, info=info)
log.info("%s: %d tracks × %d dims%s", snakemake.wildcards.rep, *vectors.shape,
         f" (incremental PCA, batches of {info['incremental_batch_rows']})" if info.get("incremental_batch_rows") else "")
