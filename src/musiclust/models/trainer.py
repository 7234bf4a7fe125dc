"""The shared trainer: seeded, resumable, divergence-checked training of any registered family.

``train`` takes the data in memory (``float32 (n, *shape)``), trains with Adam on
``reconstruction + β·KL`` (see ``losses``), checkpoints atomically, and returns the per-epoch
history, the KL per latent dimension and the encoder means/log-variances of every input row.

Reproducibility: Python, NumPy and torch are seeded from ``TrainConfig.seed``; shuffling uses
its own seeded CPU ``torch.Generator``; deterministic algorithms are switched on while training
(on CUDA with ``warn_only``, as cuDNN offers no bitwise guarantee for every kernel). On CPU the
same seed, config and thread count give bitwise-identical latents, including across an
interruption and resume, because every RNG state is stored in the checkpoint at the end of each
saved epoch. (A different thread count changes float summation order: latents then agree to
about 1e-8, not bitwise; ``threads`` and ``device`` still do not block resuming.)
The global torch settings touched (thread count, deterministic mode, cuDNN flags) are restored
when ``train`` returns; the global RNGs are left seeded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from .base import LatentAutoencoder
from .losses import kl_per_dim, vae_loss
from .registry import FamilySpec, get_family

CHECKPOINT_FORMAT = "musiclust.models.checkpoint/1"
HISTORY_COLUMNS = ("epoch", "loss", "reconstruction", "kl", "beta", "time_s")
# TrainConfig fields that do not change what an epoch computes, so a checkpoint that differs
# only in these is resumable: a longer ``epochs`` just continues; device/threads/checkpointing
# are where and how it runs.
RESUME_INSENSITIVE_FIELDS = ("epochs", "device", "threads", "checkpoint_every")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message names the model, epoch and likely causes."""


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings of one training run (Adam)."""

    epochs: int
    batch_size: int
    learning_rate: float = 1e-3
    beta: float = 1.0
    seed: int = 0
    device: str = "auto"  # "auto" → cuda if available else cpu; or "cpu"/"cuda"/"cuda:1"
    threads: int = 1  # torch.set_num_threads while training
    checkpoint_every: int = 1  # epochs between resumable checkpoints (the last epoch is always saved)
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "threads", "checkpoint_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"TrainConfig.{name} must be a positive integer, got {value!r}")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError(f"TrainConfig.learning_rate must be positive, got {self.learning_rate!r}")
        if not (self.beta >= 0 and math.isfinite(self.beta)):
            raise ValueError(f"TrainConfig.beta must be >= 0, got {self.beta!r}")
        if not self.weight_decay >= 0:
            raise ValueError(f"TrainConfig.weight_decay must be >= 0, got {self.weight_decay!r}")
        if not isinstance(self.seed, int):
            raise ValueError(f"TrainConfig.seed must be an integer, got {self.seed!r}")


@dataclass
class TrainResult:
    """Outcome of ``train``.

    ``mu``/``logvar``: ``(n, latent_dim)`` float32, one row per input row in input order,
    encoded by the final model in eval mode. Deterministic families (``conv_ae``) have
    ``logvar=None`` and ``kl_per_dim=None``. ``classes``: label values in code order (the
    label of code ``i`` is ``classes[i]``) for conditional families, else None.
    ``history``: one row per epoch ever trained (including epochs from a resumed checkpoint),
    columns ``HISTORY_COLUMNS``; ``kl`` is the mean per sample (summed over latent dims).
    ``epochs_run``: epochs trained by this call (0 when a finished checkpoint was reused).
    """

    family: str
    model_name: str
    model: LatentAutoencoder
    history: pd.DataFrame
    mu: np.ndarray
    logvar: np.ndarray | None
    kl_per_dim: np.ndarray | None
    classes: np.ndarray | None
    epochs_run: int
    resumed_from_epoch: int
    device: str
    checkpoint_path: Path


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; explicit CUDA without a GPU → ValueError."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available (torch {torch.__version__})")
    return resolved


# --------------------------------------------------------------------------- global settings


@contextmanager
def _torch_settings(device: torch.device, threads: int) -> Iterator[None]:
    """Deterministic algorithms and the thread count while training; restored afterwards."""
    previous = (
        torch.get_num_threads(),
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
    )
    if device.type == "cuda":
        # cuBLAS reads this when its handle is created; harmless if already set or too late.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=device.type == "cuda")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.set_num_threads(previous[0])
        torch.use_deterministic_algorithms(previous[1], warn_only=previous[2])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = previous[3], previous[4]


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _capture_rng(shuffle: torch.Generator, device: torch.device) -> dict[str, Any]:
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


def _restore_rng(state: dict[str, Any], shuffle: torch.Generator, device: torch.device) -> None:
    py_version, py_state, py_gauss = state["python"]
    random.setstate((py_version, tuple(py_state), py_gauss))
    np_name, np_key, np_pos, np_has_gauss, np_gauss = state["numpy"]
    np.random.set_state((np_name, np_key.numpy().astype(np.uint32), np_pos, np_has_gauss, np_gauss))
    torch.set_rng_state(state["torch_cpu"])
    if device.type == "cuda" and state.get("torch_cuda") is not None:
        torch.cuda.set_rng_state_all(state["torch_cuda"])
    shuffle.set_state(state["shuffle"])


# --------------------------------------------------------------------------- inputs


def _digest(*parts: bytes) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(part)
    return hasher.hexdigest()


def _array_digest(values: np.ndarray) -> str:
    """Content hash, so a checkpoint is never resumed on different data of the same shape."""
    values = np.ascontiguousarray(values)
    return _digest(str(values.dtype).encode(), json.dumps(values.shape).encode(), memoryview(values).cast("B"))


def _prepare_labels(spec: FamilySpec, labels: np.ndarray | None, n_rows: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Label codes ``0..K-1`` and the class values (``classes[code]``) for conditional families."""
    if labels is not None and len(labels) != n_rows:
        raise ValueError(f"labels has {len(labels)} rows but data has {n_rows}")
    if not spec.conditional:
        return None, None  # ignored, so they play no part in the checkpoint identity either
    if labels is None:
        raise ValueError(f"family {spec.name!r} is conditional on the genre label: pass labels (one per data row)")
    classes, codes = np.unique(np.asarray(labels), return_inverse=True)
    return codes.astype(np.int64).reshape(-1), classes


def _input_scale(data: np.ndarray) -> str:
    """Summary of the input scale for a divergence message."""
    finite_mask = np.isfinite(data)
    n_bad = int(data.size - np.count_nonzero(finite_mask))
    finite = data[finite_mask].astype(np.float64)
    if finite.size == 0:
        return f"no finite input values at all ({n_bad} non-finite)"
    return (f"mean {finite.mean():.3g}, std {finite.std():.3g}, min {finite.min():.3g}, max {finite.max():.3g}, "
            f"non-finite values {n_bad}")


def _divergence_message(name: str, epoch: int, epochs: int, batch: int, n_batches: int, loss: float,
                        reconstruction: float, kl: float, data: np.ndarray, config: TrainConfig, beta: float) -> str:
    finite = np.isfinite(data)
    n_bad = int(data.size - np.count_nonzero(finite))
    abs_max = float(np.abs(data[finite]).max()) if n_bad < data.size else math.inf
    causes = [f"learning rate too high (learning_rate={config.learning_rate:g})"]
    if beta > 0:
        causes.append(f"β too large (beta={beta:g})")
    unnormalised = "unnormalised inputs (standardise the features; input scale below)"
    if n_bad:
        causes.insert(0, f"the inputs contain {n_bad} NaN/inf values (fix the feature extraction)")
    elif abs_max > 100:
        causes.insert(0, unnormalised)
    else:
        causes.append(unnormalised)
    return (f"{name}: training diverged at epoch {epoch}/{epochs}, batch {batch}/{n_batches}: loss {loss} "
            f"(reconstruction {reconstruction}, kl {kl}). Likely cause: {'; or '.join(causes)}. "
            f"Input scale: {_input_scale(data)}.")


# --------------------------------------------------------------------------- checkpoints


def _write_atomically(state: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict (tensors on CPU). Keys: see ``train``'s checkpoint description."""
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a musiclust model checkpoint ({CHECKPOINT_FORMAT})")
    return state


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[LatentAutoencoder, dict[str, Any]]:
    """Rebuild the model saved in a checkpoint (eval mode) and return it with the checkpoint dict."""
    state = load_checkpoint(path)
    model = get_family(state["family"]).build(tuple(state["input_shape"]), state["n_classes"], state["arch"])
    model.load_state_dict(state["model_state"])
    return model.to(resolve_device(device)).eval(), state


def _identity(spec: FamilySpec, arch: dict[str, Any], input_shape: tuple[int, ...], classes: np.ndarray | None,
              data_digest: str, labels_digest: str | None, config: TrainConfig, beta: float) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed."""
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


# --------------------------------------------------------------------------- training


def encode(model: LatentAutoencoder, data: np.ndarray, labels: np.ndarray | None, batch_size: int,
           device: str | torch.device) -> tuple[np.ndarray, np.ndarray | None]:
    """Encoder means and log-variances of every row, in input order, with the model in eval mode.

    ``labels`` are integer codes (``TrainResult.classes`` maps them back); only a conditional
    model with a label-conditioned encoder needs them. ``logvar`` is None for deterministic
    families. The model's train/eval mode is restored afterwards.
    """
    device = resolve_device(device)
    data_t = torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32))
    labels_t = None
    if labels is not None and getattr(model, "conditional", False):
        labels_t = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    was_training = model.training
    model.eval()
    mus, logvars = [], []
    try:
        with torch.no_grad():
            for start in range(0, len(data_t), batch_size):
                x = data_t[start:start + batch_size].to(device)
                y = None if labels_t is None else labels_t[start:start + batch_size].to(device)
                mu, logvar = model.encode(x, y)
                mus.append(mu.float().cpu())
                if logvar is not None:
                    logvars.append(logvar.float().cpu())
    finally:
        model.train(was_training)
    empty = np.empty((0, model.latent_dim), np.float32)
    mu_all = torch.cat(mus).numpy() if mus else empty
    if not model.variational:
        return mu_all, None
    return mu_all, (torch.cat(logvars).numpy() if logvars else empty.copy())


def _run_epoch(model: LatentAutoencoder, optimizer: torch.optim.Optimizer, data_t: torch.Tensor,
               labels_t: torch.Tensor | None, shuffle: torch.Generator, config: TrainConfig, beta: float,
               device: torch.device, epoch: int, name: str, progress: bool, data: np.ndarray) -> dict[str, float]:
    model.train()
    n_rows = len(data_t)
    n_batches = math.ceil(n_rows / config.batch_size)
    order = torch.randperm(n_rows, generator=shuffle)
    sums = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
    started = time.perf_counter()
    with tqdm(total=n_batches, desc=f"{name} epoch {epoch}/{config.epochs}", unit="batch",
              disable=not progress, leave=False) as bar:
        for batch, start in enumerate(range(0, n_rows, config.batch_size), start=1):
            index = order[start:start + config.batch_size]
            x = data_t[index].to(device, non_blocking=True)
            y = None if labels_t is None else labels_t[index].to(device, non_blocking=True)
            output = model(x, y)
            terms = vae_loss(output.reconstruction, x, output.mu, output.logvar, beta)
            # One device→host transfer per batch (a single sync on CUDA).
            loss, reconstruction, kl = torch.stack([terms.total, terms.reconstruction, terms.kl]).detach().tolist()
            if not math.isfinite(loss):
                raise TrainingDiverged(_divergence_message(name, epoch, config.epochs, batch, n_batches, loss,
                                                           reconstruction, kl, data, config, beta))
            optimizer.zero_grad(set_to_none=True)
            terms.total.backward()
            optimizer.step()
            weight = len(index)  # the last batch may be short: weight by samples, not batches
            sums["loss"] += loss * weight
            sums["reconstruction"] += reconstruction * weight
            sums["kl"] += kl * weight
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            bar.update(1)
    return {
        "epoch": epoch,
        **{key: value / n_rows for key, value in sums.items()},
        "beta": beta,
        "time_s": time.perf_counter() - started,
    }


def train(family: str, arch: dict[str, Any] | None, data: np.ndarray, labels: np.ndarray | None,
          config: TrainConfig, checkpoint_path: Path, *, model_name: str = "",
          log: Callable[[str], None] | None = None, progress: bool = True) -> TrainResult:
    """Train (or resume, or reuse) a model of ``family`` on ``data`` ``(n, *shape)``.

    ``labels``: one per row, any values (genre ids or names); used only by conditional
    families, which map them to codes (``TrainResult.classes``).

    Checkpoint (``torch.save`` of a dict, written atomically every ``checkpoint_every`` epochs
    and after the last one): ``format``, ``model_name``, ``identity`` (family, normalised arch,
    input shape, n_classes, classes, data/label content digests and the result-affecting
    config fields), ``family``, ``arch``, ``config`` (all TrainConfig fields), ``input_shape``,
    ``n_classes``, ``classes``, ``epoch`` (epochs completed), ``target_epochs``, ``finished``,
    ``model_state``, ``optimizer_state``, ``history`` (list of per-epoch dicts), ``rng`` (Python,
    NumPy, torch CPU, torch CUDA, shuffle generator) and ``torch_version``.

    An existing checkpoint with the same identity is resumed from its epoch (same final
    latents as an uninterrupted run on CPU) or, if it already reached ``config.epochs``,
    reused without training. A different identity, more epochs than asked, or an unreadable
    file → train from scratch, saying why through ``log``.

    Raises ``TrainingDiverged`` if a batch loss is NaN/inf; the checkpoint then keeps the last
    good epoch and is not marked finished.
    """
    spec = get_family(family)
    name = model_name or family
    say = log or (lambda message: None)
    checkpoint_path = Path(checkpoint_path)
    data = np.ascontiguousarray(data, dtype=np.float32)
    if data.ndim < 2 or len(data) == 0:
        raise ValueError(f"{name}: data must be a non-empty array (n_rows, *shape), got shape {data.shape}")
    input_shape = tuple(int(s) for s in data.shape[1:])
    spec.check_input_shape(input_shape)
    arch_dict = spec.normalise_arch(arch)
    label_codes, classes = _prepare_labels(spec, labels, len(data))
    n_classes = None if classes is None else len(classes)
    beta = config.beta if spec.variational else 0.0  # an autoencoder has no KL term to weight
    device = resolve_device(config.device)
    identity = _identity(spec, arch_dict, input_shape, classes, _array_digest(data),
                         None if label_codes is None else _array_digest(label_codes), config, beta)

    with _torch_settings(device, config.threads):
        _seed_everything(config.seed)
        model = spec.build(input_shape, n_classes, arch_dict).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        shuffle = torch.Generator().manual_seed(config.seed)
        history: list[dict[str, float]] = []
        start_epoch = 0
        saved = _resumable_checkpoint(checkpoint_path, identity, config, name, say)
        if saved is not None:
            model.load_state_dict(saved["model_state"])
            optimizer.load_state_dict(saved["optimizer_state"])
            _restore_rng(saved["rng"], shuffle, device)
            history = [dict(row) for row in saved["history"]]
            start_epoch = int(saved["epoch"])

        def save(epoch: int) -> None:
            _write_atomically({
                "format": CHECKPOINT_FORMAT,
                "model_name": name,
                "identity": identity,
                "family": spec.name,
                "arch": arch_dict,
                "config": dataclasses.asdict(config),
                "input_shape": list(input_shape),
                "n_classes": n_classes,
                "classes": identity["classes"],
                "epoch": epoch,
                "target_epochs": config.epochs,
                "finished": epoch >= config.epochs,
                "model_state": model.state_dict(),
                "optimizer_state": optimizer.state_dict(),
                "history": history,
                "rng": _capture_rng(shuffle, device),
                "torch_version": str(torch.__version__),
            }, checkpoint_path)

        data_t = torch.from_numpy(data)
        labels_t = None if label_codes is None else torch.from_numpy(label_codes)
        for epoch in range(start_epoch + 1, config.epochs + 1):
            row = _run_epoch(model, optimizer, data_t, labels_t, shuffle, config, beta, device, epoch, name,
                             progress, data)
            history.append(row)
            if epoch == config.epochs or epoch % config.checkpoint_every == 0:
                save(epoch)
            say(f"{name} seed {config.seed} epoch {epoch}/{config.epochs} loss {row['loss']:.4f} "
                f"recon {row['reconstruction']:.4f} kl {row['kl']:.4f} beta {beta:g} {row['time_s']:.1f}s")
        if saved is not None and start_epoch == config.epochs and not saved.get("finished", False):
            save(start_epoch)  # reached the (now smaller) target earlier: mark it finished

        mu, logvar = encode(model, data, label_codes, config.batch_size, device)

    kl_dims = None
    if logvar is not None:
        kl_dims = kl_per_dim(torch.from_numpy(mu).double(), torch.from_numpy(logvar).double()).mean(0).numpy()
    return TrainResult(
        family=spec.name,
        model_name=name,
        model=model.eval(),
        history=pd.DataFrame(history, columns=list(HISTORY_COLUMNS)),
        mu=mu,
        logvar=logvar,
        kl_per_dim=kl_dims,
        classes=classes,
        epochs_run=config.epochs - start_epoch,
        resumed_from_epoch=start_epoch,
        device=str(device),
        checkpoint_path=checkpoint_path,
    )


def _resumable_checkpoint(path: Path, identity: dict[str, Any], config: TrainConfig, name: str,
                          say: Callable[[str], None]) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if it can be continued (or reused) for this run, else None."""
    if not path.exists():
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
    if epoch > config.epochs:
        say(f"{name}: checkpoint {path} has {epoch} epochs, more than the {config.epochs} asked; training from scratch")
        return None
    if epoch == config.epochs:
        say(f"{name}: checkpoint {path} already has {epoch}/{config.epochs} epochs; encoding only")
    else:
        say(f"{name}: resuming from checkpoint {path} at epoch {epoch}/{config.epochs}")
    return saved
