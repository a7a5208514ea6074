//! `graph!` as written: functions, statements and expressions, keeping the
//! tokens read so that `check` can point at them.
//!
//! ```text
//! graph! {
//!     #[attributes] / doc comments
//!     VIS fn NAME(INPUT, ...) -> OUTPUT | (OUTPUT, ...) {
//!         let NAME = EXPR;        // an intermediate node
//!         OUTPUT = EXPR;          // each output is assigned once
//!     }
//!     ...                         // more functions
//! }
//! EXPR = EXPR (+ | - | * | /) EXPR | -EXPR | (EXPR) | NUMBER | NAME | FUNC(EXPR, ...)
//! ```
//!
//! Expressions are read with `syn::Expr`, so precedence is Rust's, and then
//! narrowed to the forms above; anything else is a syntax error here.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Token, Visibility, braced, parenthesized};

/// The whole `graph!` input: one or more functions.
pub struct Input {
    pub functions: Vec<Function>,
}

/// `VIS fn NAME(INPUTS) -> OUTPUTS { BODY }`
pub struct Function {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub inputs: Vec<Ident>,
    pub outputs: Vec<Ident>,
    /// Whether the outputs were written in parentheses, `-> (y1, y2)`.
    pub tuple: bool,
    pub body: Vec<Stmt>,
}

/// `let NAME = EXPR;` or `OUTPUT = EXPR;`
pub struct Stmt {
    pub let_token: Option<Token![let]>,
    pub name: Ident,
    pub expr: Expr,
}

/// A binary arithmetic operator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// An expression of the graph language.
pub enum Expr {
    /// An input, a `let` or an output assigned above.
    Var(Ident),
    /// A numeric literal, possibly negated (`-5.0` is one constant).
    Num {
        value: f64,
        /// The value, if the literal is an integer that fits an `i32`.
        int: Option<i32>,
        tokens: TokenStream,
    },
    /// `-EXPR`
    Neg { minus: Token![-], expr: Box<Expr> },
    /// `EXPR op EXPR`
    Binary {
        op: BinOp,
        token: syn::BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `FUNC(ARGS)`
    Call {
        func: Ident,
        paren: syn::token::Paren,
        args: Vec<Expr>,
        tokens: TokenStream,
    },
    /// `(EXPR)`, kept so that the plain function reads as written.
    Paren {
        paren: syn::token::Paren,
        expr: Box<Expr>,
    },
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut functions = Vec::new();
        while !input.is_empty() {
            functions.push(input.parse()?);
        }
        if functions.is_empty() {
            return Err(input.error("expected a function: `fn name(x1, x2) -> y { y = ...; }`"));
        }
        Ok(Input { functions })
    }
}

impl Parse for Function {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![fn]>()?;
        let name: Ident = input.parse()?;
        let args;
        parenthesized!(args in input);
        let inputs = Punctuated::<Ident, Token![,]>::parse_terminated(&args)?;
        input.parse::<Token![->]>()?;
        let (outputs, tuple) = if input.peek(syn::token::Paren) {
            let list;
            let paren = parenthesized!(list in input);
            let outputs = Punctuated::<Ident, Token![,]>::parse_terminated(&list)?;
            if outputs.is_empty() {
                return Err(syn::Error::new(
                    paren.span.join(),
                    "found no outputs; expected at least one output name, as in `-> (y1, y2)`",
                ));
            }
            (outputs.into_iter().collect(), true)
        } else {
            (vec![input.parse::<Ident>()?], false)
        };
        let body;
        braced!(body in input);
        let mut stmts = Vec::new();
        while !body.is_empty() {
            stmts.push(body.parse()?);
        }
        Ok(Function {
            attrs,
            vis,
            name,
            inputs: inputs.into_iter().collect(),
            outputs,
            tuple,
            body: stmts,
        })
    }
}

impl Parse for Stmt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let let_token: Option<Token![let]> = input.parse()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let expr: syn::Expr = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Stmt {
            let_token,
            name,
            expr: Expr::from_syn(expr)?,
        })
    }
}

/// What the graph language accepts, for error messages.
const EXPECTED: &str =
    "expected a name, a number, `+`, `-`, `*`, `/`, parentheses or a call like `sin(x)`";

impl Expr {
    /// Narrows a Rust expression to the graph language.
    fn from_syn(expr: syn::Expr) -> syn::Result<Expr> {
        match expr {
            syn::Expr::Path(path) => match path.path.get_ident() {
                Some(ident) if path.qself.is_none() && path.attrs.is_empty() => {
                    Ok(Expr::Var(ident.clone()))
                }
                _ => Err(syn::Error::new_spanned(
                    &path,
                    format!(
                        "found the path `{}`; expected a single name",
                        path.to_token_stream().to_string().replace(' ', "")
                    ),
                )),
            },
            syn::Expr::Lit(lit) => Expr::number(&lit.lit, false, lit.to_token_stream()),
            syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Neg(minus),
                expr,
                ..
            }) => match *expr {
                syn::Expr::Lit(lit) => {
                    let mut tokens = minus.to_token_stream();
                    lit.to_tokens(&mut tokens);
                    Expr::number(&lit.lit, true, tokens)
                }
                other => Ok(Expr::Neg {
                    minus,
                    expr: Box::new(Expr::from_syn(other)?),
                }),
            },
            syn::Expr::Binary(binary) => {
                let op = match binary.op {
                    syn::BinOp::Add(_) => BinOp::Add,
                    syn::BinOp::Sub(_) => BinOp::Sub,
                    syn::BinOp::Mul(_) => BinOp::Mul,
                    syn::BinOp::Div(_) => BinOp::Div,
                    other => {
                        let hint = if matches!(other, syn::BinOp::BitXor(_)) {
                            " (write powers as `pow(x, 2)`)"
                        } else {
                            ""
                        };
                        return Err(syn::Error::new_spanned(
                            other,
                            format!(
                                "found the operator `{}`; expected `+`, `-`, `*` or `/`{hint}",
                                other.to_token_stream()
                            ),
                        ));
                    }
                };
                Ok(Expr::Binary {
                    op,
                    token: binary.op,
                    lhs: Box::new(Expr::from_syn(*binary.left)?),
                    rhs: Box::new(Expr::from_syn(*binary.right)?),
                })
            }
            syn::Expr::Call(call) => {
                let tokens = call.to_token_stream();
                let func = match &*call.func {
                    syn::Expr::Path(path) if path.qself.is_none() => path.path.get_ident().cloned(),
                    _ => None,
                };
                let Some(func) = func else {
                    return Err(syn::Error::new_spanned(
                        &call.func,
                        "found a call of something other than a function name; expected a call like `sin(x)`",
                    ));
                };
                let args = call
                    .args
                    .into_iter()
                    .map(Expr::from_syn)
                    .collect::<syn::Result<_>>()?;
                Ok(Expr::Call {
                    func,
                    paren: call.paren_token,
                    args,
                    tokens,
                })
            }
            syn::Expr::Paren(paren) => Ok(Expr::Paren {
                paren: paren.paren_token,
                expr: Box::new(Expr::from_syn(*paren.expr)?),
            }),
            syn::Expr::Group(group) => Expr::from_syn(*group.expr),
            syn::Expr::MethodCall(call) => Err(syn::Error::new_spanned(
                &call.method,
                format!(
                    "found the method call `.{}()`; expected a function call like `{}(x)`",
                    call.method, call.method
                ),
            )),
            other => Err(syn::Error::new_spanned(
                &other,
                format!("unsupported expression; {EXPECTED}"),
            )),
        }
    }

    /// A numeric literal; `negative` when written after a `-`.
    fn number(lit: &syn::Lit, negative: bool, tokens: TokenStream) -> syn::Result<Expr> {
        let suffix = match lit {
            syn::Lit::Int(int) => int.suffix(),
            syn::Lit::Float(float) => float.suffix(),
            _ => "",
        };
        // error: found the suffixed number `2.0f32`; expected a number without a
        // suffix (`2.0`): graph! converts numbers to the scalar type
        if !suffix.is_empty() {
            return Err(syn::Error::new_spanned(
                lit,
                format!(
                    "found the suffixed number `{}`; expected a number without a suffix (`{}`): \
                     graph! converts numbers to the scalar type",
                    lit.to_token_stream(),
                    lit.to_token_stream().to_string().trim_end_matches(suffix)
                ),
            ));
        }
        let sign = if negative { -1.0 } else { 1.0 };
        let (value, int) = match lit {
            syn::Lit::Int(int) => {
                let value: f64 = int.base10_parse()?;
                let int = int
                    .base10_parse::<i64>()
                    .ok()
                    .map(|i| if negative { -i } else { i })
                    .and_then(|i| i32::try_from(i).ok());
                (sign * value, int)
            }
            syn::Lit::Float(float) => (sign * float.base10_parse::<f64>()?, None),
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    format!(
                        "found the literal `{}`; expected a number",
                        other.to_token_stream()
                    ),
                ));
            }
        };
        if !value.is_finite() {
            return Err(syn::Error::new_spanned(
                &tokens,
                "found a number too large for `f64`; expected a finite number",
            ));
        }
        Ok(Expr::Num { value, int, tokens })
    }
}
