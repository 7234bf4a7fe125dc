"""Clusters a person can use: one row per track with its cluster and distance to the cluster's
centre (clusters.csv), each track's nearest tracks (neighbours.csv), one M3U playlist per
cluster, and a per-cluster overview for the page (size, genre mix, the tracks nearest the centre).

Works on plain frames: ``tracks`` is tracks.parquet's frame (``track_id``, ``title``,
``artist``, ``genre``, ``audio_path``; any may be missing or empty).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from musiclust.cluster.neighbours import NOISE, centre_distances, nearest_neighbours

CLUSTER_COLUMNS = ["track_id", "title", "artist", "file", "genre", "cluster", "distance_to_centre"]


def _text(values: pd.Series) -> pd.Series:
    return values.where(values.notna() & (values.astype(str).str.strip() != ""), None)


def track_facts(tracks: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Title, artist, file and genre of ``ids``, in order (None where unknown)."""
    frame = tracks.set_index("track_id").reindex(ids)
    out = pd.DataFrame({"track_id": np.asarray(ids, dtype=np.int64)})
    for column, source in (("title", "title"), ("artist", "artist"), ("file", "audio_path"), ("genre", "genre")):
        out[column] = _text(frame[source]).to_numpy() if source in frame else None
    return out


def track_name(row: pd.Series | dict) -> str:
    """"Title – Artist", else the file's name, else the track id: how a person finds the song."""
    title, artist, file = row.get("title"), row.get("artist"), row.get("file")
    if isinstance(title, str) and title:
        return f"{title} – {artist}" if isinstance(artist, str) and artist else title
    if isinstance(file, str) and file:
        return Path(file).name
    return f"track {row.get('track_id')}"


def cluster_table(ids: np.ndarray, space: np.ndarray, labels: np.ndarray, tracks: pd.DataFrame) -> pd.DataFrame:
    """clusters.csv: one row per track (``CLUSTER_COLUMNS``), by cluster, nearest the centre
    first; noise (cluster -1, no centre) last."""
    frame = track_facts(tracks, ids)
    frame["cluster"] = np.asarray(labels, dtype=np.int64)
    frame["distance_to_centre"] = centre_distances(space, labels)
    order = frame.assign(_noise=frame["cluster"] == NOISE).sort_values(
        ["_noise", "cluster", "distance_to_centre", "track_id"], kind="stable")
    return order[CLUSTER_COLUMNS].reset_index(drop=True)


def neighbour_table(ids: np.ndarray, space: np.ndarray, tracks: pd.DataFrame, k: int) -> pd.DataFrame:
    """neighbours.csv: each track's ``k`` nearest tracks in the space, one row per pair, nearest
    first (``rank`` 1), with both tracks' title and artist."""
    indices, distances = nearest_neighbours(space, k)
    facts = track_facts(tracks, ids)
    n, width = indices.shape
    own = np.repeat(np.arange(n), width)
    other = indices.ravel()
    return pd.DataFrame({
        "track_id": facts["track_id"].to_numpy()[own], "title": facts["title"].to_numpy()[own],
        "artist": facts["artist"].to_numpy()[own], "rank": np.tile(np.arange(1, width + 1), n),
        "neighbour_id": facts["track_id"].to_numpy()[other], "neighbour_title": facts["title"].to_numpy()[other],
        "neighbour_artist": facts["artist"].to_numpy()[other], "distance": distances.ravel(),
    })


def playlist_name(cluster: int) -> str:
    return "unclustered.m3u" if cluster == NOISE else f"cluster-{cluster:02d}.m3u"


def write_playlists(clusters: pd.DataFrame, folder: str | Path) -> list[Path]:
    """One extended M3U per cluster (tracks nearest the centre first), paths relative to the
    playlist so that a player opens it wherever the folder is, as long as the music stays put
    relative to it. Tracks without a file are left out; a cluster without files gets none."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for cluster, group in clusters.groupby("cluster", sort=True):
        group = group[group["file"].notna()]
        if group.empty:
            continue
        lines = ["#EXTM3U"]
        for row in group.to_dict("records"):
            lines.append(f"#EXTINF:-1,{track_name(row)}")
            lines.append(Path(os.path.relpath(os.path.abspath(row["file"]), os.path.abspath(folder))).as_posix())
        path = folder / playlist_name(int(cluster))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def playlist_entries(path: str | Path) -> list[Path]:
    """The files an M3U names, resolved against the playlist's folder (what a player opens)."""
    path = Path(path)
    return [(path.parent / line).resolve() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def genre_mix(genres: pd.Series, top: int = 3) -> str:
    """"Rock 5, Pop 2, 1 other (+2 unknown)": a cluster's genres, most common first."""
    known = genres.dropna()
    counts = known.value_counts()
    text = ", ".join(f"{genre} {n}" for genre, n in counts.iloc[:top].items())
    rest = int(counts.iloc[top:].sum())
    if rest:
        text += f", {rest} other"
    unknown = len(genres) - len(known)
    if unknown:
        text += f" (+{unknown} unknown)" if text else f"{unknown} unknown"
    return text


def cluster_overview(clusters: pd.DataFrame, nearest: int = 5) -> pd.DataFrame:
    """Per cluster: its size, genre mix (when any track has a genre) and the ``nearest`` tracks
    closest to its centre by title and artist; noise last as "unclustered"."""
    labelled = clusters["genre"].notna().any()
    rows = []
    for cluster, group in clusters.groupby("cluster", sort=True):
        row = {"cluster": "unclustered" if cluster == NOISE else str(cluster), "tracks": len(group),
               "playlist": playlist_name(int(cluster)) if group["file"].notna().any() else ""}
        if labelled:
            row["genres"] = genre_mix(group["genre"])
        shown = "; ".join(map(track_name, group.head(nearest).to_dict("records")))  # (sorted nearest-first)
        row["nearest the centre"] = shown if cluster != NOISE else f"(no centre) {shown}"
        rows.append(row)
    frame = pd.DataFrame(rows)
    if len(frame):  # noise last
        frame = frame.iloc[np.argsort((frame["cluster"] == "unclustered").to_numpy(), kind="stable")]
    if len(frame) and not frame["playlist"].astype(bool).any():
        frame = frame.drop(columns="playlist")
    return frame.reset_index(drop=True)
