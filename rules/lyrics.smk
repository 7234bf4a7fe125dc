# Lyrics: ask each dataset's providers (local file, LRCLIB, Genius) in order, judge every
# answer, write text/lyrics.parquet. Every answer is kept in a SQLite cache under resources/,
# which is not an output: rerunning this rule asks the network for nothing already answered.


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
    priority: PRIORITY["inputs"]
    log:
        f"{RESULTS}/{{dataset}}/logs/fetch_lyrics.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
        runtime=24 * 60,  # network-bound: 100,000 tracks at 2 requests/s take most of a day
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/fetch_lyrics.py"
