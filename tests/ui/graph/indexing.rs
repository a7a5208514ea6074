nn::graph! {
    fn f(x) -> y {
        y = x[0] * 2.0; //~ ERROR found `[...]` after an operand; expected `+`, `-`, `*`, `/` or `;`
    }
}

fn main() {}
