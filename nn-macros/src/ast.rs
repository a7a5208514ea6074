//! The spec as written: `impl Parse` for every part, keeping the tokens read
//! so that `validate` can point at them.
//!
//! ```text
//! network! {
//!     #[attributes] / doc comments
//!     VIS struct NAME {
//!         input: WIDTH,
//!         LAYER: dense(WIDTH [-> WIDTH] [, ACTIVATION]),   // one or more
//!         [loss: LOSS,]
//!     }
//! }
//! WIDTH      = integer literal | path to a `usize` constant
//! ACTIVATION = identity | sigmoid | tanh | relu | leaky_relu(ALPHA) | softmax
//! LOSS       = squared_error | mean_squared_error | absolute_error | huber(DELTA)
//!            | softmax_cross_entropy | binary_cross_entropy | hinge(DELTA)
//!            | multiclass_hinge(DELTA)
//! ```

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitFloat, LitInt, Path, Token, Visibility, braced, parenthesized};

pub mod kw {
    syn::custom_keyword!(dense);
    syn::custom_keyword!(input);
    syn::custom_keyword!(loss);
}

/// The whole `network!` input.
pub struct Spec {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub entries: Vec<Entry>,
}

/// One `key: value` entry inside the braces.
pub enum Entry {
    /// `input: WIDTH`
    Input { key: kw::input, width: Width },
    /// `loss: LOSS`
    Loss { key: kw::loss, func: Func },
    /// `NAME: dense(...)`
    Layer(Layer),
}

/// `NAME: dense(WIDTH [-> WIDTH] [, ACTIVATION])`
pub struct Layer {
    pub name: Ident,
    pub kind: kw::dense,
    /// The explicit input width, when written as `IN -> OUT`.
    pub input: Option<Width>,
    pub output: Width,
    pub activation: Option<Func>,
}

/// A width: an integer literal, or a path to a constant.
#[derive(Clone)]
pub enum Width {
    Lit { value: usize, lit: LitInt },
    Const(Path),
}

impl Width {
    /// The literal value, if the width is one.
    pub fn literal(&self) -> Option<usize> {
        match self {
            Width::Lit { value, .. } => Some(*value),
            Width::Const(_) => None,
        }
    }

    /// How the user wrote it.
    pub fn display(&self) -> String {
        match self {
            Width::Lit { value, .. } => value.to_string(),
            Width::Const(path) => path.to_token_stream().to_string().replace(' ', ""),
        }
    }
}

impl ToTokens for Width {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            // Emit the value unsuffixed (`784`, not `784usize`), spanned as the user's literal.
            Width::Lit { value, lit } => {
                let mut out = proc_macro2::Literal::usize_unsuffixed(*value);
                out.set_span(lit.span());
                out.to_tokens(tokens);
            }
            Width::Const(path) => path.to_tokens(tokens),
        }
    }
}

/// An activation or a loss: `name` or `name(number, ...)`.
pub struct Func {
    pub name: Ident,
    pub args: Option<Args>,
}

/// The parenthesised parameters of a [`Func`].
pub struct Args {
    pub paren: syn::token::Paren,
    pub values: Punctuated<Number, Token![,]>,
}

/// A numeric parameter, possibly negative.
pub struct Number {
    pub value: f64,
    pub tokens: TokenStream,
}

impl Parse for Spec {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        let body;
        braced!(body in input);
        let mut entries = Vec::new();
        while !body.is_empty() {
            entries.push(body.parse()?);
            if body.is_empty() {
                break;
            }
            body.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the network's closing brace"));
        }
        Ok(Spec {
            attrs,
            vis,
            name,
            entries,
        })
    }
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(kw::input) && input.peek2(Token![:]) {
            let key = input.parse()?;
            input.parse::<Token![:]>()?;
            return Ok(Entry::Input {
                key,
                width: input.parse()?,
            });
        }
        if input.peek(kw::loss) && input.peek2(Token![:]) {
            let key = input.parse()?;
            input.parse::<Token![:]>()?;
            return Ok(Entry::Loss {
                key,
                func: input.parse()?,
            });
        }
        let lookahead = input.lookahead1();
        if !lookahead.peek(Ident) {
            return Err(lookahead.error());
        }
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let lookahead = input.lookahead1();
        if !lookahead.peek(kw::dense) {
            return Err(lookahead.error());
        }
        let kind: kw::dense = input.parse()?;
        let args;
        parenthesized!(args in input);
        let first: Width = args.parse()?;
        let (layer_input, output) = if args.peek(Token![->]) {
            args.parse::<Token![->]>()?;
            (Some(first), args.parse::<Width>()?)
        } else {
            (None, first)
        };
        let mut activation = None;
        if !args.is_empty() {
            let lookahead = args.lookahead1();
            if lookahead.peek(Token![,]) {
                args.parse::<Token![,]>()?;
            } else if layer_input.is_none() {
                return Err(syn::Error::new(
                    args.span(),
                    "expected one of `->`, `,` or `)` after the width",
                ));
            } else {
                return Err(lookahead.error());
            }
            if !args.is_empty() {
                activation = Some(args.parse::<Func>()?);
                if !args.is_empty() {
                    args.parse::<Token![,]>()?;
                }
                if !args.is_empty() {
                    return Err(args.error(
                        "unexpected tokens: a dense layer takes a width and an activation, e.g. `dense(16, relu)`",
                    ));
                }
            }
        }
        Ok(Entry::Layer(Layer {
            name,
            kind,
            input: layer_input,
            output,
            activation,
        }))
    }
}

impl Parse for Width {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            let value = lit.base10_parse::<usize>().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    format!("expected a width (a `usize`), found `{lit}`"),
                )
            })?;
            if !matches!(lit.suffix(), "" | "usize") {
                return Err(syn::Error::new(
                    lit.span(),
                    format!("expected a width (a `usize`), found `{lit}`"),
                ));
            }
            Ok(Width::Lit { value, lit })
        } else if lookahead.peek(Ident)
            || lookahead.peek(Token![::])
            || lookahead.peek(Token![crate])
            || lookahead.peek(Token![self])
            || lookahead.peek(Token![super])
        {
            Ok(Width::Const(Path::parse_mod_style(input)?))
        } else {
            Err(lookahead.error())
        }
    }
}

impl Parse for Func {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if !lookahead.peek(Ident) {
            return Err(lookahead.error());
        }
        let name: Ident = input.parse()?;
        let args = if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            Some(Args {
                paren,
                values: content.parse_terminated(Number::parse, Token![,])?,
            })
        } else {
            None
        };
        Ok(Func { name, args })
    }
}

impl Parse for Number {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut tokens = TokenStream::new();
        let negative = if input.peek(Token![-]) {
            input.parse::<Token![-]>()?.to_tokens(&mut tokens);
            true
        } else {
            false
        };
        let lookahead = input.lookahead1();
        let magnitude = if lookahead.peek(LitFloat) {
            let lit: LitFloat = input.parse()?;
            lit.to_tokens(&mut tokens);
            lit.base10_parse::<f64>()?
        } else if lookahead.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            lit.to_tokens(&mut tokens);
            lit.base10_parse::<f64>()?
        } else {
            return Err(lookahead.error());
        };
        Ok(Number {
            value: if negative { -magnitude } else { magnitude },
            tokens,
        })
    }
}
