//! kiln.exe's application manifest (Windows targets only; elsewhere this does
//! nothing).
//!
//! Without one, Windows treats kiln as unaware of display scaling: on a display
//! at 125 % or more it reports each monitor's size scaled down while a GDI
//! capture still copies real pixels, so `--qr-screen` would see only the
//! top-left part of each screen. Per-monitor (v2) awareness makes sizes and
//! pixels agree. The manifest also runs kiln as the invoking user (never an
//! elevation prompt) and tells Windows which versions kiln was made for.
//! `embed-manifest` writes the resource itself (a COFF object on GNU targets,
//! linker options on MSVC), so no resource compiler is needed, cross builds
//! included.

use embed_manifest::manifest::{ActiveCodePage, DpiAwareness};
use embed_manifest::{embed_manifest, new_manifest};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_CFG_WINDOWS").is_none() {
        return;
    }
    let manifest = new_manifest("Tokenkiln.Kiln")
        .dpi_awareness(DpiAwareness::PerMonitorV2)
        // A console program: no common-controls UI to theme.
        .remove_dependency("Microsoft.Windows.Common-Controls")
        // Text stays in the system's code page, as kiln has been checked with.
        .active_code_page(ActiveCodePage::System);
    if let Err(e) = embed_manifest(manifest) {
        eprintln!("could not embed kiln.exe's manifest: {e}");
        std::process::exit(1);
    }
}
