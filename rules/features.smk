# Features, in shards of tracks: decode each track's window once (cached as int16 audio),
# then one job per (feature kind, shard). An edit to the mel settings reruns the mel jobs
# only; an edit to the decoding settings reruns every feature.


rule decode_audio:
    input:
        unpack(decode_inputs),
    output:
        audio=f"{RESULTS}/{{dataset}}/features/audio/shard-{{shard}}.parquet",
        failures=f"{RESULTS}/{{dataset}}/features/failures/shard-{{shard}}.parquet",
    params:
        audio=config["audio"],
    threads: config["features"].get("threads", 1)
    log:
        f"{RESULTS}/{{dataset}}/logs/decode_audio/shard-{{shard}}.log",
    resources:
        mem_mb=resources_for("features_mem_mb", 4000),
        runtime=resources_for("runtime_min", 60),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/decode_audio.py"


rule compute_features:
    input:
        f"{RESULTS}/{{dataset}}/features/audio/shard-{{shard}}.parquet",
    output:
        f"{RESULTS}/{{dataset}}/features/{{kind}}/shard-{{shard}}.parquet",
    params:
        settings=lambda wc: config["features"][wc.kind],
    threads: config["features"].get("threads", 1)
    log:
        f"{RESULTS}/{{dataset}}/logs/features/{{kind}}/shard-{{shard}}.log",
    resources:
        mem_mb=resources_for("features_mem_mb", 4000),
        runtime=resources_for("runtime_min", 60),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/compute_features.py"
