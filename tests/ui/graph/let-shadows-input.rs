nn::graph! {
    fn f(x) -> y {
        let x = 2.0 * x; //~ ERROR `x` is bound twice: it is already an input
        y = x;
    }
}

fn main() {}
