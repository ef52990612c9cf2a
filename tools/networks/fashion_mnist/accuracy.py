#!/usr/bin/python3
"""Test accuracy of the reference CNN through the characterized macro, from PyTorch.

Builds the network (network.h5 next to this script) as cimchar.torch layers that run every
dot product through the macro model at one operating point, classifies Fashion-MNIST test
images and prints the accuracy beside the integer reference's on the same images, with the
macro's energy per MAC and TOPS/W. Example:

    /usr/bin/python3 tools/networks/fashion_mnist/accuracy.py --lut results/lut --vdd 0.6 \\
        --mode hcim --boundary 6 --images 2000

Needs the Python module cimchar (tools/run and tools/test build it and put it on the path) and
Debian's python3-torch.
"""

import argparse
import os
import sys
import time

import torch

import cimchar
import cimchar.torch


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lut", help="tables folder (tools/run writes results/lut); none: the "
                   "analytic placeholder")
    p.add_argument("--corner", default="tt")
    p.add_argument("--vdd", type=float, default=0.6)
    p.add_argument("--temp", type=float, default=27.0)
    p.add_argument("--mode", default="hcim", choices=["dcim", "hcim", "osa-hcim"])
    p.add_argument("--boundary", type=int, default=6, help="B_D/A of HCIM")
    p.add_argument("--losses", help="OSA-HCIM: loss limits L, comma-separated (default "
                   "1e-5 x 10^i); the thresholds are found per layer on --calibration images "
                   "of the network's calibration split")
    p.add_argument("--calibration", type=int, default=100)
    p.add_argument("--images", type=int, default=10000, help="first N test images")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--chip-seed", type=int, default=1)
    p.add_argument("--seed", type=int, default=1, help="per-conversion noise")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--network", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "network.h5"))
    args = p.parse_args()

    macro = cimchar.read_macro(args.lut, corner=args.corner, vdd=args.vdd, temp=args.temp)
    net = cimchar.torch.reference_network(macro, args.network, mode=args.mode,
                                          boundary=args.boundary, chip_seed=args.chip_seed,
                                          seed=args.seed, threads=args.threads)
    q = net.network
    if args.mode == "osa-hcim":
        images, _ = cimchar.read_fashion_mnist("train", q.calibration_first, args.calibration)
        x = torch.from_numpy(images).to(torch.float64).unsqueeze(1) / 255
        losses = [float(v) for v in args.losses.split(",")] if args.losses else None
        for index, found in cimchar.torch.calibrate(net, x, losses).items():
            print(f"layer {index}: thresholds {found.thresholds}, N/Q full scale "
                  f"{net[index].options.nq_full_scale}")
        net.apply(lambda m: setattr(m, "macs", 0) if hasattr(m, "macs") else None)
        net.apply(lambda m: setattr(m, "energy_j", 0.0) if hasattr(m, "energy_j") else None)

    images, labels = cimchar.read_fashion_mnist("test", 0, args.images)
    reference = q.reference_predictions[:len(labels)]
    start = time.time()
    predictions = []
    with torch.no_grad():
        for b in range(0, len(labels), args.batch):
            x = torch.from_numpy(images[b:b + args.batch]).to(torch.float64).unsqueeze(1) / 255
            predictions.append(net(x).argmax(dim=1))
    predictions = torch.cat(predictions).numpy()
    seconds = time.time() - start
    macs, energy_j = cimchar.torch.macro_energy(net)
    n = len(labels)
    print(f"macro: {macro.origin}, {macro.point.describe()}; {args.mode}"
          + (f" B_D/A = {args.boundary}" if args.mode == "hcim" else ""))
    print(f"test accuracy: {(predictions == labels).mean():.2%} on the first {n} test images "
          f"(integer reference: {(reference == labels).mean():.2%}; "
          f"{(predictions == reference).sum()} of {n} predictions equal to it)")
    print(f"energy: {energy_j / macs * 1e15:.1f} fJ/MAC, {2 / (energy_j / macs) * 1e-12:.2f} "
          f"TOPS/W (1 MAC = 2 OPs, 8b x 8b), {macs} MACs; {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except cimchar.Error as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2 if isinstance(e, cimchar.UsageError) else 1)
