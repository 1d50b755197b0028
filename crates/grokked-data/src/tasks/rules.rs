//! Rules-with-exceptions reasoning in English (the tutorial's "multi-step reasoning and
//! exceptions"): a general rule, class memberships and exceptions, and a yes/no question.
//!
//! Cases: `one_hop` (Tweety is a bird), `two_hop` (Tweety is a sparrow, sparrows are birds) and
//! `exception` (Tweety is a penguin, penguins are birds, penguins cannot fly). Each row adds
//! distractor premises about someone else under the same rule with the opposite answer. Individuals' names are split: the ID names appear in
//! `train` and `test_inferred_id`, the held-out names only in `test_inferred_ood`.
//!
//! ```
//! use grokked_data::tasks::rules::RulesSpec;
//! let rows = RulesSpec { rows: 30, seed: 1, ..Default::default() }.generate().unwrap();
//! assert_eq!(rows.len(), 30);
//! let ex = rows.iter().find(|r| r.case.as_deref() == Some("exception")).unwrap();
//! assert_eq!(ex.answer, "no");
//! ```

use crate::error::{DataError, Result};
use crate::io::reasoning_csv::ReasoningRow;
use crate::split::draw::{rng, Rng};
use rand::seq::SliceRandom;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// A general rule with its ordinary and exceptional subclasses (singular, plural).
struct Rule {
    class: (&'static str, &'static str),
    ability: &'static str,
    ordinary: &'static [(&'static str, &'static str)],
    exceptions: &'static [(&'static str, &'static str)],
}

const RULES: [Rule; 4] = [
    Rule {
        class: ("bird", "birds"),
        ability: "fly",
        ordinary: &[
            ("sparrow", "sparrows"),
            ("robin", "robins"),
            ("eagle", "eagles"),
        ],
        exceptions: &[
            ("penguin", "penguins"),
            ("ostrich", "ostriches"),
            ("kiwi", "kiwis"),
        ],
    },
    Rule {
        class: ("mammal", "mammals"),
        ability: "walk",
        ordinary: &[("dog", "dogs"), ("horse", "horses"), ("cat", "cats")],
        exceptions: &[("whale", "whales"), ("dolphin", "dolphins")],
    },
    Rule {
        class: ("insect", "insects"),
        ability: "fly",
        ordinary: &[("bee", "bees"), ("moth", "moths"), ("wasp", "wasps")],
        exceptions: &[("flea", "fleas"), ("silverfish", "silverfish")],
    },
    Rule {
        class: ("fish", "fish"),
        ability: "swim",
        ordinary: &[("trout", "trout"), ("salmon", "salmon"), ("cod", "cod")],
        exceptions: &[("stonefish", "stonefish")],
    },
];

const ID_NAMES: [&str; 16] = [
    "Tweety", "Rex", "Milo", "Luna", "Coco", "Bella", "Oscar", "Ziggy", "Pip", "Nemo", "Daisy",
    "Felix", "Ruby", "Otto", "Juno", "Kiki",
];
const OOD_NAMES: [&str; 6] = ["Quill", "Barnaby", "Saffron", "Tobias", "Wren", "Yara"];

/// Parameters of the rules task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesSpec {
    /// Number of rows.
    pub rows: usize,
    /// Share of rows held out as `test_inferred_id` (ID names).
    pub test_id_ratio: f64,
    /// Share of rows that use held-out names (`test_inferred_ood`).
    pub ood_ratio: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for RulesSpec {
    fn default() -> Self {
        RulesSpec {
            rows: 300,
            test_id_ratio: 0.1,
            ood_ratio: 0.1,
            seed: 0,
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// "a bird", "an ostrich".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

fn row(rng: &mut Rng, name: &str, other: &str, split: &str) -> ReasoningRow {
    let rule = &RULES[rng.gen_range(0..RULES.len())];
    let case = ["one_hop", "two_hop", "exception"][rng.gen_range(0..3)];
    let mut premises = vec![format!("All {} can {}.", rule.class.1, rule.ability)];
    let answer = match case {
        "one_hop" => {
            premises.push(format!("{name} is {}.", with_article(rule.class.0)));
            "yes"
        }
        "two_hop" => {
            let sub = rule.ordinary.choose(rng).expect("ordinary subclasses");
            premises.push(format!("{} are {}.", capitalise(sub.1), rule.class.1));
            premises.push(format!("{name} is {}.", with_article(sub.0)));
            "yes"
        }
        _ => {
            let sub = rule.exceptions.choose(rng).expect("exceptions");
            premises.push(format!("{} are {}.", capitalise(sub.1), rule.class.1));
            premises.push(format!("{} cannot {}.", capitalise(sub.1), rule.ability));
            premises.push(format!("{name} is {}.", with_article(sub.0)));
            "no"
        }
    };
    // The distractor is someone else under the same rule with the opposite answer, so no single
    // word (such as "cannot") gives the answer away: the question's name must be followed.
    let distractor = if answer == "yes" {
        let sub = rule.exceptions.choose(rng).expect("exceptions");
        vec![
            format!("{} are {}.", capitalise(sub.1), rule.class.1),
            format!("{} cannot {}.", capitalise(sub.1), rule.ability),
            format!("{other} is {}.", with_article(sub.0)),
        ]
    } else {
        vec![format!("{other} is {}.", with_article(rule.class.0))]
    };
    let pos = rng.gen_range(1..=premises.len());
    premises.splice(pos..pos, distractor);
    ReasoningRow {
        premises: premises.join(" "),
        question: format!("Can {name} {}?", rule.ability),
        answer: answer.into(),
        case: Some(case.into()),
        split: Some(split.into()),
    }
}

impl RulesSpec {
    /// Generates the rows: training, then ID test, then OOD test.
    pub fn generate(&self) -> Result<Vec<ReasoningRow>> {
        for (field, v) in [
            ("test_id_ratio", self.test_id_ratio),
            ("ood_ratio", self.ood_ratio),
        ] {
            if !(0.0..1.0).contains(&v) {
                return Err(DataError::field(
                    "rules task",
                    field,
                    format!("must be in [0, 1), got {v}"),
                ));
            }
        }
        if self.rows == 0 {
            return Err(DataError::field("rules task", "rows", "must be at least 1"));
        }
        crate::limits::fits("rules task", "rows", self.rows as u128 * 512)?;
        let mut rng = rng(self.seed);
        let n_ood = (self.rows as f64 * self.ood_ratio).round() as usize;
        let n_test = (self.rows as f64 * self.test_id_ratio).round() as usize;
        let n_train = self.rows.saturating_sub(n_ood + n_test);
        let mut rows = Vec::with_capacity(self.rows);
        for (count, names, split) in [
            (n_train, &ID_NAMES[..], "train"),
            (n_test, &ID_NAMES[..], "test_inferred_id"),
            (n_ood, &OOD_NAMES[..], "test_inferred_ood"),
        ] {
            for _ in 0..count {
                let two: Vec<&&str> = names.choose_multiple(&mut rng, 2).collect();
                rows.push(row(&mut rng, two[0], two[1], split));
            }
        }
        Ok(rows)
    }
}
