"""The shared trainer: seeded, resumable, divergence-checked training of any registered family.

``train`` takes the data in memory (``float32 (n, *shape)``), trains with Adam on
``reconstruction + β·KL`` (see ``losses``: summed reconstruction by default, optional KL
warm-up and free bits), optionally scores a seeded held-out share of the tracks every epoch
(negative ELBO, the yardstick for choosing settings without labels), and returns the
per-epoch history and the encoder means/log-variances of every input row. Checkpoints and
resuming live in ``checkpoints``.

Reproducibility: Python, NumPy and torch are seeded from ``TrainConfig.seed``; shuffling uses
its own seeded CPU ``torch.Generator``; deterministic algorithms are on while training (on
CUDA with ``warn_only``). On CPU the same seed, config and thread count give bitwise-identical
latents, across an interruption and resume too, because every RNG state is checkpointed.
The global torch settings touched are restored when ``train`` returns.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from musiclust import __version__

from .base import LatentAutoencoder
from .checkpoints import (
    CHECKPOINT_FORMAT,
    array_digest,
    capture_rng,
    restore_rng,
    resumable_checkpoint,
    run_identity,
    training_lock,
    write_checkpoint,
)
from .collapse import FLOOR_MARGIN, KL_THRESHOLD, VARIANCE_THRESHOLD, ActiveDimensions, active_dimensions, kl_cutoff
from .losses import kl_per_dim, reconstruction_error, vae_loss
from .registry import FamilySpec, get_family
from .stopping import Stopping, min_epochs_for, stopping_state
from .train_config import TrainConfig, TrainingDiverged, resolve_device, seed_everything, torch_settings

HISTORY_COLUMNS = ("epoch", "loss", "reconstruction", "kl", "beta", "active_dims_kl", "heldout_reconstruction",
                   "heldout_kl", "heldout_neg_elbo", "time_s", "kl_per_dim")


@dataclass
class TrainResult:
    """Outcome of ``train``.

    ``mu``/``logvar``: ``(n, latent_dim)`` float32, one row per input row in input order,
    encoded by the final model in eval mode (deterministic families: ``logvar=None``).
    ``classes``: label values in code order for conditional families, else None.
    ``history``: one row per epoch ever trained (resumed epochs included), ``HISTORY_COLUMNS``.
    ``holdout``: boolean mask of the rows left out of training.
    ``epochs_run``: epochs trained by this call (0 when a finished checkpoint was reused).
    ``free_bits``: the KL floor it was trained with (what ``active_dimensions`` must look above).
    ``stopping``: why training stopped and the epoch whose weights gave ``mu``/``logvar``
    (the last one, unless early stopping kept an earlier one).
    """

    family: str
    model_name: str
    model: LatentAutoencoder
    history: pd.DataFrame
    mu: np.ndarray
    logvar: np.ndarray | None
    classes: np.ndarray | None
    holdout: np.ndarray
    epochs_run: int
    resumed_from_epoch: int
    stopping: Stopping
    device: str
    checkpoint_path: Path | None

    free_bits: float = 0.0

    def active_dimensions(self, kl_threshold: float = KL_THRESHOLD, variance_threshold: float = VARIANCE_THRESHOLD,
                          floor_margin: float = FLOOR_MARGIN) -> ActiveDimensions:
        """Which latent dimensions the trained model uses, over every input row (above the
        free-bits floor it was trained with)."""
        return active_dimensions(self.mu, self.logvar, kl_threshold=kl_threshold,
                                 variance_threshold=variance_threshold, free_bits=self.free_bits,
                                 floor_margin=floor_margin)


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


def holdout_mask(n_rows: int, fraction: float, seed: int) -> np.ndarray:
    """Seeded choice of ``round(fraction * n_rows)`` rows to leave out (at least one row trains)."""
    mask = np.zeros(n_rows, dtype=bool)
    n_out = min(int(round(fraction * n_rows)), n_rows - 1)
    if n_out > 0:
        mask[np.random.default_rng([seed, 0x401D]).permutation(n_rows)[:n_out]] = True
    return mask


def _divergence_message(name: str, epoch: int, config: TrainConfig, batch: str, terms: tuple[float, float, float],
                        data: np.ndarray, beta: float) -> str:
    loss, reconstruction, kl = terms
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
    values = data[finite].astype(np.float64)
    scale = (f"mean {values.mean():.3g}, std {values.std():.3g}, min {values.min():.3g}, max {values.max():.3g}, "
             f"non-finite values {n_bad}") if values.size else f"no finite input values at all ({n_bad} non-finite)"
    return (f"{name}: training diverged at epoch {epoch}/{config.epochs}, batch {batch}: loss {loss} "
            f"(reconstruction {reconstruction}, kl {kl}). Likely cause: {'; or '.join(causes)}. Input scale: {scale}.")


class _RowsOf:
    """Rows ``rows`` of ``data``, gathered when indexed (a split of memory-mapped data)."""

    def __init__(self, data: torch.Tensor, rows: torch.Tensor) -> None:
        self.data, self.rows = data, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: torch.Tensor | slice) -> torch.Tensor:
        return self.data[self.rows[index]]


# --------------------------------------------------------------------------- training


def _stopping(history: list[dict[str, Any]], config: TrainConfig, model: LatentAutoencoder, n_train: int) -> Stopping:
    """``stopping_state`` of ``history``: a model with a pre-training phase (vade) is judged from its
    own phase on, and ``min_steps`` is turned into epochs of ``n_train`` rows."""
    heldout = [row.get("heldout_neg_elbo", math.nan) for row in history]
    min_epochs = min_epochs_for(config.min_steps, math.ceil(n_train / config.batch_size))
    return stopping_state(heldout, config.epochs, early_stopping=config.early_stopping, patience=config.patience,
                          warmup_epochs=config.kl_warmup_epochs, min_epochs=min_epochs,
                          judged_from=int(getattr(model, "pretrain_epochs", 0)) + 1)


def encode(model: LatentAutoencoder, data: np.ndarray, labels: np.ndarray | None, batch_size: int,
           device: str | torch.device) -> tuple[np.ndarray, np.ndarray | None]:
    """Encoder means and log-variances of every row, in input order, with the model in eval mode.

    ``labels`` are integer codes; only a conditional model with a label-conditioned encoder
    needs them. ``logvar`` is None for deterministic families. The model's mode is restored.
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


def _encode_rows(model: LatentAutoencoder, data: torch.Tensor | _RowsOf, labels: torch.Tensor | None, batch_size: int,
                 device: torch.device) -> np.ndarray:
    """Encoder means of the rows of a split (tensor or memory-mapped rows), in eval mode."""
    model.eval()
    means = []
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            x = data[start:start + batch_size].to(device)
            y = None if labels is None else labels[start:start + batch_size].to(device)
            means.append(model.encode(x, y)[0].double().cpu())
    model.train()
    return torch.cat(means).numpy()


def heldout_scores(model: LatentAutoencoder, data: torch.Tensor, labels: torch.Tensor | None, batch_size: int,
                   device: torch.device, seed: int) -> dict[str, float]:
    """Per-track means on rows the model never trained on: summed squared error, KL, and the
    negative ELBO ``SSE + KL + (D/2)·log π`` in nats (the Gaussian decoder of variance ½ that
    ``‖x − x̂‖² + KL`` is the likelihood of; D: the track's observed elements; a model that
    weighs its elements gives its own normalising term, ``log_normaliser``), estimated with
    one seeded sample of z per track."""
    noise = torch.Generator(device=device).manual_seed(seed)
    sse = kl = normaliser = 0.0
    # A model whose inputs have absent parts (multimodal: a track without text) reconstructs
    # and counts only what exists; any other model, every element.
    reconstruct = getattr(model, "reconstruct", None) or (lambda x, z, y: model.decode(z, y))
    log_normaliser = getattr(model, "log_normaliser", None) or (
        lambda x: x.new_full((len(x),), 0.5 * math.prod(x.shape[1:]) * math.log(math.pi)))
    # KL per track to the model's prior: N(0, I) unless the model has its own (vade: a mixture).
    prior_kl = getattr(model, "prior_kl", None) or (lambda mu, logvar, z: kl_per_dim(mu, logvar).sum(dim=1))
    model.eval()
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            x = data[start:start + batch_size].to(device)
            y = None if labels is None else labels[start:start + batch_size].to(device)
            mu, logvar = model.encode(x, y)
            z = mu
            if logvar is not None:
                z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=noise, device=device)
                kl += float(prior_kl(mu, logvar, z).sum())
            sse += float(reconstruction_error(reconstruct(x, z, y), x, "sum")) * len(x)
            normaliser += float(log_normaliser(x).sum())
    n = len(data)
    return {"heldout_reconstruction": sse / n, "heldout_kl": kl / n,
            "heldout_neg_elbo": (sse + kl + normaliser) / n}


def _run_epoch(model: LatentAutoencoder, optimizer: torch.optim.Optimizer, data_t: torch.Tensor,
               labels_t: torch.Tensor | None, shuffle: torch.Generator, config: TrainConfig, epoch: int,
               device: torch.device, name: str, progress: bool, data: np.ndarray) -> dict[str, Any]:
    model.train()
    if hasattr(model, "begin_epoch"):  # a model with training phases (vade: pre-training first)
        model.begin_epoch(epoch)
    own_loss = getattr(model, "loss_terms", None)  # a model with another prior computes its own KL
    beta = config.beta_at(epoch) if model.variational else 0.0
    n_rows = len(data_t)
    n_batches = math.ceil(n_rows / config.batch_size)
    order = torch.randperm(n_rows, generator=shuffle)
    sums = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
    kl_dims = torch.zeros(model.latent_dim, dtype=torch.float64)
    started = time.perf_counter()
    with tqdm(total=n_batches, desc=f"{name} epoch {epoch}/{config.epochs}", unit="batch",
              disable=not progress, leave=False) as bar:
        for batch, start in enumerate(range(0, n_rows, config.batch_size), start=1):
            index = order[start:start + config.batch_size]
            x = data_t[index].to(device, non_blocking=True)
            y = None if labels_t is None else labels_t[index].to(device, non_blocking=True)
            output = model(x, y)
            if own_loss is not None:
                terms = own_loss(output, x, beta, reconstruction=config.reconstruction, free_bits=config.free_bits)
            else:
                terms = vae_loss(output.reconstruction, x, output.mu, output.logvar, beta,
                                 reconstruction=config.reconstruction, free_bits=config.free_bits)
            # One device→host transfer per batch (a single sync on CUDA).
            values = torch.stack([terms.total, terms.reconstruction, terms.kl]).detach().tolist()
            if not math.isfinite(values[0]):
                raise TrainingDiverged(_divergence_message(name, epoch, config, f"{batch}/{n_batches}", values,
                                                           data, beta))
            optimizer.zero_grad(set_to_none=True)
            terms.total.backward()
            optimizer.step()
            weight = len(index)  # the last batch may be short: weight by samples, not batches
            for key, value in zip(sums, values):
                sums[key] += value * weight
            if terms.kl_per_dim is not None:
                kl_dims += terms.kl_per_dim.detach().double().cpu() * weight
            bar.set_postfix(loss=f"{values[0]:.4f}", refresh=False)
            bar.update(1)
    kl_dims /= n_rows
    return {
        "epoch": epoch,
        **{key: value / n_rows for key, value in sums.items()},
        "beta": beta,
        # Above the free-bits floor (a pinned dimension sits at it, never at 0); the final count
        # uses the run's `analysis:` settings, this per-epoch one the library's defaults.
        "active_dims_kl": int((kl_dims > kl_cutoff(config.free_bits)).sum()) if model.variational else None,
        "kl_per_dim": kl_dims.tolist() if model.variational else None,
        "time_s": time.perf_counter() - started,
    }


def train(family: str, arch: dict[str, Any] | None, data: np.ndarray, labels: np.ndarray | None,
          config: TrainConfig, checkpoint_path: Path | None = None, *, model_name: str = "",
          log: Callable[[str], None] | None = None, progress: bool = True) -> TrainResult:
    """Train (or resume, or reuse) a model of ``family`` on ``data`` ``(n, *shape)``.

    ``labels``: one per row, any values; used only by conditional families (``classes``).
    ``checkpoint_path``: where to checkpoint (None: no checkpoints). An existing checkpoint
    with the same identity is resumed from its epoch or, if finished, reused; a different
    identity, more epochs than asked, or an unreadable file → train from scratch, saying why.

    Raises ``TrainingDiverged`` if a batch loss is NaN/inf; the checkpoint then keeps the last
    good epoch and is not marked finished; ``TrainingLocked`` if another process is training
    into the same checkpoint.
    """
    spec = get_family(family)
    name = model_name or family
    say = log or (lambda message: None)
    checkpoint_path = None if checkpoint_path is None else Path(checkpoint_path)
    mapped = isinstance(data, np.memmap)
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
    identity = run_identity(spec, arch_dict, input_shape, classes, array_digest(data),
                            None if label_codes is None else array_digest(label_codes), config, beta)
    heldout = holdout_mask(len(data), config.holdout_fraction, config.seed)

    lock = nullcontext() if checkpoint_path is None else training_lock(checkpoint_path, name)
    with lock, torch_settings(device, config.threads):
        seed_everything(config.seed)
        model = spec.build(input_shape, n_classes, arch_dict).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        shuffle = torch.Generator().manual_seed(config.seed)
        history: list[dict[str, Any]] = []
        start_epoch = 0
        best_state: dict[str, torch.Tensor] | None = None  # early stopping: the best epoch's weights
        saved = resumable_checkpoint(checkpoint_path, identity, config.epochs, name, say)
        if saved is not None:
            model.load_state_dict(saved["model_state"])
            optimizer.load_state_dict(saved["optimizer_state"])
            restore_rng(saved["rng"], shuffle, device)
            history = [dict(row) for row in saved["history"]]
            start_epoch = int(saved["epoch"])
            best_state = saved.get("best_model_state")
        n_train = int((~heldout).sum())
        stopping = _stopping(history, config, model, n_train)

        def save(epoch: int) -> None:
            if checkpoint_path is None:
                return
            write_checkpoint({
                "format": CHECKPOINT_FORMAT, "model_name": name, "identity": identity, "family": spec.name,
                "arch": arch_dict, "config": dataclasses.asdict(config), "input_shape": list(input_shape),
                "n_classes": n_classes, "classes": identity["classes"], "epoch": epoch,
                "target_epochs": config.epochs, "finished": stopping.finished, **stopping.as_info(),
                "model_state": model.state_dict(), "optimizer_state": optimizer.state_dict(),
                "best_model_state": best_state,
                "history": history, "rng": capture_rng(shuffle, device), "torch_version": str(torch.__version__),
                "package_version": __version__,
            }, checkpoint_path)

        data_t = torch.from_numpy(data)
        labels_t = None if label_codes is None else torch.from_numpy(label_codes)
        if heldout.any():
            rows = {part: torch.from_numpy(np.flatnonzero(mask)) for part, mask in (("train", ~heldout), ("out", heldout))}
            # Memory-mapped data (larger than memory) is gathered batch by batch, never copied whole.
            take = (lambda index: _RowsOf(data_t, index)) if mapped else (lambda index: data_t[index])
            splits = {part: (take(index), None if labels_t is None else labels_t[index]) for part, index in rows.items()}
        else:
            splits = {"train": (data_t, labels_t)}
        epoch = start_epoch
        while not stopping.finished:
            epoch += 1
            row = _run_epoch(model, optimizer, *splits["train"], shuffle, config, epoch, device, name, progress, data)
            if hasattr(model, "end_epoch") and model.end_epoch(
                    epoch, lambda: _encode_rows(model, *splits["train"], config.batch_size, device), config.seed):
                optimizer.state.clear()  # a new phase starts with fresh Adam moments (vade after pre-training)
            if "out" in splits:
                row.update(heldout_scores(model, *splits["out"], config.batch_size, device,
                                          seed=config.seed * 100_003 + epoch))
            history.append(row)
            stopping = _stopping(history, config, model, n_train)
            if config.early_stopping and stopping.best_epoch == epoch:
                # A copy, not a view: the next optimiser step changes the model's tensors in place.
                best_state = {key: value.detach().clone() for key, value in model.state_dict().items()}
            if stopping.finished or epoch % config.checkpoint_every == 0:
                save(epoch)
            held = f" heldout -elbo {row['heldout_neg_elbo']:.1f}" if "heldout_neg_elbo" in row else ""
            active = "" if row["active_dims_kl"] is None else f" active {row['active_dims_kl']}/{model.latent_dim}"
            say(f"{name} seed {config.seed} epoch {epoch}/{config.epochs} loss {row['loss']:.4f} "
                f"recon {row['reconstruction']:.4f} kl {row['kl']:.4f} beta {row['beta']:g}{active}{held} "
                f"{row['time_s']:.1f}s")
        if saved is not None and epoch == start_epoch and not saved.get("finished", False):
            save(start_epoch)  # over already (a smaller target, or stopped early when saved): mark it finished
        if config.early_stopping:
            say(f"{name} seed {config.seed}: {stopping.reason}; the latents come from epoch {stopping.best_epoch}")
            if best_state is not None:
                model.load_state_dict(best_state)

        mu, logvar = encode(model, data, label_codes, config.batch_size, device)

    return TrainResult(
        family=spec.name,
        model_name=name,
        model=model.eval(),
        history=pd.DataFrame(history, columns=list(HISTORY_COLUMNS)),
        mu=mu,
        logvar=logvar,
        classes=classes,
        holdout=heldout,
        epochs_run=epoch - start_epoch,
        resumed_from_epoch=start_epoch,
        stopping=stopping,
        device=str(device),
        checkpoint_path=checkpoint_path,
        free_bits=config.free_bits if spec.variational else 0.0,
    )
