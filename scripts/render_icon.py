#!/usr/bin/env python3
"""Renders the app's adaptive launcher icon (Android vector drawables) to the store icon PNG.

The icon's source is the app's own resources: AndroidManifest.xml names @mipmap/ic_launcher,
res/mipmap-anydpi-v26/ic_launcher.xml names the background and foreground drawables, and each
drawable is a <vector> of <path>s. This script turns those paths into one SVG (the two layers,
the visible 72 dp of the 108 dp layers, masked to a circle as a round launcher shows it) and
renders it with rsvg-convert (Debian's librsvg2-bin) to a 512 x 512 PNG for F-Droid / fastlane:
fastlane/metadata/android/en-US/images/icon.png.

    scripts/render_icon.py            write the PNG
    scripts/render_icon.py --check    render to a temporary file and compare with the committed
                                      PNG (pixel by pixel, small anti-aliasing differences
                                      allowed); also check the manifest's icon references
    scripts/render_icon.py --svg F    also write the SVG to F

Only the vector features the icon uses are converted; anything else is refused by name, so the
PNG never silently differs from what Android draws. Standard library only. Run by
scripts/test.sh (stage icon): prints "skipped" when rsvg-convert is not installed.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES = os.path.join(ROOT, "android/app/src/main/res")
MANIFEST = os.path.join(ROOT, "android/app/src/main/AndroidManifest.xml")
PNG = os.path.join(ROOT, "fastlane/metadata/android/en-US/images/icon.png")
A = "{http://schemas.android.com/apk/res/android}"
SIZE = 512
# Adaptive icon layers are 108 dp; launchers show the centre 72 dp through their mask.
LAYER, VISIBLE = 108.0, 72.0

VECTOR_ATTRS = {"width", "height", "viewportWidth", "viewportHeight"}
PATH_ATTRS = {"pathData", "fillColor", "fillAlpha", "fillType", "strokeColor", "strokeWidth", "strokeAlpha"}


class IconError(Exception):
    pass


def attrs(el, allowed, where):
    out = {}
    for key, value in el.attrib.items():
        if not key.startswith(A):
            raise IconError(f"{where}: unexpected attribute {key}")
        name = key[len(A):]
        if name not in allowed:
            raise IconError(f"{where}: <{el.tag}> attribute android:{name} is not converted (extend scripts/render_icon.py)")
        out[name] = value
    return out


def color(value, where):
    """Android #RGB, #ARGB, #RRGGBB or #AARRGGBB -> (svg colour, opacity)."""
    if not value.startswith("#"):
        raise IconError(f"{where}: colour {value!r}: only literal #colours are converted")
    hexpart = value[1:]
    if len(hexpart) in (3, 4):
        hexpart = "".join(c * 2 for c in hexpart)
    if len(hexpart) == 6:
        hexpart = "FF" + hexpart
    if len(hexpart) != 8 or any(c not in "0123456789abcdefABCDEF" for c in hexpart):
        raise IconError(f"{where}: bad colour {value!r}")
    return "#" + hexpart[2:].lower(), int(hexpart[:2], 16) / 255.0


def drawable_ref(ref, kind, where):
    prefix = f"@{kind}/"
    if not ref or not ref.startswith(prefix):
        raise IconError(f"{where}: expected a @{kind}/ reference, found {ref!r}")
    return ref[len(prefix):]


def vector_to_svg(name):
    """One <vector> drawable -> an SVG <g> in the 108-unit layer space."""
    path = os.path.join(RES, "drawable", name + ".xml")
    where = os.path.relpath(path, ROOT)
    if not os.path.isfile(path):
        raise IconError(f"{where}: missing")
    root = ET.parse(path).getroot()
    if root.tag != "vector":
        raise IconError(f"{where}: <{root.tag}> is not a <vector>")
    v = attrs(root, VECTOR_ATTRS, where)
    vw, vh = float(v["viewportWidth"]), float(v["viewportHeight"])
    parts = [f'<g transform="scale({LAYER / vw:g} {LAYER / vh:g})">']
    count = 0
    for el in root:
        if el.tag != "path":
            raise IconError(f"{where}: <{el.tag}> is not converted (only <path>)")
        p = attrs(el, PATH_ATTRS, where)
        if not p.get("pathData"):
            raise IconError(f"{where}: a <path> without pathData")
        style = []
        if "fillColor" in p:
            c, o = color(p["fillColor"], where)
            o *= float(p.get("fillAlpha", "1"))
            style.append(f'fill="{c}" fill-opacity="{o:.4g}"')
        else:
            style.append('fill="none"')
        rule = {"nonZero": "nonzero", "evenOdd": "evenodd"}.get(p.get("fillType", "nonZero"))
        if rule is None:
            raise IconError(f"{where}: fillType {p['fillType']!r}")
        style.append(f'fill-rule="{rule}"')
        if "strokeColor" in p:
            c, o = color(p["strokeColor"], where)
            o *= float(p.get("strokeAlpha", "1"))
            style.append(f'stroke="{c}" stroke-opacity="{o:.4g}" stroke-width="{float(p.get("strokeWidth", "0")):g}"')
        parts.append(f'<path d="{p["pathData"]}" {" ".join(style)}/>')
        count += 1
    if count == 0:
        raise IconError(f"{where}: no <path>")
    parts.append("</g>")
    return "\n".join(parts)


def launcher_layers():
    """Checks the manifest's icon references; returns the adaptive icon's layer drawables."""
    app = ET.parse(MANIFEST).getroot().find("application")
    if app is None:
        raise IconError("AndroidManifest.xml: no <application>")
    layers = None
    for attr in ("icon", "roundIcon"):
        mipmap = drawable_ref(app.get(A + attr), "mipmap", f"AndroidManifest.xml android:{attr}")
        path = os.path.join(RES, "mipmap-anydpi-v26", mipmap + ".xml")
        where = os.path.relpath(path, ROOT)
        if not os.path.isfile(path):
            raise IconError(f"{where}: missing (named by android:{attr})")
        icon = ET.parse(path).getroot()
        if icon.tag != "adaptive-icon":
            raise IconError(f"{where}: <{icon.tag}> is not an <adaptive-icon>")
        found = {}
        for el in icon:
            found[el.tag] = drawable_ref(el.get(A + "drawable"), "drawable", f"{where} <{el.tag}>")
        for needed in ("background", "foreground"):
            if needed not in found:
                raise IconError(f"{where}: no <{needed}>")
        for name in found.values():
            vector_to_svg(name)  # every layer converts (the monochrome one too)
        if layers is not None and found != layers:
            raise IconError(f"{where}: its layers differ from android:icon's")
        layers = found
    return layers


def icon_svg(layers):
    off = (LAYER - VISIBLE) / 2
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="{off:g} {off:g} {VISIBLE:g} {VISIBLE:g}">',
        f'<defs><clipPath id="mask"><circle cx="{LAYER / 2:g}" cy="{LAYER / 2:g}" r="{VISIBLE / 2:g}"/></clipPath></defs>',
        '<g clip-path="url(#mask)">',
        vector_to_svg(layers["background"]),
        vector_to_svg(layers["foreground"]),
        "</g>",
        "</svg>",
        "",
    ])


def render(svg_text, out_png):
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False) as f:
        f.write(svg_text)
        svg_path = f.name
    try:
        subprocess.run(["rsvg-convert", "-w", str(SIZE), "-h", str(SIZE), "-f", "png", "-o", out_png, svg_path],
                       check=True)
    finally:
        os.unlink(svg_path)


def read_png(path):
    """8-bit RGB/RGBA, non-interlaced PNG -> (width, height, list of RGBA rows as bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise IconError(f"{path}: not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if ihdr is None:
        raise IconError(f"{path}: no IHDR")
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise IconError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read (depth {depth}, type {ctype})")
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        prev = line
        if bpp == 3:
            rgba = bytearray()
            for x in range(width):
                rgba += line[3 * x:3 * x + 3] + b"\xff"
            line = rgba
        rows.append(bytes(line))
    return width, height, rows


def compare(committed, fresh):
    """Fails when more than 0.2 % of the pixels differ by more than 24 in some channel."""
    w1, h1, r1 = read_png(committed)
    w2, h2, r2 = read_png(fresh)
    if (w1, h1) != (w2, h2):
        raise IconError(f"{committed}: {w1}x{h1}, a fresh render is {w2}x{h2}")
    differing = 0
    for row1, row2 in zip(r1, r2):
        for x in range(0, len(row1), 4):
            if max(abs(row1[x + k] - row2[x + k]) for k in range(4)) > 24:
                differing += 1
    total = w1 * h1
    return w1, h1, differing, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--svg")
    args = ap.parse_args()
    try:
        layers = launcher_layers()
        svg = icon_svg(layers)
        print("launcher icon: android:icon and android:roundIcon -> adaptive icon with "
              + ", ".join(f"{k} @drawable/{v}" for k, v in layers.items()) + ": ok")
        if args.svg:
            with open(args.svg, "w") as f:
                f.write(svg)
        if shutil.which("rsvg-convert") is None:
            print("icon check: skipped: rsvg-convert is not installed (apt-get install librsvg2-bin)")
            return 0
        if not args.check:
            os.makedirs(os.path.dirname(PNG), exist_ok=True)
            render(svg, PNG)
            print(f"wrote {os.path.relpath(PNG, ROOT)} ({SIZE}x{SIZE})")
            return 0
        if not os.path.isfile(PNG):
            raise IconError(f"{os.path.relpath(PNG, ROOT)} is missing: run scripts/render_icon.py")
        with tempfile.TemporaryDirectory() as tmp:
            fresh = os.path.join(tmp, "icon.png")
            render(svg, fresh)
            w, h, differing, total = compare(PNG, fresh)
        rel = os.path.relpath(PNG, ROOT)
        if differing * 1000 > total * 2:
            raise IconError(f"{rel} is out of date: {differing} of {total} pixels differ from a fresh render "
                            "(run scripts/render_icon.py)")
        print(f"icon check: OK ({rel} {w}x{h} matches a fresh render of the drawables; "
              f"{differing} of {total} pixels differ by anti-aliasing)")
        return 0
    except (IconError, ET.ParseError, subprocess.CalledProcessError) as e:
        print(f"icon check: FAILED: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
