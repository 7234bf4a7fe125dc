"""FMA data already on disk (README, "Data already on disk"): a zip on disk is checked and read in
place, an extracted folder skips download and extraction, a folder in FMA's layout is a dataset."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from musiclust.data.archives import safe_extract_zip
from musiclust.data.catalog import LocalArchiveMismatch, fma_archive_sources, verify_local_archive
from musiclust.data.demo import DemoSpec, generate_demo_corpus
from musiclust.parquet_tables import read_table
from tests.conftest import planned_jobs, snakemake, tiny_config

SPEC = DemoSpec(n_genres=6, tracks_per_genre=2, clip_seconds=1.0, n_broken=0)


@pytest.fixture(scope="module")
def fma_zips(tmp_path_factory):
    """A tiny corpus in FMA's format, its audio archive named like FMA's (fma_small.zip)."""
    folder = tmp_path_factory.mktemp("fma_zips")
    checksums = generate_demo_corpus(SPEC, folder, archive_name="fma_small")
    return folder, checksums


@pytest.fixture(scope="module")
def fma_layout(fma_zips, tmp_path_factory):
    """The same corpus extracted: fma_metadata/tracks.csv and fma_small/XXX/XXXXXX.mp3."""
    zips, _ = fma_zips
    folder = tmp_path_factory.mktemp("fma_layout")
    for name in ("fma_metadata", "fma_small"):
        safe_extract_zip(zips / f"{name}.zip", folder, members_prefix=f"{name}/", progress=False)
    return folder


def _config(dataset: dict) -> dict:
    config = tiny_config()
    config["datasets"]["shared"] = {"kind": "fma", "size": "small", **dataset,
                                    "selection": {"subset": "small", "seed": 0}}
    config["dataset"] = "shared"
    return config


def test_sources_default_to_fma_and_follow_config():
    default = fma_archive_sources({"kind": "fma", "size": "small"})
    assert default["fma_small"].url.endswith("/fma_small.zip") and default["fma_small"].sha1
    layout = fma_archive_sources({"kind": "fma", "size": "large", "path": "/data/fma"})
    assert layout["fma_large"].folder == "/data/fma/fma_large" and layout["fma_metadata"].url is None
    mixed = fma_archive_sources({"kind": "fma", "size": "small", "archives": {
        "fma_metadata": {"url": "https://mirror.example/fma_metadata.zip"},
        "fma_small": {"path": "/data/fma_small.zip", "sha1": None}}})
    assert mixed["fma_metadata"].sha1 == default["fma_metadata"].sha1  # FMA's by default
    assert mixed["fma_small"].zip_path == "/data/fma_small.zip" and mixed["fma_small"].sha1 is None


def test_wrong_sha1_names_the_file_and_both_digests(fma_zips, tmp_path):
    zips, checksums = fma_zips
    wrong = "0" * 40
    with pytest.raises(LocalArchiveMismatch) as error:
        verify_local_archive(zips / "fma_metadata.zip", wrong)
    message = str(error.value)
    assert str(zips / "fma_metadata.zip") in message and wrong in message and checksums["fma_metadata.zip"] in message
    assert verify_local_archive(zips / "fma_metadata.zip", checksums["fma_metadata.zip"].upper())
    assert verify_local_archive(zips / "fma_metadata.zip", None) is None  # not read at all

    # Through the workflow: the job fails with that message and leaves nothing extracted.
    config = _config({"archives": {"fma_metadata": {"path": str(zips / "fma_metadata.zip"), "sha1": wrong}}})
    result = snakemake(tmp_path, config, "results/shared/raw/fma_metadata")
    assert result.returncode != 0
    log = (tmp_path / "results/shared/logs/verify_fma_metadata.log").read_text()
    assert wrong in log and checksums["fma_metadata.zip"] in log
    assert not (tmp_path / "results/shared/raw/fma_metadata").exists()
    assert not (tmp_path / "results/shared/raw/fma_metadata.sha1").exists()


def test_zip_on_disk_plans_no_download(fma_zips, tmp_path):
    zips, checksums = fma_zips
    config = _config({"archives": {
        name: {"path": str(zips / f"{name}.zip"), "sha1": checksums[f"{name}.zip"]} for name in ("fma_metadata", "fma_small")
    }})
    jobs = planned_jobs(tmp_path, config, "results/shared/tracks.parquet")
    assert jobs == {"verify_archive": 2, "extract_archive": 2, "select_tracks": 1}


def test_null_sha1_warns_and_plans_no_check_of_a_download(tmp_path):
    config = _config({"archives": {"fma_small": {"url": "https://mirror.example/fma_small.zip", "sha1": None}}})
    result = snakemake(tmp_path, config, "--dry-run", "results/shared/tracks.parquet")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert output.count("datasets.shared.archives.fma_small: sha1 is null") == 1
    assert "download_archive" in output


def test_extracted_folders_plan_neither_download_nor_extraction(fma_zips, fma_layout, tmp_path):
    config = _config({"archives": {name: {"folder": str(fma_layout / name)} for name in ("fma_metadata", "fma_small")}})
    assert planned_jobs(tmp_path, config, "results/shared/tracks.parquet") == {"select_tracks": 1}
    result = snakemake(tmp_path, config, "results/shared/tracks.parquet")
    assert result.returncode == 0, result.stdout + result.stderr
    _check_selected(tmp_path, fma_layout)
    assert not (tmp_path / "results/shared/raw").exists()


def test_fma_layout_folder_is_a_dataset(fma_layout, tmp_path):
    """`path:` naming a folder with fma_metadata/ and fma_small/: no download, no extraction,
    no converter; decoding plans its shards from there."""
    config = _config({"path": str(fma_layout)})
    assert planned_jobs(tmp_path, config, "results/shared/tracks.parquet") == {"select_tracks": 1}
    result = snakemake(tmp_path, config, "results/shared/tracks.parquet")
    assert result.returncode == 0, result.stdout + result.stderr
    _check_selected(tmp_path, fma_layout)
    jobs = planned_jobs(tmp_path, config, "results/shared/features/audio/shard-0.parquet")
    assert jobs == {"decode_audio": 1}


def _check_selected(workdir, fma_layout):
    tracks = read_table(workdir / "results/shared/tracks.parquet").to_pandas()
    expected = pd.read_csv(fma_layout / "fma_metadata/tracks.csv", index_col=0, header=[0, 1])
    # Small tracks with a single top genre (FMA leaves genre_top empty for the others).
    expected = expected[(expected[("set", "subset")] == "small") & expected[("track", "genre_top")].notna()]
    assert len(expected) >= 12
    assert sorted(tracks["track_id"]) == sorted(expected.index)
    assert tracks["genre"].value_counts().to_dict() == expected[("track", "genre_top")].value_counts().to_dict()
    assert all(path.startswith(str(fma_layout / "fma_small")) for path in tracks["audio_path"])
    assert all((fma_layout / "fma_small").joinpath(*p.split("/")[-2:]).exists() for p in tracks["audio_path"])


def test_archives_config_mistakes_are_named():
    from musiclust.config_validation import ConfigError, load_schema, validate_config
    from tests.conftest import ROOT

    schema = load_schema(ROOT / "schemas/config.schema.yaml")
    for archives, message in [
        ({"fma_smal": {"path": "x.zip"}}, "datasets.shared.archives: unknown key 'fma_smal' (did you mean 'fma_small'?)"),
        ({"fma_small": {"pth": "x.zip"}}, "datasets.shared.archives.fma_small: unknown key 'pth' (did you mean 'path'?)"),
        ({"fma_small": {"path": "x.zip", "url": "https://x/y.zip"}}, "give exactly one of url, path"),
        ({"fma_large": {"folder": "/x"}}, "a dataset of size small reads fma_metadata and fma_small, not fma_large"),
        ({"fma_small": {"folder": "/x", "sha1": None}}, "fma_small.sha1: a folder is used as it is"),
    ]:
        with pytest.raises(ConfigError) as error:
            validate_config(_config({"archives": archives}), schema)
        assert message in str(error.value)


def test_a_missing_folder_is_named_before_any_job(fma_layout, tmp_path):
    config = _config({"path": str(tmp_path / "nowhere")})
    result = snakemake(tmp_path, config, "--dry-run", "results/shared/tracks.parquet")
    assert result.returncode != 0
    assert f"datasets.shared.path: {tmp_path / 'nowhere' / 'fma_metadata'} is not a folder" in result.stdout + result.stderr
    config = _config({"path": str(fma_layout), "archives": {"fma_small": {"folder": str(tmp_path / "audio")}}})
    result = snakemake(tmp_path, config, "--dry-run", "results/shared/tracks.parquet")
    assert f"datasets.shared.archives.fma_small.folder: {tmp_path / 'audio'} is not a folder" in result.stdout + result.stderr
