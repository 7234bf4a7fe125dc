"""Rule compute_features: one feature kind for one shard of decoded audio."""

from musiclust.features.shards import feature_shard
from musiclust.features.spectral import settings_for
from musiclust.logs import log_to_file
from musiclust.parquet_tables import read_table, write_table

log = log_to_file(snakemake.log[0])
kind = snakemake.wildcards.kind
table = feature_shard(read_table(snakemake.input[0]), kind, settings_for(kind, snakemake.params.settings), snakemake.threads)
write_table(table, snakemake.output[0])
log.info("%s: %d tracks", kind, table.num_rows)
