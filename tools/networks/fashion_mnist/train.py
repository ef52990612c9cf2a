#!/usr/bin/python3
"""Trains the reference CNN on Fashion-MNIST and writes its 8-bit quantized form.

The network: every convolution is a dot product of 144 rows, one OSA-HCIM array (a 3x3 kernel
over 16 channels; the stem, on the one-channel image, uses a 12x12 kernel for the same length):

    conv1  1 -> 16, 12x12 stride 2 padding 5, 28x28 -> 14x14, ReLU   (144 rows)
    conv2 16 -> 16, 3x3 padding 1, 14x14, ReLU, max-pool 2            (144 rows)
    conv3 16 -> 32, 3x3 padding 1,  7x7,  ReLU                        (144 rows, 4 column tiles)
    fc    32*7*7 -> 10                                                (1568 rows: 11 row tiles)

Training uses train[0:59000]; train[59000:60000] is left out as the calibration split on which
cimchar finds the OSA thresholds; the test set is used only to report accuracy. Everything is
seeded and runs on one CPU thread with deterministic algorithms, so the same PyTorch build gives
the same weights.

Quantization (post-training, integer-only inference):
  - activations: unsigned 8 bit. The input is the raw pixel (0..255, scale 1/255); each ReLU
    output is scaled so that its --act-percentile percentile on --scale-images training images
    maps to 255 (larger values saturate);
  - weights: signed 8 bit, symmetric (-127..127), one scale per output channel for the
    convolutions and one for the whole final layer (so the logits keep one common scale);
  - bias: int32 in units of (input scale x weight scale);
  - requantization, per output channel: y = clamp(((acc + bias) * m + 2^(shift-1)) >> shift,
    0, 255) with an arithmetic shift and m in [2^30, 2^31): exactly reproducible in C++;
  - max-pool on the requantized bytes; the prediction is the first index of the largest
    acc + bias of the final layer.

The integer reference (exact integer arithmetic in NumPy) gives the test accuracy and the 10 000
predictions stored with the weights. cimchar's DCIM inference must reproduce them exactly.

Output: an HDF5 file (format "cimchar-qnet-1", documented in tools/networks/README.md). The
quantization arithmetic, the integer reference and the writer are in tools/networks/qnet.py.
"""

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from qnet import (DATA_DIR, TRAIN_IMAGES, data_hashes, integer_predictions,  # noqa: E402
                  load_fashion_mnist, quantize_multiplier, write_network)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 12, stride=2, padding=5)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.conv3 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def features(self, x):
        """Post-ReLU outputs of the three convolutions (before pooling)."""
        a1 = F.relu(self.conv1(x))
        a2 = F.relu(self.conv2(a1))
        a3 = F.relu(self.conv3(F.max_pool2d(a2, 2)))
        return a1, a2, a3

    def forward(self, x):
        _, _, a3 = self.features(x)
        return self.fc(torch.flatten(a3, 1))


def train(net, images, labels, args):
    gen = torch.Generator().manual_seed(args.seed)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    n = x.shape[0]
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(n, generator=gen)
        total = 0.0
        start = time.time()
        for b in range(0, n, args.batch):
            idx = order[b:b + args.batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
        sched.step()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / n:.4f} ({time.time() - start:.0f} s)",
              flush=True)


def float_accuracy(net, images, labels):
    net.eval()
    with torch.no_grad():
        x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        pred = net(x).argmax(1).numpy()
    return float((pred == labels).mean())


def quantize(net, scale_images, args):
    net.eval()
    with torch.no_grad():
        x = torch.from_numpy(scale_images.astype(np.float32) / 255.0).unsqueeze(1)
        feats = [f.numpy() for f in net.features(x)]
    act_scales = [float(np.percentile(f, args.act_percentile)) / 255.0 for f in feats]
    convs = [net.conv1, net.conv2, net.conv3]
    layers = []
    s_in = 1.0 / 255.0
    for i, conv in enumerate(convs):
        w = conv.weight.detach().numpy().astype(np.float64)
        b = conv.bias.detach().numpy().astype(np.float64)
        s_w = np.abs(w).reshape(w.shape[0], -1).max(axis=1) / 127.0
        wq = np.clip(np.round(w / s_w[:, None, None, None]), -127, 127).astype(np.int8)
        bq = np.round(b / (s_in * s_w)).astype(np.int64)
        s_out = act_scales[i]
        mults = [quantize_multiplier(s_in * s / s_out) for s in s_w]
        m = np.array([mm for mm, _ in mults], dtype=np.int64)
        shift = np.array([sh for _, sh in mults], dtype=np.int64)
        layers.append({"kind": "conv", "weights": wq, "bias": bq, "multiplier": m,
                       "shift": shift, "stride": conv.stride[0], "padding": conv.padding[0],
                       "pool": 2 if i == 1 else 1,
                       "output": "requant", "scale_out": s_out})
        s_in = s_out
    w = net.fc.weight.detach().numpy().astype(np.float64)
    b = net.fc.bias.detach().numpy().astype(np.float64)
    s_w = np.abs(w).max() / 127.0
    wq = np.clip(np.round(w / s_w), -127, 127).astype(np.int8)
    bq = np.round(b / (s_in * s_w)).astype(np.int64)
    layers.append({"kind": "linear", "weights": wq, "bias": bq,
                   "multiplier": np.ones(wq.shape[0], dtype=np.int64),
                   "shift": np.zeros(wq.shape[0], dtype=np.int64),
                   "stride": 1, "padding": 0, "pool": 1, "output": "logits", "scale_out": s_in * s_w})
    return layers


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--act-percentile", type=float, default=99.99)
    p.add_argument("--scale-images", type=int, default=2000,
                   help="training images whose activations set the activation scales")
    p.add_argument("--data", default=DATA_DIR)
    p.add_argument("--out", default=os.path.join(here, "network.h5"))
    args = p.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    train_x, train_y, test_x, test_y, files = load_fashion_mnist(args.data)

    net = Net()
    train(net, train_x[:TRAIN_IMAGES], train_y[:TRAIN_IMAGES], args)
    acc_float = float_accuracy(net, test_x, test_y)
    print(f"float test accuracy: {acc_float:.4f}")

    layers = quantize(net, train_x[:args.scale_images], args)
    pred = integer_predictions(layers, test_x)
    correct = int((pred == test_y).sum())
    cal = integer_predictions(layers, train_x[TRAIN_IMAGES:])
    cal_correct = int((cal == train_y[TRAIN_IMAGES:]).sum())
    print(f"integer test accuracy: {correct}/{len(test_y)} = {correct / len(test_y):.4f}; "
          f"calibration split {cal_correct}/{len(cal)}")

    meta = {
        "name": "fashion_mnist_cnn",
        "dataset": "fashion-mnist",
        "input_channels": 1,
        "input_height": 28,
        "input_width": 28,
        "input_bits": 8,
        "classes": 10,
        "train_split": f"train[0:{TRAIN_IMAGES}]",
        "calibration_first": TRAIN_IMAGES,
        "calibration_count": 60000 - TRAIN_IMAGES,
        "float_test_accuracy": acc_float,
        "reference_test_correct": correct,
        "reference_test_images": len(test_y),
        "reference_calibration_correct": cal_correct,
        "seed": args.seed,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "act_percentile": args.act_percentile,
        "scale_images": args.scale_images,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "command": " ".join(["tools/networks/fashion_mnist/train.py"] + sys.argv[1:]),
        "data_sha256": data_hashes(files),
    }
    write_network(args.out, layers, meta, pred)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
