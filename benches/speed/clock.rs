//! The bench clock: wall time by default, this thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`) with `NN_BENCH_CLOCK=thread`.
//!
//! Batch workloads run on every core (`nn::batch::set_threads`), and a
//! thread's CPU time would not count the work of the pool's threads, so wall
//! time is the default. The thread clock suits a single-threaded run on a
//! machine shared with others compiling (set `nn::batch::set_threads(1)` in
//! that case too): it counts only the time this thread ran; what it cannot
//! remove is what others leave in the shared caches.

use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// A criterion measurement on the chosen clock, formatted as durations.
pub struct Clock {
    cpu: bool,
    origin: Instant,
    wall: WallTime,
}

impl Clock {
    /// Wall time unless `NN_BENCH_CLOCK=thread` (and the platform has that clock).
    pub fn from_env() -> Self {
        let thread = std::env::var("NN_BENCH_CLOCK").is_ok_and(|v| v == "thread");
        Self {
            cpu: thread && thread_cpu_time().is_some(),
            origin: Instant::now(),
            wall: WallTime,
        }
    }

    /// Which clock runs, for the report.
    pub fn name(&self) -> &'static str {
        if self.cpu {
            "thread CPU time"
        } else {
            "wall time"
        }
    }

    /// The current reading of the clock.
    pub fn now(&self) -> Duration {
        if self.cpu {
            thread_cpu_time().unwrap_or_default()
        } else {
            self.origin.elapsed()
        }
    }
}

impl Measurement for Clock {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now()
    }
    fn end(&self, start: Duration) -> Duration {
        self.now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

/// The CPU time this thread has run, or `None` where there is no such clock.
#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` through the pointer,
    // which points to `ts`, a live, writable, properly aligned local; it
    // reads nothing else and keeps no reference after returning.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}
