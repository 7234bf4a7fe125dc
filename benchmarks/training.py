"""Training throughput of the conv VAE on random ``1×128×256`` log-mel-sized inputs.

Runs the real trainer (``musiclust.models.train``: seeded, deterministic, checkpointing into a
temporary directory) and reports samples/s of the training loop (from the per-epoch wall times
in the history, so model construction, checkpoint writing and the final encoding are not
counted) plus the end-to-end time, and peak memory: the process's peak RSS on CPU
(``getrusage`` maxrss, so it includes the data and the Python/torch baseline) and
``torch.cuda.max_memory_allocated`` on CUDA.

    python benchmarks/training.py --threads 2 --batch-size 16 --n 64 --epochs 1 --device auto
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from musiclust.models import TrainConfig, train


def _devices(requested: str) -> list[str]:
    """``auto`` measures the CPU and, when present, CUDA; otherwise just the one asked for."""
    if requested == "auto":
        return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    return [requested]


def _measure(device: str, args: argparse.Namespace, data: np.ndarray) -> dict[str, float]:
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, seed=0, device=device,
                         threads=args.threads, beta=1.0)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats(device)
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        result = train(args.family, {}, data, None, config, Path(scratch) / "bench.pt",
                       model_name=f"bench_{args.family}", progress=False)
        total_s = time.perf_counter() - started
    train_s = float(result.history["time_s"].sum())
    figures = {
        "samples_per_s": len(data) * args.epochs / train_s,
        "train_s": train_s,
        "end_to_end_s": total_s,
        "last_epoch_samples_per_s": len(data) / float(result.history["time_s"].iloc[-1]),
    }
    if device.startswith("cuda"):
        figures["peak_cuda_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--n", type=int, default=64, help="number of random 1x128x256 inputs")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--device", default="auto", help="auto (CPU, and CUDA when present), cpu, cuda, cuda:N")
    parser.add_argument("--family", default="conv_vae", choices=["conv_vae", "beta_vae", "conv_ae"])
    args = parser.parse_args(argv)

    data = np.random.default_rng(0).standard_normal((args.n, 1, 128, 256)).astype(np.float32)
    print(f"{args.family} on {args.n} random 1x128x256 inputs, batch {args.batch_size}, {args.epochs} epoch(s), "
          f"{args.threads} CPU thread(s), torch {torch.__version__}")
    for device in _devices(args.device):
        figures = _measure(device, args, data)
        memory = (f"peak CUDA allocated {figures['peak_cuda_mib']:.0f} MiB" if "peak_cuda_mib" in figures
                  else f"peak RSS {figures['peak_rss_mib']:.0f} MiB")
        name = torch.cuda.get_device_name(device) if device.startswith("cuda") else "cpu"
        print(f"{device} ({name}): {figures['samples_per_s']:.1f} samples/s training "
              f"(last epoch {figures['last_epoch_samples_per_s']:.1f}), train {figures['train_s']:.2f}s, "
              f"end-to-end {figures['end_to_end_s']:.2f}s, {memory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
