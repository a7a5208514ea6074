nn::graph! {
    fn f(x) -> y {
        y = x.sin(); //~ ERROR expected a function call like `sin(x)`, found the method call `.sin()`
    }
}

fn main() {}
