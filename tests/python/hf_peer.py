"""Hugging Face peer for the end-to-end tests: runs transformers on the same weights and inputs.

Subcommands (every output is JSON on stdout or a safetensors file):
  random DIR SEED N_LAYER N_EMBD N_HEAD   save a random GPT2LMHeadModel with save_pretrained
  logits DIR IDS_JSON OUT                 write logits of ids [[...], ...] to OUT (safetensors)
  greedy DIR IDS_JSON MAX_LENGTH          print HF generate(do_sample=False) ids
  tokenize VOCAB MERGES TEXT_FILE         print GPT2TokenizerFast ids of the file's text
  refuse DIR                              try GPT2LMHeadModel and AutoModelForCausalLM on DIR;
                                          print {"CLASS": "loaded" | "refused: MESSAGE"}
"""
import json
import sys

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast


def load(path):
    model = GPT2LMHeadModel.from_pretrained(path, attn_implementation="eager")
    return model.eval()


def main(cmd, *args):
    torch.set_grad_enabled(False)
    if cmd == "random":
        out, seed, n_layer, n_embd, n_head = args
        torch.manual_seed(int(seed))
        cfg = GPT2Config(n_layer=int(n_layer), n_embd=int(n_embd), n_head=int(n_head), n_positions=64)
        GPT2LMHeadModel(cfg).save_pretrained(out)
    elif cmd == "refuse":
        from transformers import AutoModelForCausalLM

        outcome = {}
        for cls in (GPT2LMHeadModel, AutoModelForCausalLM):
            try:
                cls.from_pretrained(args[0])
                outcome[cls.__name__] = "loaded"
            except Exception as e:  # the refusal is what is being tested
                outcome[cls.__name__] = "refused: " + " ".join(str(e).split())
        print(json.dumps(outcome))
    elif cmd == "logits":
        path, ids, out = args
        ids = torch.tensor(json.loads(ids))
        save_file({"logits": load(path)(ids).logits.contiguous()}, out)
    elif cmd == "greedy":
        path, ids, max_length = args
        ids = torch.tensor(json.loads(ids))
        gen = load(path).generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                  max_length=int(max_length), pad_token_id=0, eos_token_id=None)
        print(json.dumps(gen.tolist()))
    elif cmd == "tokenize":
        vocab, merges, text = args
        vocab = json.load(open(vocab, encoding="utf-8"))
        merges = [tuple(l.split(" ")) for l in open(merges, encoding="utf-8").read().split("\n")[1:] if l]
        tok = GPT2TokenizerFast(vocab=vocab, merges=merges)
        print(json.dumps(tok(open(text, encoding="utf-8").read())["input_ids"]))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(*sys.argv[1:])
