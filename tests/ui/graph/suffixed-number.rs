nn::graph! {
    fn f(x) -> y {
        y = 2.0f32 * x; //~ ERROR found the suffixed number `2.0f32`; expected a number without a suffix (`2.0`)
    }
}

fn main() {}
