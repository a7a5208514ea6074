nn::graph! {
    fn distance(rate, time) -> d {
        d = rate * tme; //~ ERROR cannot find `tme` in `distance`; did you mean `time`?
    }
}

fn main() {}
