#!/usr/bin/env python3
"""Compare tokenkiln's QR pipeline with zxing-cpp on the same images, same run.

bench.py --corpus DIR --frames DIR --ours QRBENCH_BIN [--kiln KILN_BIN] [--markdown OUT]

Sets: the photo corpus rotated clockwise by 0/90/180/270 degrees, and the generated
720p monitor frames. A decode counts only if one returned payload, encoded as UTF-8,
equals the bytes of NAME.txt exactly. Times are decode-only (no file loading, no
rotation) per image, in milliseconds.
  ours:      the `qrbench` example (kiln_qr::decode_luma on the luma plane), which
             prints {"file", "payloads", "decode_ms"} per line; frames use the camera
             budget (--frame), corpus images the file budget.
  zxing-cpp: zxingcpp.read_barcodes(gray ndarray, text_mode=Plain) with its defaults
             (try_rotate, try_invert, try_downscale, LocalAverage binarizer), timed
             around that call only.
Optionally also runs `kiln qr decode --raw` over the unrotated corpus as a check that
the CLI path gives the same count.
"""

import argparse
import glob
import json
import os
import subprocess
import time

import numpy as np
import zxingcpp
from PIL import Image

EXTS = (".png", ".jpg", ".jpeg", ".webp")


def images(d):
    return sorted(f for f in glob.glob(os.path.join(d, "**", "*"), recursive=True)
                  if f.lower().endswith(EXTS) and os.path.exists(os.path.splitext(f)[0] + ".txt"))


def expected(f):
    with open(os.path.splitext(f)[0] + ".txt", "rb") as fh:
        return fh.read()


def luma(f):
    im = Image.open(f)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return np.ascontiguousarray(np.asarray(im.convert("L")))


def run_ours(binary, files, rot, frame):
    args = [binary, "--rot", str(rot)] + (["--frame"] if frame else []) + files
    env = dict(os.environ, RUST_BACKTRACE="0")
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout
    res = {}
    for line in out.splitlines():
        o = json.loads(line)
        res[o["file"]] = (o["payloads"], o["decode_ms"])
    return res


def run_zxing(files, rot):
    res = {}
    for f in files:
        a = luma(f)
        if rot:
            a = np.ascontiguousarray(np.rot90(a, k=-(rot // 90)))
        t = time.perf_counter()
        r = zxingcpp.read_barcodes(a, text_mode=zxingcpp.TextMode.Plain)
        ms = (time.perf_counter() - t) * 1000
        res[f] = ([b.text for b in r], ms)
    return res


def score(files, res):
    ok = sum(1 for f in files if any(p.encode("utf-8") == expected(f) for p in res[f][0]))
    ts = sorted(res[f][1] for f in files)
    med = ts[len(ts) // 2]
    p95 = ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]
    return ok, med, p95


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--kiln")
    ap.add_argument("--markdown")
    a = ap.parse_args()

    corpus = images(a.corpus)
    frames = images(a.frames)
    rows = []
    for name, files, rot, frame in [("photo corpus", corpus, 0, False), ("photo corpus", corpus, 90, False),
                                    ("photo corpus", corpus, 180, False), ("photo corpus", corpus, 270, False),
                                    ("720p monitor frames", frames, 0, True)]:
        zx = run_zxing(files, rot)
        ours = run_ours(a.ours, files, rot, frame)
        o, z = score(files, ours), score(files, zx)
        rows.append((name, rot, len(files), o, z))
        print(f"{name} {rot:3d}deg: ours {o[0]}/{len(files)} (median {o[1]:.2f} ms, p95 {o[2]:.2f} ms) | "
              f"zxing-cpp {z[0]}/{len(files)} (median {z[1]:.2f} ms, p95 {z[2]:.2f} ms)", flush=True)

    lines = ["| set | rotation | images | ours: exact decodes | zxing-cpp: exact decodes | ours median / p95 ms | zxing-cpp median / p95 ms |",
             "|---|---|---|---|---|---|---|"]
    for name, rot, n, o, z in rows:
        lines.append(f"| {name} | {rot}° | {n} | **{o[0]}** | {z[0]} | {o[1]:.2f} / {o[2]:.2f} | {z[1]:.2f} / {z[2]:.2f} |")
    if a.kiln:
        out = subprocess.run([a.kiln, "qr", "decode", "--raw"] + corpus, capture_output=True, text=True,
                             env=dict(os.environ, RUST_BACKTRACE="0")).stdout
        res = {}
        for line in out.splitlines():
            o = json.loads(line)
            res[o["file"]] = (o["payloads"], o["decode_ms"])
        missing = [f for f in corpus if f not in res]
        if missing:
            lines.append(f"\n`kiln qr decode --raw`: no line for {len(missing)} files")
        else:
            ok, med, p95 = score(corpus, res)
            lines.append(f"\n`kiln qr decode --raw` on the unrotated corpus: {ok}/{len(corpus)} exact, "
                         f"median {med:.2f} ms, p95 {p95:.2f} ms.")
    table = "\n".join(lines)
    print()
    print(table)
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as fh:
            fh.write(table + "\n")


if __name__ == "__main__":
    main()
