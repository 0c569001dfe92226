#!/usr/bin/env python3
"""Images per second one pretraining step consumes, as a floor for the loader benchmark:
forward + backward + Adam step of torchvision's VGG16-BN encoder (features only, the cheapest
part of the context-encoder step) on [N, 3, 256, 384] in PyTorch on this machine's CPU. The
full step (decoder, discriminator) is slower, so the loader/step ratio printed is conservative.

usage: torch_step_rate.py [BATCH] [STEPS]
"""
import sys, time
import torch, torchvision

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 8
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.manual_seed(0)
model = torchvision.models.vgg16_bn().features
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
x = torch.randn(batch, 3, 256, 384)
def step():
    opt.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
step()  # warm-up
t = time.perf_counter()
for _ in range(steps):
    step()
dt = (time.perf_counter() - t) / steps
print("%.2f" % (batch / dt))
