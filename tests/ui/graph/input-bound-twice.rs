nn::graph! {
    fn f(x, x) -> y { //~ ERROR `x` is bound twice: it is already an input
        y = x;
    }
}

fn main() {}
