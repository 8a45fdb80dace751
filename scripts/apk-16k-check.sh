#!/usr/bin/env bash
# Checks that an APK loads on devices with 16 KB memory pages (Android 15+; required for new apps
# on Google Play): (1) `zipalign -c -P 16 -v 4`: every uncompressed .so starts on a 16 KB
# boundary inside the APK (zipalign -P needs build-tools 35 or later); (2) every LOAD segment of
# every .so for the 64-bit ABIs (arm64-v8a, x86_64: the only ones run with 16 KB pages) is
# aligned to 16 KB or more (readelf). Exits non-zero on any failure. Used by
# .github/workflows/android.yml; ZIPALIGN and READELF override the tools.
#   scripts/apk-16k-check.sh path/to/app.apk
set -euo pipefail
apk="${1:?usage: scripts/apk-16k-check.sh APK}"
[[ -f $apk ]] || { echo "no such APK: $apk" >&2; exit 2; }

zipalign="${ZIPALIGN:-zipalign}"
readelf="${READELF:-}"
if [[ -z $readelf ]]; then
  ndk_readelf=("${ANDROID_NDK_HOME:-/nonexistent}"/toolchains/llvm/prebuilt/*/bin/llvm-readelf)
  if [[ -x ${ndk_readelf[0]} ]]; then readelf="${ndk_readelf[0]}"; else readelf=readelf; fi
fi
command -v "$zipalign" >/dev/null || { echo "zipalign not found (build-tools 35+ on PATH, or ZIPALIGN=)" >&2; exit 2; }
command -v "$readelf" >/dev/null || { echo "readelf not found (READELF=)" >&2; exit 2; }

# (1) zip alignment. zipalign -v lists every entry; show the native libraries and the verdict.
log="$(mktemp)"; tmp="$(mktemp -d)"
trap 'rm -rf "$log" "$tmp"' EXIT
if ! "$zipalign" -c -P 16 -v 4 "$apk" >"$log" 2>&1; then
  cat "$log"
  echo "16 KB check: FAILED: zipalign -c -P 16 -v 4 $apk" >&2
  exit 1
fi
grep -E '\.so' "$log" || true
tail -n 1 "$log"

# (2) ELF segment alignment of the 64-bit libraries.
unzip -q -o "$apk" 'lib/*' -d "$tmp" 2>/dev/null || true
checked=0 bad=0
for so in "$tmp"/lib/arm64-v8a/*.so "$tmp"/lib/x86_64/*.so; do
  [[ -f $so ]] || continue
  name="${so#"$tmp"/}"
  aligns="$("$readelf" -lW "$so" | awk '$1 == "LOAD" { print $NF }')"
  [[ -n $aligns ]] || { echo "$name: no LOAD segment found" >&2; bad=$((bad + 1)); continue; }
  min=""
  for a in $aligns; do
    v=$((a))
    if [[ -z $min ]] || ((v < min)); then min=$v; fi
  done
  if ((min >= 16384)); then
    printf '%s: LOAD segments aligned to %d bytes: ok\n' "$name" "$min"
  else
    printf '%s: a LOAD segment is aligned to %d bytes, less than 16384\n' "$name" "$min" >&2
    bad=$((bad + 1))
  fi
  checked=$((checked + 1))
done
if ((checked == 0)); then
  echo "16 KB check: FAILED: no arm64-v8a or x86_64 library in $apk" >&2
  exit 1
fi
if ((bad)); then
  echo "16 KB check: FAILED: $bad of $checked 64-bit libraries not 16 KB aligned" >&2
  exit 1
fi
echo "16 KB check: OK (zipalign -P 16; $checked 64-bit libraries, every LOAD segment aligned to 16 KB or more)"
