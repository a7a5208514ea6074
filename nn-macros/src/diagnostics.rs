//! Collecting several spanned errors, "did you mean" suggestions, and parse
//! errors that say what was found.

use proc_macro2::TokenTree;
use syn::parse::ParseStream;

/// Every problem found in a spec, combined into one `syn::Error` so that the
/// user sees them all in one build (serde's `Ctxt`).
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Records one more error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Records `error` as the last one and returns everything recorded.
    pub fn fail(mut self, error: syn::Error) -> syn::Error {
        self.push(error);
        match self.0 {
            Some(all) => all,
            None => unreachable!("an error was just pushed"),
        }
    }

    /// `Ok(value)` if nothing was recorded, else every error combined.
    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}

/// The one sink of a validation (serde_derive's `Ctxt`): the errors the
/// macro reports now, and the assertions the compiler checks after expansion
/// (rules on named constants, whose values the macro cannot see). Every rule
/// writes here and goes on, so one build shows every problem.
pub struct Ctxt<A> {
    /// `None` once `finish` or `fail` has taken the errors out.
    errors: Option<Errors>,
    assertions: Vec<A>,
}

impl<A> Ctxt<A> {
    pub fn new() -> Self {
        Ctxt {
            errors: Some(Errors::default()),
            assertions: Vec::new(),
        }
    }

    /// Records one more error.
    pub fn error(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// Records a rule for the compiler to check.
    pub fn assert(&mut self, assertion: A) {
        self.assertions.push(assertion);
    }

    /// `Ok(build(assertions))` if no error was recorded, else every error
    /// combined.
    pub fn finish<T>(mut self, build: impl FnOnce(Vec<A>) -> T) -> syn::Result<T> {
        let errors = self.errors.take().unwrap_or_default();
        errors
            .finish(())
            .map(|()| build(core::mem::take(&mut self.assertions)))
    }

    /// Records `error` as the last one and returns everything recorded.
    pub fn fail(mut self, error: syn::Error) -> syn::Error {
        self.errors.take().unwrap_or_default().fail(error)
    }
}

impl<A> Drop for Ctxt<A> {
    /// A validation that never reached `finish` or `fail` would drop its
    /// errors silently; that is a bug in the macro (serde's safety net).
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("a validation context was dropped without `finish` or `fail`");
        }
    }
}

/// The candidate closest to `found` by edit distance, if it is close enough to
/// be a plausible typo.
pub fn nearest<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let found = found.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&found, c), *c))
        .filter(|(d, c)| {
            *d <= (c.len() / 3).max(2) || c.starts_with(&found) || found.starts_with(c)
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `` "; did you mean `relu`?" `` for an unknown name, or `""` if nothing is
/// close. Besides typos ([`nearest`]) it knows the names other libraries use
/// (`aliases`, e.g. `("mse", "mean_squared_error")`) and names that are the
/// tail of several candidates (`cross_entropy` is the end of both
/// `softmax_cross_entropy` and `binary_cross_entropy`, so both are offered).
pub fn did_you_mean(found: &str, candidates: &[&str], aliases: &[(&str, &str)]) -> String {
    let lower = found.to_ascii_lowercase();
    let mut picks: Vec<&str> = Vec::new();
    if let Some((_, to)) = aliases.iter().find(|(from, _)| *from == lower) {
        picks.push(to);
    } else if let Some(n) = nearest(&lower, candidates) {
        picks.push(n);
    } else if lower.len() >= 4 {
        picks.extend(candidates.iter().filter(|c| c.ends_with(&*lower)));
    }
    if picks.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", one_of(&picks))
    }
}

/// An error at the next token: `` expected {what}, found `tok` ``, or
/// `unexpected end of input, expected {what}` where nothing is left.
pub fn expected(input: ParseStream, what: &str) -> syn::Error {
    expected_hint(input, what, "")
}

/// [`expected`] followed by `hint` (`"; did you mean `input`?"`).
pub fn expected_hint(input: ParseStream, what: &str, hint: &str) -> syn::Error {
    match input.cursor().token_tree() {
        Some((token, _)) => syn::Error::new(
            token.span(),
            format!("expected {what}, found {}{hint}", describe(&token)),
        ),
        None => input.error(format!("expected {what}{hint}")),
    }
}

/// A token as a message shows it: `` `dens` ``, `` `"8"` ``, `` `(...)` ``.
pub fn describe(token: &TokenTree) -> String {
    match token {
        TokenTree::Group(group) => {
            let (open, close) = match group.delimiter() {
                proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                proc_macro2::Delimiter::Brace => ("{", "}"),
                proc_macro2::Delimiter::Bracket => ("[", "]"),
                proc_macro2::Delimiter::None => ("", ""),
            };
            format!("`{open}...{close}`")
        }
        other => format!("`{other}`"),
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `` `a`, `b` or `c` `` for messages.
pub fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {}", rest.join(", "), last),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["relu", "sigmoid", "tanh", "leaky_relu", "softmax"];
        assert_eq!(nearest("rellu", &names), Some("relu"));
        assert_eq!(nearest("softmaxx", &names), Some("softmax"));
        assert_eq!(nearest("Sigmoid", &names), Some("sigmoid"));
        assert_eq!(nearest("banana", &names), None);
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }

    #[test]
    fn suggests_aliases_and_shared_tails() {
        let losses = ["huber", "softmax_cross_entropy", "binary_cross_entropy"];
        let aliases = [("bce", "binary_cross_entropy")];
        assert_eq!(
            did_you_mean("cross_entropy", &losses, &aliases),
            "; did you mean `softmax_cross_entropy` or `binary_cross_entropy`?"
        );
        assert_eq!(
            did_you_mean("BCE", &losses, &aliases),
            "; did you mean `binary_cross_entropy`?"
        );
        assert_eq!(
            did_you_mean("hubr", &losses, &aliases),
            "; did you mean `huber`?"
        );
        assert_eq!(did_you_mean("banana", &losses, &aliases), "");
    }
}

#[cfg(test)]
mod ctxt_tests {
    use proc_macro2::Span;

    use super::Ctxt;

    #[test]
    fn keeps_the_assertions_when_no_error_was_recorded() {
        let mut cx = Ctxt::<u8>::new();
        cx.assert(1);
        cx.assert(2);
        assert_eq!(cx.finish(|a| a).ok(), Some(vec![1, 2]));
    }

    #[test]
    fn reports_every_error() {
        let mut cx = Ctxt::<u8>::new();
        cx.error(syn::Error::new(Span::call_site(), "first"));
        cx.assert(1);
        cx.error(syn::Error::new(Span::call_site(), "second"));
        let messages: Vec<String> = match cx.finish(|a| a) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    #[should_panic(expected = "dropped without `finish` or `fail`")]
    fn a_context_never_checked_is_a_bug() {
        let mut cx = Ctxt::<u8>::new();
        cx.error(syn::Error::new(Span::call_site(), "lost"));
    }
}
