nn::graph! {
    fn f(x) -> y {
        y = core::f64::consts::PI * x; //~ ERROR found the path `core::f64::consts::PI`; expected a single name
    }
}

fn main() {}
