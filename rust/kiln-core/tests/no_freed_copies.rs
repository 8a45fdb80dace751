//! The seed parser leaves no copy of a secret in freed heap memory.
//!
//! A counting allocator wraps the system one: while armed, every block freed is
//! searched for pieces of the test secret before it is handed back. A buffer
//! that grew (the old block is freed with the secret still in it) or an
//! intermediate `String` that was not zeroized is a hit. Zeroized buffers hold
//! only zeros when they are freed, so they never count.
//!
//! The allocator needs `unsafe` (the `GlobalAlloc` contract); it only forwards to
//! `System` and reads blocks it is about to free.

#![allow(unsafe_code, clippy::unwrap_used, clippy::panic)]

use kiln_core::seed::{parse_input, Encoding, SeedInput};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Pieces of the secret to look for: the Base32 text (upper and lower case, in
/// 6-character windows) and the decoded bytes (in 6-byte windows).
static NEEDLES: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) {
            // Disarm while scanning: the lock below must not recurse into us.
            ARMED.store(false, Ordering::SeqCst);
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if let Ok(needles) = NEEDLES.try_lock() {
                if needles
                    .iter()
                    .any(|n| block.windows(n.len()).any(|w| w == n.as_slice()))
                {
                    HITS.fetch_add(1, Ordering::SeqCst);
                }
            }
            ARMED.store(true, Ordering::SeqCst);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

/// One test at a time: the needles and the counter are shared.
static SERIAL: Mutex<()> = Mutex::new(());

/// A 20-byte seed no other data in the process resembles, and its Base32.
const SEED: [u8; 20] = [
    0xA7, 0x3C, 0x91, 0x5E, 0xD2, 0x08, 0x6B, 0xF4, 0x19, 0xC5, 0x7A, 0x33, 0xE8, 0x4F, 0x96, 0x21,
    0xBD, 0x50, 0x0E, 0xC9,
];

fn set_needles(base32: &str) {
    let mut n = Vec::new();
    for text in [base32.to_string(), base32.to_ascii_lowercase()] {
        let b = text.as_bytes();
        n.extend(b.windows(6).step_by(3).map(<[u8]>::to_vec));
    }
    n.extend(SEED.windows(6).step_by(3).map(<[u8]>::to_vec));
    *NEEDLES.lock().unwrap() = n;
}

/// Builds `parts` into one zeroizing string without growing it.
fn zeroizing(parts: &[&str]) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(4096));
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Parses `input` (and drops every result) while armed; the number of freed
/// blocks that still held a piece of the secret.
fn freed_copies(input: &Zeroizing<String>) -> usize {
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    {
        let parsed = parse_input(input);
        let kind = parsed.kind();
        if let SeedInput::Ambiguous(a) = &parsed {
            drop(a.resolve(Encoding::Base32));
        }
        drop(parsed);
        std::hint::black_box(kind);
    }
    ARMED.store(false, Ordering::SeqCst);
    HITS.load(Ordering::SeqCst)
}

fn base32() -> Zeroizing<String> {
    Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&SEED))
}

#[test]
fn parsing_a_link_leaves_no_copy_of_its_secret() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let b32 = base32();
    set_needles(&b32);
    // Grouped, lower case and percent-encoded: every normalising step runs.
    let lower = Zeroizing::new(b32.to_ascii_lowercase());
    let (a, b) = lower.split_at(16);
    let link = zeroizing(&[
        "otpauth://totp/ACME%20Co:alice@example.com?secret=",
        a,
        "%20",
        b,
        "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
    ]);
    assert!(matches!(parse_input(&link), SeedInput::Totp(_)));
    assert_eq!(freed_copies(&link), 0);
}

#[test]
fn parsing_typed_base32_leaves_no_copy() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let b32 = base32();
    set_needles(&b32);
    let (a, b) = b32.split_at(16);
    let typed = zeroizing(&[" ", a, " ", b, "\n"]);
    assert!(matches!(parse_input(&typed), SeedInput::Totp(_)));
    assert_eq!(freed_copies(&typed), 0);
}

#[test]
fn parsing_an_export_leaves_no_copy_of_its_seeds() {
    use base64::Engine as _;
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let b32 = base32();
    set_needles(&b32);
    // MigrationPayload { otp_parameters { secret, name, issuer, SHA1, six, TOTP }, version 1, batch_size 1 }
    let mut params = Zeroizing::new(Vec::with_capacity(256));
    params.extend_from_slice(&[0x0A, SEED.len() as u8]);
    params.extend_from_slice(&SEED);
    params.extend_from_slice(&[0x12, 10]);
    params.extend_from_slice(b"ACME:alice");
    params.extend_from_slice(&[0x1A, 4]);
    params.extend_from_slice(b"ACME");
    params.extend_from_slice(&[0x20, 1, 0x28, 1, 0x30, 2]);
    let mut payload = Zeroizing::new(Vec::with_capacity(256));
    payload.extend_from_slice(&[0x0A, params.len() as u8]);
    payload.extend_from_slice(&params);
    payload.extend_from_slice(&[0x10, 1, 0x18, 1]);
    let mut b64 = Zeroizing::new(String::with_capacity(512));
    base64::engine::general_purpose::STANDARD.encode_string(&*payload, &mut b64);
    let mut link = zeroizing(&["otpauth-migration://offline?data="]);
    for c in b64.chars() {
        match c {
            '+' => link.push_str("%2B"),
            '/' => link.push_str("%2F"),
            '=' => link.push_str("%3D"),
            c => link.push(c),
        }
    }
    assert!(matches!(parse_input(&link), SeedInput::Migration(_)));
    assert_eq!(freed_copies(&link), 0);
}

#[test]
fn the_scan_finds_a_copy_that_was_not_zeroized() {
    // The detector itself: a plain String holding the secret, freed, is a hit.
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let b32 = base32();
    set_needles(&b32);
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    let plain: String = b32.chars().collect();
    drop(std::hint::black_box(plain));
    ARMED.store(false, Ordering::SeqCst);
    assert!(HITS.load(Ordering::SeqCst) >= 1);
}
