//! A bare-metal program around [`nn_embedded::classify`], for measuring what
//! inference costs in flash: `.ci/run` builds it for `thumbv7em-none-eabihf`
//! and reads its `.text` and `.rodata` sizes (docs/embedded.md).
//!
//! ```sh
//! cargo build -p nn-embedded --features firmware --bin firmware \
//!     --target thumbv7em-none-eabihf --release
//! ```
//!
//! There is no runtime crate (cortex-m-rt) and no linker script: `_start` is
//! the entry point, the image comes from a RAM buffer that a camera's DMA
//! would fill, and the digit goes to a register-like address, so that the
//! ELF holds the network, the kernels and nothing else.
#![no_std]
#![no_main]

/// Where the image is (SRAM on a Cortex-M4) and where the digit goes.
const IMAGE: usize = 0x2000_0000;
const RESULT: usize = 0x2000_1000;

#[unsafe(no_mangle)]
extern "C" fn _start() -> ! {
    loop {
        // SAFETY: a stand-in for a buffer the hardware fills; never run on a
        // host. `black_box` keeps the compiler from assuming anything about it.
        let image = unsafe { &*core::hint::black_box(IMAGE as *const [f32; 784]) };
        let digit = nn_embedded::classify(image);
        // SAFETY: as above, a stand-in for a memory-mapped output register.
        unsafe { core::ptr::write_volatile(RESULT as *mut usize, digit) };
    }
}
