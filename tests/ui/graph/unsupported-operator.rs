nn::graph! {
    fn f(x) -> y {
        y = x ^ 2; //~ ERROR expected `+`, `-`, `*` or `/`, found the operator `^` (write powers as `pow(x, 2)`)
    }
}

fn main() {}
