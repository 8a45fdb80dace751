"""Plays a box of simulated tokens to `kiln batch` over pcscd + vpcd.

Starts `kiln-sim vpcd --box` on reader "Virtual PCD 00 00" and `kiln batch`
on it, and cues the next token each time kiln reports the one in hand done
(its --json `token` events, or its text counter line "... place the next
token"). Used by scripts/bench/batch.sh and scripts/demo-batch.sh.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

READER = "Virtual PCD 00 00"


def age_key(work):
    key = os.path.join(work, "box.key")
    subprocess.run(["age-keygen", "-o", key], check=True, capture_output=True)
    with open(key) as f:
        public = next(l.split(": ", 1)[1].strip() for l in f if l.startswith("# public key: "))
    return key, public


def play(bin_dir, box, batch_args, work, json_mode=True, rtt_ms=0, echo=None, merge_stderr=False):
    """Runs one batch over `box` (a list of token dicts); returns (events or
    text lines, kiln's stderr, exit code)."""
    box_file = os.path.join(work, "box.json")
    with open(box_file, "w") as f:
        json.dump(box, f)
    sim = subprocess.Popen(
        [os.path.join(bin_dir, "kiln-sim"), "vpcd", "--box", box_file,
         "--state-file", os.path.join(work, "box-state.json"), "--rtt-ms", str(rtt_ms)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    time.sleep(1.5)  # pcscd sees the first token
    args = [os.path.join(bin_dir, "kiln"), "batch", "--reader", READER] + batch_args
    if json_mode:
        args.append("--json")
    kiln = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                            text=True, cwd=work)
    err = []
    t = threading.Thread(target=lambda: err.append(kiln.stderr.read() if kiln.stderr else ""))
    t.start()
    out = []

    def cue():
        sim.stdin.write("next\n")
        sim.stdin.flush()
        sim.stdout.readline()

    for line in kiln.stdout:
        line = line.rstrip("\n")
        if echo:
            echo(line)
        if json_mode:
            ev = json.loads(line)
            out.append(ev)
            if ev.get("event") == "token":
                cue()
        else:
            out.append(line)
            if line.endswith("place the next token"):
                cue()
    code = kiln.wait()
    t.join()
    try:
        sim.stdin.write("quit\n")
        sim.stdin.flush()
    except BrokenPipeError:
        pass
    try:
        sim.wait(timeout=5)
    except subprocess.TimeoutExpired:
        sim.kill()
    time.sleep(1.5)  # the reader is empty for the next run
    return out, "".join(err), code


def percentile(values, p):
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def bench(bin_dir, n, rtt_ms):
    serials = ["865962200%05d" % i for i in range(1, n + 1)]
    rows = []
    runs = [("quick (default)", "with fsync", []),
            ("quick (default)", "without fsync", ["--unsafe-no-fsync"]),
            ("precise", "with fsync", ["--confirm", "precise"]),
            ("precise", "without fsync", ["--confirm", "precise", "--unsafe-no-fsync"])]
    for confirm, label, extra in runs:
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as work:
            key, public = age_key(work)
            events, err, code = play(
                bin_dir, [{"serial": s} for s in serials],
                ["--generate", "--journal", os.path.join(work, "journal"), "--recipient", public,
                 "--trust-clock", "--count", str(n)] + extra, work, rtt_ms=rtt_ms)
            if code != 0:
                sys.exit("kiln batch failed (%s): %s" % (code, err))
            ms = [e["elapsed_ms"] for e in events if e.get("event") == "token"]
            fs = subprocess.run(["stat", "-f", "-c", "%T", work], capture_output=True,
                                text=True).stdout.strip()
            rows.append((confirm, label, len(ms), percentile(ms, 50), percentile(ms, 95),
                         max(ms), fs))
    print("| --confirm | journal | tokens | median, ms | p95, ms | max, ms | journal file system |")
    print("|---|---|---|---|---|---|---|")
    for confirm, label, count, p50, p95, mx, fs in rows:
        print("| %s | %s | %d | %.0f | %.0f | %.0f | %s |" % (confirm, label, count, p50, p95,
                                                          mx, fs))


if __name__ == "__main__":
    bench(os.path.abspath(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
