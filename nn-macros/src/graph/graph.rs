//! A checked `graph!` function: its DAG of nodes in evaluation order, which
//! `validate` builds and `expand` turns into code without further checks.

use syn::Ident;
use syn::ext::IdentExt;

use super::ast::{BinOp, Function};

/// What a node computes.
#[derive(Clone, Copy, PartialEq)]
pub enum Op {
    /// The function's input number `i`.
    Input(usize),
    Const(f64),
    Neg,
    /// `+ - * /`.
    Arith(BinOp),
    /// A one-argument function of [`FUNCTIONS`].
    Unary(&'static str),
    /// `max`, `min` or `pow` with a non-integer exponent.
    Binary(&'static str),
    /// `pow(x, n)` with an integer literal `n`.
    PowI(i32),
}

/// One node of the DAG.
pub struct Node {
    pub op: Op,
    pub args: Vec<usize>,
    /// The first name bound to the node (input, `let` or output).
    pub name: Option<String>,
    /// Depends on an input, so carries a tangent and an adjoint.
    pub active: bool,
}

impl Node {
    /// The operation as the DOT rendering shows it.
    pub fn label(&self) -> String {
        match self.op {
            Op::Input(_) => self.name.clone().unwrap_or_default(),
            Op::Const(value) => format!("{value}"),
            Op::Neg => "neg".into(),
            Op::Arith(BinOp::Add) => "+".into(),
            Op::Arith(BinOp::Sub) => "-".into(),
            Op::Arith(BinOp::Mul) => "*".into(),
            Op::Arith(BinOp::Div) => "/".into(),
            Op::Unary(name) | Op::Binary(name) => name.into(),
            Op::PowI(n) => format!("pow {n}"),
        }
    }
}

/// A checked function: its live nodes in evaluation order (inputs first).
pub struct Graph<'a> {
    pub func: &'a Function,
    pub nodes: Vec<Node>,
    /// The output nodes, in the declared order.
    pub outputs: Vec<usize>,
}

impl Graph<'_> {
    /// The number of inputs; they are nodes `0..n_inputs`.
    pub fn n_inputs(&self) -> usize {
        self.func.inputs.len()
    }

    /// For each node, the `(consumer, argument position)` pairs reading it,
    /// in evaluation order.
    pub fn consumers(&self) -> Vec<Vec<(usize, usize)>> {
        let mut consumers = vec![Vec::new(); self.nodes.len()];
        for (k, node) in self.nodes.iter().enumerate() {
            for (pos, &arg) in node.args.iter().enumerate() {
                consumers[arg].push((k, pos));
            }
        }
        consumers
    }
}

/// The name as written, without `r#`: `r#x` and `x` are the same name.
pub fn key(ident: &Ident) -> String {
    ident.unraw().to_string()
}
