//! The auxiliary bridge loss's inputs: the bridge entity's token of each two-hop training fact,
//! and a hook that keeps the residual stream it reads (with its graph, for the gradient).

use crate::eval::IGNORE;
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{tokens::vocab, FactKind, Split, TaskData, TaskKind};
use grokked_model::error::Result;
use tch::Tensor;

/// Keeps (without detaching) the activation at one site.
pub(super) struct Capture {
    pub(super) site: grokked_model::HookSite,
    pub(super) out: Option<Tensor>,
}

impl grokked_model::Hook for Capture {
    fn wants(&self, site: grokked_model::HookSite) -> bool {
        site == self.site
    }
    fn call(&mut self, _site: grokked_model::HookSite, t: Tensor) -> Result<Tensor> {
        self.out = Some(t.shallow_clone());
        Ok(t)
    }
}

/// The bridge entity's token of each training example (in encoding order), else [`IGNORE`].
pub(super) fn bridge_tokens(data: &TaskData, tokenizer: &TaskTokenizer) -> Vec<i64> {
    data.split(Split::Train)
        .map(|e| {
            let two_hop = data.task == TaskKind::Composition && e.kind == FactKind::Inferred;
            e.fields[2]
                .filter(|_| two_hop)
                .and_then(|b| tokenizer.id(&vocab::entity(b as usize)))
                .map_or(IGNORE, i64::from)
        })
        .collect()
}
