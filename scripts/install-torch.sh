#!/usr/bin/env bash
# Install PyTorch's CPU build into the venv whose python is $1: faqbot needs no GPU, and PyPI's
# default torch wheel is a multi-GB CUDA build. PyTorch's own CPU-only index first; where it
# cannot be reached (an offline mirror, a machine that keeps the CPU wheel on disk), the pinned
# version from the configured index.
set -euo pipefail
python="$1"
version="2.13.0"
if "$python" -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$version' else 1)" 2>/dev/null; then
  exit 0
fi
if "$python" -m pip install --quiet --timeout 15 --retries 1 "torch==$version" \
     --index-url https://download.pytorch.org/whl/cpu 2>/dev/null; then
  exit 0
fi
echo "   (PyTorch's CPU index is not reachable: installing torch==$version from the configured index)"
"$python" -m pip install --quiet "torch==$version"
