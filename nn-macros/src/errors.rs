//! Collecting several spanned errors, and "did you mean" suggestions.

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
}
