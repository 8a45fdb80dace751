#!/usr/bin/env bash
# The Windows build of kiln, checked under Wine (scripts/test.sh stage "windows").
#
#   1. cargo clippy -p kiln-cli for x86_64-pc-windows-gnu, warnings are errors;
#   2. cross-builds kiln.exe (default features: PC/SC through Windows' WinSCard.dll);
#   3. runs it under Wine, headless, and checks its output and exit codes;
#   4. when Xvfb is installed: `--qr-screen` reading a QR code shown on Wine's desktop.
#
# Needs the Rust target x86_64-pc-windows-gnu, mingw-w64's gcc (linker) and Wine 64-bit
# (scripts/setup.sh installs them when it can). When one is missing this prints
# "windows check: skipped: <why>" and exits 0.
#
# Wine scaffolding, used only here (the exe under test is the one cargo built):
#   - Debian's Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's standard library
#     imports; scripts/wine/processprng-shim.c, built with mingw's gcc, stands in for it,
#     beside kiln.exe in the test directory;
#   - Wine 8's WinSCard.dll is a stub (every call fails), so the PC/SC path cannot run here:
#     only a clean refusal of `kiln readers` is checked. Real readers: see
#     scripts/windows-reader-check.ps1.
# Everything it writes (test directory, throwaway Wine prefix) is under
# $CARGO_TARGET_DIR/windows-check (else target/windows-check); cargo's cache is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=x86_64-pc-windows-gnu
target_dir="${CARGO_TARGET_DIR:-$root/target}"
[[ $target_dir = /* ]] || target_dir="$root/$target_dir"
work="$target_dir/windows-check"

skipped() {
  echo "windows check: skipped: $*"
  exit 0
}

# --- toolchain --------------------------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  skipped "the Rust target $target is not installed (rustup target add $target)"
fi
command -v x86_64-w64-mingw32-gcc >/dev/null ||
  skipped "mingw-w64's gcc is not installed (apt-get install gcc-mingw-w64-x86-64)"
wine=""
for w in wine64 /usr/lib/wine/wine64 wine; do
  if command -v "$w" >/dev/null 2>&1; then wine=$(command -v "$w"); break; fi
done
[[ -n $wine ]] || skipped "Wine is not installed (apt-get install wine64)"
wineserver=""
for w in wineserver /usr/lib/wine/wineserver64 /usr/lib/wine/wineserver; do
  if command -v "$w" >/dev/null 2>&1; then wineserver=$(command -v "$w"); break; fi
done

t0=$SECONDS
echo "toolchain: $(rustc --version), $(x86_64-w64-mingw32-gcc --version | head -n1), $("$wine" --version 2>/dev/null || echo "wine (version unknown)")"

# took: how long the step since the last call took.
t_last=$SECONDS
took() {
  echo "    ($((SECONDS - t_last)) s)"
  t_last=$SECONDS
}

echo "--> cargo clippy -p kiln-cli --target $target -- -D warnings"
cargo clippy --locked -q -p kiln-cli --target "$target" -- -D warnings
took

echo "--> cargo build -p kiln-cli --target $target (default features: PC/SC via WinSCard.dll)"
cargo build --locked -q -p kiln-cli --target "$target"
took
exe="$target_dir/$target/debug/kiln.exe"

# --- test directory ---------------------------------------------------------------------
rm -rf "$work"
mkdir -p "$work/bin" "$work/run"
cp "$exe" "$work/bin/kiln.exe"
echo "--> building the test-only ProcessPrng shim (scripts/wine/processprng-shim.c)"
x86_64-w64-mingw32-gcc -shared -O2 -Wall -Wextra -Werror -o "$work/bin/bcryptprimitives.dll" \
  scripts/wine/processprng-shim.c -ladvapi32
took
data="$root/rust/kiln-cli/tests/data"
cp "$data/otpauth-qr.png" "$data/otpauth-qr.uri" "$work/bin/"
printf 'not an image at all' >"$work/bin/junk.png"

export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEARCH=win64
# No Mono/Gecko installers (nothing here uses .NET or HTML), no display.
export WINEDLLOVERRIDES="mscoree=;mshtml=;winemenubuilder.exe="
unset DISPLAY WAYLAND_DISPLAY
stop_wine() { if [[ -n $wineserver ]]; then "$wineserver" -k >/dev/null 2>&1 || true; fi; }
xvfb_pid=""
cleanup() {
  stop_wine
  if [[ -n $xvfb_pid ]]; then kill "$xvfb_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
echo "--> creating a throwaway Wine prefix ($WINEPREFIX)"
timeout 180 "$wine" wineboot --init >"$work/wineboot.log" 2>&1 || {
  echo "wineboot failed:" >&2
  cat "$work/wineboot.log" >&2
  exit 1
}
took
setup_s=$((SECONDS - t0))

# --- checks -----------------------------------------------------------------------------
pass=0
failed=()
rc=0
out="$work/run/stdout"
err="$work/run/stderr"

# kiln INPUT ARGS...: runs kiln.exe in the test directory with stdin from INPUT (a file,
# or - for an empty pipe); sets rc (124: still running after 60 s, stopped), and $out/$err
# hold its output.
kiln() {
  local input=$1
  shift
  printf '   $ kiln.exe %s%s\n' "$*" "$([[ $input == - ]] && echo ' < (empty pipe)' || echo " < ${input##*/}")"
  set +e
  for _ in 1 2; do
    if [[ $input == - ]]; then
      (cd "$work/bin" && printf '' | timeout 60 "$wine" ./kiln.exe "$@" >"$out" 2>"$err")
    else
      (cd "$work/bin" && timeout 60 "$wine" ./kiln.exe "$@" <"$input" >"$out" 2>"$err")
    fi
    rc=$?
    # Wine's own server can drop the connection ("wine client error: ... Connection reset
    # by peer") before kiln.exe runs at all: that is Wine's failure, not kiln's, so the
    # same command runs once more. Any other result counts as it is.
    grep -q '^wine client error' "$err" || break
    echo "   (Wine's server dropped the connection; running the command again)"
  done
  set -e
}
ok() {
  pass=$((pass + 1))
  echo "   ok    $1"
}
bad() {
  failed+=("$1")
  echo "   FAIL  $1"
  echo "         exit $rc; stdout: $(head -c 600 "$out" | tr '\n' ' ')"
  echo "         stderr: $(head -c 600 "$err" | tr '\n' ' ')"
}
expect_exit() { if [[ $rc -eq $1 ]]; then ok "exit $1"; else bad "exit $1 expected"; fi; }
# expect_in stdout|stderr REGEX DESCRIPTION
expect_in() {
  local f=$out
  [[ $1 == stderr ]] && f=$err
  if grep -Eq -- "$2" "$f"; then ok "$3"; else bad "$3 (/$2/ not in $1)"; fi
}
expect_not() {
  if grep -Fq -- "$1" "$out" "$err"; then bad "$2 (found \"$1\")"; else ok "$2"; fi
}
# expect_json PYTHON_EXPRESSION DESCRIPTION: v is stdout parsed as one JSON value.
expect_json() {
  if python3 - "$out" "$1" <<'PY'; then ok "$2"; else bad "$2 (JSON: $1)"; fi
import json, re, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        v = json.load(f)
except ValueError as e:
    print("         stdout is not one JSON value:", e)
    sys.exit(1)
sys.exit(0 if eval(sys.argv[2], {"re": re}, {"v": v}) else 1)
PY
}
title() { printf '\n-- %s\n' "$*"; }

secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
link="otpauth://totp/Example:alice@example.com?secret=$secret&issuer=Example"
printf '%s\n' "$link" >"$work/run/link.txt"
# RFC 6238's SHA-1 seed ("12345678901234567890"), in Base32.
printf 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n' >"$work/run/rfc6238.txt"
printf 'not a seed!\n' >"$work/run/bad.txt"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)

title "the shipped exe imports bcryptprimitives.dll (why the shim) and WinSCard.dll (PC/SC built in)"
imports=$(x86_64-w64-mingw32-objdump -p "$work/bin/kiln.exe" | sed -n 's/.*DLL Name: //p' | tr '[:upper:]' '[:lower:]')
if grep -qx winscard.dll <<<"$imports"; then ok "WinSCard.dll imported"; else failed+=("WinSCard.dll not imported"); echo "   FAIL  WinSCard.dll not imported: $imports"; fi
if grep -qx bcryptprimitives.dll <<<"$imports"; then
  ok "bcryptprimitives.dll imported"
else
  echo "   note  kiln.exe no longer imports bcryptprimitives.dll: the shim may be unneeded"
fi

title "the shipped exe carries its manifest (rust/kiln-cli/build.rs): per-monitor DPI awareness, run as invoker"
# Without DPI awareness a scaled display would be captured only in part by --qr-screen
# (Windows reports monitor sizes scaled down to an unaware program, GDI copies real pixels).
# Under Wine the code on a desktop at 150 % and 200 % (LogPixels 144 and 192) is found with
# or without the manifest (Wine does not scale what an unaware program sees), so only the
# manifest itself is checked here.
manifest="$work/run/manifest.xml"
x86_64-w64-mingw32-objcopy -O binary --only-section=.rsrc "$work/bin/kiln.exe" "$work/run/rsrc.bin"
python3 - "$work/run/rsrc.bin" "$manifest" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
m = re.search(rb"<\?xml.*?</assembly>", data, re.S)
open(sys.argv[2], "wb").write(m.group(0) if m else b"")
PY
check_manifest() {
  if grep -Eq -- "$1" "$manifest"; then ok "$2"; else
    failed+=("$2")
    echo "   FAIL  $2 (/$1/ not in the manifest: $(head -c 400 "$manifest" | tr '\n' ' '))"
  fi
}
check_manifest '<dpiAwareness[^>]*>permonitorv2,permonitor</dpiAwareness>' "per-monitor (v2) DPI awareness"
check_manifest '<dpiAware[^>]*>true/pm</dpiAware>' "per-monitor DPI awareness before Windows 10 1607"
check_manifest 'requestedExecutionLevel level="asInvoker"' "runs as the invoking user (no elevation prompt)"

title "kiln.exe --version"
kiln - --version
expect_exit 0
expect_in stdout "^kiln $version\$" "prints \"kiln $version\""

title "kiln.exe --help lists the exit codes"
kiln - --help
expect_exit 0
expect_in stdout '^Exit codes:' "\"Exit codes:\" section"
expect_in stdout '^  130  stopped by Ctrl-C' "exit code 130 listed"

title "simulated burn, --json, the otpauth link on stdin"
kiln "$work/run/link.txt" --json burn --sim
expect_exit 0
expect_json 'v["ok"] is True and v["exit_code"] == 0 and v["error"] is None' "ok true, exit_code 0, no error"
expect_json 're.fullmatch(r"\d{14}", v["serial"]) is not None and v["serial"] == v["after"]["serial"]' "a 14-digit serial, the same before and after"
expect_json 'v["token_state"] == "written" and v["seed_bytes"] == 20 and v["algorithm"] == "SHA1" and v["period"] == 30' "token written: 20-byte seed, SHA1, 30 s"
expect_json 'len(v["expected_codes"]) >= 3 and all(re.fullmatch(r"\d{6}", c["code"]) for c in v["expected_codes"])' "expected codes of 6 digits"
expect_not "$secret" "the seed is printed nowhere"

title "simulated burn, text output"
kiln "$work/run/link.txt" burn --sim
expect_exit 0
expect_in stdout '^Seed +20 bytes written' "\"Seed 20 bytes written\""
expect_in stdout '^Switch the token off and on now' "the switch-off instruction"

title "simulated burn from a QR image given as a Windows path (Z:\\...)"
winpath=$("$wine" winepath -w "$work/bin/otpauth-qr.png" 2>/dev/null | tr -d '\r')
kiln - --json burn --sim --qr-file "$winpath"
expect_exit 0
expect_json 'v["ok"] is True and v["algorithm"] == "SHA256"' "burned the QR's SHA256 seed"

title "kiln qr decode of a QR image (exact payload with --raw)"
kiln - qr decode --raw otpauth-qr.png
expect_exit 0
expect_json 'v["payloads"] == [open("'"$work/bin/otpauth-qr.uri"'", encoding="utf-8").read().strip()]' "the payload equals tests/data/otpauth-qr.uri"
kiln - qr decode otpauth-qr.png
expect_exit 0
expect_in stdout 'issuer "Kiln Test"' "issuer named"
expect_in stdout 'secret <redacted>' "secret redacted"
kiln - qr decode junk.png
expect_exit 3
expect_in stderr 'not a PNG, JPEG or WebP image' "a file that is no image is refused"

title "kiln inspect, the link on stdin"
kiln "$work/run/link.txt" --json inspect
expect_exit 0
expect_json 'v["ok"] is True and v["issuer"] == "Example" and v["algorithm"] == "SHA1" and re.fullmatch(r"[A-Z2-7]{4}", v["fingerprint"]) is not None' "issuer, SHA1, a 4-character fingerprint"
expect_not "$secret" "the seed is printed nowhere"

title "codes and verify: RFC 6238 known answers (SHA-1, T = 1111111109 and 1234567890)"
kiln "$work/run/rfc6238.txt" codes --at 1111111109
expect_exit 0
expect_in stdout '^  current +081804 ' "the current code at 1111111109 is 081804"
kiln "$work/run/rfc6238.txt" verify --code 005924 --at 1234567890
expect_exit 0
expect_in stdout '^The code is correct' "005924 is correct at 1234567890"
kiln "$work/run/rfc6238.txt" verify --code 005925 --at 1234567890
expect_exit 7
expect_in stdout 'matches none' "a wrong code matches none of the settings"

title "no console: burn --sim with stdin an empty pipe (no hidden prompt possible)"
kiln - burn --sim
expect_exit 3
expect_in stderr '^kiln: nothing was entered' "refused: \"nothing was entered\""
kiln - --json burn --sim
expect_exit 3
expect_json 'v["ok"] is False and v["exit_code"] == 3 and v["token_state"] is None' "--json: ok false, exit_code 3, token untouched"

title "exit codes of refusals"
kiln "$work/run/bad.txt" burn --sim
expect_exit 3
kiln - burn --sim --no-such-option
expect_exit 2
kiln - burn --sim --qr-screen
expect_exit 3
expect_in stderr 'use --qr-file' "--qr-screen without a display: exit 3, use --qr-file"

title "--qr-screen under Wine: GDI capture of Wine's desktop on Xvfb, the QR code as its wallpaper"
# Measured with Debian's Wine 8: with Wine's windows on the X root (the default), a GDI
# capture of the screen is all black (Wine does not read back the X root); in a Wine
# virtual desktop it returns what Wine drew there. So the check runs kiln.exe in a virtual
# desktop whose wallpaper is the QR code (a BMP made from tests/data/screen-qr.txt).
# Wine 8's virtual desktop is one monitor: several monitors cannot be checked here.
if command -v Xvfb >/dev/null; then
  python3 scripts/wine/qr_bmp.py "$data/screen-qr.txt" "$work/bin/screen-qr.bmp"
  for n in $(seq 60 76); do
    if [[ ! -e /tmp/.X11-unix/X$n && ! -e /tmp/.X$n-lock ]]; then xdisplay=$n; break; fi
  done
  if [[ -z ${xdisplay:-} ]]; then
    failed+=("no free X display number for the --qr-screen check")
    echo "   FAIL  no free X display number"
  else
    Xvfb ":$xdisplay" -screen 0 1024x768x24 -nolisten tcp -noreset >"$work/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 1 50); do [[ -e /tmp/.X11-unix/X$xdisplay ]] && break; sleep 0.1; done
    export DISPLAY=":$xdisplay"
    "$wine" reg add 'HKCU\Software\Wine\Explorer' /v Desktop /d Default /f >/dev/null 2>&1
    "$wine" reg add 'HKCU\Software\Wine\Explorer\Desktops' /v Default /d 800x600 /f >/dev/null 2>&1
    bmp=$("$wine" winepath -w "$work/bin/screen-qr.bmp" 2>/dev/null | tr -d '\r')
    "$wine" reg add 'HKCU\Control Panel\Desktop' /v Wallpaper /d "$bmp" /f >/dev/null 2>&1
    stop_wine # the desktop reads its settings when it starts
    kiln - --json burn --sim --qr-screen
    expect_exit 0
    expect_json 'v["ok"] is True and v["account"] == "Kiln Test (screen@example.com)" and v["algorithm"] == "SHA256"' "burned the seed of the QR code on Wine's screen"
    expect_not "KRSXG5CTMVSWIU3DOJSWK3QKRSXG5CTM" "the seed is printed nowhere"
    "$wine" reg delete 'HKCU\Control Panel\Desktop' /v Wallpaper /f >/dev/null 2>&1
    stop_wine
    kiln - burn --sim --qr-screen
    expect_exit 3
    expect_in stderr '^kiln: no QR code found in the screen' "no wallpaper: \"no QR code found in the screen\""
    "$wine" reg delete 'HKCU\Software\Wine\Explorer' /v Desktop /f >/dev/null 2>&1
    stop_wine
    unset DISPLAY
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
else
  echo "   note  Xvfb is not installed (apt-get install xvfb): --qr-screen under Wine not checked"
fi

title "PC/SC under Wine (stub WinSCard): kiln readers refuses cleanly"
kiln - readers
expect_exit 6
expect_in stderr '^kiln: the smart-card service failed: .*Smart Card' "one sentence naming the Smart Card service"
expect_not "panicked" "no panic"
kiln - --json readers
expect_exit 6
expect_json 'v["ok"] is False and v["exit_code"] == 6 and v["readers"] == []' "--json: ok false, exit_code 6"

echo
echo "windows check: ${pass} checks passed, ${#failed[@]} failed ($((SECONDS - t0)) s: clippy, builds and Wine prefix ${setup_s} s, checks $((SECONDS - t0 - setup_s)) s)"
if ((${#failed[@]})); then
  printf '  failed: %s\n' "${failed[@]}"
  exit 1
fi
echo "windows check: OK"
