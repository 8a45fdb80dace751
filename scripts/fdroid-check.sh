#!/usr/bin/env bash
# Checks the F-Droid build recipe (docs/fdroid/org.tokenkiln.app.yml) and the store metadata
# (fastlane/metadata/android/en-US) with Debian's fdroidserver, which runs without an Android
# SDK for these steps: readmeta, lint, rewritemeta, its fastlane reader, its source scanner.
# What each step checks: scripts/fdroid_check.py. The tree checked is the committed one
# (git archive HEAD); commit first. Building the APK the F-Droid way (`fdroid build`) needs the
# SDK and NDK and is not done here. Prints "skipped" when fdroidserver is not installed
# (scripts/setup.sh installs it). Run by scripts/test.sh (stage fdroid).
set -euo pipefail
cd "$(dirname "$0")/.."
app=org.tokenkiln.app

fdroid="$(command -v fdroid || true)"
if [[ -z $fdroid ]]; then
  echo "fdroid check: skipped: fdroidserver is not installed (apt-get install fdroidserver)"
  exit 0
fi
# fdroidserver's modules belong to the Python that runs `fdroid` (Debian's, not a pyenv one).
python="$(sed -n '1s/^#! *//p' "$fdroid" | cut -d' ' -f1)"
[[ -x $python ]] || python=/usr/bin/python3
version="$("$python" -c 'import fdroidserver, importlib.metadata as m; print(m.version("fdroidserver"))' 2>/dev/null || echo unknown)"
echo "fdroidserver $version ($python)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/metadata" "$work/build/$app"
cp "docs/fdroid/$app.yml" "$work/metadata/$app.yml"
git archive HEAD | tar -x -C "$work/build/$app"

"$python" scripts/fdroid_check.py "$work" "docs/fdroid/$app.yml"
echo "fdroid check: OK"
