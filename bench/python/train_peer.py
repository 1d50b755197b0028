"""Python peer of the trainer: HF GPT2LMHeadModel + a plain PyTorch loop with the same
hyperparameters, on data exported by the Rust benchmark (ids and targets as safetensors).

usage: train_peer.py DATA.safetensors CONFIG.json
CONFIG: n_layer n_embd n_head vocab_size n_positions dropout lr weight_decay betas eps batch_size
        warmup_steps grad_clip steps seed threads device init ("pytorch" or "gpt2")
        eval_every (0: none) stop_at_id (0: none) bf16 (bf16 autocast on CUDA) warmup (untimed
        steps before the timed ones)
Prints one JSON line: {"steps": N, "seconds": S, "steps_per_s": R, "curve": [[step, id_acc], ...],
"peak_mem_mb": M}.
"""
import contextlib
import json
import sys
import time

import torch
from safetensors.torch import load_file
from transformers import GPT2Config, GPT2LMHeadModel


def pytorch_init(model):
    # PyTorch's module defaults for HF's Conv1D ([in, out] weights) and the embeddings.
    for name, p in model.named_parameters():
        if name.endswith("wte.weight") or name.endswith("wpe.weight"):
            torch.nn.init.normal_(p, 0.0, 1.0)
        elif "ln_" in name:
            continue
        else:
            fan_in = p.shape[0] if p.dim() == 2 else model.config.n_embd
            if name.endswith("mlp.c_proj.bias"):
                fan_in = model.config.n_inner or 4 * model.config.n_embd
            bound = 1.0 / fan_in ** 0.5
            torch.nn.init.uniform_(p, -bound, bound)


def exact_match(model, ids, targets, batch=1024):
    hits = 0
    with torch.no_grad():
        for i in range(0, ids.shape[0], batch):
            x, t = ids[i:i + batch], targets[i:i + batch]
            pred = model(x).logits[:, :-1].argmax(-1)
            hits += ((pred == t) | (t == -100)).all(dim=1).sum().item()
    return hits / ids.shape[0]


def main(data_path, cfg_path):
    cfg = json.load(open(cfg_path))
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(cfg["seed"])
    device = torch.device(cfg["device"])
    data = {k: v.to(device) for k, v in load_file(data_path).items()}
    conf = GPT2Config(vocab_size=cfg["vocab_size"], n_positions=cfg["n_positions"], n_embd=cfg["n_embd"],
                      n_layer=cfg["n_layer"], n_head=cfg["n_head"], resid_pdrop=cfg["dropout"],
                      embd_pdrop=cfg["dropout"], attn_pdrop=cfg["dropout"])
    model = GPT2LMHeadModel(conf).to(device)
    if cfg["init"] == "pytorch":
        pytorch_init(model)
    decay = [p for n, p in model.named_parameters() if not (n.endswith(".bias") or "ln_" in n)]
    plain = [p for n, p in model.named_parameters() if n.endswith(".bias") or "ln_" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg["weight_decay"]},
                             {"params": plain, "weight_decay": 0.0}],
                            lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"])
    warm = cfg["warmup_steps"]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / warm) if warm else 1.0)
    ids, targets = data["train_ids"], data["train_targets"]
    n, b = ids.shape[0], min(cfg["batch_size"], ids.shape[0])
    gen = torch.Generator().manual_seed(cfg["seed"])
    perm, pos = torch.randperm(n, generator=gen), 0
    curve = []
    model.train()
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if cfg.get("bf16")
                else contextlib.nullcontext())

    def train_step():
        nonlocal perm, pos
        if pos + b > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        idx = perm[pos:pos + b].to(device)
        pos += b
        with autocast:
            logits = model(ids[idx]).logits[:, :-1]
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets[idx].reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        sched.step()

    for _ in range(cfg.get("warmup", 0)):
        train_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    step = 0
    for step in range(1, cfg["steps"] + 1):
        train_step()
        if cfg["eval_every"] and step % cfg["eval_every"] == 0:
            model.eval()
            acc = exact_match(model, data["id_ids"], data["id_targets"])
            model.train()
            curve.append([step, acc])
            if cfg["stop_at_id"] and acc >= cfg["stop_at_id"]:
                break
    if device.type == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else 0.0
    print(json.dumps({"steps": step, "seconds": secs, "steps_per_s": step / secs, "curve": curve,
                      "peak_mem_mb": peak}))


if __name__ == "__main__":
    main(*sys.argv[1:])
