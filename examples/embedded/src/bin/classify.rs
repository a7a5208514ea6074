//! The firmware that CI runs under QEMU: it classifies the committed test
//! digits with the baked network, measures each inference and exits with
//! success only if every digit is right (a panic exits with failure too).
//!
//! ```sh
//! examples/embedded/qemu.sh thumbv7em-none-eabihf   # Cortex-M4F, mps2-an386
//! examples/embedded/qemu.sh thumbv7m-none-eabi      # Cortex-M3 without FPU, lm3s6965evb
//! examples/embedded/qemu.sh thumbv7m-none-eabi cnn  # the CNN (also `int8`: the int8 network)
//! ```
//!
//! What it prints (docs/embedded.md says more):
//! - instructions per inference: SysTick ticks around each inference, turned
//!   into instructions by a calibration loop of known length. Under
//!   `-icount shift=0` QEMU advances virtual time by 1 ns per instruction, so
//!   the timer counts executed instructions, not the cycles of a real board;
//! - peak stack per inference: the stack below `main` is painted before the
//!   inferences and scanned after them for the deepest overwritten word;
//! - static RAM (`.data` + `.bss`) and flash (`.text`, `.rodata`), from the
//!   linker's section symbols.
#![no_std]
#![no_main]

use core::ptr::{addr_of, read_volatile, write_volatile};

use cortex_m::peripheral::{SYST, syst::SystClkSource};
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use nn_embedded::DIGITS;

/// The network under test: one image of 8-bit pixels in, its digit out;
/// the int8 one with the `int8` feature (`qemu.sh TARGET int8`), the CNN
/// with the `cnn` feature (`qemu.sh TARGET cnn`).
#[cfg(not(any(feature = "int8", feature = "cnn")))]
const CLASSIFY: (&str, fn(&[u8; 784]) -> usize) =
    ("the homework network, f32", nn_embedded::classify_pixels);
#[cfg(all(feature = "int8", not(feature = "cnn")))]
const CLASSIFY: (&str, fn(&[u8; 784]) -> usize) = (
    "the homework network, int8",
    nn_embedded::classify_pixels_int8,
);
#[cfg(all(feature = "cnn", not(feature = "int8")))]
const CLASSIFY: (&str, fn(&[u8; 784]) -> usize) =
    ("the CNN, f32", nn_embedded::classify_pixels_cnn);
#[cfg(all(feature = "int8", feature = "cnn"))]
compile_error!("the features `int8` and `cnn` each choose the network to run; enable one of them");

/// What an untouched stack word holds.
const PAINT: u32 = 0xDEAD_BEEF;
/// SysTick's current value register is 24 bits wide.
const SYST_MAX: u32 = 0x00FF_FFFF;
/// Instructions in one pass of the calibration loop: 100 `nop`s, `subs`, `bne`.
const NOP_PASS: u32 = 102;

unsafe extern "C" {
    // Section bounds from cortex-m-rt's `link.x`.
    static __stext: u8;
    static __etext: u8;
    static __srodata: u8;
    static __erodata: u8;
    static __sdata: u8;
    static __edata: u8;
    static __sbss: u8;
    static __ebss: u8;
    /// The end of `.bss` and `.uninit`: the stack may grow down to here.
    static __sheap: u8;
}

/// The address of a linker symbol.
macro_rules! sym {
    ($name:ident) => {
        // Only the address is taken, the byte is never read.
        addr_of!($name) as usize
    };
}

#[entry]
fn main() -> ! {
    let Some(mut core) = cortex_m::Peripherals::take() else {
        panic!("the core peripherals were already taken");
    };
    let syst = &mut core.SYST;
    // The core clock, which -icount makes advance with every instruction.
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYST_MAX);
    syst.clear_current();
    syst.enable_counter();

    // The timer's rate in instructions, from a loop of known length; a second,
    // ten times shorter loop must then count a tenth of the instructions.
    // Integer arithmetic only: float formatting would add kilobytes of flash.
    let long = ticks(|| nop_loop(10_000));
    let short = ticks(|| nop_loop(1_000));
    let calibration = u64::from(NOP_PASS) * 10_000;
    let instructions = |ticks: u32| u64::from(ticks) * calibration / u64::from(long);
    let expected = u64::from(NOP_PASS) * 1_000;
    assert!(
        instructions(short).abs_diff(expected) <= calibration / u64::from(long) + expected / 1000,
        "calibration: {} ticks for {} instructions, but {} for {}",
        long,
        calibration,
        short,
        expected
    );

    let mut digits = [0usize; DIGITS.len()];
    let mut elapsed = [0u32; DIGITS.len()];
    let sp = cortex_m::register::msp::read() as usize;
    paint_stack(sp);
    for ((label_pixels, digit), t) in DIGITS.iter().zip(&mut digits).zip(&mut elapsed) {
        *t = ticks(|| *digit = (CLASSIFY.1)(&label_pixels.1));
    }
    let stack = sp - lowest_touched(sp);

    hprintln!("network: {}", CLASSIFY.0);
    let mut wrong = 0;
    for (((label, _), digit), t) in DIGITS.iter().zip(digits).zip(elapsed) {
        let verdict = if digit == *label { "ok" } else { "WRONG" };
        wrong += usize::from(digit != *label);
        hprintln!(
            "digit {}: classified as {} {} ({} instructions)",
            label,
            digit,
            verdict,
            instructions(t)
        );
    }
    let total: u32 = elapsed.iter().sum();
    hprintln!(
        "calibration: {} instructions counted as {} timer ticks",
        calibration,
        long
    );
    hprintln!(
        "instructions per inference: {}",
        instructions(total) / DIGITS.len() as u64
    );
    hprintln!("peak stack per inference: {} bytes", stack);
    hprintln!(
        "static RAM: {} bytes (.data {}, .bss {})",
        sym!(__edata) - sym!(__sdata) + sym!(__ebss) - sym!(__sbss),
        sym!(__edata) - sym!(__sdata),
        sym!(__ebss) - sym!(__sbss)
    );
    hprintln!(
        "flash: .text {} bytes, .rodata {} bytes",
        sym!(__etext) - sym!(__stext),
        sym!(__erodata) - sym!(__srodata)
    );
    if wrong == 0 {
        hprintln!("all {} digits classified right", DIGITS.len());
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("{} of {} digits misclassified", wrong, DIGITS.len());
        debug::exit(debug::EXIT_FAILURE);
    }
    // Without a semihosting host `exit` returns; a board stops here.
    loop {
        cortex_m::asm::wfi();
    }
}

/// A fault (a bad address, an undefined instruction) is a failed run too;
/// cortex-m-rt's default handler would spin until CI's timeout.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    panic!("hard fault at pc {:#010x}", frame.pc());
}

/// SysTick ticks spent in `f`, which must take less than one timer period
/// (2^24 ticks: over 600 million instructions at 40 per tick).
#[inline(never)]
fn ticks(f: impl FnOnce()) -> u32 {
    let start = SYST::get_current();
    f();
    let end = SYST::get_current();
    // SysTick counts down from SYST_MAX to 0 and starts over: a period of
    // 2^24, so the difference modulo 2^24 holds across one wrap.
    start.wrapping_sub(end) & SYST_MAX
}

/// Exactly `NOP_PASS * passes` instructions.
#[inline(never)]
fn nop_loop(passes: u32) {
    // SAFETY: nops and a counted loop on a register we own.
    unsafe {
        core::arch::asm!(
            "2:",
            ".rept 100",
            "nop",
            ".endr",
            "subs {n}, #1",
            "bne 2b",
            n = inout(reg) passes => _,
            options(nomem, nostack),
        );
    }
}

/// Fills the free stack, from the end of static RAM to a little below `sp`
/// (this function's own frame lives there), with [`PAINT`].
#[inline(never)]
fn paint_stack(sp: usize) {
    for addr in (sym!(__sheap)..sp - 256).step_by(4) {
        // SAFETY: between the end of `.bss` and the live stack: memory that
        // nothing uses yet, word-aligned (cortex-m-rt aligns `__sheap`).
        unsafe { write_volatile(addr as *mut u32, PAINT) };
    }
}

/// The lowest stack address written since [`paint_stack`].
#[inline(never)]
fn lowest_touched(sp: usize) -> usize {
    (sym!(__sheap)..sp - 256)
        .step_by(4)
        // SAFETY: as in `paint_stack`; the scan runs above nothing it writes.
        .find(|&addr| unsafe { read_volatile(addr as *const u32) } != PAINT)
        .unwrap_or(sp - 256)
}
