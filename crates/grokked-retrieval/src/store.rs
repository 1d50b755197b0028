//! A fact store with BM25 retrieval through tantivy (an in-memory index over the facts' text) and
//! exact lookup by entity.
//!
//! ```
//! use grokked_retrieval::{facts::Fact, store::FactStore};
//! let facts = vec![
//!     Fact::Value { attr: 0, e: 1, v: 4 },
//!     Fact::Compare { attr: 0, e1: 2, e2: 3, label: 0 },
//!     Fact::Compare { attr: 0, e1: 1, e2: 3, label: 2 },
//! ];
//! let store = FactStore::new(facts).unwrap();
//! let hits = store.search("attr0 e1 e3", 2).unwrap();
//! assert_eq!(hits[0].1, Fact::Compare { attr: 0, e1: 1, e2: 3, label: 2 });
//! assert_eq!(store.about(1).len(), 2);
//! ```

use crate::facts::Fact;
use crate::RetrievalError;
use std::collections::HashMap;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{Field, Schema, Value, INDEXED, STORED, TEXT};
use tantivy::{doc, Index, IndexReader, TantivyDocument};

/// Facts indexed for search.
pub struct FactStore {
    facts: Vec<Fact>,
    index: Index,
    reader: IndexReader,
    text: Field,
    id: Field,
    by_entity: HashMap<usize, Vec<usize>>,
}

impl std::fmt::Debug for FactStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FactStore({} facts)", self.facts.len())
    }
}

fn err(e: impl std::fmt::Display) -> RetrievalError {
    RetrievalError::Index(e.to_string())
}

impl FactStore {
    /// Indexes `facts`.
    pub fn new(facts: Vec<Fact>) -> Result<Self, RetrievalError> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let id = schema.add_u64_field("id", STORED | INDEXED);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer::<TantivyDocument>(50_000_000).map_err(err)?;
        let mut by_entity: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, f) in facts.iter().enumerate() {
            writer
                .add_document(doc!(text => f.text(), id => i as u64))
                .map_err(err)?;
            match *f {
                Fact::Value { e, .. } => by_entity.entry(e).or_default().push(i),
                Fact::Compare { e1, e2, .. } => {
                    by_entity.entry(e1).or_default().push(i);
                    by_entity.entry(e2).or_default().push(i);
                }
            }
        }
        writer.commit().map_err(err)?;
        let reader = index.reader().map_err(err)?;
        Ok(FactStore {
            facts,
            index,
            reader,
            text,
            id,
            by_entity,
        })
    }

    /// Every fact.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }

    /// The top `k` facts for a free-text query, by BM25 score.
    pub fn search(&self, query: &str, k: usize) -> Result<Vec<(f32, Fact)>, RetrievalError> {
        let searcher = self.reader.searcher();
        let parser = QueryParser::for_index(&self.index, vec![self.text]);
        let q = parser.parse_query(query).map_err(err)?;
        let top = searcher
            .search(&q, &TopDocs::with_limit(k.max(1)))
            .map_err(err)?;
        top.into_iter()
            .take(k)
            .map(|(score, addr)| {
                let d: TantivyDocument = searcher.doc(addr).map_err(err)?;
                let i = d
                    .get_first(self.id)
                    .and_then(|v| v.as_u64())
                    .ok_or_else(|| err("document without id"))?;
                Ok((score, self.facts[i as usize]))
            })
            .collect()
    }

    /// The top `k` facts for a comparison query (attr, e1, e2).
    pub fn retrieve(
        &self,
        attr: usize,
        e1: usize,
        e2: usize,
        k: usize,
    ) -> Result<Vec<Fact>, RetrievalError> {
        Ok(self
            .search(&format!("attr{attr} e{e1} e{e2}"), k)?
            .into_iter()
            .map(|(_, f)| f)
            .collect())
    }

    /// Every fact about entity `e` (exact lookup).
    pub fn about(&self, e: usize) -> Vec<Fact> {
        self.by_entity
            .get(&e)
            .map(|ix| ix.iter().map(|&i| self.facts[i]).collect())
            .unwrap_or_default()
    }
}
