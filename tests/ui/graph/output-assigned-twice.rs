nn::graph! {
    fn f(x) -> y {
        y = x;
        y = 2.0 * x; //~ ERROR output `y` is assigned twice
    }
}

fn main() {}
