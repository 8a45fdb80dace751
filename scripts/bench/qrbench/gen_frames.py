#!/usr/bin/env python3
"""Camera-like 1280x720 frames of a QR code shown on a monitor (tokenkiln QR benchmark).

Usage: gen_frames.py OUT_DIR [--count N] [--seed S]

Every frame NAME.png (8-bit grayscale, i.e. the luma plane a phone camera delivers)
comes with NAME.txt holding the exact payload. The whole set is a pure function of
the seed. Per frame, independently drawn:

payload   an otpauth://totp URI (issuer/account from small word lists, 16-32 char
          Base32 secret, sometimes algorithm/digits/period) or, 1 in 8, an
          otpauth-migration://offline?data=... export link (bigger symbol);
          error correction L/M/Q.
screen    a web page at the monitor's native pixels: light theme, or (1 in 4) dark
          theme where the code is drawn light-on-dark (inverted); 2-6 screen pixels
          per module; 1-4 module quiet zone; some grey text-like bars around it.
panel     each screen pixel is a lit square with a dark gap (pixel grid, 10-35% of
          the pitch); sampling that grid with the camera's own pixel grid at a
          similar pitch is what makes moire.
geometry  the monitor (with its bezel, in front of a wall) is seen through a random
          homography: yaw/pitch tilt up to ~35 degrees, roll up to 25 degrees, the
          screen pitch 0.6-1.6 camera pixels, the code placed anywhere in the frame.
camera    2x2 supersampled point sampling, a soft glare blob plus a linear exposure
          gradient (both added light: they lower contrast), black level and gain,
          Gaussian defocus blur (sigma 0.3-2.2 px), Gaussian sensor noise (sigma 1-9),
          8-bit quantisation.

--no-code draws the same scenes without the code (negatives for the "QR code in view
but unreadable" locator, which must stay silent on them).
"""

import argparse
import base64
import os
import random
import string
import urllib.parse

import numpy as np
import segno
from PIL import Image, ImageFilter

W, H = 1280, 720

ISSUERS = ["GitHub", "Google", "Amazon Web Services", "Dropbox", "ProtonMail", "Example Corp",
           "GitLab", "Microsoft", "Bitwarden", "Coinbase", "Discord", "Slack", "Acme Bank",
           "Fastmail", "Mozilla", "npm", "PyPI", "Cloudflare", "DigitalOcean", "Heroku"]
USERS = ["alice", "bob", "carol.smith", "dave_99", "erin", "frank.m", "grace", "heidi.k",
         "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"]
DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "gmail.com"]
B32 = string.ascii_uppercase + "234567"


def payload(rng):
    if rng.random() < 0.125:
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(40, 160)))
        data = urllib.parse.quote(base64.b64encode(raw).decode(), safe="")
        return "otpauth-migration://offline?data=" + data
    issuer = rng.choice(ISSUERS)
    account = rng.choice(USERS)
    if rng.random() < 0.6:
        account += "@" + rng.choice(DOMAINS)
    secret = "".join(rng.choice(B32) for _ in range(rng.choice([16, 26, 32, 32])))
    label = urllib.parse.quote(issuer) + ":" + urllib.parse.quote(account, safe="@")
    q = ["secret=" + secret, "issuer=" + urllib.parse.quote(issuer)]
    if rng.random() < 0.4:
        q.append("algorithm=" + rng.choice(["SHA1", "SHA256", "SHA512"]))
        q.append("digits=" + rng.choice(["6", "8"]))
        q.append("period=" + rng.choice(["30", "60"]))
    rng.shuffle(q)
    return "otpauth://totp/" + label + "?" + "&".join(q)


def qr_modules(text, rng):
    qr = segno.make_qr(text, error=rng.choice(["L", "M", "M", "Q"]), boost_error=False)
    return np.array([list(r) for r in qr.matrix], dtype=np.uint8)


def screen_image(rng, modules, no_code=False):
    """The monitor's pixels (float 0..1) and the code's bounding box in screen px.
    no_code: the same page with the code's square left blank (same random draws)."""
    sw, sh = 1920, 1080
    dark = rng.random() < 0.25
    bg, fg = (0.08 + 0.08 * rng.random(), 0.85 + 0.15 * rng.random())
    if not dark:
        bg, fg = (0.92 + 0.08 * rng.random(), 0.03 + 0.1 * rng.random())
    scr = np.full((sh, sw), bg, dtype=np.float32)
    # text-like clutter
    for _ in range(rng.randrange(10, 40)):
        x, y = rng.randrange(0, sw - 300), rng.randrange(0, sh - 20)
        scr[y:y + rng.randrange(8, 16), x:x + rng.randrange(40, 300)] = bg + (fg - bg) * rng.uniform(0.3, 0.8)
    mpx = rng.choice([2, 3, 3, 4, 4, 5, 6])
    quiet = rng.choice([1, 2, 4, 4])
    n = modules.shape[0]
    side = (n + 2 * quiet) * mpx
    cx, cy = rng.randrange(side // 2 + 40, sw - side // 2 - 40), rng.randrange(side // 2 + 40, sh - side // 2 - 40)
    x0, y0 = cx - side // 2, cy - side // 2
    scr[y0:y0 + side, x0:x0 + side] = bg
    code = np.where(np.kron(modules, np.ones((mpx, mpx), dtype=np.uint8)) > 0, fg, bg).astype(np.float32)
    o = quiet * mpx
    if not no_code:
        scr[y0 + o:y0 + o + n * mpx, x0 + o:x0 + o + n * mpx] = code
    return scr, (cx, cy), side, dark


def frame(rng, nprng, text, no_code=False):
    modules = qr_modules(text, rng)
    scr, (cx, cy), side, dark = screen_image(rng, modules, no_code)
    sh, sw = scr.shape
    bezel = rng.randrange(15, 60)
    # camera px per screen px, and where the code centre lands in the frame
    pitch = rng.uniform(0.6, 1.6)
    code_cam = side * pitch
    if code_cam > 0.9 * H:
        pitch *= 0.9 * H / code_cam
        code_cam = side * pitch
    tx = rng.uniform(code_cam / 2 + 10, W - code_cam / 2 - 10)
    ty = rng.uniform(code_cam / 2 + 10, H - code_cam / 2 - 10) if code_cam < H - 20 else H / 2
    # pinhole camera (f = 1000 px, about a phone's 65 degree field of view) looking at
    # the monitor plane, rotated by yaw/pitch up to 35 degrees and roll up to 25
    f = 1000.0
    yaw, tilt, roll = (np.radians(rng.uniform(-35, 35)), np.radians(rng.uniform(-35, 35)),
                       np.radians(rng.uniform(-25, 25)))
    cyw, syw, ct, st, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(tilt), np.sin(tilt), np.cos(roll), np.sin(roll)
    ry = np.array([[cyw, 0, syw], [0, 1, 0], [-syw, 0, cyw]])
    rx = np.array([[1, 0, 0], [0, ct, -st], [0, st, ct]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    rot = rz @ rx @ ry
    z = f / pitch
    k = np.array([[f, 0, tx], [0, f, ty], [0, 0, 1]])
    # screen (u, v) -> plane (u - cx, v - cy, 0) -> camera
    plane_to_cam = k @ np.column_stack([rot[:, 0], rot[:, 1], np.array([0, 0, z])])
    shift = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]])
    hm = np.linalg.inv(plane_to_cam @ shift)  # camera -> screen
    # 2x2 supersampled point sampling of the panel
    gap = rng.uniform(0.10, 0.35)
    grid_depth = rng.uniform(0.3, 0.9)
    wall = rng.uniform(0.25, 0.75)
    bezel_v = rng.uniform(0.02, 0.12)
    acc = np.zeros((H, W), dtype=np.float32)
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    for oy in (0.25, 0.75):
        for ox in (0.25, 0.75):
            X, Y = xs + ox, ys + oy
            d = hm[2, 0] * X + hm[2, 1] * Y + hm[2, 2]
            u = (hm[0, 0] * X + hm[0, 1] * Y + hm[0, 2]) / d
            v = (hm[1, 0] * X + hm[1, 1] * Y + hm[1, 2]) / d
            front = d > 0
            inside = front & (u >= 0) & (u < sw) & (v >= 0) & (v < sh)
            inbez = front & (u >= -bezel) & (u < sw + bezel) & (v >= -bezel) & (v < sh + bezel)
            ui = np.clip(u.astype(np.int64), 0, sw - 1)
            vi = np.clip(v.astype(np.int64), 0, sh - 1)
            val = scr[vi, ui]
            fu, fv = u - np.floor(u), v - np.floor(v)
            lit = np.where((fu < gap) | (fv < gap), 1 - grid_depth, 1.0)
            val = val * lit
            out = np.where(inside, val, np.where(inbez, bezel_v, wall + 0.1 * (ys / H)))
            acc += out.astype(np.float32)
    img = acc / 4
    # optics: glare (added light), exposure gradient, black level, gain
    gx, gy = rng.uniform(0, W), rng.uniform(0, H)
    gr = rng.uniform(150, 600)
    glare = rng.uniform(0.0, 0.55) * np.exp(-(((xs - gx) ** 2 + (ys - gy) ** 2) / (2 * gr * gr)))
    grad = rng.uniform(0, 0.25) * (xs / W if rng.random() < 0.5 else ys / H)
    img = img + glare.astype(np.float32) + grad.astype(np.float32)
    black, gain = rng.uniform(0.0, 0.12), rng.uniform(0.6, 1.0)
    img = black + gain * img
    pil = Image.fromarray(np.clip(img * 255, 0, 255).astype(np.uint8), "L")
    pil = pil.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 2.2)))
    arr = np.asarray(pil).astype(np.float32)
    arr += nprng.normal(0, rng.uniform(1, 9), arr.shape)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    info = f"mods={modules.shape[0]} pitch={pitch:.2f} dark={dark}"
    return out, info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=160)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--no-code", action="store_true",
                    help="the same scenes with the code left out (no .txt files): negatives")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    nprng = np.random.default_rng(a.seed)
    for i in range(a.count):
        text = payload(rng)
        img, info = frame(rng, nprng, text, a.no_code)
        name = os.path.join(a.out, f"frame-{i:03d}")
        img.save(name + ".png", optimize=False, compress_level=1)
        if not a.no_code:
            with open(name + ".txt", "w", encoding="utf-8", newline="") as f:
                f.write(text)
        with open(os.path.join(a.out, "index.tsv"), "a", encoding="utf-8") as f:
            f.write(f"frame-{i:03d}\t{info}\n")


if __name__ == "__main__":
    main()
