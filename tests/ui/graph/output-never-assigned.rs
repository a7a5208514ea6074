nn::graph! {
    fn f(x) -> (y1, y2) { //~ ERROR output `y2` is never assigned
        y1 = 2.0 * x;
    }
}

fn main() {}
