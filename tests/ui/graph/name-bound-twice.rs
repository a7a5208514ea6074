nn::graph! {
    fn f(x) -> y {
        let a = x * x;
        let a = a + 1.0; //~ ERROR `a` is bound twice: it is already a `let`
        y = a;
    }
}

fn main() {}
