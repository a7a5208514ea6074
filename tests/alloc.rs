//! Per-sample forward, backward and SGD step allocate nothing on the heap:
//! a counting global allocator sees zero allocations on the test's thread.
//! The training loop allocates by what it uses, never by the batch size or
//! the number of epochs it is asked for: the allocator also records the
//! largest allocation on the thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;

use nn::nalgebra::SVector;
use nn::{ClassLabel, Params};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn record(size: usize) {
    ALLOCATIONS.with(|c| c.set(c.get() + 1));
    LARGEST.with(|c| c.set(c.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counter is a const-initialised thread-local
// `Cell`, which never allocates, so counting cannot recurse into the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: same layout as our caller gave us.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The largest single allocation `f` makes on this thread, and its result.
fn largest_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|c| c.set(0));
    let result = f();
    (result, LARGEST.with(Cell::get))
}

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

nn::network! {
    struct Mnist {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    struct Mixed {
        input: 5,
        a: dense(7, leaky_relu(0.01)),
        b: dense(3, tanh),
        c: dense(4, softmax),
        loss: huber(1.0),
    }
}

#[test]
fn per_sample_paths_do_not_allocate() {
    let mut net = Mnist::<f32>::init(1);
    let x = SVector::<f32, 784>::from_fn(|i, _| (i % 7) as f32 / 7.0);
    let y = ClassLabel::<10>::new(3).unwrap();
    let mut trace = MnistTrace::<f32>::new();
    let mut grads = Mnist::<f32>::zeros();
    let mut dx = SVector::<f32, 784>::zeros();

    // The counter works: a Vec allocates.
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(vec![1u8; 16]))),
        1
    );

    assert_eq!(
        allocations_during(|| {
            std::hint::black_box(net.forward(&x));
        }),
        0
    );
    assert_eq!(allocations_during(|| net.forward_trace(&x, &mut trace)), 0);
    let d_out = SVector::<f32, 10>::repeat(0.1);
    assert_eq!(
        allocations_during(|| net.backward_into(&x, &trace, &d_out, &mut grads, Some(&mut dx))),
        0
    );
    assert_eq!(
        allocations_during(|| {
            std::hint::black_box(net.loss_and_grad_into(
                &x,
                &y,
                &mut trace,
                &mut grads,
                Some(&mut dx),
            ));
        }),
        0
    );
    assert_eq!(
        allocations_during(|| {
            std::hint::black_box(net.sgd_step(&x, &y, 0.01));
        }),
        0
    );
    assert_eq!(
        allocations_during(|| {
            std::hint::black_box(net.loss_and_grad(&x, &y));
        }),
        0
    );

    let mut mixed = Mixed::<f64>::init(2);
    let xm = SVector::<f64, 5>::repeat(0.3);
    let ym = SVector::<f64, 4>::repeat(0.25);
    assert_eq!(
        allocations_during(|| {
            std::hint::black_box(mixed.sgd_step(&xm, &ym, 0.01));
        }),
        0
    );
    assert_eq!(
        allocations_during(|| {
            std::hint::black_box(mixed.loss_and_grad(&xm, &ym));
        }),
        0
    );
}

nn::network! {
    struct Tiny {
        input: 2,
        hidden: dense(4, relu),
        output: dense(2),
        loss: softmax_cross_entropy,
    }
}

#[test]
fn training_allocates_by_what_it_uses_not_by_the_counts_asked_for() {
    use nn::data::Dataset;
    use nn::optim::Sgd;
    use nn::train::{TrainOptions, fit_classifier};
    let xor = Dataset::new(2, 2, vec![0., 0., 0., 1., 1., 0., 1., 1.], vec![0, 1, 1, 0]).unwrap();
    let options = |epochs, batch_size| TrainOptions {
        epochs,
        batch_size,
        progress: false,
        ..TrainOptions::default()
    };
    const LIMIT: usize = 64 << 10;
    for batch_size in [1 << 32, usize::MAX] {
        let mut net = Tiny::<f32>::init(1);
        let (history, largest) = largest_during(|| {
            fit_classifier(
                &mut net,
                &mut Sgd::new(0.1).unwrap(),
                &xor,
                &xor,
                &options(1, batch_size),
                |_, _| ControlFlow::Continue(()),
            )
        });
        assert_eq!(history.unwrap().len(), 1);
        assert!(
            largest < LIMIT,
            "batch size {batch_size}: largest allocation {largest} bytes"
        );
    }
    // 2^40 epochs cannot run to the end in a test: the callback stops the
    // run after three of them.
    let mut net = Tiny::<f32>::init(1);
    LARGEST.with(|c| c.set(0));
    let history = fit_classifier(
        &mut net,
        &mut Sgd::new(0.1).unwrap(),
        &xor,
        &xor,
        &options(1 << 40, 4),
        |s, _| {
            if s.epoch == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    );
    assert_eq!(history.unwrap().len(), 3);
    let largest = LARGEST.with(Cell::get);
    assert!(
        largest < LIMIT,
        "2^40 epochs: largest allocation {largest} bytes"
    );
}
