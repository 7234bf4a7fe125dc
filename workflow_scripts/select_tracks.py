"""Checkpoint select_tracks: choose the tracks of a run and write tracks.parquet, and what it did
(asked, found, shortfalls, a folder CSV's rows without files) as selection.json."""

import json
from pathlib import Path

from musiclust.data.catalog import has_audio
from musiclust.data.feature_table import read_feature_table
from musiclust.data.fma import audio_relpath, fma_exclusions, read_tracks_csv
from musiclust.data.folder import scan_folder
from musiclust.data.selection import Selection, run_selection, shortfall_lines, write_track_table
from musiclust.data.synthetic_lyrics import read_corpus_tracks
from musiclust.logs import log_to_file

log = log_to_file(snakemake.log[0])
params = snakemake.params
kind = params.kind
missing = None  # a folder CSV's rows naming no file there
if kind == "folder":
    scan = scan_folder(params.folder, params.metadata_csv, missing_files=params.missing_files)
    tracks, missing = scan.tracks, scan.missing
elif kind == "table":  # precomputed features: the table lists the tracks
    tracks, _ = read_feature_table(snakemake.input.table, with_features=False)
elif kind == "synthetic_lyrics":  # text only: the corpus's lyrics file lists the tracks
    tracks = read_corpus_tracks(snakemake.input.lyrics)
else:
    tracks = read_tracks_csv(Path(snakemake.input.metadata, "tracks.csv"))
    # No audio input when no representation reads audio (FMA's features.csv): no shards either.
    audio_root = Path(snakemake.input.audio) if "audio" in snakemake.input.keys() else None
    tracks["audio_path"] = [None if audio_root is None else str(audio_root / audio_relpath(track_id))
                            for track_id in tracks.index]

selection = dict(params.selection)
if selection.get("genres") is not None:
    selection["genres"] = tuple(selection["genres"])
outcome = run_selection(
    tracks, Selection(**selection), exclude=fma_exclusions(kind), keep_unlabelled=kind == "folder"
)
selected, excluded = outcome.selected, outcome.excluded
write_track_table(
    selected, snakemake.output.tracks, shard_size=params.shard_size, dataset=snakemake.wildcards.dataset,
    audio=has_audio(kind) and "audio" in snakemake.input.keys(), max_shards=params.max_shards,
)
excluded.to_csv(snakemake.output.excluded)
report = {"dataset": snakemake.wildcards.dataset, **outcome.report, "excluded_on_purpose": len(excluded)}
if missing is not None:
    report["missing_files"] = missing.to_dict(orient="records")
    for row in report["missing_files"]:
        log.warning("%s line %d: %r %s, left out", params.metadata_csv, row["line"], row["file"], row["reason"])
for line in shortfall_lines(report):
    log.warning(line)
Path(snakemake.output.report).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
log.info(
    "selected %d tracks of %d genres (%d excluded on purpose)",
    len(selected), selected["genre"].nunique(), len(excluded),
)
