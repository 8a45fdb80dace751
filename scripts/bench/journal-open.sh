#!/usr/bin/env bash
# What opening a passphrase journal costs `kiln batch`: the wall time of a whole run that
# opens an existing journal and burns one simulated token (--sim: virtual time, so the burn
# itself takes milliseconds), RUNS times, against the same run on a journal to an age public
# key (no scrypt). The difference is age's scrypt at its default work factor.
# Usage: scripts/bench/journal-open.sh [RUNS]   (default 7). Prints the table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet --release --locked -p kiln-cli --bin kiln
kiln="${CARGO_TARGET_DIR:-$PWD/target}/release/kiln"
[[ $kiln = /* ]] || kiln="$PWD/$kiln"
python3 - "$kiln" "${1:-7}" <<'PY'
import statistics, subprocess, sys, tempfile, time, os
kiln, runs = sys.argv[1], int(sys.argv[2])
with tempfile.TemporaryDirectory() as d:
    pw = os.path.join(d, "pw")
    with open(pw, "w") as f:
        f.write("correct horse battery staple\n")
    public = None
    try:
        out = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True).stdout
        public = next(l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("# public key: "))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    protections = [("passphrase (scrypt)", ["--passphrase-file", pw])]
    if public:
        protections.append(("age public key", ["--recipient", public]))
    print("| journal protection | runs | median, ms | min, ms | max, ms |")
    print("|---|---|---|---|---|")
    serial = 0
    for name, args in protections:
        journal = os.path.join(d, name.split()[0])
        times = []
        for i in range(runs + 1):  # the first run creates the journal and is not counted
            serial += 1
            t = time.perf_counter()
            p = subprocess.run([kiln, "--json", "batch", "--generate", "--journal", journal, *args,
                                "--sim", "--sim-serial", f"865962200{serial:05d}", "--count", "1",
                                "--trust-clock"], stdin=subprocess.DEVNULL, capture_output=True, text=True)
            took = (time.perf_counter() - t) * 1000
            if p.returncode != 0:
                sys.exit(f"kiln batch failed ({p.returncode}): {p.stderr.strip()}")
            if i > 0:
                times.append(took)
        print(f"| {name} | {runs} | {statistics.median(times):.0f} | {min(times):.0f} | {max(times):.0f} |")
PY
