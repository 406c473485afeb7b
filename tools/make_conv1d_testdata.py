"""Makes the 1-D convolution test model and PyTorch's output for it.

usage: make_conv1d_testdata.py OUT_DIR
A Whisper-style front end (Conv1d k3 p1, GELU, Conv1d k3 s2 p1), a grouped
dilated Conv1d, MaxPool1d, AvgPool1d (count_include_pad) and a
ConvTranspose1d, seeded random weights, exported by torch.onnx at opset 17:
OUT_DIR/conv1d.onnx, conv1d.x.npy (input [1, 8, 40]) and conv1d.y.npy
(PyTorch's output), committed under tests/data/onnx/ (tests/lit/
conv1d-torch.test checks tlc against them). Needs python3-torch.
"""
import os
import sys

import numpy as np
import torch

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
torch.manual_seed(0)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(8, 16, 3, padding=1)
        self.c2 = torch.nn.Conv1d(16, 16, 3, stride=2, padding=1)
        self.c3 = torch.nn.Conv1d(16, 16, 3, padding=2, dilation=2, groups=4)
        self.mp = torch.nn.MaxPool1d(2)
        self.ap = torch.nn.AvgPool1d(3, stride=1, padding=1)
        self.ct = torch.nn.ConvTranspose1d(16, 4, 4, stride=2, padding=1)

    def forward(self, x):
        h = torch.nn.functional.gelu(self.c1(x))
        h = self.c3(self.c2(h))
        return self.ct(self.ap(self.mp(h)))


m = Net().eval()
x = torch.randn(1, 8, 40)
with torch.no_grad():
    y = m(x).numpy()
path = os.path.join(work, "conv1d.onnx")
kw = dict(opset_version=17, input_names=["x"], output_names=["y"])
try:
    torch.onnx.export(m, x, path, dynamo=False, **kw)
except TypeError:
    torch.onnx.export(m, x, path, **kw)
np.save(os.path.join(work, "conv1d.x.npy"), x.numpy())
np.save(os.path.join(work, "conv1d.y.npy"), y)
