"""Rule table_features: a feature table's numeric columns for the selected tracks, as a feature shard."""

from musiclust.data.feature_table import feature_table_shard
from musiclust.logs import log_to_file
from musiclust.parquet_tables import read_table, track_ids, write_table

log = log_to_file(snakemake.log[0])
ids = track_ids(read_table(snakemake.input.tracks, columns=["track_id"]))
shard = feature_table_shard(snakemake.input.table, ids)
write_table(shard, snakemake.output[0])
log.info("%d tracks × %d feature columns", shard.num_rows, shard.column("table").type.list_size)
