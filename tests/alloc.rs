//! Per-sample forward, backward and SGD step allocate nothing on the heap:
//! a counting global allocator sees zero allocations on the test's thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use nn::ClassLabel;
use nn::nalgebra::SVector;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counter is a const-initialised thread-local
// `Cell`, which never allocates, so counting cannot recurse into the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same layout as our caller gave us.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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
    let mut trace = MnistTrace::<f32>::zeros();
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
