"""PyTorch layers that run through the characterized macro (inference only).

Linear and Conv2d quantize as the reference network does (tools/networks/fashion_mnist/):
unsigned activation codes clamp(round(x / input_scale), 0, 2^a - 1), signed weight codes with one
scale per output channel, integer biases in units of input_scale x weight_scale. The integer dot
products run through a cimchar.MacArray (the macro model, tiled over arrays, DCIM / HCIM at a
B_D/A / OSA-HCIM with thresholds, one simulated chip per layer) and the integer accumulators are
either requantized as the reference does (multiplier, shift; the output is code x output_scale)
or scaled back to real values ((acc + bias) x input_scale x weight_scale).

    macro = cimchar.read_macro("results/lut", vdd=0.6)
    net = cimchar.torch.reference_network(macro, mode="hcim", boundary=6)
    logits = net(images.double() / 255)              # (N, 1, 28, 28) in [0, 1]

Outputs have the input's dtype; use float64 for logits that keep every integer distinct.
Forward runs under torch.no_grad semantics (no gradient flows through the macro).
"""

import os

import numpy as np
import torch
from torch import nn

import cimchar


def reference_network_path():
    """tools/networks/fashion_mnist/network.h5 of the cimchar checkout this package was built
    in (CIMCHAR_HOME overrides it, as for the command)."""
    home = os.environ.get("CIMCHAR_HOME")
    if home is None:
        here = os.path.dirname(os.path.abspath(__file__))
        home = _source_dir(here)
    return os.path.join(home, "tools", "networks", "fashion_mnist", "network.h5")


def _source_dir(here):
    # build/python/cimchar -> the checkout holding build/ (the folder with tools/networks).
    path = here
    for _ in range(5):
        path = os.path.dirname(path)
        if os.path.isdir(os.path.join(path, "tools", "networks")):
            return path
    raise cimchar.UsageError(
        f"cannot find the cimchar checkout above {here}: set CIMCHAR_HOME to it, or give the "
        "network file's path")


def quantize_weights(weight, bits=8, per_channel=True):
    """Symmetric weight codes as the reference network's: scale = max|w| / (2^(bits-1) - 1) per
    output channel (dimension 0), or one for the whole tensor; codes round(w / scale) clipped to
    +-(2^(bits-1) - 1). Returns (codes int64 tensor, scales float64 tensor of M or 1 values)."""
    w = weight.detach().to(torch.float64)
    top = 2 ** (bits - 1) - 1
    flat = w.reshape(w.shape[0], -1).abs()
    scale = flat.amax(dim=1) if per_channel else flat.amax().reshape(1)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale)) / top
    shape = (-1,) + (1,) * (w.dim() - 1)
    codes = torch.clamp(torch.round(w / scale.reshape(shape)), -top, top).to(torch.int64)
    return codes, scale


def _numpy_codes(codes):
    return np.ascontiguousarray(codes.detach().cpu().numpy())


class _MacLayer(nn.Module):
    """What Linear and Conv2d share: the programmed macro array and the output arithmetic."""

    def __init__(self, macro, weight, bias, *, input_scale, weight_scale, activation_bits,
                 weight_bits, signed_weights, multiplier, shift, output_scale, stride, padding,
                 mode, boundary, chip_seed, seed, threads, options):
        super().__init__()
        weight = torch.as_tensor(weight)
        self.array = cimchar.MacArray(
            macro, _numpy_codes(weight), activation_bits=activation_bits,
            weight_bits=weight_bits, signed_weights=signed_weights, stride=stride,
            padding=padding, chip_seed=chip_seed)
        self.out_features = int(weight.shape[0])
        self.input_scale = float(input_scale)
        self.activation_bits = activation_bits
        self.bias_codes = (torch.zeros(self.out_features, dtype=torch.int64) if bias is None
                           else torch.as_tensor(bias).to(torch.int64).reshape(-1))
        if (multiplier is None) != (shift is None):
            raise cimchar.UsageError("requantization needs both multiplier and shift")
        self.requantizes = multiplier is not None
        if self.requantizes:
            if output_scale is None:
                raise cimchar.UsageError("a requantizing layer needs output_scale (the real value "
                                         "of one output code)")
            self.multiplier = np.ascontiguousarray(np.asarray(multiplier, dtype=np.int64))
            self.shift = np.ascontiguousarray(np.asarray(shift, dtype=np.int64))
            self.output_scale = float(output_scale)
        else:
            if weight_scale is None:
                raise cimchar.UsageError("a layer without requantization needs weight_scale")
            scale = torch.as_tensor(weight_scale, dtype=torch.float64).reshape(-1)
            self.value_scale = self.input_scale * scale  # one per channel, or one for all
        # A copy: calibrate() changes this layer's options only.
        self.options = (options.copy() if options is not None else
                        cimchar.RunOptions(mode=mode, boundary=boundary))
        self.seed = seed
        self.threads = threads
        self.last_run = None
        self.macs = 0
        self.energy_j = 0.0

    def extra_repr(self):
        return (f"out_features={self.out_features}, length={self.array.length}, "
                f"options={self.options!r}, chip_seed={self.array.chip_seed}")

    def input_codes(self, x):
        """The activation codes of x: clamp(round(x / input_scale), 0, 2^a - 1)."""
        top = 2 ** self.activation_bits - 1
        return torch.clamp(torch.round(x.detach() / self.input_scale), 0, top).to(torch.int64)

    def _run(self, codes):
        """The macro on the codes' vectors: (vectors, M) int64 accumulators with the bias."""
        r = self.array.run(_numpy_codes(codes), self.options, seed=self.seed,
                           threads=self.threads, ideal=False,
                           passes=self.options.mode == "osa-hcim")
        self.last_run = r
        self.macs += r["counts"]["macs"]
        self.energy_j += r["energy"]["total_j"]
        return torch.from_numpy(r["codes"]) + self.bias_codes

    def _output(self, acc, dtype):
        """(vectors, M) accumulators to real values of `dtype`."""
        if self.requantizes:
            y = cimchar.requantize(acc.numpy(), self.multiplier, self.shift,
                                   self.activation_bits)
            return torch.from_numpy(y).to(dtype) * self.output_scale
        return (acc.to(torch.float64) * self.value_scale).to(dtype)

    def calibrate(self, x, losses=None, *, samples=None, seed=None, nq_full_scale=-1):
        """Sets OSA-HCIM thresholds for this layer from a calibration batch x (its input, as
        forward takes it): the N/Q full scale from the data (nq_full_scale=-1) and the Fig. 3(b)
        search with the loss limits (default 1e-5 x 10^i) on the batch's vectors. Returns the
        library's ThresholdResult."""
        layer = cimchar.make_layer(
            _numpy_codes(self.input_codes(x)), self._weights_for_calibration,
            activation_bits=self.activation_bits, weight_bits=self.array.weight_bits,
            signed_weights=self.array.signed_weights, **self._conv_format)
        inputs = cimchar.layer_inputs(layer)
        options = self.options
        options.mode = "osa-hcim"
        options.thresholds = []
        samples = layer.vectors if samples is None else samples
        seed = self.seed + 1000 if seed is None else seed
        options.nq_full_scale = (nq_full_scale if nq_full_scale >= 0 else
                                 cimchar.saliency_full_scale(self.array, options, inputs,
                                                             samples, seed, self.threads))
        limits = (list(losses) if losses is not None else
                  cimchar.default_loss_constraints(len(options.candidates)))
        found = cimchar.calibrate_thresholds(self.array, options, limits, inputs, samples, seed,
                                             self.threads)
        options.thresholds = found.thresholds
        self.options = options
        return found


class Linear(_MacLayer):
    """y = W x + b through the macro; x (N, K) real values, y (N, M).

    weight: (M, K) integer codes; bias: M integer codes (units input_scale x weight_scale) or
    None; input_scale: the real value of one activation code; weight_scale: of one weight code
    (a number or one per output). With multiplier and shift (one per output) the accumulators
    are requantized as the reference network's layers (clamp to 0..2^a - 1, the ReLU included)
    and y = code x output_scale. mode 'dcim' | 'hcim' (at boundary) | 'osa-hcim' (set options=
    cimchar.RunOptions(mode='osa-hcim', thresholds=..., nq_full_scale=...), or calibrate());
    chip_seed: the simulated die; seed: per-conversion noise (vector n of a batch draws stream
    (seed, n), so a batch gives the same output every time).
    """

    def __init__(self, macro, weight, bias=None, *, input_scale, weight_scale=None,
                 activation_bits=8, weight_bits=8, signed_weights=True, multiplier=None,
                 shift=None, output_scale=None, mode="dcim", boundary=8, chip_seed=1, seed=1,
                 threads=1, options=None):
        super().__init__(macro, weight, bias, input_scale=input_scale, weight_scale=weight_scale,
                         activation_bits=activation_bits, weight_bits=weight_bits,
                         signed_weights=signed_weights, multiplier=multiplier, shift=shift,
                         output_scale=output_scale, stride=1, padding=0, mode=mode,
                         boundary=boundary, chip_seed=chip_seed, seed=seed, threads=threads,
                         options=options)
        self.in_features = self.array.length
        self._weights_for_calibration = _numpy_codes(torch.as_tensor(weight))
        self._conv_format = {}

    @classmethod
    def from_float(cls, linear, macro, *, input_scale, weight_bits=8, per_channel=True,
                   **kwargs):
        """A Linear from a float torch.nn.Linear, weights quantized per output channel (or
        per tensor) as the reference network's; the output is real-valued."""
        codes, scale = quantize_weights(linear.weight, weight_bits, per_channel)
        bias = None
        if linear.bias is not None:
            bias = torch.round(linear.bias.detach().to(torch.float64) /
                               (input_scale * scale)).to(torch.int64)
        return cls(macro, codes, bias, input_scale=input_scale, weight_scale=scale,
                   weight_bits=weight_bits, **kwargs)

    def forward(self, x):
        codes = self.input_codes(x).reshape(-1, self.in_features)
        y = self._output(self._run(codes), x.dtype)
        return y.reshape(*x.shape[:-1], self.out_features)


class Conv2d(_MacLayer):
    """A convolution through the macro; x (N, C, H, W) real values, y (N, M, Ho, Wo).

    weight: (M, C, kh, kw) integer codes; the patches are cut as the reference network's
    (zero padding, (c, y, x) order, cimchar's im2col). Everything else as Linear.
    """

    def __init__(self, macro, weight, bias=None, *, input_scale, weight_scale=None,
                 stride=1, padding=0, activation_bits=8, weight_bits=8, signed_weights=True,
                 multiplier=None, shift=None, output_scale=None, mode="dcim", boundary=8,
                 chip_seed=1, seed=1, threads=1, options=None):
        super().__init__(macro, weight, bias, input_scale=input_scale, weight_scale=weight_scale,
                         activation_bits=activation_bits, weight_bits=weight_bits,
                         signed_weights=signed_weights, multiplier=multiplier, shift=shift,
                         output_scale=output_scale, stride=stride, padding=padding, mode=mode,
                         boundary=boundary, chip_seed=chip_seed, seed=seed, threads=threads,
                         options=options)
        weight = torch.as_tensor(weight)
        self.in_channels = int(weight.shape[1])
        self.kernel_size = (int(weight.shape[2]), int(weight.shape[3]))
        self.stride = stride
        self.padding = padding
        self._weights_for_calibration = _numpy_codes(weight)
        self._conv_format = {"stride": stride, "padding": padding}

    @classmethod
    def from_float(cls, conv, macro, *, input_scale, weight_bits=8, per_channel=True, **kwargs):
        """A Conv2d from a float torch.nn.Conv2d (square stride and padding, no dilation or
        groups), weights quantized as the reference network's; the output is real-valued."""
        if conv.groups != 1 or conv.dilation != (1, 1) or conv.padding_mode != "zeros":
            raise cimchar.UsageError("cimchar.torch.Conv2d maps dense convolutions with zero "
                                     "padding (groups 1, dilation 1)")
        if conv.stride[0] != conv.stride[1] or conv.padding[0] != conv.padding[1]:
            raise cimchar.UsageError("cimchar.torch.Conv2d needs the same stride and padding "
                                     "on both axes")
        codes, scale = quantize_weights(conv.weight, weight_bits, per_channel)
        bias = None
        if conv.bias is not None:
            bias = torch.round(conv.bias.detach().to(torch.float64) /
                               (input_scale * scale)).to(torch.int64)
        return cls(macro, codes, bias, input_scale=input_scale, weight_scale=scale,
                   stride=conv.stride[0], padding=conv.padding[0], weight_bits=weight_bits,
                   **kwargs)

    def forward(self, x):
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        ho = (h + 2 * self.padding - kh) // self.stride + 1
        wo = (w + 2 * self.padding - kw) // self.stride + 1
        acc = self._run(self.input_codes(x))  # (n ho wo, M), output pixels row-major
        y = self._output(acc, x.dtype)
        return y.reshape(n, ho, wo, self.out_features).permute(0, 3, 1, 2).contiguous()


def reference_network(macro, path=None, *, mode="dcim", boundary=8, options=None, chip_seed=1,
                      seed=1, threads=1):
    """The quantized reference CNN (network.h5, format cimchar-qnet-1) as a torch.nn.Sequential
    of cimchar layers with its exact integer weights, biases and requantization: input images
    (N, 1, 28, 28) with values pixel / 255, output the logits (acc + bias) x output_scale.
    Layer l is chip stream_seed(chip_seed, l), as in `cimchar network study`; every layer runs
    with `options` (or mode and boundary)."""
    net = cimchar.read_network(path if path is not None else reference_network_path())
    layers = []
    input_scale = 1.0 / 255.0  # the raw pixel, as the network was trained
    for index, q in enumerate(net.layers):
        common = dict(input_scale=input_scale, activation_bits=q.activation_bits,
                      weight_bits=q.weight_bits, signed_weights=q.signed_weights, mode=mode,
                      boundary=boundary, options=options,
                      chip_seed=cimchar.stream_seed(chip_seed, index), seed=seed,
                      threads=threads)
        scale = q.output_scale if q.output_scale > 0 else 1.0
        if q.logits:
            common.update(weight_scale=scale / input_scale)
        else:
            common.update(multiplier=q.multiplier, shift=q.shift, output_scale=scale)
        if q.kind == "conv":
            layers.append(Conv2d(macro, torch.from_numpy(q.weights), torch.from_numpy(q.bias),
                                 stride=q.geometry.stride, padding=q.geometry.padding, **common))
        else:
            if index > 0 and net.layers[index - 1].kind == "conv":
                layers.append(nn.Flatten())
            layers.append(Linear(macro, torch.from_numpy(q.weights), torch.from_numpy(q.bias),
                                 **common))
        if q.pool > 1:
            layers.append(nn.MaxPool2d(q.pool))
        input_scale = scale
    model = nn.Sequential(*layers)
    model.network = net
    return model


def calibrate(model, x, losses=None, **kwargs):
    """OSA-HCIM thresholds for every cimchar layer of a torch.nn.Sequential, in order, on the
    calibration batch x: each layer is calibrated on the inputs it receives from the layers
    before it (already running through the macro). Returns {layer index: ThresholdResult}."""
    found = {}
    with torch.no_grad():
        for index, layer in enumerate(model):
            if isinstance(layer, _MacLayer):
                found[index] = layer.calibrate(x, losses, **kwargs)
            x = layer(x)
    return found


def macro_energy(model):
    """(MACs, joules) the cimchar layers of `model` ran since it was built."""
    layers = [m for m in model.modules() if isinstance(m, _MacLayer)]
    return sum(m.macs for m in layers), sum(m.energy_j for m in layers)
