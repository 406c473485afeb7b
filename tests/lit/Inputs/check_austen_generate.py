"""Checks `tlc generate --json` on the demo model against its reference.

Usage: check_austen_generate.py GENERATE.json REFERENCE.json PROMPT

REFERENCE.json is models/austen/austen_reference.json: for each prompt, the
prompt's ids (sentencepiece), the greedy ids of tools/llama_reference.py
(float64 NumPy on the GGUF file's weights) and their text (sentencepiece's
decoding), written by tools/train_austen_llama.py. tlc must give the same
prompt ids, the same greedy ids (as many as it generated, all of the
reference's) and the same text."""
import json
import sys

got = json.load(open(sys.argv[1], encoding="utf-8"))
refs = json.load(open(sys.argv[2], encoding="utf-8"))["references"]
(ref,) = [r for r in refs if r["prompt"] == sys.argv[3]]
assert got["prompt_ids"] == ref["prompt_ids"], (got["prompt_ids"], ref["prompt_ids"])
assert got["generated_ids"] == ref["greedy_ids"], \
    "tlc %s\nref %s" % (got["generated_ids"], ref["greedy_ids"])
assert got["text"] == ref["text"], (got["text"], ref["text"])
print("%d greedy tokens as the NumPy reference (smallest top-2 gap %.3f): %s"
      % (len(ref["greedy_ids"]), ref["min_gap"], ref["text"]))
