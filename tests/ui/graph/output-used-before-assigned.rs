nn::graph! {
    fn f(x) -> (y1, y2) {
        y2 = y1 * 2.0; //~ ERROR output `y1` is used before it is assigned
        y1 = x;
    }
}

fn main() {}
