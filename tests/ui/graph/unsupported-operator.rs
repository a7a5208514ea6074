nn::graph! {
    fn f(x) -> y {
        y = x ^ 2; //~ ERROR found the operator `^`; expected `+`, `-`, `*` or `/` (write powers as `pow(x, 2)`)
    }
}

fn main() {}
