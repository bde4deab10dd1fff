#!/usr/bin/env bash
# Installs every build and test dependency from Debian packages. Idempotent: packages already
# present are skipped, so a second run costs one dpkg query.
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache pkg-config
      libtorch-dev libtbb-dev libeigen3-dev libfmt-dev catch2 libcli11-dev nlohmann-json3-dev
      libopenblas0-openmp libssl-dev zlib1g-dev libsqlite3-dev dataset-fashion-mnist
      openmpi-bin libopenmpi-dev openssh-client pybind11-dev python3-dev python3-numpy)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "setup: all dependencies present"
fi
