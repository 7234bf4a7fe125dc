"""Checkpoints: the file format, atomic writes, loading, and what makes one resumable.

A checkpoint is a ``torch.save`` of a dict of plain types and tensors (so it loads with
``weights_only=True``): ``format``, ``model_name``, ``identity`` (family, normalised arch,
input shape, classes, content digests of the data and labels, and the result-affecting
training settings), ``family``, ``arch``, ``config``, ``input_shape``, ``n_classes``,
``classes``, ``epoch`` (epochs completed), ``target_epochs`` (the maximum, with early
stopping), ``finished``, ``best_epoch``, ``stopped_by`` and ``stop_reason`` (``stopping``),
``model_state`` (the last epoch's weights, which a resume continues), ``best_model_state``
(early stopping: the best epoch's weights, which gave the latents; else None),
``optimizer_state``, ``history`` (per-epoch dicts), ``rng``, ``torch_version`` and
``package_version``.

A training run holds an exclusive lock (``{checkpoint}.lock``, ``flock``) while it writes its
checkpoint: a second run on the same files stops at once with a message naming the holder,
and the lock is released when its holder exits, however it dies.

A run resumes a checkpoint only when its identity matches: a checkpoint is never continued on
other data, another architecture or other loss settings.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import random
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from musiclust import __version__

from .base import LatentAutoencoder
from .registry import FamilySpec, get_family

CHECKPOINT_FORMAT = "musiclust.models.checkpoint/2"
_FORMAT_PREFIX = "musiclust.models.checkpoint/"
# Training settings that do not change what an epoch computes, so a checkpoint that differs
# only in these is resumable: a longer ``epochs`` just continues; device/checkpointing are where
# and how it runs. (A warm-up is counted in epochs from the start, so it is not here; nor are
# threads: torch's CPU reductions, hence the weights, depend on the thread count.)
RESUME_INSENSITIVE_FIELDS = ("epochs", "device", "checkpoint_every")


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


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: the message says whether it is truncated, foreign or
    of another format, and what to do."""


_RETRAIN = "delete it and rerun the training (e.g. `snakemake --forcerun train_model`)"


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict (tensors on CPU). Keys: see the module docstring.

    Raises ``CheckpointError`` for a missing, truncated or corrupt file, a file that is not a
    musiclust checkpoint, or one written in another checkpoint format.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch raises several types for a damaged file
        raise CheckpointError(f"checkpoint {path} is truncated or corrupt ({type(error).__name__}: "
                              f"{str(error).splitlines()[0] if str(error) else ''}); {_RETRAIN}") from error
    found = state.get("format") if isinstance(state, dict) else None
    if not isinstance(found, str) or not found.startswith(_FORMAT_PREFIX):
        raise CheckpointError(f"{path} is not a musiclust model checkpoint (a torch file of "
                              f"{type(state).__name__}{'' if found is None else f', format {found!r}'})")
    if found != CHECKPOINT_FORMAT:
        written_by = state.get("package_version", "an older musiclust")
        raise CheckpointError(f"checkpoint {path} has format {found!r}, written by musiclust {written_by}; this "
                              f"musiclust {__version__} reads {CHECKPOINT_FORMAT!r}: {_RETRAIN}")
    return state


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[LatentAutoencoder, dict[str, Any]]:
    """Rebuild the model saved in a checkpoint (eval mode) and return it with the checkpoint dict:
    the weights that gave the latents (with early stopping, the best epoch's)."""
    state = load_checkpoint(path)
    model = get_family(state["family"]).build(tuple(state["input_shape"]), state["n_classes"], state["arch"])
    weights = state.get("best_model_state") or state["model_state"]
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:
        raise CheckpointError(f"checkpoint {path}: its weights do not fit the {state['family']!r} model of this "
                              f"musiclust {__version__} (written by {state.get('package_version', 'unknown')}: "
                              f"{str(error).splitlines()[0]}); {_RETRAIN}") from error
    return model.to(torch.device(device)).eval(), state


class TrainingLocked(RuntimeError):
    """Another process is training into the same checkpoint."""


@contextmanager
def training_lock(checkpoint: Path, name: str) -> Iterator[None]:
    """Hold ``{checkpoint}.lock`` exclusively while training writes ``checkpoint``."""
    lock_path = checkpoint.with_name(checkpoint.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise TrainingLocked(
                f"{name}: {holder} is already training into {checkpoint} (lock {lock_path}). Two runs would write "
                "the same files: wait for it to finish, or stop it (it may be a job left behind by a killed "
                "snakemake), then rerun.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    if saved.get("stopped_by") == "patience":
        say(f"{name}: checkpoint {path} stopped early at epoch {epoch} (best epoch {saved['best_epoch']}); "
            "encoding only")
    elif epoch == epochs:
        say(f"{name}: checkpoint {path} already has {epoch}/{epochs} epochs; encoding only")
    else:
        say(f"{name}: resuming from checkpoint {path} at epoch {epoch}/{epochs}")
    return saved
