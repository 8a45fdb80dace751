#!/usr/bin/env python3
"""Minimal PC/SC client for tests and scripts: stdlib only (ctypes over libpcsclite.so.1).

Linux/pcsc-lite only (DWORD is unsigned long there). Commands:
  readers                       one line per reader: NAME<TAB>present|empty<TAB>ATR hex
  wait READER present|empty     poll until the reader reports that state (--timeout S)
  transmit READER APDU...       connect (T=0|T=1), send each hex APDU, print each response
Exit status: 0 ok, 1 failure (timeout, PC/SC error), 2 pcscd not reachable / no library.
"""

import argparse
import ctypes
import ctypes.util
import sys
import time

DWORD = ctypes.c_ulong
LONG = ctypes.c_long

SCARD_S_SUCCESS = 0
SCARD_E_NO_SERVICE = 0x8010001D
SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
SCARD_SCOPE_SYSTEM = 2
SCARD_SHARE_SHARED = 2
SCARD_PROTOCOL_T0 = 1
SCARD_PROTOCOL_T1 = 2
SCARD_LEAVE_CARD = 0
SCARD_RESET_CARD = 1
SCARD_STATE_UNAWARE = 0
SCARD_STATE_PRESENT = 0x20
MAX_ATR_SIZE = 33


class ReaderState(ctypes.Structure):
    _fields_ = [
        ("szReader", ctypes.c_char_p),
        ("pvUserData", ctypes.c_void_p),
        ("dwCurrentState", DWORD),
        ("dwEventState", DWORD),
        ("cbAtr", DWORD),
        ("rgbAtr", ctypes.c_ubyte * MAX_ATR_SIZE),
    ]


class IoRequest(ctypes.Structure):
    _fields_ = [("dwProtocol", DWORD), ("cbPciLength", DWORD)]


class PcscError(Exception):
    def __init__(self, lib, what, rv):
        self.rv = rv & 0xFFFFFFFF
        text = lib.pcsc_stringify_error(LONG(self.rv)).decode(errors="replace")
        super().__init__(f"{what}: {text} (0x{self.rv:08X})")


def load():
    name = ctypes.util.find_library("pcsclite") or "libpcsclite.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as err:
        print(f"pcsc_tool: cannot load {name}: {err} (install libpcsclite1)", file=sys.stderr)
        sys.exit(2)
    lib.pcsc_stringify_error.restype = ctypes.c_char_p
    lib.pcsc_stringify_error.argtypes = [LONG]
    return lib


class Pcsc:
    def __init__(self):
        self.lib = load()
        self.ctx = LONG()
        self.check("SCardEstablishContext",
                   self.lib.SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), None, None, ctypes.byref(self.ctx)))

    def check(self, what, rv):
        if rv != SCARD_S_SUCCESS:
            raise PcscError(self.lib, what, rv)

    def close(self):
        self.lib.SCardReleaseContext(self.ctx)

    def readers(self):
        size = DWORD(0)
        rv = self.lib.SCardListReaders(self.ctx, None, None, ctypes.byref(size))
        if rv & 0xFFFFFFFF == SCARD_E_NO_READERS_AVAILABLE:
            return []
        self.check("SCardListReaders", rv)
        buf = ctypes.create_string_buffer(size.value)
        rv = self.lib.SCardListReaders(self.ctx, None, buf, ctypes.byref(size))
        if rv & 0xFFFFFFFF == SCARD_E_NO_READERS_AVAILABLE:
            return []
        self.check("SCardListReaders", rv)
        return [r.decode() for r in buf.raw[:size.value].split(b"\0") if r]

    def state(self, reader):
        """(present, atr bytes) for one reader, without waiting."""
        rs = ReaderState(szReader=reader.encode(), dwCurrentState=SCARD_STATE_UNAWARE)
        self.check("SCardGetStatusChange",
                   self.lib.SCardGetStatusChange(self.ctx, DWORD(0), ctypes.byref(rs), DWORD(1)))
        present = bool(rs.dwEventState & SCARD_STATE_PRESENT)
        return present, bytes(rs.rgbAtr[:rs.cbAtr]) if present else b""

    def transmit(self, reader, apdus, disposition):
        card, proto = LONG(), DWORD()
        self.check(f"SCardConnect({reader})",
                   self.lib.SCardConnect(self.ctx, reader.encode(), DWORD(SCARD_SHARE_SHARED),
                                         DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1),
                                         ctypes.byref(card), ctypes.byref(proto)))
        try:
            pci = IoRequest(dwProtocol=proto.value, cbPciLength=ctypes.sizeof(IoRequest))
            out = []
            for apdu in apdus:
                send = (ctypes.c_ubyte * len(apdu)).from_buffer_copy(apdu)
                recv = (ctypes.c_ubyte * 65538)()
                rlen = DWORD(len(recv))
                self.check("SCardTransmit",
                           self.lib.SCardTransmit(card, ctypes.byref(pci), send, DWORD(len(apdu)),
                                                  None, recv, ctypes.byref(rlen)))
                out.append(bytes(recv[:rlen.value]))
            return proto.value, out
        finally:
            self.lib.SCardDisconnect(card, DWORD(disposition))


def main():
    p = argparse.ArgumentParser(description="Minimal PC/SC client (pcsc-lite, ctypes).")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("readers")
    w = sub.add_parser("wait")
    w.add_argument("reader")
    w.add_argument("want", choices=["present", "empty"])
    w.add_argument("--timeout", type=float, default=10.0)
    t = sub.add_parser("transmit")
    t.add_argument("reader")
    t.add_argument("apdu", nargs="+", help="hex, spaces allowed inside one argument")
    t.add_argument("--reset", action="store_true", help="disconnect with SCARD_RESET_CARD (default: leave)")
    args = p.parse_args()

    try:
        pcsc = Pcsc()
    except PcscError as err:
        print(f"pcsc_tool: {err}", file=sys.stderr)
        return 2 if err.rv == SCARD_E_NO_SERVICE else 1
    try:
        if args.cmd == "readers":
            for r in pcsc.readers():
                present, atr = pcsc.state(r)
                print(f"{r}\t{'present' if present else 'empty'}\t{atr.hex(' ').upper()}")
            return 0
        if args.cmd == "wait":
            want = args.want == "present"
            deadline = time.monotonic() + args.timeout
            while True:
                if args.reader in pcsc.readers() and pcsc.state(args.reader)[0] == want:
                    return 0
                if time.monotonic() >= deadline:
                    print(f"pcsc_tool: {args.reader!r} not {args.want} after {args.timeout}s", file=sys.stderr)
                    return 1
                time.sleep(0.05)
        if args.cmd == "transmit":
            apdus = [bytes.fromhex(a.replace(" ", "")) for a in args.apdu]
            proto, responses = pcsc.transmit(args.reader, apdus,
                                             SCARD_RESET_CARD if args.reset else SCARD_LEAVE_CARD)
            print(f"protocol T={0 if proto == SCARD_PROTOCOL_T0 else 1}")
            for apdu, resp in zip(apdus, responses):
                print(f"{apdu.hex(' ').upper()} -> {resp.hex(' ').upper() or '(empty)'}")
            return 0
    except PcscError as err:
        print(f"pcsc_tool: {err}", file=sys.stderr)
        return 1
    finally:
        pcsc.close()
    return 1


if __name__ == "__main__":
    sys.exit(main())
