nn::graph! {
    fn f(x) -> y {
        y = x.sin(); //~ ERROR found the method call `.sin()`; expected a function call like `sin(x)`
    }
}

fn main() {}
