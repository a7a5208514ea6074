nn::graph! {
    fn f(x) -> y {
        y = x[0] * 2.0; //~ ERROR expected `+`, `-`, `*`, `/` or `;` after an operand, found `[...]`
    }
}

fn main() {}
