"""Interpretability peers for the lens tests: TransformerLens (caches, activation patching) and
captum (integrated gradients) on the same Hugging Face GPT-2 weights.

Subcommands (every result is one JSON line on stdout):
  random DIR SEED N_LAYER N_EMBD N_HEAD
      save a random GPT2LMHeadModel whose every parameter (biases and LayerNorms included) is
      perturbed away from its initial value, so no site is trivially zero or one
  cache DIR IDS_JSON OURS.safetensors
      run TransformerLens (no LayerNorm folding, no centring) with every hook and compare each
      tensor of OURS (keyed by hook name) with TransformerLens's tensor of the same name:
      {"compared": {name: max_abs_diff or a mismatch}, "missing_in_peer": [names]}
  patch DIR CLEAN_JSON CORRUPT_JSON A B
      TransformerLens's get_act_patch_resid_pre with the metric logits[0, -1, A] - logits[0, -1, B]:
      the [n_layer][pos] result
  ig DIR IDS_JSON POSITION TARGET RUNS_JSON
      captum 0.9's IntegratedGradients over inputs_embeds of GPT2LMHeadModel, attributing the
      logit of TARGET at POSITION, once per [METHOD, STEPS, BASELINE] of RUNS; BASELINE zero
      (all-zero embeddings) or pad (the pad token's embedding: pad_token_id, else eos_token_id):
      a list of {"per_token": [...], "delta": d, "gap": f(x) - f(baseline)}
"""
import json
import sys

import torch
from safetensors.torch import load_file
from transformers import GPT2Config, GPT2LMHeadModel


def load(path):
    return GPT2LMHeadModel.from_pretrained(path, attn_implementation="eager").eval()


def bridge(path):
    from transformer_lens.model_bridge import TransformerBridge

    model = TransformerBridge.boot_transformers(path, device="cpu")
    model.enable_compatibility_mode(no_processing=True, disable_warnings=True)
    model.set_use_attn_result(True)
    return model


def random_model(out, seed, n_layer, n_embd, n_head):
    torch.manual_seed(int(seed))
    cfg = GPT2Config(n_layer=int(n_layer), n_embd=int(n_embd), n_head=int(n_head), n_positions=32)
    model = GPT2LMHeadModel(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    model.save_pretrained(out)


def cache(path, ids, ours_path):
    ours = load_file(ours_path)
    model = bridge(path)
    _, theirs = model.run_with_cache(torch.tensor(json.loads(ids)))
    theirs = dict(theirs.items())
    compared = {}
    for name, t in ours.items():
        if name in theirs:
            peer = theirs[name].to(t.dtype)
            if peer.shape != t.shape:
                compared[name] = f"shape {list(t.shape)} vs {list(peer.shape)}"
            else:
                finite = torch.isfinite(peer)
                same_inf = torch.equal(torch.isfinite(t), finite) and torch.equal(t[~finite], peer[~finite])
                diff = (t[finite] - peer[finite]).abs().max().item() if finite.any() else 0.0
                compared[name] = diff if same_inf else "non-finite entries differ"
    print(json.dumps({
        "compared": compared,
        "missing_in_peer": sorted(n for n in ours if n not in theirs),
    }))


def patch(path, clean, corrupt, a, b):
    from transformer_lens import patching

    model = bridge(path)
    clean = torch.tensor(json.loads(clean))
    corrupt = torch.tensor(json.loads(corrupt))
    _, clean_cache = model.run_with_cache(clean)
    a, b = int(a), int(b)

    def metric(logits):
        return logits[0, -1, a] - logits[0, -1, b]

    result = patching.get_act_patch_resid_pre(model, corrupt, clean_cache, metric)
    print(json.dumps(result.tolist()))


def ig(path, ids, position, target, runs):
    from captum.attr import IntegratedGradients

    model = load(path)
    ids = torch.tensor(json.loads(ids))
    position, target = int(position), int(target)
    wte = model.get_input_embeddings()
    emb = wte(ids).detach()
    pad = model.config.pad_token_id
    pad = model.config.eos_token_id if pad is None else pad
    baselines = {"zero": torch.zeros_like(emb), "pad": wte(torch.full_like(ids, pad)).detach()}

    def forward(inputs_embeds):
        return model(inputs_embeds=inputs_embeds).logits[:, position, target]

    out = []
    for method, steps, baseline in json.loads(runs):
        base = baselines[baseline]
        attr, delta = IntegratedGradients(forward).attribute(
            emb, baselines=base, n_steps=int(steps), method=method, return_convergence_delta=True
        )
        with torch.no_grad():
            gap = (forward(emb) - forward(base)).item()
        out.append({"per_token": attr.sum(-1)[0].tolist(), "delta": delta.item(), "gap": gap})
    print(json.dumps(out))


def main(cmd, *args):
    commands = {"random": random_model, "cache": cache, "patch": patch, "ig": ig}
    if cmd not in commands:
        raise SystemExit(f"unknown command {cmd}")
    commands[cmd](*args)


if __name__ == "__main__":
    main(*sys.argv[1:])
