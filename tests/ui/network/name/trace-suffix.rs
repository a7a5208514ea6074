// A network `Mnist` in the same module would generate `MnistTrace` too.
nn::network! {
    struct MnistTrace { //~ ERROR network name `MnistTrace` ends in `Trace`
        input: 2,
        output: dense(1),
    }
}

fn main() {}
