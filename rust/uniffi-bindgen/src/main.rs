//! The uniffi bindgen of this workspace. Building it from the workspace keeps its
//! uniffi version identical to the one `kiln-ffi` is compiled with (both use the
//! exact pin in the root `Cargo.toml`). See `scripts/gen-kotlin.sh`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
