nn::graph! {
    fn f(x) -> (y1, y2) {
        y1 = x;
        y2 = x;
        y3 = x; //~ ERROR `y3` is not an output of `f`
    }
}

fn main() {}
