#!/usr/bin/env bash
# Installs the Debian packages cimchar needs, only those missing. Sourced by tools/run and
# tools/test; safe to run again (idempotent).
set -euo pipefail

cimchar_packages=(
  build-essential cmake pkg-config git
  ngspice libngspice0-dev
  libboost-program-options-dev libboost-iostreams-dev libboost-system-dev libboost-filesystem-dev
  libhdf5-dev
  libgnuplot-iostream-dev gnuplot-nox
  googletest libgtest-dev
  python3 python3-h5py python3-numpy python3-yaml
  dataset-fashion-mnist
  libopenmpi-dev openmpi-bin  # MPI ranks (optional for the build; the mpi tests use them)
  # The Python module cimchar: pybind11's headers and CMake files, Python's headers; its tests
  # run under pytest, and cimchar.torch (and its tests) need PyTorch.
  pybind11-dev python3-dev python3-pytest python3-torch
)

# For remaking the reference networks (tools/networks/*/train.py).
cimchar_training_packages=(python3-torch python3-h5py python3-numpy dataset-fashion-mnist)

# cimchar_install_deps [PACKAGE...]: the given packages, default cimchar_packages.
cimchar_install_deps() {
  local wanted=("$@")
  if [ ${#wanted[@]} -eq 0 ]; then
    wanted=("${cimchar_packages[@]}")
  fi
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "cimchar: installing Debian packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# cimchar_python_path BUILD_DIR: puts the Python module built in BUILD_DIR/python on the path of
# Debian's python3 for this user, with one line in <user site-packages>/cimchar.pth, so that
# `/usr/bin/python3 -c "import cimchar"` works from any folder. Rewritten only when it differs.
cimchar_python_path() {
  local dir site
  dir="$(cd "$1" && pwd)/python"
  site=$(/usr/bin/python3 -m site --user-site)
  if [ "$(cat "$site/cimchar.pth" 2>/dev/null)" != "$dir" ]; then
    mkdir -p "$site"
    echo "$dir" > "$site/cimchar.pth"
    echo "cimchar: /usr/bin/python3 imports cimchar from $dir ($site/cimchar.pth)"
  fi
}
