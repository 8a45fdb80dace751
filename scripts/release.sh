#!/usr/bin/env bash
# Builds kiln's release binaries into dist/ (a release tool; CI does not run it):
#   dist/linux-x86_64/kiln        x86_64 Linux, glibc, dynamically linked (PC/SC: libpcsclite.so.1)
#   dist/windows-x86_64/kiln.exe  x86_64 Windows 10 or later (PC/SC: the system's WinSCard.dll)
#   dist/SHA256SUMS               `cd dist && sha256sum -c SHA256SUMS` checks them
#   dist/build-info.txt           compiler, glibc baseline, the libraries each binary needs
# Both with the release profile and the default features. Needs what scripts/setup.sh
# installs: libpcsclite-dev and pkg-config, the Rust target x86_64-pc-windows-gnu and
# mingw-w64's gcc. Run on an x86_64 Linux machine; the glibc baseline is the highest
# GLIBC_x.y symbol version the Linux binary requires (printed and written to build-info.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir="${CARGO_TARGET_DIR:-$root/target}"
[[ $target_dir = /* ]] || target_dir="$root/$target_dir"
win=x86_64-pc-windows-gnu

host=$(rustc -vV | sed -n 's/^host: //p')
if [[ $host != x86_64-unknown-linux-gnu ]]; then
  echo "release: run this on x86_64 Linux (this host is $host)" >&2
  exit 1
fi
rustup target list --installed | grep -qx "$win" || {
  echo "release: the Rust target $win is missing: rustup target add $win" >&2
  exit 1
}
command -v x86_64-w64-mingw32-gcc >/dev/null || {
  echo "release: mingw-w64's gcc is missing: apt-get install gcc-mingw-w64-x86-64" >&2
  exit 1
}

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
echo "--> kiln $version for x86_64-unknown-linux-gnu (release)"
cargo build --locked --release -q -p kiln-cli
echo "--> kiln $version for $win (release)"
cargo build --locked --release -q -p kiln-cli --target "$win"

rm -rf dist
mkdir -p dist/linux-x86_64 dist/windows-x86_64
cp "$target_dir/release/kiln" dist/linux-x86_64/kiln
cp "$target_dir/$win/release/kiln.exe" dist/windows-x86_64/kiln.exe

glibc_needed=$(objdump -T dist/linux-x86_64/kiln | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)
glibc_host="glibc $(ldd --version | head -n1 | awk '{print $NF}')"
linux_libs=$(objdump -p dist/linux-x86_64/kiln | sed -n 's/^ *NEEDED *//p' | tr '\n' ' ')
win_dlls=$(x86_64-w64-mingw32-objdump -p dist/windows-x86_64/kiln.exe | sed -n 's/.*DLL Name: //p' | sort -uf | tr '\n' ' ')
{
  echo "kiln $version, built $(date -u +%Y-%m-%dT%H:%M:%SZ) from commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "compiler: $(rustc --version); Windows linker: $(x86_64-w64-mingw32-gcc --version | head -n1)"
  echo "linux-x86_64/kiln: built against $glibc_host; needs a glibc with the symbol version $glibc_needed (glibc ${glibc_needed#GLIBC_}) or later; libraries: $linux_libs"
  echo "windows-x86_64/kiln.exe: Windows 10 or later (x86_64); DLLs: $win_dlls"
} >dist/build-info.txt
(cd dist && sha256sum linux-x86_64/kiln windows-x86_64/kiln.exe >SHA256SUMS)

cat dist/build-info.txt
echo
(cd dist && for f in linux-x86_64/kiln windows-x86_64/kiln.exe; do
  printf '%-26s %9d bytes\n' "$f" "$(stat -c %s "$f")"
done)
echo
cat dist/SHA256SUMS
