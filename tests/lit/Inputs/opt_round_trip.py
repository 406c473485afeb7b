"""Print -> parse -> print of every model in the repository that compiles.

usage: opt_round_trip.py TLC SRC_ROOT WORK_DIR
For each model file (YAML, ONNX, GGUF) under models/, tests/data/ and
tests/lit/Inputs/ that `tlc compile --print-ir` accepts (files made to be
refused are skipped), `tlc opt --inline-constants=false` must print the IR
text back byte for byte. Prints one line per mismatch and a final count.
"""
import glob
import os
import subprocess
import sys

tlc, root, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
files = []
for pattern in ("models/**/*.yaml", "models/**/*.gguf", "tests/data/**/*.onnx",
                "tests/data/**/*.gguf", "tests/lit/Inputs/*.yaml"):
    files += sorted(glob.glob(os.path.join(root, pattern), recursive=True))
ok = bad = 0
for f in files:
    r = subprocess.run([tlc, "compile", f, "-o", os.path.join(work, "m.tlp"),
                        "--print-ir"], capture_output=True, text=True)
    if r.returncode:
        continue  # made to be refused, or needs --input-shape
    text = "".join(l + "\n" for l in r.stdout.splitlines()
                   if not l.startswith("// "))
    src = os.path.join(work, "m.tlir")
    with open(src, "w") as fh:
        fh.write(text)
    o = subprocess.run([tlc, "opt", src, "--inline-constants=false"],
                       capture_output=True, text=True)
    if o.returncode or o.stdout != text:
        bad += 1
        print("MISMATCH", os.path.relpath(f, root), o.stderr.strip()[:200])
    else:
        ok += 1
print("%d models round-trip, %d do not" % (ok, bad))
sys.exit(1 if bad or ok < 10 else 0)
