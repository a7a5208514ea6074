// A `let` that reaches no output is rustc's `unused_variables` warning.
#![deny(unused_variables)]

nn::graph! {
    pub fn f(x) -> y {
        let unused = sin(x); //~ ERROR unused variable: `unused`
        y = 2.0 * x;
    }
}

fn main() {}
