//! The tutorial's natural-language reasoning CSV: `premises,question,answer` (optionally `case`
//! and `split`), read with validation that names the file, line and column of every problem, and
//! written back (quoted as RFC 4180 says). A leading UTF-8 byte-order mark is skipped; answers
//! must be `yes` or `no`, cases one of [`CASES`], splits a split name; errors quote at most
//! [`crate::error::QUOTE_LIMIT`] characters of the file.
//!
//! ```
//! use grokked_data::io::reasoning_csv::{parse, to_csv};
//! let text = "premises,question,answer\n\"All birds can fly. Tweety is a bird.\",Can Tweety fly?,yes\n";
//! let rows = parse(text, "mem.csv").unwrap();
//! assert_eq!(rows[0].answer, "yes");
//! assert_eq!(parse(&to_csv(&rows), "again.csv").unwrap(), rows);
//! let err = parse("premises,question\na,b\n", "bad.csv").unwrap_err();
//! assert!(err.to_string().contains("answer"));
//! let err = parse("premises,question,answer\nA.,B?,maybe\n", "odd.csv").unwrap_err();
//! assert!(err.to_string().starts_with("odd.csv:2:7"));
//! ```

use crate::error::{clip, DataError, Result};
use crate::split::Split;
use polars::prelude::{Column, DataFrame};
use std::path::Path;

/// The columns every file must have.
pub const REQUIRED: [&str; 3] = ["premises", "question", "answer"];
/// The answers a row may give (compared without case).
pub const ANSWERS: [&str; 2] = ["yes", "no"];
/// The reasoning cases a row may name.
pub const CASES: [&str; 3] = ["one_hop", "two_hop", "exception"];

/// One question with its premises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasoningRow {
    /// The premises, as sentences.
    pub premises: String,
    /// The question.
    pub question: String,
    /// The answer (`yes` / `no` for generated rows).
    pub answer: String,
    /// What kind of reasoning it takes (`one_hop`, `two_hop`, `exception`), if given.
    pub case: Option<String>,
    /// The split, if given.
    pub split: Option<String>,
}

/// A field with the 1-based line and column where it starts.
struct Field {
    text: String,
    line: usize,
    column: usize,
}

/// Splits CSV text into records of fields, tracking positions; quotes may span lines.
fn records(text: &str, file: &str) -> Result<Vec<Vec<Field>>> {
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut column) = (1usize, 1usize);
    loop {
        let (start_line, start_col) = (line, column);
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            column += 1;
            loop {
                match chars.next() {
                    None => {
                        return Err(DataError::parse(
                            file,
                            start_line,
                            start_col,
                            "unterminated quote",
                        ))
                    }
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        column += 2;
                        field.push('"');
                    }
                    Some('"') => {
                        column += 1;
                        break;
                    }
                    Some('\n') => {
                        line += 1;
                        column = 1;
                        field.push('\n');
                    }
                    Some(c) => {
                        column += 1;
                        field.push(c);
                    }
                }
            }
            if let Some(&c) = chars.peek().filter(|c| !matches!(c, ',' | '\n' | '\r')) {
                return Err(DataError::parse(
                    file,
                    line,
                    column,
                    format!(
                        "`{c}` after a closing quote: a quoted field ends at a comma or the line's \
                         end (write a quote inside a quoted field as \"\")"
                    ),
                ));
            }
        }
        while let Some(&c) = chars.peek() {
            if c == ',' || c == '\n' || c == '\r' {
                break;
            }
            if c == '"' {
                return Err(DataError::parse(
                    file,
                    line,
                    column,
                    "quote inside an unquoted field",
                ));
            }
            field.push(c);
            column += 1;
            chars.next();
        }
        record.push(Field {
            text: field,
            line: start_line,
            column: start_col,
        });
        match chars.next() {
            Some(',') => column += 1,
            Some('\r') | Some('\n') | None => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                let blank = record.len() == 1 && record[0].text.is_empty();
                if !blank {
                    out.push(std::mem::take(&mut record));
                } else {
                    record.clear();
                }
                if chars.peek().is_none() {
                    return Ok(out);
                }
                line += 1;
                column = 1;
            }
            Some(_) => unreachable!("fields end at a delimiter"),
        }
    }
}

/// Checks a value of a column with a fixed set of values.
fn check_value(f: &Field, column: &str, ok: bool, expected: &str, file: &str) -> Result<()> {
    if ok {
        return Ok(());
    }
    Err(DataError::parse(
        file,
        f.line,
        f.column,
        format!("{column} `{}` is not {expected}", clip(f.text.trim())),
    ))
}

/// Parses CSV text; `file` names the source in errors.
pub fn parse(text: &str, file: &str) -> Result<Vec<ReasoningRow>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut recs = records(text, file)?.into_iter();
    let header = recs
        .next()
        .ok_or_else(|| DataError::parse(file, 1, 1, "empty file: expected a header"))?;
    let names: Vec<&str> = header.iter().map(|f| f.text.trim()).collect();
    for (i, f) in header.iter().enumerate() {
        if let Some(first) = names[..i].iter().position(|n| *n == names[i]) {
            return Err(DataError::parse(
                file,
                f.line,
                f.column,
                format!(
                    "column `{}` appears twice in the header (fields {} and {})",
                    clip(names[i]),
                    first + 1,
                    i + 1
                ),
            ));
        }
    }
    let index = |name: &str| names.iter().position(|n| *n == name);
    let required = REQUIRED
        .iter()
        .map(|&c| {
            index(c).ok_or_else(|| {
                DataError::parse(
                    file,
                    1,
                    1,
                    format!("missing column `{c}` (header: {})", clip(&names.join(","))),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (case, split) = (index("case"), index("split"));
    recs.map(|rec| {
        let first = (rec[0].line, rec[0].column);
        if rec.len() < names.len() {
            let msg = format!(
                "expected {} fields, found {} (missing column `{}`)",
                names.len(),
                rec.len(),
                names[rec.len()]
            );
            return Err(DataError::parse(file, first.0, first.1, msg));
        }
        if let Some(extra) = rec.get(names.len()) {
            let msg = format!(
                "expected {} fields, found {}: field {} (`{}`) is an extra column that the \
                 header does not name",
                names.len(),
                rec.len(),
                names.len() + 1,
                clip(&extra.text)
            );
            return Err(DataError::parse(file, extra.line, extra.column, msg));
        }
        let answer = &rec[required[2]];
        let a = answer.text.trim();
        check_value(
            answer,
            "answer",
            a.is_empty() || ANSWERS.iter().any(|x| x.eq_ignore_ascii_case(a)),
            "yes or no",
            file,
        )?;
        if let Some(f) = case.map(|i| &rec[i]) {
            let c = f.text.trim();
            let expected = format!("one of {}", CASES.join(", "));
            check_value(
                f,
                "case",
                c.is_empty() || CASES.contains(&c),
                &expected,
                file,
            )?;
        }
        if let Some(f) = split.map(|i| &rec[i]) {
            let s = f.text.trim();
            let ok = s.is_empty() || s.parse::<Split>().is_ok();
            check_value(
                f,
                "split",
                ok,
                "a split name (train, test_inferred_id, ...)",
                file,
            )?;
        }
        let mut take = |i: usize| -> Result<String> {
            let f = &rec[i];
            if f.text.trim().is_empty() {
                return Err(DataError::parse(
                    file,
                    f.line,
                    f.column,
                    format!("empty field `{}`", names[i]),
                ));
            }
            Ok(f.text.clone())
        };
        Ok(ReasoningRow {
            premises: take(required[0])?,
            question: take(required[1])?,
            answer: take(required[2])?,
            case: case.map(&mut take).transpose()?,
            split: split.map(&mut take).transpose()?,
        })
    })
    .collect()
}

/// Reads and validates a CSV file.
pub fn read(path: &Path) -> Result<Vec<ReasoningRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    parse(&text, &path.display().to_string())
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows as CSV text (with `case` and `split` columns when every row has them).
pub fn to_csv(rows: &[ReasoningRow]) -> String {
    let extra = !rows.is_empty() && rows.iter().all(|r| r.case.is_some() && r.split.is_some());
    let mut out = String::from(if extra {
        "premises,question,answer,case,split\n"
    } else {
        "premises,question,answer\n"
    });
    for r in rows {
        let mut fields = vec![quote(&r.premises), quote(&r.question), quote(&r.answer)];
        if extra {
            fields.extend([
                quote(r.case.as_deref().unwrap_or("")),
                quote(r.split.as_deref().unwrap_or("")),
            ]);
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Writes rows to a CSV file atomically.
pub fn write(rows: &[ReasoningRow], path: &Path) -> Result<()> {
    crate::io::atomic_file::write(path, to_csv(rows).as_bytes()).map_err(|e| DataError::io(path, e))
}

/// The rows as a DataFrame (columns premises, question, answer, case, split).
pub fn to_dataframe(rows: &[ReasoningRow]) -> Result<DataFrame> {
    let col = |name: &str, f: &dyn Fn(&ReasoningRow) -> Option<&str>| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    Ok(DataFrame::new(
        rows.len(),
        vec![
            col("premises", &|r| Some(&r.premises)),
            col("question", &|r| Some(&r.question)),
            col("answer", &|r| Some(&r.answer)),
            col("case", &|r| r.case.as_deref()),
            col("split", &|r| r.split.as_deref()),
        ],
    )?)
}
