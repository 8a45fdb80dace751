#!/usr/bin/env bash
# End-to-end tests of kiln over the real PC/SC stack: pcscd + vsmartcard's vpcd reader
# driver + `kiln-sim vpcd` as the card + the `kiln` binary as a separate process
# (rust/kiln-cli/tests/pcsc_e2e.rs, pcsc_safety.rs, pcsc_box.rs, pcsc_batch.rs and pcsc_batch_kill.rs, #[ignore]d in the normal
# test run).
# Starts pcscd (without --auto-exit) unless one with the vpcd readers already runs, and
# stops what it started; every simulated card is a child of the test and is killed by it.
# Run by scripts/test.sh (stage "pcsc"). Needs: pcscd, vsmartcard-vpcd, libpcsclite-dev
# (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

STARTED=0
cleanup() {
  ((STARTED)) && KILN_PCSCD_AUTO_EXIT=0 scripts/pcsc-env.sh stop || true
}
trap cleanup EXIT

# The workspace's test build (kiln and kiln-sim included) with the workspace's features:
# after scripts/test.sh's cargo test stage nothing is rebuilt (a -p build would re-resolve
# features and rebuild dozens of crates).
cargo test --workspace --locked --no-run -q
if ! scripts/pcsc-env.sh status >/dev/null 2>&1; then
  KILN_PCSCD_AUTO_EXIT=0 scripts/pcsc-env.sh start
  STARTED=1
fi
# One at a time: the tests share the two virtual readers.
cargo test --workspace --locked --test pcsc_e2e --test pcsc_safety --test pcsc_box --test pcsc_batch --test pcsc_batch_kill -- --ignored --test-threads=1
