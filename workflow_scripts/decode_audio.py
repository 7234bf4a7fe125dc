"""Rule decode_audio: decode the spans the features need of every track of one shard, record failures."""

from musiclust.features.decode import DecodeSettings
from musiclust.features.plan import DecodePlan
from musiclust.features.shards import decode_shard
from musiclust.logs import log_to_file
from musiclust.parquet_tables import read_table, write_table

log = log_to_file(snakemake.log[0])
shard = int(snakemake.wildcards.shard)
tracks = read_table(snakemake.input.tracks, columns=["track_id", "audio_path", "shard"]).to_pandas()
tracks = tracks[tracks["shard"] == shard]
settings = DecodeSettings(**snakemake.params.audio)
plan = DecodePlan.from_params(settings.sample_rate, snakemake.params.spans)
audio, failures = decode_shard(tracks["track_id"].tolist(), tracks["audio_path"].tolist(), settings, plan, snakemake.threads)
write_table(audio, snakemake.output.audio)
write_table(failures, snakemake.output.failures)
log.info("shard %d: %d tracks decoded, %d failed", shard, audio.num_rows, failures.num_rows)
