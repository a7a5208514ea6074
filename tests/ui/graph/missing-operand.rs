nn::graph! {
    fn f(x) -> y {
        y = 2.0 * (x + ); //~ ERROR expected a name, a number, `-`, parentheses or a call like `sin(x)`, found `)`
    }
}

fn main() {}
