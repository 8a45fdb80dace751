//! Talking to a token: the transport (PC/SC reader or simulator), the reference
//! clock, the settings remembered per serial, and Ctrl-C while a token is written.

pub mod interrupt;
#[cfg(feature = "pcsc")]
pub mod pcsc_link;
// Without the `pcsc` feature: no PC/SC library needed; readers say how to get them.
#[cfg(not(feature = "pcsc"))]
#[path = "pcsc_stub.rs"]
pub mod pcsc_link;
pub mod reference;
pub mod remember;
pub mod station;
pub mod transport;
