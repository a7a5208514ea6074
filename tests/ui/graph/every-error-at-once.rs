// Checking goes on after a mistake: one build reports all four.
nn::graph! {
    fn f(x1, x2) -> (y1, y2) { //~ ERROR output `y2` is never assigned
        let a = coss(x1); //~ ERROR unknown function `coss`; did you mean `cos`?
        y1 = max(a) + x3; //~ ERROR `max` takes 2 arguments, found 1
                          //~| ERROR cannot find `x3` in `f`; did you mean `x1`?
    }
}

fn main() {}
