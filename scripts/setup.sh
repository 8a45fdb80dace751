#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine. Idempotent; quiet when
# everything is already there. Needs root (or sudo) only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg -s "$1" >/dev/null 2>&1; }

# Rust components used by the test command.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

# Further requirements (pcscd, vsmartcard-vpcd, Maven, ...) are added by their work items.
for p in "${EXTRA_APT:-}"; do [[ -n "$p" ]] && ! have_pkg "$p" && need_apt+=("$p"); done

if ((${#need_apt[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "installing: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
