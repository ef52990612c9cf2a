"""Arrays handed over from Python get the checks of layer files: for every bad array the error
is the one the same array saved with np.save gets (only the name of the source differs), and a
layer too large to hold is refused before it is allocated."""

import numpy as np
import pytest

import cimchar

A_SOURCE = "activations (array)"
W_SOURCE = "weights (array)"


def good():
    rng = np.random.default_rng(3)
    return (rng.integers(0, 256, (4, 18)).astype(np.uint8),
            rng.integers(-128, 128, (2, 18)).astype(np.int8))


def file_error(tmp_path, a, w, **format):
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "w.npy", w)
    with pytest.raises(cimchar.UsageError) as e:
        cimchar.load_layer(str(tmp_path / "a.npy"), str(tmp_path / "w.npy"), **format)
    return (str(e.value).replace(str(tmp_path / "a.npy"), A_SOURCE)
            .replace(str(tmp_path / "w.npy"), W_SOURCE))


def array_error(a, w, **format):
    with pytest.raises(cimchar.UsageError) as e:
        cimchar.make_layer(a, w, **format)
    return str(e.value)


a0, w0 = good()
BAD = {
    "float activations": (a0.astype(np.float32), w0, {}),
    "float weights": (a0, w0.astype(np.float64), {}),
    "boolean activations": (a0 > 100, w0, {}),
    "activation beyond the width": (a0.astype(np.int32) + 200, w0, {}),
    "activation beyond 4 bits": (a0, w0, {"activation_bits": 4}),
    "negative unsigned weight": (a0, w0, {"signed_weights": False}),
    "weight beyond 4 bits": (a0, w0, {"weight_bits": 4}),
    "three-dimensional weights": (a0, w0.reshape(2, 3, 6), {}),
    "vector length mismatch": (a0[:, :17], w0, {}),
    "one-dimensional activations": (a0[0], w0, {}),
    "feature maps with linear weights": (a0.reshape(4, 2, 3, 3), w0, {}),
    "channel mismatch": (a0.reshape(4, 2, 3, 3), w0.reshape(2, 1, 3, 6), {}),
    "kernel larger than the map": (a0.reshape(4, 2, 3, 3), w0.reshape(2, 2, 1, 9), {}),
    "empty weights": (a0, np.zeros((0, 18), np.int8), {}),
    "uint64 beyond int64": (a0.astype(np.uint64) + np.uint64(2 ** 63), w0, {}),
    "big-endian weights": (a0, w0.astype(">i4"), {}),
    "bits outside 1..8": (a0, w0, {"weight_bits": 9}),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_array_gets_the_layer_files_message(case, tmp_path):
    a, w, format = BAD[case]
    from_file = file_error(tmp_path, a, w, **format)
    from_array = array_error(a, w, **format)
    assert from_array == from_file
    assert A_SOURCE in from_array or W_SOURCE in from_array or "bits" in from_array


def test_the_messages_name_what_is_wrong():
    a, w = good()
    message = array_error(a.astype(np.int32) + 200, w)
    assert "activation [0, 0] = " in message and "outside 0..255" in message
    assert "floating-point" in array_error(a.astype(np.float32), w)
    assert "quantize first" in array_error(a.astype(np.float32), w)


def test_a_layer_too_large_to_hold_is_refused_before_allocation():
    # one 1x1 map padded to 2^20 + 1 pixels a side: 2^40 patches, never allocated
    message = array_error(np.zeros((1, 1, 1, 1), np.uint8), np.ones((1, 1, 1, 1), np.int8),
                          padding=2 ** 19)
    assert "give 1099513724929 input vectors of 1 values, more than the 2147483648" in message
    message = array_error(np.zeros((1, 1, 2 ** 21, 1), np.uint8), np.ones((1, 1, 1, 1), np.int8))
    assert "exceed 1048576 pixels a side" in message


def test_any_integer_layout_is_read_as_the_same_codes():
    a, w = good()
    reference = cimchar.make_layer(a, w)
    for a2, w2 in ((a.astype(np.int64), w.astype(np.int16)),
                   (np.asfortranarray(a), w),         # another memory order
                   (np.repeat(a, 2, axis=1)[:, ::2], w),  # a strided view
                   (a.tolist(), w.tolist())):          # plain lists of ints
        layer = cimchar.make_layer(a2, w2)
        np.testing.assert_array_equal(layer.inputs, reference.inputs)
        np.testing.assert_array_equal(layer.weights, reference.weights)


def test_feature_maps_are_cut_into_patches_as_from_files(tmp_path):
    rng = np.random.default_rng(5)
    maps = rng.integers(0, 256, (2, 2, 4, 5)).astype(np.uint8)
    kernels = rng.integers(-128, 128, (3, 2, 3, 3)).astype(np.int8)
    np.save(tmp_path / "maps.npy", maps)
    np.save(tmp_path / "k.npy", kernels)
    from_files = cimchar.load_layer(str(tmp_path / "maps.npy"), str(tmp_path / "k.npy"),
                                    stride=2, padding=1)
    from_arrays = cimchar.make_layer(maps, kernels, stride=2, padding=1)
    assert from_arrays.vectors == 2 * 2 * 3 and from_arrays.length == 18
    np.testing.assert_array_equal(from_files.inputs, from_arrays.inputs)
    # patch (image 1, output pixel (1, 2)) holds map rows 1..3, columns 3..5 (5 is padding)
    padded = np.pad(maps[1], ((0, 0), (1, 1), (1, 1)))
    np.testing.assert_array_equal(from_arrays.inputs[6 + 5], padded[:, 2:5, 4:7].ravel())


def test_requantization_is_checked():
    acc = np.array([[100, -5, 70000]], dtype=np.int64)
    out = cimchar.requantize(acc, [1 << 30] * 3, [31] * 3, 8)
    np.testing.assert_array_equal(out, [[50, 0, 255]])  # round half up, clamped to 0..255
    with pytest.raises(cimchar.UsageError) as e:
        cimchar.requantize(acc, [1 << 30] * 3, [31, 31, 70], 8)
    assert "channel 2" in str(e.value) and "shift 70" in str(e.value)
    with pytest.raises(cimchar.UsageError) as e:
        cimchar.requantize(np.array([[1 << 40]]), [1 << 30], [31], 8)
    assert "does not fit 62 bits" in str(e.value)
    with pytest.raises(cimchar.UsageError):
        cimchar.requantize(acc, [1, 2], [0, 0], 8)  # one multiplier per channel
