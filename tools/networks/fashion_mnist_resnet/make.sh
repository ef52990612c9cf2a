#!/usr/bin/env bash
# Remakes network.h5: installs PyTorch from Debian if missing, then trains and quantizes the
# residual CNN with train.py (same seed, one CPU thread). Extra arguments go to train.py.
set -euo pipefail
cd "$(dirname "$0")/../../.."
source tools/deps.sh
cimchar_install_deps "${cimchar_training_packages[@]}"
exec /usr/bin/python3 tools/networks/fashion_mnist_resnet/train.py "$@"
