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

The integer reference runs here in NumPy int64 arithmetic; its test accuracy and its 10 000
predictions are stored with the weights. cimchar's DCIM inference must reproduce them exactly.

Output: an HDF5 file (format "cimchar-qnet-1", documented in README.md next to this script).
"""

import argparse
import gzip
import hashlib
import os
import platform
import struct
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
TRAIN_IMAGES = 59000  # train[59000:60000] is the calibration split


def read_idx(path):
    """An IDX file (gzip-compressed) as a NumPy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


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


def quantize_multiplier(real):
    """real (0 < real < 1) as m * 2^-shift with m in [2^30, 2^31)."""
    mant, exp = np.frexp(real)
    m = int(round(mant * (1 << 31)))
    shift = 31 - int(exp)
    if m == 1 << 31:
        m //= 2
        shift -= 1
    if not 1 <= shift <= 62:
        raise SystemExit(f"requantization multiplier {real} out of range")
    return m, shift


def im2col(x, kernel, stride, padding):
    """x: (N, C, H, W) int64 -> (N, Ho, Wo, C*k*k) patches ordered (c, y, x), zero padding."""
    n, c, h, w = x.shape
    ho = (h + 2 * padding - kernel) // stride + 1
    wo = (w + 2 * padding - kernel) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.empty((n, ho, wo, c, kernel, kernel), dtype=np.int64)
    for dy in range(kernel):
        for dx in range(kernel):
            win = xp[:, :, dy:dy + stride * (ho - 1) + 1:stride, dx:dx + stride * (wo - 1) + 1:stride]
            cols[:, :, :, :, dy, dx] = win.transpose(0, 2, 3, 1)
    return cols.reshape(n, ho, wo, c * kernel * kernel)


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def integer_forward(layers, images):
    """The integer reference: (N, 28, 28) uint8 -> (predictions, per-layer inputs not kept)."""
    x = images.astype(np.int64)[:, None, :, :]
    for layer in layers:
        if layer["kind"] == "conv":
            k = layer["weights"].shape[2]
            cols = im2col(x, k, layer["stride"], layer["padding"])
            w = layer["weights"].reshape(layer["weights"].shape[0], -1).astype(np.int64)
            acc = cols @ w.T + layer["bias"]  # (N, H, W, M)
            acc = acc.transpose(0, 3, 1, 2)
        else:
            flat = x.reshape(x.shape[0], -1)
            acc = flat @ layer["weights"].astype(np.int64).T + layer["bias"]
        if layer["output"] == "logits":
            return acc.argmax(axis=1)
        m = layer["multiplier"].reshape(1, -1, 1, 1)
        shift = layer["shift"].reshape(1, -1, 1, 1)
        y = (acc * m + (np.int64(1) << (shift - 1))) >> shift
        x = np.clip(y, 0, 255)
        if layer["pool"] == 2:
            x = maxpool2(x)
    raise SystemExit("network has no logits layer")


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


def write_network(path, layers, meta, test_pred):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["format"] = "cimchar-qnet-1"
        for key, value in meta.items():
            f.attrs[key] = str(value) if isinstance(value, str) else value
        f.attrs["layers"] = len(layers)
        for i, layer in enumerate(layers):
            g = f.create_group(f"layer{i}")
            g.attrs["kind"] = layer["kind"]
            g.attrs["output"] = layer["output"]
            g.attrs["padding"] = layer["padding"]
            g.attrs["stride"] = layer["stride"]
            g.attrs["pool"] = layer["pool"]
            g.attrs["activation_bits"] = 8
            g.attrs["weight_bits"] = 8
            g.attrs["signed_weights"] = 1
            g.attrs["output_scale"] = layer["scale_out"]
            g.create_dataset("weights", data=layer["weights"])
            g.create_dataset("bias", data=layer["bias"].astype(np.int32))
            g.create_dataset("multiplier", data=layer["multiplier"].astype(np.int64))
            g.create_dataset("shift", data=layer["shift"].astype(np.int64))
        f.create_dataset("reference/test_predictions", data=test_pred.astype(np.uint8))
    os.replace(tmp, path)


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
    files = {k: os.path.join(args.data, f"{k}-idx{3 if 'images' in k else 1}-ubyte.gz")
             for k in ("train-images", "train-labels", "t10k-images", "t10k-labels")}
    train_x = read_idx(files["train-images"])
    train_y = read_idx(files["train-labels"])
    test_x = read_idx(files["t10k-images"])
    test_y = read_idx(files["t10k-labels"])

    net = Net()
    train(net, train_x[:TRAIN_IMAGES], train_y[:TRAIN_IMAGES], args)
    acc_float = float_accuracy(net, test_x, test_y)
    print(f"float test accuracy: {acc_float:.4f}")

    layers = quantize(net, train_x[:args.scale_images], args)
    pred = np.concatenate([integer_forward(layers, test_x[b:b + 500])
                           for b in range(0, len(test_x), 500)])
    correct = int((pred == test_y).sum())
    cal = np.concatenate([integer_forward(layers, train_x[TRAIN_IMAGES + b:TRAIN_IMAGES + b + 500])
                          for b in range(0, 60000 - TRAIN_IMAGES, 500)])
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
        "data_sha256": ", ".join(f"{os.path.basename(v)} {sha256(v)}" for v in files.values()),
    }
    write_network(args.out, layers, meta, pred)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
