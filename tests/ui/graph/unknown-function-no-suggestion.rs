nn::graph! {
    fn f(x) -> y {
        y = banana(x); //~ ERROR unknown function `banana`; expected `sin`, ...
    }
}

fn main() {}
