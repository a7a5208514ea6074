nn::graph! {
    fn f(x) -> () { //~ ERROR found no outputs; expected at least one output name
    }
}

fn main() {}
