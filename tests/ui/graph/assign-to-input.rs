nn::graph! {
    fn f(x) -> y {
        x = 2.0; //~ ERROR cannot assign to `x`, which is an input
        y = x;
    }
}

fn main() {}
