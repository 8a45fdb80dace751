/*
 * Test scaffolding for scripts/windows-check.sh only: never shipped.
 *
 * Rust's standard library on Windows 10 and later takes its random bytes from
 * ProcessPrng in bcryptprimitives.dll. Debian's Wine 8 has no such DLL, so
 * kiln.exe stops at load time under it. Built as bcryptprimitives.dll and put
 * beside kiln.exe in the test directory, this file provides ProcessPrng from
 * advapi32's RtlGenRandom (exported as SystemFunction036), which Wine has.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *            processprng-shim.c -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom: declared here to avoid depending on the ntsecapi.h spelling. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a 32-bit length: fill large buffers in pieces. */
    while (len > 0) {
        ULONG n = len > 0x40000000u ? 0x40000000u : (ULONG)len;
        if (!SystemFunction036(data, n)) {
            /* The real ProcessPrng never fails; a test run must not go on
               with unfilled bytes. */
            ExitProcess(0xC0000001u);
        }
        data += n;
        len -= n;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst;
    (void)reason;
    (void)reserved;
    return TRUE;
}
