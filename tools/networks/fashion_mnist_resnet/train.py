#!/usr/bin/python3
"""Trains a ResNet-20-like residual CNN on Fashion-MNIST and writes its 8-bit quantized form.

The network (--blocks 3: 19 convolutions and one linear layer, 20 layers on the macro):

    stem    1 -> 16, 12x12 stride 2 padding 5, 28x28 -> 14x14, ReLU     (144 rows)
    stage 1 --blocks basic blocks, 16 channels, 14x14                    (144 rows)
    stage 2 --blocks basic blocks, 32 channels,  7x7 (first conv stride 2: 144 rows; then 288)
    stage 3 --blocks basic blocks, 64 channels,  4x4 (first conv stride 2: 288 rows; then 576)
    head    global average pool over 4x4, linear 64 -> 10 (logits)

A basic block is y = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x)) with 3x3 convolutions
(padding 1). The shortcut is parameter-free (He et al.'s option A): x itself, or, where a stage
halves the map and doubles the channels, x sampled at every second pixel with the new channels
zero. A 3x3 kernel over 16 channels is one 144-row array; the stem, on the one-channel image,
uses a 12x12 kernel for the same length.

Training uses train[0:59000]; train[59000:60000] is left out as the calibration split on which
cimchar finds the OSA thresholds; the test set is used only to report accuracy. Everything is
seeded and runs on one CPU thread with deterministic algorithms, so the same PyTorch build gives
the same weights.

Quantization (post-training, integer-only inference; format cimchar-qnet-2, described in
tools/networks/README.md):
  - batch normalization is folded into the convolutions (weights and a bias per channel);
  - activations: unsigned 8 bit. The input is the raw pixel (0..255, scale 1/255); every ReLU
    output (a block's output after the residual add, or a block's inner activation) is scaled so
    that its --act-percentile percentile on --scale-images training images maps to 255;
  - weights: signed 8 bit, symmetric (-127..127), one scale per output channel for the
    convolutions and one for the final layer;
  - bias: int32 in units of (input scale x weight scale);
  - requantization, per output channel m: y = clamp((acc * mult[m] + r * rmult[m] + 2^(shift[m]-1))
    >> shift[m], 0, 255), acc the dot product plus bias, r the block input's byte at the same
    pixel and channel (0 for a layer without residual and for zero-padded channels), rmult[m] =
    round(scale(block input) / scale(output) x 2^shift[m]): the residual add and the
    requantization round once, exactly reproducible in C++;
  - the head: average pooling then a linear layer is one linear layer on the flattened 64x4x4
    map whose weights repeat the 64 quantized weights at the 16 pixels (exact: the sum over the
    pixels is 16 x the average, and the logits' scale carries the 1/16). The prediction is the
    first index of its largest acc + bias.

The integer reference (exact integer arithmetic in NumPy, tools/networks/qnet.py) gives the test
accuracy and the 10 000 predictions stored with the weights. cimchar's DCIM inference must
reproduce them exactly.
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

WIDTHS = (16, 32, 64)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride = stride
        self.extra_channels = cout - cin

    def shortcut(self, x):
        r = x[:, :, ::self.stride, ::self.stride]
        return F.pad(r, (0, 0, 0, 0, 0, self.extra_channels)) if self.extra_channels else r

    def forward(self, x):
        """(inner activation, block output)."""
        h = F.relu(self.bn1(self.conv1(x)))
        return h, F.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.stem = nn.Conv2d(1, WIDTHS[0], 12, stride=2, padding=5, bias=False)
        self.stem_bn = nn.BatchNorm2d(WIDTHS[0])
        self.blocks = nn.ModuleList()
        cin = WIDTHS[0]
        for stage, width in enumerate(WIDTHS):
            for b in range(blocks):
                self.blocks.append(Block(cin, width, 2 if stage > 0 and b == 0 else 1))
                cin = width
        self.fc = nn.Linear(WIDTHS[-1], 10)

    def features(self, x):
        """Every ReLU output in layer order (stem, then per block inner and output)."""
        x = F.relu(self.stem_bn(self.stem(x)))
        out = [x]
        for block in self.blocks:
            h, x = block(x)
            out += [h, x]
        return out

    def forward(self, x):
        return self.fc(self.features(x)[-1].mean(dim=(2, 3)))


def train(net, images, labels, args):
    gen = torch.Generator().manual_seed(args.seed)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps = args.epochs * ((len(images) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
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
            sched.step()
            total += loss.item() * idx.numel()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / n:.4f} ({time.time() - start:.0f} s)",
              flush=True)


def float_accuracy(net, images, labels):
    net.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, len(images), 1000):
            x = torch.from_numpy(images[b:b + 1000].astype(np.float32) / 255.0).unsqueeze(1)
            correct += int((net(x).argmax(1).numpy() == labels[b:b + 1000]).sum())
    return correct / len(images)


def folded(conv, bn):
    """The convolution with batch normalization (eval mode) folded in: (weights, bias)."""
    gain = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy().astype(np.float64)
    w = conv.weight.detach().numpy().astype(np.float64) * gain[:, None, None, None]
    b = bn.bias.detach().numpy().astype(np.float64) - \
        bn.running_mean.detach().numpy().astype(np.float64) * gain
    return w, b


def conv_layer(w, b, s_in, s_out, stride, padding):
    """One requantized conv layer: per-channel int8 weights, int32 bias, multiplier and shift."""
    s_w = np.abs(w).reshape(w.shape[0], -1).max(axis=1) / 127.0
    s_w = np.where(s_w > 0, s_w, 1.0)  # an all-zero kernel stays zero
    wq = np.clip(np.round(w / s_w[:, None, None, None]), -127, 127).astype(np.int8)
    bq = np.round(b / (s_in * s_w)).astype(np.int64)
    mults = [quantize_multiplier(s_in * s / s_out) for s in s_w]
    return {"kind": "conv", "weights": wq, "bias": bq,
            "multiplier": np.array([m for m, _ in mults], dtype=np.int64),
            "shift": np.array([sh for _, sh in mults], dtype=np.int64),
            "stride": stride, "padding": padding, "pool": 1, "output": "requant",
            "scale_out": s_out}


def add_residual(layer, source_index, source_scale, stride):
    """Makes `layer` add the output of layer `source_index` (scale `source_scale`) before its
    requantization; the residual multiplier shares the layer's shift."""
    s_out = layer["scale_out"]
    shift = layer["shift"]
    rm = np.array([int(round(source_scale / s_out * 2.0 ** int(sh))) for sh in shift],
                  dtype=np.int64)
    # acc * mult + 255 * rmult must stay below 2^62 (cimchar checks the same bound).
    k = int(np.prod(layer["weights"].shape[1:]))
    acc_max = k * 255 * 128 + int(np.abs(layer["bias"]).max())
    if np.any(acc_max * layer["multiplier"].astype(np.float64) + 255.0 * rm >= 2.0 ** 62):
        raise SystemExit(f"residual multiplier too large for int64 (layer adding {source_index})")
    layer.update({"residual": source_index, "residual_stride": stride, "residual_multiplier": rm})


def quantize(net, scale_images, args):
    net.eval()
    with torch.no_grad():
        x = torch.from_numpy(scale_images.astype(np.float32) / 255.0).unsqueeze(1)
        feats = [f.numpy() for f in net.features(x)]
    act_scales = [float(np.percentile(f, args.act_percentile)) / 255.0 for f in feats]
    w, b = folded(net.stem, net.stem_bn)
    layers = [conv_layer(w, b, 1.0 / 255.0, act_scales[0], 2, 5)]
    block_input = 0  # the layer whose output enters the current block
    for block in net.blocks:
        s_in = layers[block_input]["scale_out"]
        w, b = folded(block.conv1, block.bn1)
        layers.append(conv_layer(w, b, s_in, act_scales[len(layers)], block.stride, 1))
        w, b = folded(block.conv2, block.bn2)
        layers.append(conv_layer(w, b, layers[-1]["scale_out"], act_scales[len(layers)], 1, 1))
        add_residual(layers[-1], block_input, s_in, block.stride)
        block_input = len(layers) - 1
    # Average pooling and the linear layer as one linear layer on the flattened map.
    s_in = layers[-1]["scale_out"]
    pixels = feats[-1].shape[2] * feats[-1].shape[3]
    w = net.fc.weight.detach().numpy().astype(np.float64)
    b = net.fc.bias.detach().numpy().astype(np.float64)
    s_w = np.abs(w).max() / 127.0
    wq = np.clip(np.round(w / s_w), -127, 127).astype(np.int8)
    s_logit = s_in * s_w / pixels
    layers.append({"kind": "linear", "weights": np.repeat(wq, pixels, axis=1),
                   "bias": np.round(b / s_logit).astype(np.int64),
                   "multiplier": np.ones(wq.shape[0], dtype=np.int64),
                   "shift": np.zeros(wq.shape[0], dtype=np.int64),
                   "stride": 1, "padding": 0, "pool": 1, "output": "logits", "scale_out": s_logit})
    return layers


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--blocks", type=int, default=3, help="basic blocks per stage")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=4e-3, help="peak learning rate (one-cycle)")
    p.add_argument("--weight-decay", type=float, default=5e-4)
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

    start, start_cpu = time.time(), time.process_time()
    net = ResNet(args.blocks)
    train(net, train_x[:TRAIN_IMAGES], train_y[:TRAIN_IMAGES], args)
    train_seconds, train_cpu_seconds = time.time() - start, time.process_time() - start_cpu
    acc_float = float_accuracy(net, test_x, test_y)
    print(f"float test accuracy: {acc_float:.4f} (training {train_seconds:.0f} s, "
          f"{train_cpu_seconds:.0f} s CPU)")

    layers = quantize(net, train_x[:args.scale_images], args)
    pred = integer_predictions(layers, test_x)
    correct = int((pred == test_y).sum())
    cal = integer_predictions(layers, train_x[TRAIN_IMAGES:])
    cal_correct = int((cal == train_y[TRAIN_IMAGES:]).sum())
    print(f"integer test accuracy: {correct}/{len(test_y)} = {correct / len(test_y):.4f}; "
          f"calibration split {cal_correct}/{len(cal)}")

    meta = {
        "name": f"fashion_mnist_resnet{6 * args.blocks + 2}",
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
        "weight_decay": args.weight_decay,
        "blocks_per_stage": args.blocks,
        "act_percentile": args.act_percentile,
        "scale_images": args.scale_images,
        "training_seconds": round(train_seconds),
        "training_cpu_seconds": round(train_cpu_seconds),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "command": " ".join(["tools/networks/fashion_mnist_resnet/train.py"] + sys.argv[1:]),
        "data_sha256": data_hashes(files),
    }
    write_network(args.out, layers, meta, pred)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
