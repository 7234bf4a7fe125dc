# Lyrics: ask each dataset's providers (local file, LRCLIB, Genius) in order, judge every
# answer, write text/lyrics.parquet. Every answer is kept in a SQLite cache under resources/,
# which is not an output: rerunning this rule asks the network for nothing already answered.


def lyrics_spec(dataset):
    """The dataset's `lyrics:` block; without one, the demo reads its own file, others LRCLIB."""
    spec = DATASETS[dataset]
    return spec.get("lyrics", {"providers": ["local"] if spec["kind"] == "demo" else ["lrclib"]})


def lyrics_inputs(wildcards):
    """tracks.parquet; FMA-format metadata (album, duration) when there is some; the local file."""
    dataset = wildcards.dataset
    inputs = {"tracks": f"{dataset_dir(dataset)}/tracks.parquet"}
    if audio_archive(dataset) is not None:
        inputs["metadata"] = metadata_dir(dataset)
    spec = lyrics_spec(dataset)
    if "local" in spec.get("providers", []):
        path = (spec.get("local") or {}).get("path")
        if path is None and DATASETS[dataset]["kind"] == "demo":
            path = f"{RESOURCES}/{dataset}/lyrics.jsonl"  # written by generate_demo_archives
        if path is None:
            raise WorkflowError(f"datasets.{dataset}.lyrics: the local provider needs local.path")
        inputs["local"] = path
    return inputs


rule fetch_lyrics:
    input:
        unpack(lyrics_inputs),
    output:
        f"{RESULTS}/{{dataset}}/text/lyrics.parquet",
    wildcard_constraints:
        dataset=alternatives(names_of("demo") + names_of("fma") + names_of("folder")),
    params:
        lyrics=lambda wc: lyrics_spec(wc.dataset),
        cache=f"{RESOURCES}/lyrics/cache.sqlite",
    log:
        f"{RESULTS}/{{dataset}}/logs/fetch_lyrics.log",
    resources:
        mem_mb=resources_for("default_mem_mb", 2000),
        runtime=24 * 60,  # network-bound: 100,000 tracks at 2 requests/s take most of a day
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/fetch_lyrics.py"
