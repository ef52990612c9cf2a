"""The MAC model from Python: runs on NumPy batches (outputs, codes, energy by block, the B_D/A
of every pass), the SNR sweep and the mode comparison, each checked against an independent
computation or against the cimchar command on the same settings."""

import csv

import numpy as np
import pytest

import cimchar

REL = 1e-9  # the same computation reached two ways; only the last digits of sums may differ
K, M, N = 300, 16, 96  # a layer of 3 row tiles x 2 column tiles, 96 input vectors


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    weights = rng.integers(-128, 128, (M, K)).astype(np.int8)
    activations = rng.integers(0, 256, (N, K)).astype(np.uint8)
    return activations, weights


def test_dcim_is_exact_and_hcim_uses_its_boundary(macro, data):
    a, w = data
    array = cimchar.MacArray(macro, w, chip_seed=3)
    assert (array.length, array.outputs, array.row_tiles, array.column_tiles) == (K, M, 3, 2)
    ideal = a.astype(np.int64) @ w.astype(np.int64).T
    dcim = array.run(a, mode="dcim")
    np.testing.assert_array_equal(dcim["ideal"], ideal)
    np.testing.assert_array_equal(dcim["outputs"], ideal)
    np.testing.assert_array_equal(dcim["codes"], ideal)
    assert dcim["counts"]["analog_ops"] == 0 and dcim["counts"]["macs"] == N * K * M

    hcim = array.run(a, mode="hcim", boundary=8)
    assert hcim["boundaries"].shape == (N, 3, 2) and (hcim["boundaries"] == 8).all()
    np.testing.assert_array_equal(hcim["codes"], np.rint(hcim["outputs"]).astype(np.int64))
    error = hcim["outputs"] - ideal
    snr_db = 10 * np.log10(ideal.var() / np.mean(error ** 2))
    assert 15 < snr_db < 35  # the sweep's HCIM B=8 figure is about 22 dB
    blocks = hcim["energy"]["blocks_j"]
    assert sum(blocks.values()) == pytest.approx(hcim["energy"]["total_j"], rel=REL)
    assert blocks["adc"] > 0 and dcim["energy"]["blocks_j"]["adc"] == 0
    assert hcim["energy"]["per_mac_j"] < dcim["energy"]["per_mac_j"]


def test_osa_picks_a_boundary_per_pass_from_its_saliency(macro, data):
    a, w = data
    array = cimchar.MacArray(macro, w, chip_seed=3)
    thresholds = [400, 300, 200, 100, 50]
    r = array.run(a, mode="osa-hcim", thresholds=thresholds)
    candidates = np.array([5, 6, 7, 8, 9, 10])
    s, b = r["saliency"], r["boundaries"]
    # the first m with S >= T[m] selects B[m], else the last candidate
    index = np.array([next((i for i, t in enumerate(thresholds) if v >= t), 5)
                      for v in s.ravel()])
    np.testing.assert_array_equal(b.ravel(), candidates[index])
    assert len(np.unique(b)) > 1  # these vectors spread over several boundaries
    hist = r["counts"]["boundary_histogram"]
    assert hist.sum() == N * 6 and all(hist[c] == (b == c).sum() for c in candidates)


def test_a_batch_is_deterministic_and_its_errors_are_the_snrs(macro, data):
    a, w = data
    array = cimchar.MacArray(macro, w, chip_seed=3)
    one = array.run(a, mode="hcim", boundary=7, seed=5, threads=1)
    two = array.run(a, mode="hcim", boundary=7, seed=5, threads=2)
    np.testing.assert_array_equal(one["outputs"], two["outputs"])
    other = array.run(a, mode="hcim", boundary=7, seed=6)
    assert not np.array_equal(one["outputs"], other["outputs"])  # noise follows the seed
    # vector n of a batch is sample n of the SNR on the layer's vectors
    layer = cimchar.make_layer(a, w)
    snr = cimchar.evaluate_snr(cimchar.Chips([array]), cimchar.RunOptions(boundary=7),
                               cimchar.layer_inputs(layer), samples=N, seed=5)
    error = one["outputs"] - one["ideal"]
    assert snr.mse == pytest.approx(np.mean(error ** 2), rel=REL)
    assert snr.mean_error == pytest.approx(np.mean(error), rel=REL, abs=1e-9)
    assert snr.energy["total_j"] == pytest.approx(one["energy"]["total_j"], rel=REL)


def test_the_adc_code_of_one_conversion(macro, data):
    _, w = data
    array = cimchar.MacArray(macro, w, chip_seed=3)
    empty = [0] * 16
    full = [0] * 15 + [144]
    low = array.convert_code(0, 0, empty, dynamic_noise=False)
    high = array.convert_code(0, 0, full, dynamic_noise=False)
    assert 0 <= low < high <= 7
    assert array.code_fraction(0) < array.code_fraction(7)
    with pytest.raises(cimchar.UsageError) as e:
        array.convert_code(0, 0, [0] * 15 + [145])
    assert "145 rows" in str(e.value)


def read_sweep_csv(path):
    with open(path) as f:
        return [r for r in csv.DictReader(f) if r["budget_row"] == "all"]


def test_sweep_equals_the_snr_command(macro, lut, cli, tmp_path):
    sweep = cimchar.snr_sweep(macro, (6, 8), samples=300, chips=3, seed=5)
    out = tmp_path / "snr.csv"
    code, stdout, err = cli("snr", "--lut", lut, "--vdd", 0.6, "--boundaries", "6-8",
                            "--samples", 300, "--chips", 3, "--seed", 5, "--out", out)
    assert code == 0, err
    rows = read_sweep_csv(out)
    assert [r["mode"] for r in rows] == sweep["mode"] == ["dcim", "hcim", "hcim", "hcim"]
    np.testing.assert_array_equal([int(r["boundary"]) for r in rows], sweep["boundary"])
    for key in ("snr_db", "snr_lo_db", "snr_hi_db", "energy_per_mac_j", "mse"):
        expected = [float(r[key]) for r in rows]
        np.testing.assert_allclose(sweep[key], expected, rtol=REL, err_msg=key)
    assert sweep.table() in stdout  # the same table, character for character
    assert sweep["chips"] == 3 and sweep["samples"] == 300
    hcim = sweep["mode"].index("hcim")
    assert sweep["budget"]["dynamic noise only"][hcim] > sweep["snr_db"][hcim]
    assert np.isnan(sweep["budget"]["dynamic noise only"][0])  # DCIM has no budget
    total = sum(sweep["energy_j"][b] for b in sweep["energy_j"])
    assert total.shape == (4,) and (total > 0).all()
    png = tmp_path / "snr.png"
    sweep.plot(png)
    assert png.stat().st_size > 1000


def test_one_chip_and_uniform_vs_scaled_inputs(macro):
    one = cimchar.snr_sweep(macro, (8, 8), samples=128, chip_seed=4)
    assert one["chips"] == 1 and np.isnan(one["snr_lo_db"][1])
    scaled = cimchar.snr_sweep(macro, (8, 8), samples=128, chip_seed=4, inputs="scaled")
    assert scaled["snr_db"][1] != one["snr_db"][1]
    with pytest.raises(cimchar.UsageError):
        cimchar.snr_sweep(macro, (8, 8), samples=128, inputs="gaussian")


def test_compare_equals_the_compare_command(macro, lut, cli):
    result = cimchar.compare(macro, samples=256, calibration_samples=256, chips=2, seed=3)
    code, stdout, err = cli("compare", "--lut", lut, "--vdd", 0.6, "--samples", 256,
                            "--calibration-samples", 256, "--chips", 2, "--seed", 3)
    assert code == 0, err
    assert f"N/Q full scale: {result.nq_full_scale} " in stdout
    found = " ".join(str(t) + ("" if met else "(L missed)")
                     for t, met in zip(result.found.thresholds, result.found.met))
    assert f"calibration vectors: {found}\n" in stdout
    assert result.table() in stdout
    assert list(result) == ["DCIM", "HCIM B=8", "OSA-HCIM"]
    assert result["DCIM"]["gain_vs_dcim"] == 1.0
    assert result["HCIM B=8"]["gain_vs_dcim"] > 1.0
    osa = result["OSA-HCIM"]["boundary_histogram"]
    assert osa.sum() > 0 and osa[:5].sum() == 0  # only the candidates 5..10


def test_compare_with_given_thresholds(macro):
    result = cimchar.compare(macro, thresholds=[36, 36, 2, 0, 0], nq_full_scale=20,
                             samples=128, chips=1)
    assert result.found is None and list(result.thresholds) == [36, 36, 2, 0, 0]
    assert result.nq_full_scale == 20


def test_layer_from_arrays_equals_the_layer_files(macro, lut, cli, data, tmp_path):
    a, w = data
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "w.npy", w)
    from_files = cimchar.load_layer(str(tmp_path / "a.npy"), str(tmp_path / "w.npy"))
    from_arrays = cimchar.make_layer(a, w)
    np.testing.assert_array_equal(from_files.inputs, from_arrays.inputs)
    np.testing.assert_array_equal(from_files.weights, from_arrays.weights)
    np.testing.assert_array_equal(from_arrays.weights, w.T)
    sweep = cimchar.snr_sweep(macro, (7, 7), layer=from_arrays, chips=2)
    out = tmp_path / "layer.csv"
    code, _, err = cli("snr", "--lut", lut, "--vdd", 0.6, "--boundaries", 7,
                       "--activations", tmp_path / "a.npy", "--weights", tmp_path / "w.npy",
                       "--chips", 2, "--out", out)
    assert code == 0, err
    rows = read_sweep_csv(out)
    np.testing.assert_allclose(sweep["snr_db"], [float(r["snr_db"]) for r in rows], rtol=REL)
    # every vector at least once, and at least the default sample count, as the command
    assert sweep["samples"] == max(cimchar.FIGURE_SAMPLES, N)


def test_run_options_are_checked(macro, data):
    _, w = data
    array = cimchar.MacArray(macro, w)
    with pytest.raises(cimchar.UsageError) as e:
        array.run(data[0], mode="hcim", boundary=16)
    assert "16" in str(e.value)
    with pytest.raises(cimchar.UsageError):
        cimchar.RunOptions(mode="analog")
    with pytest.raises(TypeError):
        array.run(data[0], cimchar.RunOptions(), mode="dcim")  # options given twice
    options = cimchar.RunOptions(mode="osa-hcim", thresholds=[9, 8, 7, 6, 5])
    copy = options.copy()
    copy.thresholds = []
    assert options.thresholds == [9, 8, 7, 6, 5]
    with pytest.raises(cimchar.UsageError):
        cimchar.RunOptions(saliency="loudest")
    signed = cimchar.RunOptions(saliency="signed", transfer=False, isa="scalar")
    assert (signed.saliency, signed.switches["transfer"], signed.isa) == ("signed", False, "scalar")


def test_every_instruction_set_gives_the_same_outputs(macro, data):
    a, w = data
    array = cimchar.MacArray(macro, w, chip_seed=3)
    scalar = array.run(a, mode="hcim", boundary=7, isa="scalar")
    auto = array.run(a, mode="hcim", boundary=7, isa="auto")
    np.testing.assert_array_equal(scalar["outputs"], auto["outputs"])
    exact_line = array.run(a, mode="hcim", boundary=7, transfer=False, dynamic_noise=False,
                           static_noise=False)
    noisy = array.run(a, mode="hcim", boundary=7, dynamic_noise=False, static_noise=False)
    assert not np.array_equal(exact_line["outputs"], noisy["outputs"])  # the switch reaches it
