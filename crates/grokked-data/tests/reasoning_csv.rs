//! The premises/question/answer CSV: validation errors with file, line and column; the rules
//! generator's cases and held-out names.

use grokked_data::io::reasoning_csv::{parse, read, write};
use grokked_data::tasks::rules::RulesSpec;

#[test]
fn errors_name_file_line_and_column() {
    let err = parse("premises,answer\nx,y\n", "a.csv")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("a.csv:1:1") && err.contains("missing column `question`"),
        "{err}"
    );

    let err = parse(
        "premises,question,answer\nAll birds fly.,Can Tweety fly?,yes\nTweety is a bird.,,yes\n",
        "b.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("b.csv:3:19") && err.contains("empty field `question`"),
        "{err}"
    );

    let err = parse(
        "premises,question,answer\n\"All birds fly.\nTweety is a bird.,Can Tweety fly?,yes\n",
        "c.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("c.csv:2:1") && err.contains("unterminated quote"),
        "{err}"
    );

    let err = parse(
        "premises,question,answer\nAll birds fly.,Can Tweety fly?\n",
        "d.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("d.csv:2:1") && err.contains("missing column `answer`"),
        "{err}"
    );

    let err = read(std::path::Path::new("/no/such/file.csv"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/no/such/file.csv"), "{err}");
}

#[test]
fn quoted_fields_with_commas_newlines_and_quotes_round_trip() {
    let text = "premises,question,answer\n\"A, B.\nC \"\"quoted\"\".\",\"Can X fly?\",no\r\n";
    let rows = parse(text, "q.csv").unwrap();
    assert_eq!(rows[0].premises, "A, B.\nC \"quoted\".");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    write(&rows, &path).unwrap();
    assert_eq!(read(&path).unwrap(), rows);
}

#[test]
fn rules_cases_answers_and_held_out_names() {
    let rows = RulesSpec {
        rows: 400,
        seed: 3,
        ..Default::default()
    }
    .generate()
    .unwrap();
    let name = |q: &str| q.split_whitespace().nth(1).unwrap().to_string();
    let train_names: std::collections::HashSet<String> = rows
        .iter()
        .filter(|r| r.split.as_deref() == Some("train"))
        .map(|r| name(&r.question))
        .collect();
    let mut cases = std::collections::HashMap::new();
    for r in &rows {
        let case = r.case.as_deref().unwrap();
        *cases.entry(case).or_insert(0) += 1;
        assert_eq!(r.answer, if case == "exception" { "no" } else { "yes" });
        assert!(r.premises.contains(&format!("{} is a", name(&r.question))));
        assert!(!r.premises.contains(" a ostrich") && !r.premises.contains(" a insect"));
        if r.split.as_deref() == Some("test_inferred_ood") {
            assert!(
                !train_names.contains(&name(&r.question)),
                "held-out name in training: {}",
                r.question
            );
        }
        // Both answers mention an exception (the distractor carries it on "yes" rows), so the
        // word "cannot" alone does not give the answer away.
        assert!(r.premises.contains("cannot"), "{}", r.premises);
    }
    assert_eq!(cases.len(), 3);
    assert_eq!(
        rows.iter()
            .filter(|r| r.split.as_deref() == Some("test_inferred_ood"))
            .count(),
        40
    );
}
