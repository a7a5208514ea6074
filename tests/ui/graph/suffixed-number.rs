nn::graph! {
    fn f(x) -> y {
        y = 2.0f32 * x; //~ ERROR expected a number without a suffix (`2.0`), found the suffixed number `2.0f32`
    }
}

fn main() {}
