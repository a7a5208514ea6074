nn::graph! {
    fn f(x) -> y {
        y = core::f64::consts::PI * x; //~ ERROR expected a single name, found the path `core::f64::consts::PI`
    }
}

fn main() {}
