//! Code generation for a checked [`Graph`]. Nothing here fails.
//!
//! For `fn f(x1, x2) -> y` it emits the plain function `f::<T>(x1, x2) -> T`,
//! written with the user's own names, and a module `f` (modules and functions
//! live in different namespaces) holding the derivatives as straight-line
//! code over numbered locals:
//!
//! - `v3`, `v4_a`: node values (`_a` when the node is bound to a name);
//! - `d4_0`, `d4_1`: local partials ∂v4/∂(argument 0 or 1), `d3` for one argument;
//! - `t4_a`: tangents (forward mode), `g4_a`: adjoints (reverse mode);
//! - `c0_y`: the cotangent seeding output `y`.
//!
//! The math of each operation lives in `nn::graph::op`; this module only
//! sequences the calls.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use super::ast::{BinOp, Expr, ExprNode, Function, Stmt};
use super::graph::{Graph, Node, Op, key};

/// Everything `graph!` emits for one function.
pub fn function(graph: &Graph) -> TokenStream {
    let plain = plain(graph.func);
    let module = module(graph);
    quote! {
        #plain
        #module
    }
}

/// The bound of every generated function's scalar parameter `T`.
fn scalar() -> TokenStream {
    quote! { ::nn::__private::Scalar }
}

/// `T::cast_f64(2.0)`, or `T::cast_f64(-5.0)`.
fn constant(value: f64, span: proc_macro2::Span) -> TokenStream {
    let mut lit = Literal::f64_unsuffixed(value.abs());
    lit.set_span(span);
    if value.is_sign_negative() {
        quote! { T::cast_f64(-#lit) }
    } else {
        quote! { T::cast_f64(#lit) }
    }
}

// ---------------------------------------------------------------------------
// The plain function, with the user's names:
//
//     pub fn lecture<T: ::nn::__private::Scalar>(x1: T, x2: T, x3: T) -> T {
//         let a = x1 + ::nn::__private::graph::op::sin(x1);
//         let y = T::cast_f64(2.0) * ::nn::__private::graph::op::log10(a) * ::nn::__private::graph::op::max(x2, x3);
//         y
//     }
// ---------------------------------------------------------------------------

fn plain(func: &Function) -> TokenStream {
    let scalar = scalar();
    let attrs = &func.attrs;
    let vis = &func.vis;
    let name = &func.name;
    let inputs = &func.inputs;
    let mut stmts = TokenStream::new();
    let mut temporaries = 0;
    for Stmt { name, expr, .. } in &func.body {
        let expr = user_expr(expr, &mut stmts, &mut temporaries);
        stmts.extend(quote! { let #name = #expr; });
    }
    let outputs = &func.outputs;
    let (ret_ty, ret) = if func.tuple {
        let ts = outputs.iter().map(|_| quote! { T });
        (quote! { (#(#ts,)*) }, quote! { (#(#outputs,)*) })
    } else {
        (quote! { T }, quote! { #(#outputs)* })
    };
    let has_docs = attrs.iter().any(|a| a.path().is_ident("doc"));
    let signature = signature(func);
    let summary = format!(
        " `{signature}`, differentiated by `graph!`: see the module `{name}` for its derivatives \
         (`{name}::vjp`, `{name}::jvp`, `{name}::jacobian`, ...) and its graph."
    );
    let separator = has_docs.then(|| quote! { #[doc = ""] });
    quote! {
        #(#attrs)*
        #separator
        #[doc = #summary]
        #[allow(
            clippy::let_and_return,
            clippy::too_many_arguments,
            reason = "the body mirrors the graph! declaration: one `let` per binding, one argument per input"
        )]
        #vis fn #name<T: #scalar>(#(#inputs: T),*) -> #ret_ty {
            #stmts
            #ret
        }
    }
}

/// `lecture(x1, x2, x3) -> y`, as declared.
fn signature(func: &Function) -> String {
    let names = |v: &[Ident]| {
        v.iter()
            .map(Ident::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let outputs = if func.tuple {
        format!("({})", names(&func.outputs))
    } else {
        names(&func.outputs)
    };
    format!("{}({}) -> {}", func.name, names(&func.inputs), outputs)
}

/// How deeply the plain function nests an expression before it binds a part
/// to a temporary: rustc's parser recurses on nesting and overflows its stack
/// near 1,500 parentheses or 10,000 terms, so long or deep expressions are
/// cut into `let`s this deep (tests/graph_stress.rs).
const MAX_DEPTH: usize = 256;

/// The user's expression with calls routed to `::nn::__private::graph::op` and
/// numbers cast to `T`; parentheses and operators are the user's tokens.
/// Parts nested deeper than [`MAX_DEPTH`] become `let`s pushed onto `lets`,
/// named `t0`, `t1`, ... (`temporaries` counts them) with the macro's own
/// hygiene, so that they never clash with the user's names.
fn user_expr(expr: &Expr, lets: &mut TokenStream, temporaries: &mut usize) -> TokenStream {
    // The code and nesting depth of each part; a part's operands come
    // before it and are used once, so they are taken, not cloned.
    let mut code: Vec<TokenStream> = Vec::with_capacity(expr.nodes.len());
    let mut depth: Vec<usize> = Vec::with_capacity(expr.nodes.len());
    for part in &expr.nodes {
        let mut take = |k: usize| (std::mem::take(&mut code[k]), depth[k]);
        let (tokens, deepest) = match part {
            ExprNode::Var(ident) => (quote! { #ident }, 0),
            ExprNode::Num { value, tokens, .. } => {
                let span = tokens.clone().into_iter().last().map(|t| t.span());
                let span = span.unwrap_or_else(proc_macro2::Span::call_site);
                (constant(*value, span), 0)
            }
            ExprNode::Neg { minus, arg } => {
                let (arg, d) = take(*arg);
                (quote! { #minus #arg }, d)
            }
            ExprNode::Binary {
                token, lhs, rhs, ..
            } => {
                let ((lhs, a), (rhs, b)) = (take(*lhs), take(*rhs));
                (quote! { #lhs #token #rhs }, a.max(b))
            }
            ExprNode::Paren { paren, inner } => {
                let (inner, d) = take(*inner);
                let mut tokens = TokenStream::new();
                paren.surround(&mut tokens, |out| out.extend(inner));
                (tokens, d)
            }
            ExprNode::Call {
                func, paren, args, ..
            } => {
                let (path, args): (Ident, Vec<(TokenStream, usize)>) = match args.as_slice() {
                    [base, exponent] if func == "pow" => match &expr.nodes[*exponent] {
                        ExprNode::Num { int: Some(n), .. } => {
                            let n = Literal::i32_unsuffixed(*n);
                            let path = format_ident!("powi", span = func.span());
                            (path, vec![take(*base), (quote! { #n }, 0)])
                        }
                        _ => (func.clone(), vec![take(*base), take(*exponent)]),
                    },
                    _ => (func.clone(), args.iter().map(|&a| take(a)).collect()),
                };
                let d = args.iter().map(|(_, d)| *d).max().unwrap_or(0);
                let args = args.into_iter().map(|(tokens, _)| tokens);
                let mut call = TokenStream::new();
                paren.surround(&mut call, |inner| inner.extend(quote! { #(#args),* }));
                (quote! { ::nn::__private::graph::op::#path #call }, d)
            }
        };
        if deepest + 1 < MAX_DEPTH {
            code.push(tokens);
            depth.push(deepest + 1);
        } else {
            let t = format_ident!("t{}", *temporaries, span = proc_macro2::Span::mixed_site());
            *temporaries += 1;
            // Parentheses the user wrote may end up around the whole value.
            lets.extend(quote! {
                #[allow(unused_parens, reason = "the user's parentheses, kept as written")]
                let #t = #tokens;
            });
            code.push(quote! { #t });
            depth.push(1);
        }
    }
    code.pop().unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The module of derivatives.
// ---------------------------------------------------------------------------

/// Local names for node `k`: `v4`, or `v4_a` when the node has a name.
fn local(prefix: &str, k: usize, node: &Node) -> Ident {
    match node.name.as_deref().map(snake) {
        Some(name) if !name.is_empty() => format_ident!("{prefix}{k}_{name}"),
        _ => format_ident!("{prefix}{k}"),
    }
}

/// A user's name as a snake_case suffix: lowercase, no leading, trailing or
/// doubled underscores (so that `_x3` gives `v2_x3`, not `v2__x3`).
fn snake(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase()
}

/// The name of the partial ∂v_k/∂(argument `pos`).
fn partial(k: usize, node: &Node, pos: usize) -> Ident {
    if node.args.len() == 1 {
        format_ident!("d{k}")
    } else {
        format_ident!("d{k}_{pos}")
    }
}

/// The code that computes node `k`'s value only.
fn value(graph: &Graph, k: usize) -> TokenStream {
    let node = &graph.nodes[k];
    let args: Vec<Ident> = node
        .args
        .iter()
        .map(|&a| local("v", a, &graph.nodes[a]))
        .collect();
    match (node.op, args.as_slice()) {
        (Op::Const(c), _) => constant(c, proc_macro2::Span::call_site()),
        (Op::Neg, [a]) => quote! { -#a },
        (Op::Arith(op), [a, b]) => match op {
            BinOp::Add => quote! { #a + #b },
            BinOp::Sub => quote! { #a - #b },
            BinOp::Mul => quote! { #a * #b },
            BinOp::Div => quote! { #a / #b },
        },
        (Op::Unary(f), [a]) => {
            let f = format_ident!("{f}");
            quote! { ::nn::__private::graph::op::#f(#a) }
        }
        (Op::Binary(f), [a, b]) => {
            let f = format_ident!("{f}");
            quote! { ::nn::__private::graph::op::#f(#a, #b) }
        }
        (Op::PowI(n), [a]) => {
            let n = Literal::i32_unsuffixed(n);
            quote! { ::nn::__private::graph::op::powi(#a, #n) }
        }
        _ => unreachable!("inputs are bound from the argument array; arities were checked"),
    }
}

/// The call returning node `k`'s value and partials.
fn value_and_partials(graph: &Graph, k: usize) -> TokenStream {
    let node = &graph.nodes[k];
    let args: Vec<Ident> = node
        .args
        .iter()
        .map(|&a| local("v", a, &graph.nodes[a]))
        .collect();
    let (f, extra) = match node.op {
        Op::Neg => ("neg", None),
        Op::Arith(BinOp::Add) => ("add", None),
        Op::Arith(BinOp::Sub) => ("sub", None),
        Op::Arith(BinOp::Mul) => ("mul", None),
        Op::Arith(BinOp::Div) => ("div", None),
        Op::Unary(f) | Op::Binary(f) => (f, None),
        Op::PowI(n) => ("powi", Some(Literal::i32_unsuffixed(n))),
        Op::Input(_) | Op::Const(_) => unreachable!("inputs and constants have no partials"),
    };
    let f = format_ident!("{f}_d");
    let extra = extra.map(|n| quote! { , #n });
    quote! { ::nn::__private::graph::op::#f(#(#args),* #extra) }
}

/// Which nodes' values are read by some other node or are outputs: an
/// unused input is bound to `_` so that only the plain function warns.
fn used(graph: &Graph) -> Vec<bool> {
    let mut used = vec![false; graph.nodes.len()];
    for node in &graph.nodes {
        for &a in &node.args {
            used[a] = true;
        }
    }
    for &o in &graph.outputs {
        used[o] = true;
    }
    used
}

/// `let [v0_x1, v1_x2, _] = x;` (or with another prefix and array).
fn bind_inputs(graph: &Graph, prefix: &str, array: &Ident, all: bool) -> TokenStream {
    let used = used(graph);
    let names = (0..graph.n_inputs()).map(|k| {
        if all || used[k] {
            let name = local(prefix, k, &graph.nodes[k]);
            quote! { #name }
        } else {
            quote! { _ }
        }
    });
    quote! { let [#(#names),*] = #array; }
}

/// One statement of the sweeps: `v3 = ...;` or `(v4_a, d4_0, _) = ...;`.
struct Assign {
    /// The locals bound, `None` for a value nobody reads (`_`).
    names: Vec<Option<Ident>>,
    value: TokenStream,
}

impl Assign {
    fn new(names: Vec<Option<Ident>>, value: TokenStream) -> Assign {
        Assign { names, value }
    }
}

/// How many statements share one declaration of their locals.
const DECLARE_EVERY: usize = 32;

/// Straight-line code for `assigns`, declaring the locals of every
/// [`DECLARE_EVERY`] statements in one `let` ahead of them:
///
/// ```text
/// let (v3, d3, v4_a, d4_0, d4_1, v5);
/// (v3, d3) = ::nn::__private::graph::op::sin_d(v0_x1);
/// (v4_a, d4_0, d4_1) = ::nn::__private::graph::op::add_d(v0_x1, v3);
/// v5 = T::cast_f64(2.0);
/// ```
///
/// One `let` per statement would nest one lexical scope per statement, and
/// LLVM's debug info recurses on that nesting: near 2,500 `let`s in one
/// function it overflows rustc's stack (tests/graph_stress.rs).
fn straight(assigns: &[Assign]) -> TokenStream {
    let mut out = TokenStream::new();
    for chunk in assigns.chunks(DECLARE_EVERY) {
        let declared = chunk.iter().flat_map(|a| a.names.iter().flatten());
        out.extend(quote! { let (#(#declared,)*); });
        for Assign { names, value } in chunk {
            let single = names.len() == 1;
            let names = names.iter().map(|name| match name {
                Some(name) => quote! { #name },
                None => quote! { _ },
            });
            if single {
                out.extend(quote! { #(#names)* = #value; });
            } else {
                out.extend(quote! { (#(#names),*) = #value; });
            }
        }
    }
    out
}

/// `a + b + ...`, with long sums cut into parenthesised groups of at most
/// [`DECLARE_EVERY`] terms so that no expression is deep (see [`MAX_DEPTH`]).
fn sum(mut terms: Vec<TokenStream>) -> TokenStream {
    while terms.len() > DECLARE_EVERY {
        terms = terms
            .chunks(DECLARE_EVERY)
            .map(|group| match group {
                [one] => one.clone(),
                _ => quote! { (#(#group)+*) },
            })
            .collect();
    }
    quote! { #(#terms)+* }
}

/// The forward sweep: one statement per node after the inputs; with
/// `partials`, active nodes also bind their local partial derivatives.
///
/// ```text
/// (v3, d3) = ::nn::__private::graph::op::sin_d(v0_x1);
/// (v4_a, d4_0, d4_1) = ::nn::__private::graph::op::add_d(v0_x1, v3);
/// v5 = T::cast_f64(2.0);
/// ```
fn forward(graph: &Graph, partials: bool, tangents: bool) -> TokenStream {
    let mut assigns = Vec::new();
    for k in graph.n_inputs()..graph.nodes.len() {
        let node = &graph.nodes[k];
        let v = local("v", k, node);
        if partials && node.active && !matches!(node.op, Op::Const(_)) {
            let ds = node
                .args
                .iter()
                .enumerate()
                .map(|(pos, &a)| graph.nodes[a].active.then(|| partial(k, node, pos)));
            let names = std::iter::once(Some(v)).chain(ds).collect();
            let value = value_and_partials(graph, k);
            assigns.push(Assign::new(names, value));
            if tangents {
                // t4_a = d4_0 * t0_x1 + d4_1 * t3;
                let terms = node
                    .args
                    .iter()
                    .enumerate()
                    .filter(|&(_, &a)| graph.nodes[a].active)
                    .map(|(pos, &a)| {
                        let d = partial(k, node, pos);
                        let t = local("t", a, &graph.nodes[a]);
                        quote! { #d * #t }
                    });
                let t = local("t", k, node);
                assigns.push(Assign::new(vec![Some(t)], quote! { #(#terms)+* }));
            }
        } else {
            let value = value(graph, k);
            assigns.push(Assign::new(vec![Some(v)], value));
        }
    }
    straight(&assigns)
}

/// The backward sweep, output to input. Each adjoint is pulled from the
/// node's consumers, so a value used twice sums two contributions:
///
/// ```text
/// g9_y = c0_y;
/// g4_a = g6 * d6;
/// g0_x1 = g3 * d3 + g4_a * d4_0;
/// ```
fn backward(graph: &Graph) -> TokenStream {
    let consumers = graph.consumers();
    let mut assigns = Vec::new();
    for k in (0..graph.nodes.len()).rev() {
        let node = &graph.nodes[k];
        if !node.active {
            continue;
        }
        let seeds = graph
            .outputs
            .iter()
            .enumerate()
            .filter(|&(_, &o)| o == k)
            .map(|(m, _)| {
                let c = cotangent(graph, m);
                quote! { #c }
            });
        let pulls = consumers[k].iter().map(|&(c, pos)| {
            let g = local("g", c, &graph.nodes[c]);
            let d = partial(c, &graph.nodes[c], pos);
            quote! { #g * #d }
        });
        let terms: Vec<TokenStream> = seeds.chain(pulls).collect();
        let value = if terms.is_empty() {
            quote! { T::zero() }
        } else {
            sum(terms)
        };
        let g = local("g", k, node);
        assigns.push(Assign::new(vec![Some(g)], value));
    }
    straight(&assigns)
}

/// `c0_y`: the cotangent component of output `m`.
fn cotangent(graph: &Graph, m: usize) -> Ident {
    let name = snake(&key(&graph.func.outputs[m]));
    format_ident!("c{m}_{name}")
}

/// `let [c0_y] = cotangent;`, with `_` for constant outputs.
fn bind_cotangent(graph: &Graph) -> TokenStream {
    let names = graph.outputs.iter().enumerate().map(|(m, &o)| {
        if graph.nodes[o].active {
            let c = cotangent(graph, m);
            quote! { #c }
        } else {
            quote! { _ }
        }
    });
    quote! { let [#(#names),*] = cotangent; }
}

fn module(graph: &Graph) -> TokenStream {
    let scalar = scalar();
    let func = graph.func;
    let name = &func.name;
    let vis = &func.vis;
    let cfgs = func.attrs.iter().filter(|a| a.path().is_ident("cfg"));
    let n = graph.n_inputs();
    let m = graph.outputs.len();
    let k = graph.nodes.len();
    let n_lit = Literal::usize_unsuffixed(n);
    let m_lit = Literal::usize_unsuffixed(m);
    let k_lit = Literal::usize_unsuffixed(k);
    let signature = signature(func);
    let x = format_ident!("x");
    let tangent = format_ident!("tangent");

    let input_names = func.inputs.iter().map(key);
    let output_names = func.outputs.iter().map(key);

    let values_only = forward(graph, false, false);
    let with_partials = forward(graph, true, false);
    let with_tangents = forward(graph, true, true);
    let adjoints = backward(graph);

    let output_values = graph
        .outputs
        .iter()
        .map(|&o| local("v", o, &graph.nodes[o]));
    let outputs_array = quote! { [#(#output_values),*] };
    let input_adjoints = (0..n).map(|i| local("g", i, &graph.nodes[i]));
    let output_tangents = graph.outputs.iter().map(|&o| {
        let node = &graph.nodes[o];
        if node.active {
            let t = local("t", o, node);
            quote! { #t }
        } else {
            quote! { T::zero() }
        }
    });

    // Forward mode costs one sweep per input, reverse mode one per output.
    let plural =
        |count: usize, what: &str| format!("{count} {what}{}", if count == 1 { "" } else { "s" });
    let (mode, jacobian_body, mode_doc) = if n < m {
        (
            quote! { Forward },
            quote! { ::nn::__private::graph::jacobian_forward(|tangent| jvp(x, tangent).1) },
            format!(
                "forward mode, one forward sweep per input column ({} < {})",
                plural(n, "input"),
                plural(m, "output")
            ),
        )
    } else {
        (
            quote! { Reverse },
            quote! { ::nn::__private::graph::jacobian_reverse(|cotangent| vjp(x, cotangent).1) },
            format!(
                "reverse mode, one backward sweep per output row ({} ≤ {})",
                plural(m, "output"),
                plural(n, "input")
            ),
        )
    };

    let bind_x = bind_inputs(graph, "v", &x, false);
    let bind_x_all = bind_inputs(graph, "v", &x, true);
    let bind_tangent = bind_inputs(graph, "t", &tangent, false);
    let bind_cot = bind_cotangent(graph);

    let nodes = graph.nodes.iter().map(|node| {
        let label = node.label();
        let name = match (&node.op, &node.name) {
            (Op::Input(_) | Op::Const(_), _) | (_, None) => {
                quote! { ::core::option::Option::None }
            }
            (_, Some(name)) => quote! { ::core::option::Option::Some(#name) },
        };
        let args = node.args.iter().map(|&a| Literal::usize_unsuffixed(a));
        let kind = match node.op {
            Op::Input(_) => quote! { Input },
            Op::Const(_) => quote! { Constant },
            _ => quote! { Operation },
        };
        let active = node.active;
        quote! {
            ::nn::__private::graph::Node {
                label: #label,
                name: #name,
                args: &[#(#args),*],
                kind: ::nn::__private::graph::NodeKind::#kind,
                active: #active,
            }
        }
    });
    let graph_inputs = (0..n).map(Literal::usize_unsuffixed);
    let graph_outputs = graph.outputs.iter().map(|&o| Literal::usize_unsuffixed(o));
    let name_str = key(name);
    let all_values = (0..k).map(|j| local("v", j, &graph.nodes[j]));
    let all_adjoints = graph.nodes.iter().enumerate().map(|(j, node)| {
        if node.active {
            let g = local("g", j, node);
            quote! { #g }
        } else {
            quote! { T::zero() }
        }
    });

    let grad = (m == 1).then(|| {
        quote! {
            /// The value and the gradient with respect to every input, in one
            /// forward and one backward sweep (reverse mode).
            pub fn grad<T: #scalar>(x: [T; #n_lit]) -> (T, [T; #n_lit]) {
                let ([value], gradient) = vjp(x, [T::one()]);
                (value, gradient)
            }
        }
    });

    let module_doc = format!(
        " Derivatives of `{signature}`, generated by `graph!`: reverse mode (`vjp`{}), \
         forward mode (`jvp`), the Jacobian (`jacobian`, in {mode_doc}) and the graph \
         (`GRAPH`, rendered with values and gradients by `dot`).",
        if m == 1 { ", `grad`" } else { "" }
    );
    let jacobian_doc = format!(
        " The {m} × {n} Jacobian ∂(outputs)/∂(inputs), rows following the outputs, \
         computed in {mode_doc}."
    );
    let mode_const_doc = format!(" How `jacobian` is computed: {mode_doc}.");

    quote! {
        #(#cfgs)*
        #[doc = #module_doc]
        #vis mod #name {
            /// The names of the inputs, in argument order.
            pub const INPUTS: [&str; #n_lit] = [#(#input_names),*];
            /// The names of the outputs, in declaration order.
            pub const OUTPUTS: [&str; #m_lit] = [#(#output_names),*];
            #[doc = #mode_const_doc]
            pub const JACOBIAN_MODE: ::nn::__private::graph::Mode = ::nn::__private::graph::Mode::#mode;
            /// The computational graph: every node that reaches an output, in
            /// evaluation order, inputs first.
            pub static GRAPH: ::nn::__private::graph::Graph = ::nn::__private::graph::Graph {
                name: #name_str,
                nodes: &[#(#nodes),*],
                inputs: &[#(#graph_inputs),*],
                outputs: &[#(#graph_outputs),*],
            };

            /// The outputs at `x`: the plain function over arrays.
            pub fn eval<T: #scalar>(x: [T; #n_lit]) -> [T; #m_lit] {
                #bind_x
                #values_only
                #outputs_array
            }

            /// Reverse mode: the outputs at `x` and the vector-Jacobian product
            /// `cotangentᵀ · J`, the gradient of `cotangent · outputs` with
            /// respect to every input, in one backward sweep.
            pub fn vjp<T: #scalar>(
                x: [T; #n_lit],
                cotangent: [T; #m_lit],
            ) -> ([T; #m_lit], [T; #n_lit]) {
                #bind_x
                #bind_cot
                // Forward sweep: values and local partial derivatives.
                #with_partials
                // Backward sweep: adjoints, output to input.
                #adjoints
                (#outputs_array, [#(#input_adjoints),*])
            }

            #grad

            /// Forward mode: the outputs at `x` and the Jacobian-vector product
            /// `J · tangent`, the directional derivative of every output, in one
            /// forward sweep.
            pub fn jvp<T: #scalar>(
                x: [T; #n_lit],
                tangent: [T; #n_lit],
            ) -> ([T; #m_lit], [T; #m_lit]) {
                #bind_x
                #bind_tangent
                #with_tangents
                (#outputs_array, [#(#output_tangents),*])
            }

            #[doc = #jacobian_doc]
            pub fn jacobian<T: #scalar>(x: [T; #n_lit]) -> [[T; #n_lit]; #m_lit] {
                #jacobian_body
            }

            /// The graph evaluated at `x`, every node with its value and its
            /// adjoint for `cotangent` (use `[1.0]` for the gradient of a single
            /// output); it displays as Graphviz DOT.
            pub fn dot<T: #scalar>(
                x: [T; #n_lit],
                cotangent: [T; #m_lit],
            ) -> ::nn::__private::graph::Dot<T, #k_lit> {
                #bind_x_all
                #bind_cot
                #with_partials
                #adjoints
                ::nn::__private::graph::Dot {
                    graph: &GRAPH,
                    values: [#(#all_values),*],
                    adjoints: [#(#all_adjoints),*],
                }
            }
        }
    }
}
