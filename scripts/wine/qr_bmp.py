#!/usr/bin/env python3
"""Writes a QR code as a 24-bit BMP (Wine's desktop shows BMP wallpapers).

Usage: qr_bmp.py MODULES.txt OUT.bmp [MODULE_PX]
MODULES.txt is `qrencode -t ASCII` output (each module two characters, "##" dark), as in
rust/kiln-cli/tests/data/screen-qr.txt. A 4-module white quiet zone is added.
"""
import struct
import sys


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    px = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    with open(src, encoding="ascii") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    modules = [[l[i : i + 2] == "##" for i in range(0, len(l), 2)] for l in lines]
    n, quiet = len(modules), 4
    side = (n + 2 * quiet) * px
    rows = []
    for y in range(side):
        row = bytearray()
        for x in range(side):
            mx, my = x // px - quiet, y // px - quiet
            dark = 0 <= my < n and 0 <= mx < len(modules[my]) and modules[my][mx]
            row += b"\x00\x00\x00" if dark else b"\xff\xff\xff"
        row += b"\x00" * (-len(row) % 4)
        rows.append(bytes(row))
    data = b"".join(reversed(rows))  # BMP rows run bottom-up
    header = struct.pack("<2sIHHI", b"BM", 54 + len(data), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, side, side, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    with open(out, "wb") as f:
        f.write(header + info + data)


if __name__ == "__main__":
    main()
