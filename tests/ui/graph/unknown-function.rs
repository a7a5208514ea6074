nn::graph! {
    fn f(x) -> y {
        y = sinn(x); //~ ERROR unknown function `sinn`; did you mean `sin`?
    }
}

fn main() {}
