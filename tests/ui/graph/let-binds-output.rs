nn::graph! {
    fn f(x) -> y {
        let y = 2.0 * x; //~ ERROR `y` is bound twice: it is already an output; expected `y = ...` without `let`
    }
}

fn main() {}
