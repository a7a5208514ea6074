nn::graph! {
    fn f(x) -> y {
        y = x * weight; //~ ERROR cannot find `weight` in `f`; expected an input or a name bound above
    }
}

fn main() {}
