# Text: the text of each track by source (its metadata, its lyrics, or its lyrics else its
# metadata), then one embedding table per (source, encoder). Texts and embeddings are separate
# jobs so that an encoder edit reruns that encoder's embeddings (and what reads them) only.
# Representations read an embedding as the feature kind "{source}-{encoder}", e.g. metadata-minilm
# (musiclust.text.store: text_feature_path, read_text_features).

TEXT = config["text"]
TEXT_ENCODERS = TEXT["encoders"]
TEXT_SOURCES = ["metadata", "lyrics", "lyrics_or_metadata"]

from musiclust.text.store import text_source_inputs


rule text_source:
    input:
        unpack(
            lambda wc: text_source_inputs(
                dataset_dir(wc.dataset), RESOURCES, wc.dataset, DATASETS[wc.dataset]["kind"], wc.source
            )
        ),
    output:
        texts=f"{RESULTS}/{{dataset}}/text/sources/{{source}}.parquet",
        excluded=f"{RESULTS}/{{dataset}}/text/sources/{{source}}-excluded.csv",
    wildcard_constraints:
        source=alternatives(TEXT_SOURCES),
    priority: PRIORITY["inputs"]
    log:
        f"{RESULTS}/{{dataset}}/logs/text/sources/{{source}}.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
        runtime=resources_for("runtime_min"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/text_source.py"


rule embed_text:
    input:
        f"{RESULTS}/{{dataset}}/text/sources/{{source}}.parquet",
    output:
        f"{RESULTS}/{{dataset}}/text/{{source}}-{{encoder}}.parquet",
    wildcard_constraints:
        source=alternatives(TEXT_SOURCES),
        encoder=alternatives(list(TEXT_ENCODERS)),
    params:
        encoder=lambda wc: TEXT_ENCODERS[wc.encoder],
    threads: TEXT["threads"]
    priority: PRIORITY["inputs"]
    log:
        f"{RESULTS}/{{dataset}}/logs/text/{{source}}-{{encoder}}.log",
    resources:
        mem_mb=TEXT["mem_mb"],
        runtime=TEXT["runtime_min"],
        gpu=TEXT["gpus"],
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/embed_text.py"


rule all_text:
    """The text embeddings of the configured dataset: `snakemake all_text`."""
    input:
        expand(f"{RESULTS}/{config['dataset']}/text/{{name}}.parquet", name=TEXT["embeddings"]),
