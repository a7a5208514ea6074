nn::graph! {
    fn f(x) -> () { //~ ERROR expected at least one output name, as in `-> (y1, y2)`, found none
    }
}

fn main() {}
