// An unused input is rustc's `unused_variables` warning on the input's name
// (denied here to show it); name it `_x2` to keep it on purpose.
#![deny(unused_variables)]

nn::graph! {
    pub fn f(x1, x2) -> y { //~ ERROR unused variable: `x2`
        y = 2.0 * x1;
    }
}

fn main() {}
