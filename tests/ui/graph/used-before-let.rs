nn::graph! {
    fn f(x) -> y {
        y = 2.0 * a; //~ ERROR `a` is used before its `let`
        let a = x + 1.0;
    }
}

fn main() {}
