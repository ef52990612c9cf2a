"""What the reference networks' training scripts share: the Fashion-MNIST files, the 8-bit
quantization arithmetic, the integer reference and the writer of the cimchar-qnet file format
(tools/networks/README.md describes the format).

The integer reference runs in NumPy: every accumulator is an integer below 2^53, so the dot
products are computed exactly in float64 (BLAS) and the requantization in int64 arithmetic, as
cimchar's C++ reference does.
"""

import gzip
import hashlib
import os
import struct

import h5py
import numpy as np

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


def load_fashion_mnist(data_dir):
    """(train_x, train_y, test_x, test_y, files): the four arrays and their file paths."""
    files = {k: os.path.join(data_dir, f"{k}-idx{3 if 'images' in k else 1}-ubyte.gz")
             for k in ("train-images", "train-labels", "t10k-images", "t10k-labels")}
    return (read_idx(files["train-images"]), read_idx(files["train-labels"]),
            read_idx(files["t10k-images"]), read_idx(files["t10k-labels"]), files)


def data_hashes(files):
    """The `data_sha256` attribute: each file's name and SHA-256."""
    return ", ".join(f"{os.path.basename(v)} {sha256(v)}" for v in files.values())


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


def max_pool(x, pool):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // pool, pool, w // pool, pool).max(axis=(3, 5))


def exact_matmul(a, b):
    """a @ b for int64 operands whose every partial sum stays below 2^53 (checked)."""
    bound = a.shape[-1] * float(np.abs(a).max(initial=0)) * float(np.abs(b).max(initial=0))
    if bound >= 2.0 ** 53:
        raise SystemExit("integer reference: accumulators may exceed 2^53")
    return np.rint(a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)


def residual_input(source, layer, channels):
    """A residual layer's addend: the source map (N, C, H, W) sampled every residual_stride
    pixels, channels C..channels-1 zero."""
    s = layer["residual_stride"]
    r = source[:, :, ::s, ::s]
    return np.pad(r, ((0, 0), (0, channels - r.shape[1]), (0, 0), (0, 0)))


def integer_forward(layers, images, keep_outputs=False):
    """The integer reference: (N, H, W) uint8 -> predictions (N,). With keep_outputs, also the
    requantized output map (after pooling) of every layer but the last."""
    x = images.astype(np.int64)[:, None, :, :]
    added = {layer["residual"] for layer in layers if layer.get("residual", -1) >= 0}
    outputs = {}
    for i, layer in enumerate(layers):
        if layer["kind"] == "conv":
            k = layer["weights"].shape[2]
            cols = im2col(x, k, layer["stride"], layer["padding"])
            w = layer["weights"].reshape(layer["weights"].shape[0], -1).astype(np.int64)
            acc = exact_matmul(cols, w.T) + layer["bias"]  # (N, H, W, M)
            acc = acc.transpose(0, 3, 1, 2)
        else:
            flat = x.reshape(x.shape[0], -1)
            acc = exact_matmul(flat, layer["weights"].astype(np.int64).T) + layer["bias"]
        if layer["output"] == "logits":
            pred = acc.argmax(axis=1)
            return (pred, outputs) if keep_outputs else pred
        m = layer["multiplier"].reshape(1, -1, 1, 1)
        shift = layer["shift"].reshape(1, -1, 1, 1)
        y = acc * m
        if layer.get("residual", -1) >= 0:
            r = residual_input(outputs[layer["residual"]], layer, acc.shape[1])
            y = y + r * layer["residual_multiplier"].reshape(1, -1, 1, 1)
        y = (y + (np.int64(1) << (shift - 1))) >> shift
        x = np.clip(y, 0, 255)
        if layer["pool"] > 1:
            x = max_pool(x, layer["pool"])
        if keep_outputs or i in added:
            outputs[i] = x
    raise SystemExit("network has no logits layer")


def integer_predictions(layers, images, batch=250):
    """integer_forward over `images` in batches."""
    return np.concatenate([integer_forward(layers, images[b:b + batch])
                           for b in range(0, len(images), batch)])


def write_network(path, layers, meta, test_pred):
    """Writes the network file: format cimchar-qnet-2 when a layer adds a residual, else
    cimchar-qnet-1 (which readers of both understand)."""
    residual = any(layer.get("residual", -1) >= 0 for layer in layers)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["format"] = "cimchar-qnet-2" if residual else "cimchar-qnet-1"
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
            if layer.get("residual", -1) >= 0:
                g.attrs["residual"] = layer["residual"]
                g.attrs["residual_stride"] = layer["residual_stride"]
                g.create_dataset("residual_multiplier",
                                 data=layer["residual_multiplier"].astype(np.int64))
        f.create_dataset("reference/test_predictions", data=test_pred.astype(np.uint8))
    os.replace(tmp, path)
