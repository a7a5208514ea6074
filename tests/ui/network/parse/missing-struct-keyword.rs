nn::network! {
    pub Net { //~ ERROR expected `struct NAME { ... }`, found `Net`
        input: 4,
        output: dense(2),
    }
}

fn main() {}
