"""Rule hybrid_representation: the latents of its parts (same seed) → one fused latents table."""

from musiclust.logs import log_to_file
from musiclust.representations.hybrid import fuse_latents
from musiclust.representations.latents import read_latents, write_latents

log = log_to_file(snakemake.log[0])
spec = snakemake.params.spec
parts = {name: read_latents(path)[:2] for name, path in zip(spec["parts"], snakemake.input.parts)}
ids, fused, info = fuse_latents(parts, spec["family"].removeprefix("hybrid_"), spec.get("weights"))
info = {**info, "family": spec["family"], "representation": snakemake.wildcards.rep,
        "seed": int(snakemake.wildcards.seed)}
write_latents(snakemake.output.latents, ids, fused, info=info)
log.info("%s: %d tracks × %d dims from %s; tracks missing per part %s; variance per block %s",
         snakemake.wildcards.rep, *fused.shape, info["parts"], info["tracks_missing_per_part"],
         [round(v, 3) for v in info["block_variance"]])
