#!/usr/bin/env bash
# Creates models/training/.venv with a CPU-usable PyTorch from PyPI, without the several GB of
# nvidia-* wheels PyPI's Linux torch depends on (see cuda_stubs.py). On a machine with a CUDA
# GPU, set OCR_TRAIN_CUDA=1 to install torch with its CUDA dependencies instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
TORCH_VERSION="${TORCH_VERSION:-2.15.0}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
pip=("$venv/bin/pip" install --quiet --disable-pip-version-check)
if [ "${OCR_TRAIN_CUDA:-0}" = 1 ]; then
  "${pip[@]}" "torch==$TORCH_VERSION"
else
  "${pip[@]}" --no-deps "torch==$TORCH_VERSION"
fi
# torch's pure-Python dependencies, and the tools for data, export and the ONNX check.
"${pip[@]}" filelock "typing-extensions>=4.13" "sympy>=1.13.3" "networkx>=2.5.1" jinja2 "fsspec>=0.8.5" \
  numpy pillow onnx onnxruntime
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  "$venv/bin/python" "$here/cuda_stubs.py" "$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
fi
"$venv/bin/python" -c "import torch; print('torch', torch.__version__, 'cuda' if torch.cuda.is_available() else 'cpu')"
