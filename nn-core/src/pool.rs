//! The threads that share a batch product: a fork-join whose helpers spin
//! between jobs.
//!
//! A training step on mini-batches issues a handful of large products, each
//! a few hundred microseconds, with a little serial work between them. A
//! general pool (rayon) puts an idle worker to sleep within microseconds and
//! blocks the caller on a condition variable while it waits; on this
//! project's 2-vCPU VM every such sleep costs 8–45 µs to wake from (measured
//! with `rayon::in_place_scope` after idle gaps of 0 to 1000 µs), several
//! times per step. Here each helper thread spins for [`SPIN`] after its last
//! job before it parks, and the caller spins while it waits, so consecutive
//! products of one step hand over in well under a microsecond. The price is
//! a helper core kept busy for up to [`SPIN`] after the last product.
//!
//! One job runs at a time: a caller that finds the pool busy (another thread
//! is running a product) runs every chunk itself, which gives the same
//! result, as every chunking does.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError, TryLockError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long a helper spins for its next job before it parks: longer than the
/// serial work between two products of a training step.
const SPIN: Duration = Duration::from_micros(200);

/// A job, called by a helper with the index it was posted with (`run`
/// posts a loop that takes chunks from a shared counter, and ignores it).
type Job = &'static (dyn Fn(usize) + Sync);

/// One helper thread and its mailbox.
struct Slot {
    /// The job and its index, set before `posted` moves on.
    job: Mutex<Option<(Job, usize)>>,
    /// Jobs posted to this helper so far.
    posted: AtomicU64,
    /// Jobs this helper has finished so far.
    done: AtomicU64,
    /// Whether the last finished job panicked.
    panicked: AtomicBool,
    /// Whether the helper is parked (or about to park): the poster unparks it.
    parked: AtomicBool,
    /// The helper's handle, for `unpark`.
    thread: Thread,
}

/// The helpers, started as they are first needed.
struct Pool {
    /// Held by the one caller whose job is running.
    busy: Mutex<()>,
    /// The helpers started so far; only grows.
    slots: Mutex<Vec<&'static Slot>>,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// Runs `work(0)`, ..., `work(parts − 1)` on the calling thread and up to
/// `threads − 1` helper threads, and returns when all are done. The chunks
/// are handed out in order to whichever thread is free (an atomic counter),
/// so a faster core takes more of them; which thread runs a chunk never
/// changes what the chunk computes. With the pool busy (another thread's
/// product) or no helper started, the calling thread runs every chunk.
/// A panic in any chunk is raised again here, after every chunk has ended.
pub(crate) fn run(parts: usize, threads: usize, work: &(dyn Fn(usize) + Sync)) {
    let pool = POOL.get_or_init(|| Pool {
        busy: Mutex::new(()),
        slots: Mutex::new(Vec::new()),
    });
    // A panic raised by an earlier job poisons `busy` but leaves the pool
    // sound (every chunk of that job had ended): take the lock anyway.
    let _busy = match pool.busy.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return (0..parts).for_each(work),
    };
    let helpers = pool.helpers(threads.min(parts).saturating_sub(1));
    let next = AtomicUsize::new(0);
    let drain = |_: usize| {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= parts {
                break;
            }
            work(i);
        }
    };
    let drain: &(dyn Fn(usize) + Sync) = &drain;
    // SAFETY: only the lifetime changes (same fat-pointer layout). Every
    // helper given `job` is waited for below, before this function returns
    // or unwinds: a panic of the caller's chunks is caught and raised only
    // after `wait`, and `wait` returns only once each helper has stored
    // `done` after its call to the job returned (or unwound, caught there).
    // So no helper uses `job` (nor `next` and `work`, which it borrows)
    // after they go out of scope.
    let job: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(drain) };
    let tickets: Vec<u64> = helpers.iter().map(|slot| slot.post(job, 0)).collect();
    let own = panic::catch_unwind(AssertUnwindSafe(|| drain(0)));
    let helper_panicked = helpers
        .iter()
        .zip(tickets)
        .fold(false, |any, (slot, ticket)| slot.wait(ticket) || any);
    if let Err(payload) = own {
        panic::resume_unwind(payload);
    }
    assert!(
        !helper_panicked,
        "a chunk of a batch product panicked on a helper thread"
    );
}

impl Pool {
    /// Up to `n` helpers, starting those not yet running.
    fn helpers(&self, n: usize) -> Vec<&'static Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        while slots.len() < n {
            match start_helper(slots.len()) {
                Some(slot) => slots.push(slot),
                None => break,
            }
        }
        slots[..n.min(slots.len())].to_vec()
    }
}

/// Starts helper `index`, or `None` if the system refuses a thread.
fn start_helper(index: usize) -> Option<&'static Slot> {
    let (tx, rx) = std::sync::mpsc::channel::<&'static Slot>();
    let handle = thread::Builder::new()
        .name(format!("nn-batch-{index}"))
        .spawn(move || {
            if let Ok(slot) = rx.recv() {
                helper(slot);
            }
        })
        .ok()?;
    // The slot lives as long as the process, as the helper does.
    let slot: &'static Slot = Box::leak(Box::new(Slot {
        job: Mutex::new(None),
        posted: AtomicU64::new(0),
        done: AtomicU64::new(0),
        panicked: AtomicBool::new(false),
        parked: AtomicBool::new(false),
        thread: handle.thread().clone(),
    }));
    tx.send(slot).ok()?;
    Some(slot)
}

/// A helper's life: wait for a job (spinning, then parked), run it, report.
fn helper(slot: &'static Slot) {
    let mut seen = 0;
    loop {
        seen = slot.next(seen);
        let job = slot
            .job
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let panicked =
            job.is_some_and(|(job, i)| panic::catch_unwind(AssertUnwindSafe(|| job(i))).is_err());
        slot.panicked.store(panicked, Ordering::Relaxed);
        slot.done.store(seen, Ordering::Release);
    }
}

impl Slot {
    /// Hands `job` (chunk `i`) to the helper; returns the ticket to wait for.
    fn post(&self, job: Job, i: usize) -> u64 {
        *self.job.lock().unwrap_or_else(PoisonError::into_inner) = Some((job, i));
        let ticket = self.posted.fetch_add(1, Ordering::SeqCst) + 1;
        // Paired with the helper's store of `parked` before it re-reads
        // `posted` (both SeqCst): either it sees the new job, or we see that
        // it parks and wake it.
        if self.parked.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
        ticket
    }

    /// Waits (spinning) until the helper has finished job `ticket`; whether it panicked.
    fn wait(&self, ticket: u64) -> bool {
        while self.done.load(Ordering::Acquire) < ticket {
            std::hint::spin_loop();
        }
        self.panicked.load(Ordering::Relaxed)
    }

    /// The helper's wait for a job after `seen`: spins for [`SPIN`], then parks.
    fn next(&self, seen: u64) -> u64 {
        let mut since = Instant::now();
        loop {
            for _ in 0..64 {
                let posted = self.posted.load(Ordering::Acquire);
                if posted != seen {
                    return posted;
                }
                std::hint::spin_loop();
            }
            if since.elapsed() >= SPIN {
                self.parked.store(true, Ordering::SeqCst);
                if self.posted.load(Ordering::SeqCst) == seen {
                    thread::park();
                }
                self.parked.store(false, Ordering::SeqCst);
                since = Instant::now();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::run;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// How many times each of `parts` chunks ran.
    fn counts(parts: usize, threads: usize) -> Vec<usize> {
        let hits: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
        run(parts, threads, &|i| {
            hits[i].fetch_add(1, Ordering::Relaxed);
        });
        hits.into_iter().map(AtomicUsize::into_inner).collect()
    }

    #[test]
    fn every_chunk_runs_once_for_any_thread_count() {
        for threads in 1..=4 {
            for parts in 0..=9 {
                assert_eq!(
                    counts(parts, threads),
                    vec![1; parts],
                    "{parts} chunks on {threads} threads"
                );
            }
        }
    }

    #[test]
    fn callers_on_several_threads_each_get_all_their_chunks() {
        std::thread::scope(|s| {
            let callers: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..200).all(|_| counts(7, 2) == vec![1; 7])))
                .collect();
            assert!(callers.into_iter().all(|c| c.join().unwrap()));
        });
    }

    #[test]
    fn a_panicking_chunk_panics_the_caller_after_every_chunk_has_ended() {
        for bad in [0, 1, 4] {
            let in_flight = AtomicUsize::new(0);
            let result = std::panic::catch_unwind(|| {
                run(5, 2, &|i| {
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    assert_ne!(i, bad, "chunk {i} fails");
                })
            });
            assert!(result.is_err(), "chunk {bad} panicked, run did not");
            assert_eq!(in_flight.load(Ordering::SeqCst), 0, "a chunk outlived run");
            assert_eq!(counts(5, 2), vec![1; 5], "the pool works after a panic");
        }
        // ... and still on two threads.
        let caller = std::thread::current().id();
        let ids = std::sync::Mutex::new(Vec::new());
        run(2, 2, &|_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            ids.lock().unwrap().push(std::thread::current().id());
        });
        let ids = ids.into_inner().unwrap();
        assert!(
            ids.contains(&caller) && ids.iter().any(|&id| id != caller),
            "{ids:?}"
        );
    }
}
