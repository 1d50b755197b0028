//! Naming the field a TOML error is about, for run configs: the key whose value the error's span
//! points at (under the `[section]` above it), or the field a "missing/unknown field" message
//! names; never the offending value.
//!
//! ```
//! use grokked_train::toml_errors::toml_error_field;
//! let text = "[train]\nlr = \"fast\"\n";
//! let err = toml::from_str::<grokked_train::RunConfig>(text).unwrap_err();
//! let (field, msg) = toml_error_field(text, &err, |_| None);
//! assert_eq!(field, "train.lr");
//! assert!(msg.contains("invalid type"), "{msg}");
//! ```

/// The dotted field and message of a TOML error over `text`. When the error is about a whole
/// section (as errors inside a `flatten`ed struct are), `at_fault` may name the key instead.
pub fn toml_error_field(
    text: &str,
    e: &toml::de::Error,
    at_fault: impl Fn(&str) -> Option<(String, String)>,
) -> (String, String) {
    let field = toml_field(text, e);
    let names_a_key = field.contains('.') || e.message().contains('`');
    if !names_a_key {
        if let Some(found) = at_fault(text) {
            return found;
        }
    }
    (field, e.message().to_string())
}

/// The dotted name of the field a TOML error is about: the key whose value the error's span
/// points at (under the `[section]` above it), or the field a "missing/unknown field" message
/// names. Never the offending value.
fn toml_field(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message();
    let Some(span) = e.span() else {
        return "<document>".into();
    };
    let start = span.start.min(text.len());
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let section = text[..line_end].lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .map(|l| l.trim_matches(['[', ']']).trim().to_string())
    });
    let named = (msg.starts_with("missing field") || msg.starts_with("unknown field"))
        .then(|| msg.split('`').nth(1))
        .flatten();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let key = named.map(str::to_string).or_else(|| {
        let lhs = text[line_start..start].rsplit_once('=')?.0;
        let key = lhs.rsplit(['{', ',']).next()?.trim().trim_matches('"');
        (!key.is_empty()).then(|| key.to_string())
    });
    match (section, key) {
        (Some(s), Some(k)) if !text[line_start..start].trim_start().starts_with('[') => {
            format!("{s}.{k}")
        }
        (_, Some(k)) => k,
        (Some(s), None) => s,
        (None, None) => "<document>".into(),
    }
}
