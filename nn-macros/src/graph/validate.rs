//! Every rule a `graph!` function must follow, and its translation into a
//! DAG of nodes. `check` collects all problems before it fails; what it
//! returns is a [`Graph`] that `expand` turns into code without further checks.
//!
//! An unused input is not an error here: the plain function takes it as a
//! parameter under the user's own name, so rustc's `unused_variables` warning
//! points at it (and `_x` silences it, as for any Rust function).

use std::collections::{HashMap, HashSet};

use syn::Ident;

use super::ast::{Expr, ExprId, ExprNode, Function, Stmt};
use super::graph::{Graph, Node, Op, key};
use crate::diagnostics::{Errors, nearest, one_of};

/// Every function `graph!` knows, with its number of arguments.
pub const FUNCTIONS: &[(&str, usize)] = &[
    ("sin", 1),
    ("cos", 1),
    ("tan", 1),
    ("exp", 1),
    ("ln", 1),
    ("log10", 1),
    ("log2", 1),
    ("sqrt", 1),
    ("abs", 1),
    ("tanh", 1),
    ("sigmoid", 1),
    ("relu", 1),
    ("max", 2),
    ("min", 2),
    ("pow", 2),
];

/// What a name is bound to while the body is read.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Input,
    Let,
    Output,
}

impl Role {
    fn describe(self) -> &'static str {
        match self {
            Role::Input => "an input",
            Role::Let => "a `let`",
            Role::Output => "an output",
        }
    }
}

struct Binding {
    role: Role,
    /// The node, once the name has a value (outputs get one when assigned).
    node: Option<usize>,
}

/// Checks every function of the input.
pub fn check(functions: &[Function]) -> syn::Result<Vec<Graph<'_>>> {
    let mut errors = Errors::default();
    let mut graphs = Vec::new();
    for func in functions {
        if let Some(graph) = Builder::new(func, &mut errors).build() {
            graphs.push(graph);
        }
    }
    errors.finish(graphs)
}

struct Builder<'a, 'e> {
    func: &'a Function,
    errors: &'e mut Errors,
    nodes: Vec<Node>,
    scope: HashMap<String, Binding>,
    /// Names bound by a `let` further down, to tell "used before its `let`"
    /// from "never declared".
    later: HashSet<String>,
    ok: bool,
}

impl<'a, 'e> Builder<'a, 'e> {
    fn new(func: &'a Function, errors: &'e mut Errors) -> Self {
        Builder {
            func,
            errors,
            nodes: Vec::new(),
            scope: HashMap::new(),
            later: HashSet::new(),
            ok: true,
        }
    }

    fn error(&mut self, error: syn::Error) {
        self.ok = false;
        self.errors.push(error);
    }

    fn build(mut self) -> Option<Graph<'a>> {
        let func = self.func;
        for (i, input) in func.inputs.iter().enumerate() {
            if self.bind(input, Role::Input) {
                let node = self.push(Op::Input(i), Vec::new());
                self.assign(&key(input), node);
                self.name(node, input);
            } else {
                // Keep inputs at nodes 0..n even after an error.
                self.push(Op::Input(i), Vec::new());
            }
        }
        for output in &func.outputs {
            self.bind(output, Role::Output);
        }
        for stmt in &func.body {
            if stmt.let_token.is_some() {
                self.later.insert(key(&stmt.name));
            }
        }
        for stmt in &func.body {
            self.statement(stmt);
        }
        let mut outputs = Vec::new();
        for output in &func.outputs {
            match self.scope.get(&key(output)) {
                Some(Binding {
                    role: Role::Output,
                    node: Some(node),
                }) => outputs.push(*node),
                Some(Binding {
                    role: Role::Output,
                    node: None,
                }) => self.error(syn::Error::new(
                    output.span(),
                    format!(
                        "output `{output}` is never assigned; expected `{output} = ...;` in the body of `{}`",
                        func.name
                    ),
                )),
                // Bound twice: already reported.
                _ => {}
            }
        }
        if !self.ok {
            return None;
        }
        Some(self.finish(outputs))
    }

    /// Binds `name` with `role`; reports a second binding of the same name.
    fn bind(&mut self, name: &Ident, role: Role) -> bool {
        let key = key(name);
        if let Some(previous) = self.scope.get(&key) {
            let message = if previous.role == Role::Output && role == Role::Let {
                format!(
                    "`{name}` is bound twice: it is already an output; expected `{name} = ...` without `let`"
                )
            } else {
                format!(
                    "`{name}` is bound twice: it is already {}; expected a new name",
                    previous.role.describe()
                )
            };
            self.error(syn::Error::new(name.span(), message));
            return false;
        }
        self.scope.insert(key, Binding { role, node: None });
        true
    }

    fn statement(&mut self, stmt: &Stmt) {
        let node = self.expr(&stmt.expr);
        let key = key(&stmt.name);
        if stmt.let_token.is_some() {
            self.later.remove(&key);
            let unassigned_output = matches!(
                self.scope.get(&key),
                Some(Binding {
                    role: Role::Output,
                    node: None
                })
            );
            // `let y = ...` for an output is reported, then read as `y = ...`
            // so that `y` is not also reported as never assigned.
            if self.bind(&stmt.name, Role::Let) || unassigned_output {
                self.assign(&key, node);
                self.name(node, &stmt.name);
            }
            return;
        }
        match self.scope.get(&key).map(|b| (b.role, b.node.is_some())) {
            Some((Role::Output, false)) => {
                self.assign(&key, node);
                self.name(node, &stmt.name);
            }
            Some((Role::Output, true)) => self.error(syn::Error::new(
                stmt.name.span(),
                format!("output `{key}` is assigned twice; expected one assignment per output"),
            )),
            Some((role, _)) => self.error(syn::Error::new(
                stmt.name.span(),
                format!(
                    "cannot assign to `{key}`, which is {}; expected an output of `{}`, or `let {key} = ...` for a new name",
                    role.describe(),
                    self.func.name
                ),
            )),
            None => {
                let outputs: Vec<String> = self.func.outputs.iter().map(Ident::to_string).collect();
                let outputs: Vec<&str> = outputs.iter().map(String::as_str).collect();
                self.error(syn::Error::new(
                    stmt.name.span(),
                    format!(
                        "`{key}` is not an output of `{}`; expected {}, or `let {key} = ...` for a new name",
                        self.func.name,
                        one_of(&outputs)
                    ),
                ));
            }
        }
    }

    fn assign(&mut self, key: &str, node: usize) {
        if let Some(binding) = self.scope.get_mut(key) {
            binding.node = Some(node);
        }
    }

    /// Gives `node` its first name.
    fn name(&mut self, node: usize, name: &Ident) {
        self.nodes[node].name.get_or_insert_with(|| key(name));
    }

    fn push(&mut self, op: Op, args: Vec<usize>) -> usize {
        let active = matches!(op, Op::Input(_)) || args.iter().any(|&a| self.nodes[a].active);
        self.nodes.push(Node {
            op,
            args,
            name: None,
            active,
        });
        self.nodes.len() - 1
    }

    /// A placeholder after an error, so that checking can go on.
    fn poison(&mut self) -> usize {
        self.ok = false;
        self.push(Op::Const(0.0), Vec::new())
    }

    /// The node of `expr`'s value. Parts come after their operands, so one
    /// pass in order sees every operand's node before it is needed.
    fn expr(&mut self, expr: &Expr) -> usize {
        let mut node_of = Vec::with_capacity(expr.nodes.len());
        for part in &expr.nodes {
            let node = match part {
                ExprNode::Var(ident) => self.var(ident),
                ExprNode::Num { value, .. } => self.push(Op::Const(*value), Vec::new()),
                ExprNode::Neg { arg, .. } => self.push(Op::Neg, vec![node_of[*arg]]),
                ExprNode::Binary { op, lhs, rhs, .. } => {
                    self.push(Op::Arith(*op), vec![node_of[*lhs], node_of[*rhs]])
                }
                ExprNode::Paren { inner, .. } => node_of[*inner],
                ExprNode::Call {
                    func, args, tokens, ..
                } => self.call(expr, func, args, &node_of, tokens),
            };
            node_of.push(node);
        }
        node_of.last().copied().unwrap_or_else(|| self.poison())
    }

    fn var(&mut self, ident: &Ident) -> usize {
        let key = key(ident);
        match self.scope.get(&key) {
            Some(Binding {
                node: Some(node), ..
            }) => *node,
            Some(Binding {
                role: Role::Output,
                node: None,
            }) => {
                let message = format!(
                    "output `{key}` is used before it is assigned; expected `{key} = ...;` above this line"
                );
                self.error(syn::Error::new(ident.span(), message));
                self.poison()
            }
            // Bound twice (input): already reported.
            Some(_) => self.poison(),
            None => {
                let message = if self.later.contains(&key) {
                    format!(
                        "`{key}` is used before its `let`; expected `let {key} = ...;` above this line"
                    )
                } else {
                    let known: Vec<String> = self
                        .scope
                        .iter()
                        .filter(|(_, b)| b.node.is_some())
                        .map(|(name, _)| name.clone())
                        .collect();
                    let mut known: Vec<&str> = known.iter().map(String::as_str).collect();
                    known.sort_unstable();
                    match nearest(&key, &known) {
                        Some(close) => format!(
                            "cannot find `{key}` in `{}`; did you mean `{close}`?",
                            self.func.name
                        ),
                        None => format!(
                            "cannot find `{key}` in `{}`; expected an input or a name bound above",
                            self.func.name
                        ),
                    }
                };
                self.error(syn::Error::new(ident.span(), message));
                self.poison()
            }
        }
    }

    /// A call of `func` on the parts `args` of `expr`, whose nodes are in
    /// `node_of` (an unused constant exponent is dropped by `finish`).
    fn call(
        &mut self,
        expr: &Expr,
        func: &Ident,
        args: &[ExprId],
        node_of: &[usize],
        tokens: &proc_macro2::TokenStream,
    ) -> usize {
        let name = key(func);
        let Some(&(known, arity)) = FUNCTIONS.iter().find(|(f, _)| *f == name) else {
            let names: Vec<&str> = FUNCTIONS.iter().map(|(f, _)| *f).collect();
            let message = match nearest(&name, &names) {
                Some(close) => format!("unknown function `{name}`; did you mean `{close}`?"),
                None => format!("unknown function `{name}`; expected {}", one_of(&names)),
            };
            self.error(syn::Error::new(func.span(), message));
            return self.poison();
        };
        if args.len() != arity {
            let plural = if arity == 1 { "" } else { "s" };
            self.error(syn::Error::new_spanned(
                tokens,
                format!(
                    "`{name}` takes {arity} argument{plural}, found {}",
                    args.len()
                ),
            ));
            return self.poison();
        }
        let nodes: Vec<usize> = args.iter().map(|&a| node_of[a]).collect();
        if known == "pow"
            && let ExprNode::Num { int: Some(n), .. } = &expr.nodes[args[1]]
        {
            return self.push(Op::PowI(*n), vec![nodes[0]]);
        }
        if arity == 1 {
            self.push(Op::Unary(known), nodes)
        } else {
            self.push(Op::Binary(known), nodes)
        }
    }

    /// Keeps the nodes that reach an output (and every input), renumbered.
    fn finish(self, outputs: Vec<usize>) -> Graph<'a> {
        let n_inputs = self.func.inputs.len();
        let mut live = vec![false; self.nodes.len()];
        live[..n_inputs].iter_mut().for_each(|l| *l = true);
        for &out in &outputs {
            live[out] = true;
        }
        for k in (0..self.nodes.len()).rev() {
            if live[k] {
                for &arg in &self.nodes[k].args {
                    live[arg] = true;
                }
            }
        }
        let mut index = vec![usize::MAX; self.nodes.len()];
        let mut nodes = Vec::new();
        for (k, mut node) in self.nodes.into_iter().enumerate() {
            if live[k] {
                index[k] = nodes.len();
                node.args.iter_mut().for_each(|a| *a = index[*a]);
                nodes.push(node);
            }
        }
        Graph {
            func: self.func,
            nodes,
            outputs: outputs.into_iter().map(|o| index[o]).collect(),
        }
    }
}
