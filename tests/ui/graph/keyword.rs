nn::graph! {
    fn f(x) -> y {
        y = if x { 1.0 } else { 0.0 }; //~ ERROR expected a name, a number, `-`, parentheses or a call like `sin(x)`, found the keyword `if`
    }
}

fn main() {}
