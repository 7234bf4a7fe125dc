# Features, in shards of tracks: decode the spans of each track that the features read, once
# (cached as int16 audio), then one job per (feature kind, shard). The decode rule sees only
# the feature settings that move those spans (span_params: n_fft, hop_length, n_frames,
# placement, duration_s), so an edit of e.g. features.mel.n_mels reruns the mel jobs only;
# an edit of audio.* or of a span setting reruns the decoding and every feature. MusiCNN's span
# (whole clips by default) joins only when a representation reads musicnn.
from musiclust.features.plan import span_params


rule decode_audio:
    input:
        unpack(decode_inputs),
    output:
        audio=f"{RESULTS}/{{dataset}}/features/audio/shard-{{shard}}.parquet",
        failures=f"{RESULTS}/{{dataset}}/features/failures/shard-{{shard}}.parquet",
    params:
        audio=config["audio"],
        spans=span_params(config["features"], AUDIO_FEATURES_READ),
    threads: config["features"]["threads"]
    priority: PRIORITY["inputs"]
    log:
        f"{RESULTS}/{{dataset}}/logs/decode_audio/shard-{{shard}}.log",
    resources:
        mem_mb=resources_for("features_mem_mb"),
        runtime=resources_for("runtime_min"),
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
    threads: config["features"]["threads"]
    priority: PRIORITY["inputs"]
    log:
        f"{RESULTS}/{{dataset}}/logs/features/{{kind}}/shard-{{shard}}.log",
    resources:
        mem_mb=resources_for("features_mem_mb"),
        runtime=resources_for("runtime_min"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/compute_features.py"


# FMA's own features.csv (fma_metadata.zip): the feature kind fma_features, one shard of the
# selected tracks; no audio is needed (README, "Memory" and "Features").
rule fma_features:
    input:
        tracks=f"{RESULTS}/{{dataset}}/tracks.parquet",
        metadata=lambda wc: metadata_dir(wc.dataset),
    output:
        f"{RESULTS}/{{dataset}}/features/{FMA_FEATURES}/shard-0.parquet",
    wildcard_constraints:
        dataset=alternatives(names_of("fma") + names_of("demo")),
    params:
        groups=config["features"][FMA_FEATURES]["groups"],
    log:
        f"{RESULTS}/{{dataset}}/logs/features/{FMA_FEATURES}.log",
    resources:
        mem_mb=resources_for("features_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/fma_features.py"
