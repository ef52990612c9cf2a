"""cimchar.torch: Linear and Conv2d through the macro. DCIM reproduces the integer reference
network's predictions on test images, the layers compute what PyTorch's own layers compute on
the same integer codes, a coarse boundary changes the predictions, OSA-HCIM calibrates its
thresholds, and the example script runs."""

import os
import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import cimchar
import cimchar.torch

# DCIM must reproduce the integer reference's predictions on these first test images: 1.1 ms of
# CPU per image through PyTorch, so 2.2 s; the whole set (10 000, 11 s of CPU) is checked in C++
# by tests/network/network_test.cpp. The sanitizer build (unoptimized) checks 200.
EXACT_IMAGES = 2000 if cimchar._cimchar.release_build else 200
HOME = os.environ.get("CIMCHAR_HOME",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def classify(net, images, batch=500):
    x = torch.from_numpy(images).to(torch.float64).unsqueeze(1) / 255
    with torch.no_grad():
        return torch.cat([net(x[b:b + batch]).argmax(dim=1)
                          for b in range(0, len(x), batch)]).numpy()


@pytest.fixture(scope="module")
def test_images():
    return cimchar.read_fashion_mnist("test", 0, EXACT_IMAGES)


def test_dcim_through_pytorch_equals_the_integer_reference(macro, test_images):
    images, labels = test_images
    net = cimchar.torch.reference_network(macro, mode="dcim", threads=2)
    predictions = classify(net, images)
    reference = net.network.reference_predictions[:EXACT_IMAGES]
    np.testing.assert_array_equal(predictions, reference)
    assert (predictions == labels).mean() > 0.85
    macs, energy_j = cimchar.torch.macro_energy(net)
    assert macs == net.network.macs_per_image * EXACT_IMAGES
    assert 1e-13 < energy_j / macs < 1e-12  # a few hundred fJ per MAC


def test_a_coarse_boundary_changes_predictions(macro, test_images):
    images, labels = test_images
    images, labels = images[:200], labels[:200]
    net = cimchar.torch.reference_network(macro, mode="hcim", boundary=10, threads=2)
    predictions = classify(net, images)
    reference = net.network.reference_predictions[:200]
    assert (predictions != reference).sum() > 20
    assert (predictions == labels).mean() < (reference == labels).mean() - 0.1
    assert net[0].last_run["energy"]["blocks_j"]["adc"] > 0


def test_layers_compute_what_pytorch_computes_on_the_codes(macro):
    rng = np.random.default_rng(11)
    w = torch.from_numpy(rng.integers(-128, 128, (12, 3, 5, 5)))
    b = torch.from_numpy(rng.integers(-5000, 5000, 12))
    x = torch.from_numpy(rng.integers(0, 256, (4, 3, 13, 11))).to(torch.float64)
    conv = cimchar.torch.Conv2d(macro, w, b, input_scale=1.0, weight_scale=1.0, stride=2,
                                padding=2)
    expected = F.conv2d(x, w.double(), b.double(), stride=2, padding=2)
    torch.testing.assert_close(conv(x), expected, rtol=0, atol=0)

    wl = torch.from_numpy(rng.integers(-128, 128, (7, 200)))
    xl = torch.from_numpy(rng.integers(0, 256, (5, 200))).to(torch.float64)
    linear = cimchar.torch.Linear(macro, wl, None, input_scale=0.5, weight_scale=2.0)
    torch.testing.assert_close(linear(xl * 0.5), xl @ wl.double().T, rtol=0, atol=0)


def test_from_float_quantizes_like_the_reference(macro):
    torch.manual_seed(3)
    float_layer = torch.nn.Linear(144, 6)
    x = torch.rand(8, 144)
    layer = cimchar.torch.Linear.from_float(float_layer, macro, input_scale=1 / 255)
    codes, scale = cimchar.torch.quantize_weights(float_layer.weight)
    assert codes.abs().max() == 127 and scale.shape == (6,)
    with torch.no_grad():
        y, reference = layer(x), float_layer(x)
    assert y.dtype == torch.float32
    assert (y - reference).abs().max() < 0.01 * reference.abs().max()
    conv = torch.nn.Conv2d(2, 4, 3, padding=1)
    mapped = cimchar.torch.Conv2d.from_float(conv, macro, input_scale=1 / 255)
    xc = torch.rand(2, 2, 6, 6)
    with torch.no_grad():
        yc, rc = mapped(xc), conv(xc)
    assert yc.shape == rc.shape and (yc - rc).abs().max() < 0.02 * rc.abs().max()
    with pytest.raises(cimchar.UsageError):
        cimchar.torch.Conv2d.from_float(torch.nn.Conv2d(2, 4, 3, groups=2), macro,
                                        input_scale=1.0)


def test_osa_calibrates_thresholds_per_layer(macro):
    net = cimchar.torch.reference_network(macro, mode="osa-hcim", threads=2)
    images, _ = cimchar.read_fashion_mnist("train", net.network.calibration_first, 20)
    x = torch.from_numpy(images).to(torch.float64).unsqueeze(1) / 255
    found = cimchar.torch.calibrate(net, x, losses=[2e-5, 5e-5, 1e-4, 2e-4, 5e-4])
    assert sorted(found) == [0, 1, 3, 5]  # the four cimchar layers of the Sequential
    for index, result in found.items():
        t = result.thresholds
        assert len(t) == 5 and all(a >= b for a, b in zip(t, t[1:]))
        assert net[index].options.thresholds == t and net[index].options.nq_full_scale > 0
    with torch.no_grad():
        net(x[:4])
    used = net[0].last_run["boundaries"]
    assert set(np.unique(used)) <= {5, 6, 7, 8, 9, 10}


def test_a_batch_of_one_mode_is_deterministic(macro):
    net = cimchar.torch.reference_network(macro, mode="hcim", boundary=7, seed=4)
    images, _ = cimchar.read_fashion_mnist("test", 0, 8)
    x = torch.from_numpy(images).to(torch.float64).unsqueeze(1) / 255
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(x), rtol=0, atol=0)


def test_the_accuracy_example_runs(lut):
    script = os.path.join(HOME, "tools", "networks", "fashion_mnist", "accuracy.py")
    p = subprocess.run(["/usr/bin/python3", script, "--lut", lut, "--vdd", "0.6", "--mode",
                        "hcim", "--boundary", "6", "--images", "100", "--threads", "2"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "test accuracy: " in p.stdout and "fJ/MAC" in p.stdout
    bad = subprocess.run(["/usr/bin/python3", script, "--lut", lut, "--vdd", "2.0",
                          "--images", "10"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "outside the axis range" in bad.stderr
