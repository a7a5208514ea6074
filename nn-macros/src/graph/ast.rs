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
//! Expressions are read token by token with Rust's precedence (`-x` binds
//! tightest, then `*` `/`, then `+` `-`, left to right) into a flat
//! [`Expr`], with explicit stacks instead of recursion: a sum of thousands of
//! terms or a thousand nested parentheses costs heap, not the compiler's
//! stack. Anything else is a syntax error here.

use std::iter::Peekable;

use proc_macro2::{Delimiter, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::token::Paren;
use syn::{Attribute, Ident, Token, Visibility, braced, parenthesized};

use crate::diagnostics::describe;

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

impl BinOp {
    /// Rust's precedence: `*` and `/` bind tighter than `+` and `-`.
    fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
        }
    }
}

/// An expression of the graph language, flattened: every part is an
/// [`ExprNode`] whose operands come before it, so the last one is the whole
/// expression. Walks over it are loops in index order, never recursion: an
/// expression of thousands of terms or parentheses is just a longer vector.
pub struct Expr {
    pub nodes: Vec<ExprNode>,
}

/// The index of a part of an [`Expr`].
pub type ExprId = usize;

/// One part of an [`Expr`].
pub enum ExprNode {
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
    Neg { minus: Token![-], arg: ExprId },
    /// `EXPR op EXPR`
    Binary {
        op: BinOp,
        token: Punct,
        lhs: ExprId,
        rhs: ExprId,
    },
    /// `FUNC(ARGS)`
    Call {
        func: Ident,
        paren: Paren,
        args: Vec<ExprId>,
        /// The whole call, for errors about it.
        tokens: TokenStream,
    },
    /// `(EXPR)`, kept so that the plain function reads as written.
    Paren { paren: Paren, inner: ExprId },
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
                    "expected at least one output name, as in `-> (y1, y2)`, found none",
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
        // The expression's tokens, up to the `;` (which cannot appear inside
        // an expression outside brackets).
        let (tokens, semi) = input.step(|cursor| {
            let mut rest = *cursor;
            let mut tokens = Vec::new();
            while let Some((token, next)) = rest.token_tree() {
                if let TokenTree::Punct(p) = &token
                    && p.as_char() == ';'
                {
                    return Ok(((tokens, p.span()), next));
                }
                tokens.push(token);
                rest = next;
            }
            Err(cursor.error("expected `;` after the expression"))
        })?;
        Ok(Stmt {
            let_token,
            name,
            expr: Parser::default().parse(tokens, semi)?,
        })
    }
}

/// What the graph language accepts where an operand is due, for errors.
const EXPECTED: &str = "expected a name, a number, `-`, parentheses or a call like `sin(x)`";

/// Reads an expression with explicit stacks instead of recursion, so that
/// nesting costs heap, not the compiler's stack: each open parenthesis or
/// call is a [`Frame`], each pending operator an entry of its frame.
#[derive(Default)]
struct Parser {
    nodes: Vec<ExprNode>,
}

/// A group of tokens being read.
struct Frame {
    kind: Kind,
    tokens: Peekable<proc_macro2::token_stream::IntoIter>,
    /// The token that ends the group (`;` or `)`), for "found `)`" errors.
    end: (Span, &'static str),
    operands: Vec<ExprId>,
    pending: Vec<Pending>,
    /// Whether the next token must start an operand.
    want_operand: bool,
}

/// What a group becomes once read.
enum Kind {
    /// The statement's expression.
    Top,
    /// `(EXPR)`
    Paren(Paren),
    /// A group without delimiters (a `macro_rules!` fragment): transparent.
    Invisible,
    /// `FUNC(ARGS)`, with the arguments read so far.
    Call {
        func: Ident,
        paren: Paren,
        args: Vec<ExprId>,
        tokens: TokenStream,
    },
}

/// An operator waiting for its right operand.
enum Pending {
    Neg(Token![-]),
    Binary(BinOp, Punct),
}

impl Frame {
    fn new(kind: Kind, tokens: TokenStream, end: (Span, &'static str)) -> Frame {
        Frame {
            kind,
            tokens: tokens.into_iter().peekable(),
            end,
            operands: Vec::new(),
            pending: Vec::new(),
            want_operand: true,
        }
    }
}

impl Parser {
    /// The expression made of `tokens`, which the token at `end` follows.
    fn parse(mut self, tokens: Vec<TokenTree>, end: Span) -> syn::Result<Expr> {
        let top = Frame::new(Kind::Top, tokens.into_iter().collect(), (end, ";"));
        let mut stack = vec![top];
        while let Some(frame) = stack.last_mut() {
            let Some(token) = frame.tokens.next() else {
                let Some(frame) = stack.pop() else { break };
                let value = self.close(frame)?;
                match stack.last_mut() {
                    Some(parent) => {
                        parent.operands.push(value);
                        parent.want_operand = false;
                    }
                    None => break,
                }
                continue;
            };
            let opened = if frame.want_operand {
                self.operand(frame, token)?
            } else {
                self.operator(frame, token)?;
                None
            };
            stack.extend(opened);
        }
        Ok(Expr { nodes: self.nodes })
    }

    fn push(&mut self, node: ExprNode) -> ExprId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Reads `token` where an operand is due; a parenthesis or a call opens
    /// a frame for its contents.
    fn operand(&mut self, frame: &mut Frame, token: TokenTree) -> syn::Result<Option<Frame>> {
        let node = match token {
            TokenTree::Punct(p) if p.as_char() == '-' => {
                let minus = Token![-](p.span());
                let literal = match frame.tokens.peek() {
                    Some(TokenTree::Literal(lit)) => Some(lit.clone()),
                    _ => None,
                };
                if let Some(lit) = literal {
                    frame.tokens.next();
                    let mut tokens = minus.to_token_stream();
                    lit.to_tokens(&mut tokens);
                    Expr::number(&syn::Lit::new(lit), true, tokens)?
                } else {
                    frame.pending.push(Pending::Neg(minus));
                    return Ok(None);
                }
            }
            TokenTree::Literal(lit) => {
                Expr::number(&syn::Lit::new(lit.clone()), false, lit.to_token_stream())?
            }
            TokenTree::Ident(ident) => {
                if syn::parse2::<Ident>(ident.to_token_stream()).is_err() {
                    let what = if ident == "_" { "" } else { "the keyword " };
                    return Err(syn::Error::new(
                        ident.span(),
                        format!("{EXPECTED}, found {what}`{ident}`"),
                    ));
                }
                match frame.tokens.peek() {
                    Some(TokenTree::Punct(p)) if p.as_char() == ':' => {
                        return Err(path_error(ident, &mut frame.tokens));
                    }
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                        let group = g.clone();
                        frame.tokens.next();
                        let tokens = quote::quote! { #ident #group };
                        let kind = Kind::Call {
                            func: ident,
                            paren: Paren {
                                span: group.delim_span(),
                            },
                            args: Vec::new(),
                            tokens,
                        };
                        let end = (group.span_close(), ")");
                        return Ok(Some(Frame::new(kind, group.stream(), end)));
                    }
                    _ => ExprNode::Var(ident),
                }
            }
            TokenTree::Group(group) => {
                let kind = match group.delimiter() {
                    Delimiter::Parenthesis => Kind::Paren(Paren {
                        span: group.delim_span(),
                    }),
                    Delimiter::None => Kind::Invisible,
                    Delimiter::Brace | Delimiter::Bracket => {
                        return Err(syn::Error::new(
                            group.span(),
                            format!("{EXPECTED}, found {}", describe(&TokenTree::Group(group))),
                        ));
                    }
                };
                let end = (group.span_close(), ")");
                return Ok(Some(Frame::new(kind, group.stream(), end)));
            }
            TokenTree::Punct(p) => {
                return Err(syn::Error::new(
                    p.span(),
                    format!("{EXPECTED}, found `{}`", p.as_char()),
                ));
            }
        };
        let id = self.push(node);
        frame.operands.push(id);
        frame.want_operand = false;
        Ok(None)
    }

    /// Reads `token` after an operand: an operator, or `,` between arguments.
    fn operator(&mut self, frame: &mut Frame, token: TokenTree) -> syn::Result<()> {
        let punct = match token {
            TokenTree::Punct(p) => p,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                return Err(syn::Error::new(
                    g.span(),
                    "expected a call like `sin(x)`, found a call of something other than a function name",
                ));
            }
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    format!(
                        "expected `+`, `-`, `*`, `/` or `{}` after an operand, found {}",
                        frame.end.1,
                        describe(&other)
                    ),
                ));
            }
        };
        let op = match punct.as_char() {
            '+' => Some(BinOp::Add),
            '-' => Some(BinOp::Sub),
            '*' => Some(BinOp::Mul),
            '/' => Some(BinOp::Div),
            _ => None,
        };
        // `+=`, `->`: an operator of two characters that starts like ours.
        let compound = punct.spacing() == Spacing::Joint
            && matches!(frame.tokens.peek(), Some(TokenTree::Punct(next)) if matches!(next.as_char(), '=' | '>'));
        if let (Some(op), false) = (op, compound) {
            self.reduce(frame, op.precedence());
            // Alone: re-emitted before a `-`, a joint `-` could read as `->`.
            let mut token = Punct::new(punct.as_char(), Spacing::Alone);
            token.set_span(punct.span());
            frame.pending.push(Pending::Binary(op, token));
            frame.want_operand = true;
            return Ok(());
        }
        if punct.as_char() == ',' && matches!(frame.kind, Kind::Call { .. }) {
            let arg = self.reduce_all(frame);
            if let Kind::Call { args, .. } = &mut frame.kind {
                args.extend(arg);
            }
            frame.want_operand = true;
            return Ok(());
        }
        if punct.as_char() == '.'
            && let Some(TokenTree::Ident(method)) = frame.tokens.next()
        {
            return Err(syn::Error::new(
                method.span(),
                format!(
                    "expected a function call like `{method}(x)`, found the method call `.{method}()`"
                ),
            ));
        }
        // The whole operator, `^` or `<<` or `&&`.
        let mut tokens = punct.to_token_stream();
        let mut text = punct.as_char().to_string();
        let mut spacing = punct.spacing();
        while spacing == Spacing::Joint {
            let Some(TokenTree::Punct(next)) = frame.tokens.next() else {
                break;
            };
            text.push(next.as_char());
            spacing = next.spacing();
            next.to_tokens(&mut tokens);
        }
        let hint = if text == "^" {
            " (write powers as `pow(x, 2)`)"
        } else {
            ""
        };
        Err(syn::Error::new_spanned(
            tokens,
            format!("expected `+`, `-`, `*` or `/`, found the operator `{text}`{hint}"),
        ))
    }

    /// Applies every pending operator that binds at least as tightly as
    /// `precedence` (all of them for 0): negations first, then binary
    /// operators left to right.
    fn reduce(&mut self, frame: &mut Frame, precedence: u8) {
        while let Some(pending) = frame.pending.last() {
            let node = match pending {
                Pending::Neg(_) => {
                    let (Some(Pending::Neg(minus)), Some(arg)) =
                        (frame.pending.pop(), frame.operands.pop())
                    else {
                        unreachable!("a negation's operand is read before it is applied")
                    };
                    ExprNode::Neg { minus, arg }
                }
                Pending::Binary(op, _) if op.precedence() >= precedence => {
                    let (Some(Pending::Binary(op, token)), Some(rhs), Some(lhs)) = (
                        frame.pending.pop(),
                        frame.operands.pop(),
                        frame.operands.pop(),
                    ) else {
                        unreachable!("a binary operator's operands are read before it is applied")
                    };
                    ExprNode::Binary {
                        op,
                        token,
                        lhs,
                        rhs,
                    }
                }
                Pending::Binary(..) => break,
            };
            let id = self.push(node);
            frame.operands.push(id);
        }
    }

    /// The frame's value so far, every pending operator applied; `None`
    /// when nothing was read.
    fn reduce_all(&mut self, frame: &mut Frame) -> Option<ExprId> {
        self.reduce(frame, 0);
        frame.operands.pop()
    }

    /// The value of a group that has no tokens left.
    fn close(&mut self, mut frame: Frame) -> syn::Result<ExprId> {
        let (span, token) = frame.end;
        let missing = || syn::Error::new(span, format!("{EXPECTED}, found `{token}`"));
        // `f()`, and a trailing comma as in `max(a, b,)`, leave no operand.
        let empty_call = matches!(&frame.kind, Kind::Call { .. })
            && frame.operands.is_empty()
            && frame.pending.is_empty();
        if frame.want_operand && !empty_call {
            return Err(missing());
        }
        let value = self.reduce_all(&mut frame);
        let node = match frame.kind {
            Kind::Top | Kind::Invisible => return value.ok_or_else(missing),
            Kind::Paren(paren) => ExprNode::Paren {
                paren,
                inner: value.ok_or_else(missing)?,
            },
            Kind::Call {
                func,
                paren,
                mut args,
                tokens,
            } => {
                args.extend(value);
                ExprNode::Call {
                    func,
                    paren,
                    args,
                    tokens,
                }
            }
        };
        Ok(self.push(node))
    }
}

/// The error for a path such as `f64::consts::PI`, spanning all of it.
fn path_error(
    first: Ident,
    rest: &mut Peekable<proc_macro2::token_stream::IntoIter>,
) -> syn::Error {
    let mut tokens = first.to_token_stream();
    while let Some(TokenTree::Punct(p)) = rest.peek()
        && p.as_char() == ':'
    {
        tokens.extend(rest.next());
        if let Some(TokenTree::Ident(_)) = rest.peek() {
            tokens.extend(rest.next());
        }
    }
    let text = tokens.to_string().replace(' ', "");
    syn::Error::new_spanned(
        tokens,
        format!("expected a single name, found the path `{text}`"),
    )
}

impl Expr {
    /// A numeric literal; `negative` when written after a `-`.
    fn number(lit: &syn::Lit, negative: bool, tokens: TokenStream) -> syn::Result<ExprNode> {
        let suffix = match lit {
            syn::Lit::Int(int) => int.suffix(),
            syn::Lit::Float(float) => float.suffix(),
            _ => "",
        };
        if !suffix.is_empty() {
            return Err(syn::Error::new_spanned(
                lit,
                format!(
                    "expected a number without a suffix (`{}`), found the suffixed number `{}`: \
                     graph! converts numbers to the scalar type",
                    lit.to_token_stream().to_string().trim_end_matches(suffix),
                    lit.to_token_stream()
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
                        "expected a number, found the literal `{}`",
                        other.to_token_stream()
                    ),
                ));
            }
        };
        if !value.is_finite() {
            return Err(syn::Error::new_spanned(
                &tokens,
                "expected a finite number, found a number too large for `f64`",
            ));
        }
        Ok(ExprNode::Num { value, int, tokens })
    }
}
