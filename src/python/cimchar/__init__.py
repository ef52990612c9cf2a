"""cimchar from Python: the characterized macro, the behavioral MAC model and its studies.

Everything runs in cimchar's C++ libraries (the extension cimchar._cimchar); this package binds
their options and arranges their results as NumPy arrays and dicts. cimchar's errors are raised
as cimchar.UsageError (bad input) and cimchar.Error (everything else), with the messages the
command line prints.

    import cimchar
    macro = cimchar.read_macro("results/lut", corner="tt", vdd=0.6, temp=27)
    sweep = cimchar.snr_sweep(macro, boundaries=(5, 10))
    sweep["boundary"], sweep["snr_db"], sweep["energy_per_mac_j"]

cimchar.torch holds Linear and Conv2d modules that run through the macro (needs PyTorch).
"""

import math

import numpy as np

from cimchar._cimchar import (
    ActionEnergy,
    AdcTransfer,
    BudgetRow,
    CALIBRATION_SEED_OFFSET,
    Chips,
    CompareRow,
    ConvGeometry,
    Energies,
    Error,
    FIGURE_CHIPS,
    FIGURE_SAMPLES,
    Geometry,
    Inputs,
    Layer,
    LineTransfer,
    MacArray,
    Macro,
    OperatingPoint,
    QuantizedNetwork,
    QuantLayer,
    RunOptions,
    SnrResult,
    SweepPoint,
    TableSource,
    ThresholdResult,
    UsageError,
    __version__,
    calibrate_thresholds,
    commit,
    compare_modes,
    default_loss_constraints,
    evaluate_snr,
    layer_inputs,
    load_layer,
    make_layer,
    read_fashion_mnist,
    read_macro,
    read_network,
    requantize,
    saliency_full_scale,
    scaled_inputs,
    stream_seed,
    sweep_boundaries,
    uniform_inputs,
)
from cimchar import _cimchar

__all__ = ["ActionEnergy", "AdcTransfer", "BudgetRow", "CALIBRATION_SEED_OFFSET", "Chips", "CompareRow", "ConvGeometry",
           "Energies", "Error", "FIGURE_CHIPS", "FIGURE_SAMPLES", "Geometry", "Inputs", "Layer", "LineTransfer", "MacArray",
           "Macro", "OperatingPoint", "QuantizedNetwork", "QuantLayer", "RunOptions", "SnrResult",
           "SweepPoint", "TableSource", "ThresholdResult", "UsageError", "__version__",
           "calibrate_thresholds", "commit", "compare_modes", "default_loss_constraints",
           "evaluate_snr", "layer_inputs", "load_layer", "make_layer", "read_fashion_mnist",
           "read_macro", "read_network", "requantize", "saliency_full_scale", "scaled_inputs",
           "stream_seed", "sweep_boundaries", "uniform_inputs", "Sweep", "snr_sweep",
           "Comparison", "compare"]

# Tracebacks name the errors as users import them.
Error.__module__ = UsageError.__module__ = "cimchar"


def _options(options, kwargs):
    """RunOptions from an object or keywords (not both)."""
    if options is not None and kwargs:
        raise TypeError("give run options either as options=RunOptions(...) or as keywords")
    return options if options is not None else RunOptions(**kwargs)


def _inputs(name, activation_bits):
    if name == "uniform":
        return uniform_inputs(activation_bits)
    if name == "scaled":
        return scaled_inputs(activation_bits)
    raise UsageError(f"inputs '{name}': expected uniform or scaled")


def _chips(macro, layer, length, chips, chip_seed, activation_bits, weight_bits,
           signed_weights):
    """The chip instances the commands use: one (chip_seed) or `chips` with seeds 1..;
    a layer's own weights in every instance, else random weights redrawn per instance."""
    count = 1 if chip_seed is not None else chips
    first = chip_seed if chip_seed is not None else 1
    if layer is not None:
        return Chips.programmed(macro, layer, count, first)
    return Chips.random(macro, length or macro.geometry.rows, macro.geometry.columns, count,
                        first, activation_bits=activation_bits, weight_bits=weight_bits,
                        signed_weights=signed_weights)


class Sweep(dict):
    """The SNR sweep as NumPy arrays, one entry per point (DCIM first, then HCIM per B_D/A):

    mode, boundary, snr_db with its 95 % interval (snr_lo_db, snr_hi_db; over the chips),
    snr_offset_removed_db, mean_error, mse, var_ideal, energy_per_mac_j, tops_per_w,
    tops_per_w_8b_norm, digital_cycles / analog_ops / adc_conversions per input vector (all
    columns), samples, chips; budget: {row: SNR (dB) per point with only/without that error
    source, NaN where a point has no such row}; energy_j: {block: joules per point}.
    .points holds the library's values, .table() the text `cimchar snr` prints, .plot(path)
    its figure.
    """

    def __init__(self, points, chips):
        super().__init__()
        self.points = points
        self._chips = chips
        alls = [next(r.result for r in p.budget if r.name == "all") for p in points]
        self["mode"] = [p.mode for p in points]
        self["boundary"] = np.array([p.boundary for p in points])
        for key in ("snr_db", "snr_lo_db", "snr_hi_db", "snr_offset_removed_db", "mean_error",
                    "mse", "var_ideal"):
            self[key] = np.array([getattr(r, key) for r in alls])
        for key, energy_key in (("energy_per_mac_j", "per_mac_j"), ("tops_per_w", "tops_per_w"),
                                ("tops_per_w_8b_norm", "tops_per_w_8b_norm")):
            self[key] = np.array([r.energy[energy_key] for r in alls])
        for key in ("digital_cycles", "analog_ops", "adc_conversions"):
            self[key + "_per_vector"] = np.array(
                [r.counts[key] / max(1, r.counts["input_vectors"]) for r in alls])
        self["samples"] = alls[0].samples
        self["chips"] = alls[0].chips
        names = []
        for p in points:
            names += [r.name for r in p.budget if r.name not in names]
        self["budget"] = {
            name: np.array([next((r.result.snr_db for r in p.budget if r.name == name), math.nan)
                            for p in points])
            for name in names}
        blocks = list(alls[0].energy["blocks_j"])
        self["energy_j"] = {b: np.array([r.energy["blocks_j"][b] for r in alls]) for b in blocks}

    def table(self):
        """The table `cimchar snr` prints."""
        return _cimchar.format_sweep(self._chips, self.points)

    def plot(self, path):
        """SNR and energy per MAC vs B_D/A into a .png or .svg (gnuplot)."""
        _cimchar.plot_snr_energy(self.points, str(path))


def snr_sweep(macro, boundaries=(5, 10), *, layer=None, activation_bits=8, weight_bits=8,
              signed_weights=False, length=None, inputs="uniform", samples=None, seed=1,
              chips=FIGURE_CHIPS, chip_seed=None, threads=1, options=None,
              **run_options):
    """SNR and energy per MAC vs B_D/A with the error budget, as `cimchar snr`.

    boundaries: (first, last) B_D/A, inclusive. Without a layer: `chips` instances with random
    weights of length x columns (length: one array's rows) and `inputs` ('uniform' or
    'scaled'), `samples` vectors (default FIGURE_SAMPLES); with layer=cimchar.make_layer(...)
    or load_layer(...): its weights in every instance, its vectors, each at least once (sample n
    is vector n mod vectors). The defaults keep each SNR interval within 0.5 dB at the
    reference operating point. chip_seed: one chip instance's value instead of the expectation over `chips`.
    Further keywords (compensate=True, ...) are RunOptions'. Returns a Sweep (a dict).
    """
    first, last = boundaries
    if layer is not None:
        activation_bits = layer.activation_bits
        weight_bits, signed_weights = layer.weight_bits, layer.signed_weights
    chip_set = _chips(macro, layer, length, chips, chip_seed, activation_bits, weight_bits,
                      signed_weights)
    generator = layer_inputs(layer) if layer is not None else _inputs(inputs, activation_bits)
    if samples is None:
        samples = FIGURE_SAMPLES if layer is None else max(FIGURE_SAMPLES, layer.vectors)
    points = sweep_boundaries(chip_set, _options(options, run_options), first, last, generator,
                              samples, seed, threads)
    return Sweep(points, chip_set)


class Comparison(dict):
    """DCIM vs HCIM vs OSA-HCIM: {row name: figures} for "DCIM", "HCIM B=<b>", "OSA-HCIM",
    each a dict of snr_db (with snr_lo_db, snr_hi_db), snr_offset_removed_db,
    energy_per_mac_j, tops_per_w, tops_per_w_8b_norm, gain_vs_dcim (DCIM's energy per MAC over
    the row's), energy_j {block: joules}, boundary_histogram (array passes per B_D/A); and the
    OSA setting used: .thresholds, .nq_full_scale, .found (the threshold search's result, None
    when thresholds were given). .rows holds the library's values, .table() the text
    `cimchar compare` prints.
    """

    def __init__(self, rows, chips, nq_full_scale, found):
        super().__init__()
        self.rows = rows
        self._chips = chips
        self.thresholds = np.array(rows[-1].options.thresholds, dtype=np.int64)
        self.nq_full_scale = nq_full_scale
        self.found = found
        dcim_j = rows[0].result.energy["per_mac_j"]
        for row in rows:
            r = row.result
            e = r.energy
            self[row.name] = {
                "snr_db": r.snr_db, "snr_lo_db": r.snr_lo_db, "snr_hi_db": r.snr_hi_db,
                "snr_offset_removed_db": r.snr_offset_removed_db,
                "energy_per_mac_j": e["per_mac_j"], "tops_per_w": e["tops_per_w"],
                "tops_per_w_8b_norm": e["tops_per_w_8b_norm"],
                "gain_vs_dcim": dcim_j / e["per_mac_j"] if e["per_mac_j"] > 0 else 0.0,
                "energy_j": dict(e["blocks_j"]),
                "boundary_histogram": r.counts["boundary_histogram"],
            }

    def table(self):
        """The tables `cimchar compare` prints."""
        return _cimchar.format_comparison(self._chips, self.rows)


def compare(macro, *, layer=None, hcim_boundary=8, candidates=(5, 6, 7, 8, 9, 10),
            thresholds=None, losses=None, nq_full_scale=-1, calibration_samples=None,
            activation_bits=8, weight_bits=8, signed_weights=False, length=None,
            inputs="scaled", samples=None, seed=1, chips=FIGURE_CHIPS, chip_seed=None,
            threads=1, **run_options):
    """DCIM vs HCIM (B_D/A = hcim_boundary) vs OSA-HCIM on the same inputs, as `cimchar compare`.

    Without thresholds, T is found by the Fig. 3(b) search with the loss limits `losses`
    (default 1e-5 x 10^i) on a calibration set: `calibration_samples` (default 2000) vectors of
    `inputs` drawn with seed + 1000, or, with a layer, the first half of its vectors (the second
    half is compared). nq_full_scale: -1 follows the calibration data, 0 = rows + 1. Further keywords
    (ose_orders=, compensate=True, ...) are RunOptions'. Returns a Comparison (a dict).
    """
    run = RunOptions(mode="osa-hcim", candidates=list(candidates), **run_options)
    if layer is not None:
        if layer.vectors < 2:
            raise UsageError("compare with a layer needs at least 2 input vectors (a "
                             "calibration and a test half)")
        half = layer.vectors // 2
        calibration = layer_inputs(layer.slice(0, half))
        generator = layer_inputs(layer.slice(half, layer.vectors - half))
        calibration_samples = half if calibration_samples is None else calibration_samples
        if samples is None:
            samples = max(FIGURE_SAMPLES, layer.vectors - half)
        activation_bits = layer.activation_bits
        weight_bits, signed_weights = layer.weight_bits, layer.signed_weights
    else:
        generator = _inputs(inputs, activation_bits)
        calibration = generator
        calibration_samples = 2000 if calibration_samples is None else calibration_samples
        samples = FIGURE_SAMPLES if samples is None else samples
    chip_set = _chips(macro, layer, length, chips, chip_seed, activation_bits, weight_bits,
                      signed_weights)
    calibration_seed = seed + CALIBRATION_SEED_OFFSET
    run.nq_full_scale = (nq_full_scale if nq_full_scale >= 0 else
                         saliency_full_scale(chip_set, run, calibration, calibration_samples,
                                             calibration_seed, threads))
    found = None
    if thresholds is not None:
        run.thresholds = list(thresholds)
    else:
        limits = (list(losses) if losses is not None
                  else default_loss_constraints(len(run.candidates)))
        found = calibrate_thresholds(chip_set, run, limits, calibration, calibration_samples,
                                     calibration_seed, threads)
        run.thresholds = found.thresholds
    rows = compare_modes(chip_set, run, hcim_boundary, generator, samples, seed, threads)
    return Comparison(rows, chip_set, run.nq_full_scale, found)
