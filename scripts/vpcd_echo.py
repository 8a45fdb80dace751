#!/usr/bin/env python3
"""Test-only virtual card for vsmartcard's vpcd reader driver (stdlib only).

It connects, as the card side, to the vpcd driver loaded by pcscd
(127.0.0.1:35963 is reader "Virtual PCD 00 00", 35964 is "Virtual PCD 00 01")
and answers what pcscd sends. It exists to prove the PC/SC plumbing
(pcscd + vpcd + a PC/SC client) without any Rust; it knows nothing about tokens.

Wire format (both directions): 2-byte big-endian length, then that many bytes.
Frames from the reader side:
  length 1  -> control code: 0 power off, 1 power on, 2 reset (no answer is sent),
               4 get ATR (answered with the ATR frame)
  otherwise -> a command APDU, answered with one response APDU frame
Answering with an empty frame (length 0), or closing the socket, makes vpcd
report the card as removed.

Note: pcscd's polling thread checks card presence by sending "get ATR" about
every 400 ms, so a connected card sees a steady stream of 04 frames.

Default ATR: 3B 80 80 01 01 -- the PC/SC Part 3 ATR for an ISO 14443-4
contactless card with no historical bytes (TS=3B direct convention, T0=80: TD1
follows and 0 historical bytes, TD1=80: TD2 follows and T=0, TD2=01: T=1, TCK=01
so that T0..TCK XOR to 0). This is what a desktop NFC reader reports for an
ISO-DEP tag.

Response to an APDU: the command's data field (Lc bytes, short APDUs only)
followed by 90 00; APDUs without a data field get just 90 00. A malformed
APDU (Lc longer than the frame) gets 67 00.

--drop-after N closes the socket instead of answering the N-th APDU (N >= 1),
which simulates a card removed in the middle of a transaction.
--exit-after N exits after answering N APDUs (the socket closes, i.e. removal).
"""

import argparse
import signal
import socket
import struct
import sys
import time

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
CTRL_NAMES = {CTRL_OFF: "power off", CTRL_ON: "power on", CTRL_RESET: "reset", CTRL_ATR: "get ATR"}
DEFAULT_ATR = "3B 80 80 01 01"


def parse_hex(text):
    return bytes.fromhex(text.replace(" ", "").replace(":", ""))


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def send_frame(sock, payload):
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def respond(apdu):
    """Echo the data field of a short command APDU, then 90 00."""
    if len(apdu) < 4:
        return bytes([0x67, 0x00])
    if len(apdu) <= 5:  # case 1 (no body) or case 2 (Le only)
        return bytes([0x90, 0x00])
    lc = apdu[4]
    data = apdu[5:5 + lc]
    if lc == 0 or len(data) != lc:
        return bytes([0x67, 0x00])
    return data + bytes([0x90, 0x00])


def log(args, msg):
    if not args.quiet:
        print(f"vpcd_echo: {msg}", file=sys.stderr, flush=True)


def connect(args):
    deadline = time.monotonic() + args.connect_timeout
    while True:
        try:
            return socket.create_connection((args.host, args.port), timeout=5)
        except OSError as err:
            if time.monotonic() >= deadline:
                raise SystemExit(f"vpcd_echo: cannot connect to {args.host}:{args.port}: {err}")
            time.sleep(0.1)


def serve(args):
    atr = parse_hex(args.atr)
    sock = connect(args)
    sock.settimeout(None)
    log(args, f"connected to {args.host}:{args.port}, ATR {atr.hex(' ').upper()}")
    apdus = 0
    try:
        while True:
            header = recv_exact(sock, 2)
            if header is None:
                log(args, "reader side closed the connection")
                return 0
            (length,) = struct.unpack(">H", header)
            frame = recv_exact(sock, length) if length else b""
            if frame is None:
                log(args, "connection closed mid-frame")
                return 1
            if length == 1:
                code = frame[0]
                if code == CTRL_ATR:
                    send_frame(sock, atr)
                    if args.log_atr:
                        log(args, "ctrl get ATR")
                elif code in CTRL_NAMES:
                    log(args, f"ctrl {CTRL_NAMES[code]}")
                else:
                    log(args, f"unknown control code {code:#04x} (ignored)")
                continue
            apdus += 1
            if args.drop_after and apdus >= args.drop_after:
                log(args, f"APDU #{apdus} {frame.hex(' ').upper()} -> dropping the connection (card removed)")
                return 0
            resp = respond(frame)
            log(args, f"APDU #{apdus} {frame.hex(' ').upper()} -> {resp.hex(' ').upper()}")
            send_frame(sock, resp)
            if args.exit_after and apdus >= args.exit_after:
                log(args, f"answered {apdus} APDUs, exiting (card removed)")
                return 0
    finally:
        sock.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=35963, help="35963 = Virtual PCD 00 00, 35964 = 00 01")
    p.add_argument("--atr", default=DEFAULT_ATR, help=f"hex ATR (default {DEFAULT_ATR})")
    p.add_argument("--drop-after", type=int, default=0, metavar="N",
                   help="close the socket instead of answering the N-th APDU")
    p.add_argument("--exit-after", type=int, default=0, metavar="N",
                   help="exit after answering N APDUs")
    p.add_argument("--connect-timeout", type=float, default=10.0, metavar="S",
                   help="keep retrying the connection for S seconds")
    p.add_argument("--log-atr", action="store_true", help="also log each presence-poll ATR request")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
