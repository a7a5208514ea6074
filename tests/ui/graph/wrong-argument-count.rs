nn::graph! {
    fn f(x1, x2) -> y {
        y = max(x1) + sin(x1, x2); //~ ERROR `max` takes 2 arguments, found 1
                                   //~| ERROR `sin` takes 1 argument, found 2
    }
}

fn main() {}
