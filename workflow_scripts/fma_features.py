"""Rule fma_features: FMA's features.csv for the selected tracks, as a feature shard."""

from pathlib import Path

from musiclust.data.fma_features import FEATURES_CSV, fma_features_shard
from musiclust.logs import log_to_file
from musiclust.parquet_tables import read_table, track_ids, write_table

log = log_to_file(snakemake.log[0])
ids = track_ids(read_table(snakemake.input.tracks, columns=["track_id"]))
shard = fma_features_shard(Path(snakemake.input.metadata, FEATURES_CSV), ids, snakemake.params.groups)
write_table(shard, snakemake.output[0])
log.info("%d tracks × %d features of %s", shard.num_rows, shard.column("fma_features").type.list_size, FEATURES_CSV)
