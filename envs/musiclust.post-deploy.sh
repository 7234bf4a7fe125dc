#!/usr/bin/env bash
# Run by Snakemake in the new envs/musiclust.yaml environment (--software-deployment-method
# conda): pyproject.toml's tool.musiclust.no-deps-requirements, installed without their
# dependencies (the musicnn wheel's weights; its tensorflow and numpy<1.17 must not come along).
set -euo pipefail
python -m pip install --no-deps musicnn==0.1.0
