#![allow(non_camel_case_types)]

nn::network! {
    struct f32 { //~ ERROR network name `f32` would shadow the primitive type `f32`
        input: 2,
        output: dense(1),
    }
}

fn main() {}
