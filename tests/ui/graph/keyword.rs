nn::graph! {
    fn f(x) -> y {
        y = if x { 1.0 } else { 0.0 }; //~ ERROR found the keyword `if`
    }
}

fn main() {}
