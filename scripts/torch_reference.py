#!/usr/bin/env python3
"""Prints the PyTorch reference numbers hard-coded in Tests/TorchNNTests (run with a Python that has torch,
e.g. Debian's /usr/bin/python3). Each block names the test that uses it."""
import torch

torch.set_printoptions(precision=17)

# AdamTests.testStepsMatchPyTorch: two groups, L2 weight decay on the first, float64.
a = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
b = torch.tensor([[0.25, -0.75]], dtype=torch.float64, requires_grad=True)
opt = torch.optim.Adam([
    {"params": [a], "lr": 0.1, "weight_decay": 0.01},
    {"params": [b], "lr": 0.05},
], betas=(0.9, 0.999), eps=1e-8)
for step in range(3):
    opt.zero_grad()
    loss = ((a - torch.tensor([0.3, 0.1, -0.2], dtype=torch.float64)) ** 2).sum() * 1.5 + (b ** 3).sum()
    loss.backward()
    opt.step()
    print("adam step", step + 1, "a", a.detach().tolist(), "b", b.detach().tolist())

# LayerTests.testBatchNormMomentumAndRunningStatistics
bn = torch.nn.BatchNorm2d(2).double()
x = torch.tensor([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0], dtype=torch.float64).reshape(1, 2, 2, 2)
y = bn(x)
print("bn train out", y.flatten().tolist())
print("bn running_mean", bn.running_mean.tolist(), "running_var", bn.running_var.tolist(),
      "num_batches_tracked", bn.num_batches_tracked.item())
bn.eval()
print("bn eval out", bn(x).flatten().tolist())
cum = torch.nn.BatchNorm2d(2, momentum=None).double()
cum(x)
cum(x * 2)
print("bn cumulative running_mean", cum.running_mean.tolist(), "running_var", cum.running_var.tolist())
