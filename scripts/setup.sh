#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine. Idempotent; quiet when
# everything is already there. Needs root (or sudo) only when something is missing.
#
# Usage: scripts/setup.sh [--part core|rest]   (default: both, core first)
#   core  what the Rust stages need: rustfmt and clippy, the PC/SC development files,
#         pcscd and vsmartcard-vpcd, Python, the age tool
#   rest  what the later stages need: Xvfb, JDK and Maven (and the Maven artifacts of
#         android/), fonts, Rust's Android/Windows/macOS targets, mingw-w64 and Wine,
#         rsvg-convert, fdroidserver, shellcheck
# scripts/test.sh runs "core" first and "rest" in the background while the Rust stages
# build (downloads and unpacking overlap the compiling); a stage that needs "rest" waits
# for it first.
set -euo pipefail
cd "$(dirname "$0")/.."

part=all
if [[ ${1:-} == --part ]]; then
  part=${2:?"--part core|rest"}
  [[ $part == core || $part == rest ]] || { echo "setup.sh: --part core|rest" >&2; exit 2; }
fi
core() { [[ $part == all || $part == core ]]; }
rest() { [[ $part == all || $part == rest ]]; }

need_apt=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg -s "$1" >/dev/null 2>&1; }
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
updated=""
apt_update() { [[ -n $updated ]] || $SUDO apt-get update -qq || true; updated=1; }

if core; then
  # Rust components used by the test command.
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    rustup component add rustfmt clippy
  fi

  # PC/SC end-to-end tests (docs/pcsc-testing.md): the daemon, vsmartcard's virtual reader
  # driver, and the headers/pkg-config data the Rust `pcsc` crate links against.
  for p in pcscd vsmartcard-vpcd libpcsclite-dev pkg-config; do
    have_pkg "$p" || need_apt+=("$p")
  done
  # The test-side helpers (scripts/pcsc_tool.py, scripts/vpcd_echo.py) are stdlib Python.
  have_cmd python3 || need_apt+=(python3)

  # The reference age tool: the export tests check that `age -d` opens kiln's exports
  # (rust/kiln-cli/tests/fleet_cli.rs).
  have_cmd age || need_apt+=(age)

  # EXTRA_APT="pkg1 pkg2" adds packages ad hoc (space-separated; word splitting is intended here).
  for p in ${EXTRA_APT:-}; do
    have_pkg "$p" || need_apt+=("$p")
  done

  if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    $SUDO apt-get update -qq
    updated=1
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

if rest; then
  rest_apt=()
  # JVM/Kotlin tests (android/jvm-tests, docs/android-build.md): a JDK 17+ and Maven.
  have_cmd javac || rest_apt+=(openjdk-17-jdk-headless)
  have_cmd mvn || rest_apt+=(maven)
  # `kiln burn --qr-screen` test (scripts/qr-screen-e2e.sh): a virtual X display.
  have_cmd Xvfb || rest_apt+=(xvfb)
  # Headless screen renders of the Android app (android/ui-render): Skia finds text fonts
  # through fontconfig.
  for p in fontconfig fonts-dejavu-core; do
    have_pkg "$p" || rest_apt+=("$p")
  done
  if ((${#rest_apt[@]})); then
    echo "installing: ${rest_apt[*]}"
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${rest_apt[@]}" >/dev/null
  fi

  # Adds the Rust targets named after the stage label that are not installed yet. Needs rustup
  # to reach its distribution server; non-fatal: without them those stages print "skipped".
  add_rust_targets() {
    local stages=$1 t missing=()
    shift
    for t in "$@"; do
      rustup target list --installed 2>/dev/null | grep -qx "$t" || missing+=("$t")
    done
    ((${#missing[@]})) || return 0
    timeout 120 rustup target add "${missing[@]}" ||
      echo "note: rustup target add ${missing[*]} failed (offline?); $stages will skip them"
  }
  # Android targets for scripts/android-rust-check.sh (clippy of kiln-ffi per ABI, no NDK).
  add_rust_targets "stage android-rust" aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
  # Windows and macOS stages (scripts/windows-check.sh, scripts/macos-check.sh): cross-building
  # kiln.exe and checking kiln on macOS.
  add_rust_targets "stages windows/macos" x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin

  # Windows stage (scripts/windows-check.sh): mingw-w64's gcc links kiln.exe (and builds the
  # test-only ProcessPrng shim), 64-bit Wine runs it. Installed without recommended packages
  # (Wine's recommend fonts, sound and GUI helpers that a console program does not need), and
  # non-fatal: without them the stage prints "skipped".
  win_apt=()
  have_pkg gcc-mingw-w64-x86-64 || win_apt+=(gcc-mingw-w64-x86-64)
  have_pkg wine64 || have_cmd wine64 || have_cmd wine || win_apt+=(wine64)

  # Release-metadata stages: rsvg-convert renders the app icon (scripts/render_icon.py), Debian's
  # fdroidserver checks the F-Droid recipe and fastlane metadata (scripts/fdroid-check.sh), and
  # with shellcheck installed actionlint also checks the workflow's run: steps (scripts/ci-lint.sh).
  # Without recommended packages (fdroidserver recommends a whole Android SDK), and non-fatal:
  # without them those checks print "skipped".
  rel_apt=()
  have_cmd rsvg-convert || rel_apt+=(librsvg2-bin)
  have_cmd fdroid || rel_apt+=(fdroidserver)
  have_cmd shellcheck || rel_apt+=(shellcheck)

  if ((${#win_apt[@]})); then
    echo "installing (for the Windows stage): ${win_apt[*]}"
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${win_apt[@]}" >/dev/null ||
      echo "note: could not install ${win_apt[*]}; stage windows will skip"
  fi
  if ((${#rel_apt[@]})); then
    echo "installing (for the release-metadata stages): ${rel_apt[*]}"
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${rel_apt[@]}" >/dev/null ||
      echo "note: could not install ${rel_apt[*]}; stages ci-lint/release-metadata/fdroid will skip what needs them"
  fi

  # The Maven artifacts of android/ (Kotlin, JUnit, JNA, Compose for desktop, android-all),
  # fetched ahead of the JVM stages. Best effort: those stages fetch whatever is missing.
  if have_cmd mvn; then
    mvn -B -ntp -q -f android/pom.xml -Pcompose dependency:go-offline >/dev/null 2>&1 ||
      echo "note: fetching the Maven artifacts ahead failed; the JVM stages fetch them themselves"
  fi
fi
