//! The skeleton with no engine (the identity in its place): what the other
//! binaries' flash, RAM and stack include before any network, and a check
//! that the loop overhead `run` subtracts leaves zero instructions.
#![no_std]
#![no_main]

#[cortex_m_rt::entry]
fn main() -> ! {
    // The identity is no sine predictor: no bound on its error.
    sine_firmware::run(
        "skeleton",
        sine_firmware::identity,
        &[(0.5, 0.5)],
        f64::INFINITY,
    )
}
