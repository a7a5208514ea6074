//! The firmware skeleton every engine shares: cortex-m-rt, semihosting for
//! output and exit, a panic handler that exits with failure, and the
//! measurements. An engine's binary is a `predict` function and a call to
//! [`run`]; everything it is measured with is here, the same for all.
//!
//! Run under `qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic
//! -semihosting-config enable=on,target=native -icount
//! shift=0,align=off,sleep=off -kernel <elf>` (`run.sh` does).
//!
//! Instructions are counted with QEMU's `-icount shift=0`: virtual time
//! advances exactly 1 ns per guest instruction executed, and SysTick, clocked
//! from the CPU clock (25 MHz on this board), counts virtual time. So
//! 1 SysTick tick = 40 instructions; over 500 inferences that resolves a
//! tenth of an instruction. A loop of a known number of `nop`s checks the
//! conversion on every run.
#![no_std]

use core::arch::asm;
use core::hint::black_box;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_semihosting::{debug, hprintln};

include!(concat!(env!("OUT_DIR"), "/test_set.rs"));

/// mps2-an386's CPU clock, which SysTick counts with `SystClkSource::Core`.
const CPU_HZ: u64 = 25_000_000;
/// Instructions per SysTick tick under `-icount shift=0` (1 ns each).
const INSTRUCTIONS_PER_TICK: u64 = 1_000_000_000 / CPU_HZ;
/// SysTick's counter is 24 bits wide.
const SYST_MASK: u32 = 0x00ff_ffff;
/// The stack paint: a word the engines are unlikely to leave behind.
const PAINT: u32 = 0xdead_beef;

unsafe extern "C" {
    /// cortex-m-rt: the end of `.bss` and `.uninit`, the lowest address the stack may reach.
    static __sheap: u32;
    /// cortex-m-rt: the initial stack pointer, the top of RAM.
    static _stack_start: u32;
}

/// Instructions executed by `f`, from SysTick ticks under `-icount shift=0`.
fn instructions(f: impl FnOnce()) -> u64 {
    let start = SYST::get_current();
    f();
    let end = SYST::get_current();
    // A down-counter, reloaded at SYST_MASK: no wrap while the reload is
    // longer than anything measured here (16.7 M ticks, 671 M instructions).
    u64::from(start.wrapping_sub(end) & SYST_MASK) * INSTRUCTIONS_PER_TICK
}

/// `loops` × (1,000 `nop`s, a `subs` and a `bne`): exactly 1,002 instructions a loop.
#[inline(never)]
fn nops(loops: u32) {
    // SAFETY: only the named register changes; no memory is touched.
    unsafe {
        asm!(
            "2:",
            ".rept 1000",
            "nop",
            ".endr",
            "subs {n}, {n}, #1",
            "bne 2b",
            n = inout(reg) loops => _,
            options(nomem, nostack),
        );
    }
}

/// The identity, called like an engine: what [`run`] subtracts as the cost of
/// its loop and the call, and the `skeleton` binary's stand-in for an engine.
#[inline(never)]
pub fn identity(x: f32) -> f32 {
    x
}

/// The current stack pointer.
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe { asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
    sp
}

/// Bytes of stack `predict(x)` uses below its caller's frame, by painting the
/// free stack, calling it once and finding the lowest word it changed. Also
/// returns the whole program's peak so far (top of RAM to that word).
#[inline(never)]
fn stack_use(predict: fn(f32) -> f32, x: f32) -> (usize, usize) {
    let low = core::ptr::addr_of!(__sheap) as usize;
    let top = core::ptr::addr_of!(_stack_start) as usize;
    // This function's frame is allocated by now and SP does not move in its
    // body, so everything below SP is free to paint.
    let sp = stack_pointer();
    let mut p = low;
    while p < sp {
        // SAFETY: between the end of the statics and the stack pointer, memory
        // that nothing owns (the heap is unused).
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    black_box(predict(black_box(x)));
    let mut p = low;
    // SAFETY: as above; reads of the painted region only.
    while p < sp && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    (sp - p, top - p)
}

/// Ends the emulator run with `status`.
fn exit(status: debug::ExitStatus) -> ! {
    debug::exit(status);
    // Only reached without a semihosting host (a board without a debugger):
    // stop here.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Exits the emulator with failure after saying why.
fn fail(engine: &str, why: core::fmt::Arguments) -> ! {
    hprintln!("{}: FAILED: {}", engine, why);
    exit(debug::EXIT_FAILURE)
}

/// Measures `predict` on the whole test set and exits the emulator: with
/// success if `exact` (pairs `(x, predict(x))` the engine must reproduce bit
/// for bit) holds and the mean absolute error against sin(x) is at most
/// `max_mae_sin`, with failure otherwise.
///
/// Prints one line that `run.sh` reads: `RESULT engine=... instructions=...
/// stack=... stack_total=... mae_sin=... mae_y=...`.
pub fn run(engine: &str, predict: fn(f32) -> f32, exact: &[(f32, f32)], max_mae_sin: f64) -> ! {
    let mut core = cortex_m::Peripherals::take()
        .unwrap_or_else(|| fail(engine, format_args!("peripherals taken twice")));
    let syst = &mut core.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYST_MASK);
    syst.clear_current();
    syst.enable_counter();

    // The method, checked: a known count of instructions, counted.
    const LOOPS: u32 = 100;
    let expected = u64::from(LOOPS) * 1002;
    let counted = instructions(|| nops(black_box(LOOPS)));
    hprintln!(
        "{}: {} instructions of nop loop counted as {}",
        engine,
        expected,
        counted
    );
    if counted.abs_diff(expected) > expected / 100 {
        fail(
            engine,
            format_args!(
                "the nop loop counted {counted} instructions, expected {expected} (1% margin)"
            ),
        );
    }

    for &(x, want) in exact {
        let got = predict(x);
        if got.to_bits() != want.to_bits() {
            fail(
                engine,
                format_args!("predict({x}) = {got}, expected {want}"),
            );
        }
        hprintln!("{}: predict({}) = {}, as expected", engine, x, got);
    }

    let (stack, stack_total) = stack_use(predict, 0.5);

    let n = TEST_SET.len() as u64;
    let each = |f: fn(f32) -> f32| {
        instructions(|| {
            for &(x, _) in &TEST_SET {
                black_box(f(black_box(x)));
            }
        })
    };
    let overhead = each(identity);
    let total = each(predict);
    let per_inference = total.saturating_sub(overhead) as f64 / n as f64;
    hprintln!(
        "{}: {} inferences took {} instructions, the same loop around the identity {}",
        engine,
        n,
        total,
        overhead
    );

    let (mut vs_sin, mut vs_y) = (0.0f64, 0.0f64);
    for &(x, y) in &TEST_SET {
        let p = f64::from(predict(x));
        vs_sin += libm::fabs(p - libm::sin(f64::from(x)));
        vs_y += libm::fabs(p - f64::from(y));
    }
    let (mae_sin, mae_y) = (vs_sin / n as f64, vs_y / n as f64);
    hprintln!(
        "RESULT engine={} instructions={:.1} stack={} stack_total={} mae_sin={:.5} mae_y={:.5}",
        engine,
        per_inference,
        stack,
        stack_total,
        mae_sin,
        mae_y
    );
    if mae_sin.is_nan() || mae_sin > max_mae_sin {
        fail(
            engine,
            format_args!(
                "mean absolute error vs sin(x) is {mae_sin}, expected at most {max_mae_sin}"
            ),
        );
    }
    exit(debug::EXIT_SUCCESS)
}

/// A panic prints its message and exits the emulator with failure.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    exit(debug::EXIT_FAILURE)
}
