//! Networks whose names extend each other live in one module: the names
//! generated for one (`NetTrace`, `NetTraceBatch`) are never another's.

use nn::nalgebra::SVector;

nn::network! {
    struct Net {
        input: 2,
        output: dense(1),
        loss: squared_error,
    }
}

nn::network! {
    struct NetBatch {
        input: 2,
        output: dense(1),
        loss: squared_error,
    }
}

nn::network! {
    struct NetTraces {
        input: 2,
        output: dense(1),
        loss: squared_error,
    }
}

// Exactly the suffix: it generates `TraceTrace`, which no other name does.
nn::network! {
    struct Trace {
        input: 2,
        output: dense(1),
        loss: squared_error,
    }
}

#[test]
fn runs() {
    let x = SVector::<f32, 2>::new(0.5, -0.5);
    let mut trace = NetTrace::<f32>::new();
    Net::<f32>::init(1).forward_trace(&x, &mut trace);
    let mut trace = NetBatchTrace::<f32>::new();
    NetBatch::<f32>::init(1).forward_trace(&x, &mut trace);
    let _ = (
        NetTraceBatch::<f32>::new(),
        NetBatchTraceBatch::<f32>::new(),
    );
    let _ = (
        NetTracesTrace::<f32>::new(),
        NetTracesTraceBatch::<f32>::new(),
    );
    let _ = (TraceTrace::<f32>::new(), TraceTraceBatch::<f32>::new());
    assert_eq!(<Net as nn::Network<f32, 2, 1>>::NAME, "Net");
    assert_eq!(<NetBatch as nn::Network<f32, 2, 1>>::NAME, "NetBatch");
}
