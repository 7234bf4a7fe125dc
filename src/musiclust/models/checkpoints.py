"""Checkpoints: the file format, atomic writes, loading, and what makes one resumable.

A checkpoint is a ``torch.save`` of a dict of plain types and tensors (so it loads with
``weights_only=True``): ``format``, ``model_name``, ``identity`` (family, normalised arch,
input shape, classes, content digests of the data and labels, and the result-affecting
training settings), ``family``, ``arch``, ``config``, ``input_shape``, ``n_classes``,
``classes``, ``epoch`` (epochs completed), ``target_epochs``, ``finished``, ``model_state``,
``optimizer_state``, ``history`` (per-epoch dicts), ``rng`` and ``torch_version``.

A run resumes a checkpoint only when its identity matches: a checkpoint is never continued on
other data, another architecture or other loss settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .base import LatentAutoencoder
from .registry import FamilySpec, get_family

CHECKPOINT_FORMAT = "musiclust.models.checkpoint/2"
# Training settings that do not change what an epoch computes, so a checkpoint that differs
# only in these is resumable: a longer ``epochs`` just continues; device/threads/checkpointing
# are where and how it runs. (A warm-up is counted in epochs from the start, so it is not here.)
RESUME_INSENSITIVE_FIELDS = ("epochs", "device", "threads", "checkpoint_every")


def array_digest(values: np.ndarray) -> str:
    """Content hash, so a checkpoint is never resumed on different data of the same shape."""
    values = np.ascontiguousarray(values)
    hasher = hashlib.blake2b(digest_size=16)
    for part in (str(values.dtype).encode(), json.dumps(values.shape).encode(), memoryview(values).cast("B")):
        hasher.update(part)
    return hasher.hexdigest()


# --------------------------------------------------------------------------- random states


def capture_rng(shuffle: torch.Generator, device: torch.device) -> dict[str, Any]:
    # Plain types and tensors only, so the checkpoint loads with torch.load(weights_only=True).
    np_name, np_key, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    return {
        "python": [py_version, list(py_state), py_gauss],
        "numpy": [str(np_name), torch.from_numpy(np.asarray(np_key, dtype=np.int64)), int(np_pos),
                  int(np_has_gauss), float(np_gauss)],
        "torch_cpu": torch.get_rng_state(),
        "torch_cuda": torch.cuda.get_rng_state_all() if device.type == "cuda" else None,
        "shuffle": shuffle.get_state(),
    }


def restore_rng(state: dict[str, Any], shuffle: torch.Generator, device: torch.device) -> None:
    py_version, py_state, py_gauss = state["python"]
    random.setstate((py_version, tuple(py_state), py_gauss))
    np_name, np_key, np_pos, np_has_gauss, np_gauss = state["numpy"]
    np.random.set_state((np_name, np_key.numpy().astype(np.uint32), np_pos, np_has_gauss, np_gauss))
    torch.set_rng_state(state["torch_cpu"])
    if device.type == "cuda" and state.get("torch_cuda") is not None:
        torch.cuda.set_rng_state_all(state["torch_cuda"])
    shuffle.set_state(state["shuffle"])


# --------------------------------------------------------------------------- files


def write_checkpoint(state: dict[str, Any], path: Path) -> None:
    """``torch.save`` to a temporary file, then rename: a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict (tensors on CPU). Keys: see the module docstring."""
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{path} is not a musiclust model checkpoint of format {CHECKPOINT_FORMAT} (found {found!r})")
    return state


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[LatentAutoencoder, dict[str, Any]]:
    """Rebuild the model saved in a checkpoint (eval mode) and return it with the checkpoint dict."""
    state = load_checkpoint(path)
    model = get_family(state["family"]).build(tuple(state["input_shape"]), state["n_classes"], state["arch"])
    model.load_state_dict(state["model_state"])
    return model.to(torch.device(device)).eval(), state


# --------------------------------------------------------------------------- resuming


def run_identity(spec: FamilySpec, arch: dict[str, Any], input_shape: tuple[int, ...], classes: np.ndarray | None,
                 data_digest: str, labels_digest: str | None, config: Any, beta: float) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed (``config`` is a ``TrainConfig``)."""
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in RESUME_INSENSITIVE_FIELDS}
    settings["beta"] = beta
    return {
        "family": spec.name,
        "arch": arch,
        "input_shape": list(input_shape),
        "n_classes": None if classes is None else len(classes),
        "classes": None if classes is None else classes.tolist(),
        "data_digest": data_digest,
        "labels_digest": labels_digest,
        "settings": settings,
    }


def _identity_differences(saved: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    differences = []
    for key, value in wanted.items():
        if key == "settings":
            saved_settings = saved.get("settings", {})
            differences += [f"{k} {saved_settings.get(k)!r} → {v!r}" for k, v in value.items() if saved_settings.get(k) != v]
        elif saved.get(key) != value:
            shown = "contents differ" if key.endswith("digest") else f"{saved.get(key)!r} → {value!r}"
            differences.append(f"{key} ({shown})")
    return differences


def resumable_checkpoint(path: Path | None, identity: dict[str, Any], epochs: int, name: str,
                         say: Callable[[str], None]) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if it can be continued (or reused) for this run, else None."""
    if path is None or not path.exists():
        return None
    try:
        saved = load_checkpoint(path)
    except Exception as error:  # noqa: BLE001 - any unreadable file means "start over"
        say(f"{name}: checkpoint {path} is unreadable ({error}); training from scratch")
        return None
    differences = _identity_differences(saved.get("identity", {}), identity)
    if differences:
        say(f"{name}: checkpoint {path} was trained with a different setup ({'; '.join(differences)}); "
            "training from scratch")
        return None
    epoch = int(saved["epoch"])
    if epoch > epochs:
        say(f"{name}: checkpoint {path} has {epoch} epochs, more than the {epochs} asked; training from scratch")
        return None
    if epoch == epochs:
        say(f"{name}: checkpoint {path} already has {epoch}/{epochs} epochs; encoding only")
    else:
        say(f"{name}: resuming from checkpoint {path} at epoch {epoch}/{epochs}")
    return saved
