//! In-context layouts for a non-parametric reasoner: the retrieved facts, `<sep>`, then the query,
//! in task tokens; and the task of such layouts that the reasoner trains and is tested on.
//!
//! ```
//! use grokked_retrieval::{context::layout, facts::Fact};
//! let facts = [Fact::Value { attr: 1, e: 5, v: 3 }];
//! assert_eq!(layout(&facts, 1, 5, 6), "<e_5><attr_1><3><sep><attr_1><q><e_5><mask><e_6></q>");
//! ```

use crate::facts::Fact;
use crate::store::FactStore;
use crate::RetrievalError;
use grokked_data::{tokens::vocab, Example, FactKind, Split, TaskData};

/// `facts <sep> query` in task tokens (the answer `<a>label</a>` follows in targets).
pub fn layout(facts: &[Fact], attr: usize, e1: usize, e2: usize) -> String {
    let mut s: String = facts.iter().map(Fact::tokens).collect();
    s.push_str("<sep>");
    s.push_str(&format!(
        "{}<q>{}<mask>{}</q>",
        vocab::attribute(attr),
        vocab::entity(e1),
        vocab::entity(e2)
    ));
    s
}

/// The query (attr, e1, e2, label) of a comparison row.
fn query_of(ex: &Example) -> Option<(usize, usize, usize, usize)> {
    let f = |i: usize| ex.fields[i].map(|v| v as usize);
    Some((f(0)?, f(1)?, f(2)?, vocab::compare(f(3)?, f(4)?)))
}

/// The in-context task: every comparison row of `data` (training queries and test queries alike)
/// becomes `top-k retrieved facts <sep> query` with answer `<a>label</a>`, keeping its split. A
/// training query's own fact is left out of its context, so the answer must be reasoned out.
pub fn in_context_task(
    data: &TaskData,
    store: &FactStore,
    k: usize,
) -> Result<TaskData, RetrievalError> {
    let mut examples = Vec::new();
    for ex in data
        .examples
        .iter()
        .filter(|e| e.kind == FactKind::Inferred)
    {
        let Some((attr, e1, e2, label)) = query_of(ex) else {
            continue;
        };
        let own = Fact::Compare {
            attr,
            e1,
            e2,
            label,
        };
        let facts: Vec<Fact> = store
            .retrieve(attr, e1, e2, k + 1)?
            .into_iter()
            .filter(|f| *f != own)
            .take(k)
            .collect();
        let input = layout(&facts, attr, e1, e2);
        let answer = format!("<a>{}", vocab::label(attr, label));
        let mut row = Example::new(
            ex.split,
            FactKind::Inferred,
            &[&input],
            &[&answer],
            ex.fields,
        );
        row.proof = ex.proof.clone();
        examples.push(row);
    }
    let mut params = data.params.clone();
    if let Some(obj) = params.as_object_mut() {
        obj.insert("retrieval_k".into(), k.into());
    }
    Ok(TaskData {
        task: data.task,
        vocab: data.vocab.clone(),
        fields: data.fields,
        examples,
        params,
    })
}

/// The share of rows of `split` that the oracle answers correctly from `facts`.
pub fn oracle_accuracy(
    data: &TaskData,
    facts: &[Fact],
    split: Split,
    entities: usize,
    values: usize,
) -> f64 {
    let rows: Vec<_> = data.split(split).filter_map(query_of).collect();
    if rows.is_empty() {
        return f64::NAN;
    }
    let right = rows
        .iter()
        .filter(|(a, e1, e2, label)| {
            crate::oracle::prove(facts, *a, *e1, *e2, entities, values)
                .is_some_and(|(l, _)| l == *label)
        })
        .count();
    right as f64 / rows.len() as f64
}
