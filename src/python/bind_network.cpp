// Layer data (network/layer_data.h: the same layouts and checks for arrays handed over from
// Python as for layer files), the reference requantization and the quantized networks and image
// sets the network study reads.
#include <optional>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "network/image_set.h"
#include "network/layer_data.h"
#include "network/quantized_network.h"
#include "python/bindings.h"
#include "python/convert.h"

namespace cimchar::python {

namespace {

using network::LayerData;
using network::QuantizedNetwork;
using network::QuantLayer;

// A layer's weights back in the file's (PyTorch's) layout: (M, C, kh, kw) or (M, K).
py::array_t<std::int32_t> TorchLayout(const QuantLayer& l) {
  const int k = l.Length();
  std::vector<py::ssize_t> shape = {l.outputs, k};
  if (l.kind == network::LayerKind::kConv) {
    shape = {l.outputs, l.geometry.channels, l.geometry.kernel_h, l.geometry.kernel_w};
  }
  py::array_t<std::int32_t> out(shape);
  std::int32_t* p = out.mutable_data();
  for (int m = 0; m < l.outputs; ++m) {
    for (int r = 0; r < k; ++r) {
      p[static_cast<std::size_t>(m) * k + r] =
          l.weights[static_cast<std::size_t>(r) * l.outputs + m];
    }
  }
  return out;
}

}  // namespace

void BindLayer(py::module_& m) {
  py::class_<LayerData>(
      m, "Layer",
      "One layer's operands, checked: input vectors (vectors x length activation codes) and "
      "weights (length x outputs), with their format (make_layer, load_layer).")
      .def_readonly("length", &LayerData::length)
      .def_readonly("outputs", &LayerData::outputs)
      .def_readonly("vectors", &LayerData::vectors)
      .def_readonly("activation_bits", &LayerData::activation_bits)
      .def_readonly("weight_bits", &LayerData::weight_bits)
      .def_readonly("signed_weights", &LayerData::signed_weights)
      .def_readonly("description", &LayerData::description)
      .def_property_readonly("inputs",
                             [](const LayerData& l) {
                               return ToArray(*l.inputs, {l.vectors, l.length});
                             })
      .def_property_readonly(
          "weights",
          [](const LayerData& l) {
            return ToArray(l.weights, {l.length, l.outputs});
          },
          "length x outputs (the macro's layout: row r of the dot product, column m)")
      .def("slice", &network::SliceVectors, py::arg("first"), py::arg("count"),
           "Vectors [first, first + count) with the same weights.")
      .def("__repr__", [](const LayerData& l) { return "Layer(" + l.description + ")"; });

  m.def(
      "make_layer",
      [](const py::handle& activations, const py::handle& weights, int activation_bits,
         int weight_bits, bool signed_weights, int stride, int padding) {
        const network::IntTensor a = ToTensor(activations, "activations (array)");
        const network::IntTensor w = ToTensor(weights, "weights (array)");
        const network::LayerFormat format{.activation_bits = activation_bits,
                                          .weight_bits = weight_bits,
                                          .signed_weights = signed_weights,
                                          .stride = stride,
                                          .padding = padding};
        py::gil_scoped_release release;
        return network::MakeLayer(a, w, format);
      },
      py::arg("activations"), py::arg("weights"), py::kw_only(),
      py::arg("activation_bits") = network::LayerFormat{}.activation_bits,
      py::arg("weight_bits") = network::LayerFormat{}.weight_bits,
      py::arg("signed_weights") = network::LayerFormat{}.signed_weights,
      py::arg("stride") = network::LayerFormat{}.stride,
      py::arg("padding") = network::LayerFormat{}.padding,
      R"(A layer from integer arrays, with the layouts and checks of a layer file.

activations: (N, K) input vectors, or (N, C, H, W) feature maps cut into patches with stride and
padding; weights: (M, K) (PyTorch Linear.weight) or (M, C, kh, kw) (Conv2d.weight). Values are
integer codes: activations 0..2^a-1, weights two's complement (signed_weights) or 0..2^w-1.
Floating-point arrays, values beyond the width and mismatched shapes raise UsageError naming the
array, the element and its value.)");

  m.def(
      "load_layer",
      [](const std::filesystem::path& activations, std::optional<std::filesystem::path> weights,
         std::optional<int> activation_bits, std::optional<int> weight_bits,
         std::optional<bool> signed_weights, std::optional<int> stride,
         std::optional<int> padding) {
        py::gil_scoped_release release;
        return network::LoadLayer({.activations = activations,
                                   .weights = weights.value_or(""),
                                   .activation_bits = activation_bits,
                                   .weight_bits = weight_bits,
                                   .signed_weights = signed_weights,
                                   .stride = stride,
                                   .padding = padding});
      },
      py::arg("activations"), py::arg("weights") = py::none(), py::kw_only(),
      py::arg("activation_bits") = py::none(), py::arg("weight_bits") = py::none(),
      py::arg("signed_weights") = py::none(), py::arg("stride") = py::none(),
      py::arg("padding") = py::none(),
      "A layer file (one HDF5 file, or activations and weights .npy files), as `cimchar snr "
      "--layer` reads it; a format given must agree with the file's attributes.");

  m.def(
      "requantize",
      [](const py::handle& acc, const py::handle& multiplier, const py::handle& shift,
         int activation_bits) {
        const network::IntTensor a = ToTensor(acc, "accumulators");
        const network::IntTensor mul = ToTensor(multiplier, "multipliers");
        const network::IntTensor sh = ToTensor(shift, "shifts");
        std::vector<std::int32_t> out(a.values.size());
        network::RequantizeChannels(a.values, mul.values, sh.values, activation_bits, out);
        return ToArray(out, std::vector<py::ssize_t>(a.shape.begin(), a.shape.end()));
      },
      py::arg("acc"), py::arg("multiplier"), py::arg("shift"), py::arg("activation_bits"),
      "The reference network's requantization: clamp((acc * multiplier + 2^(shift-1)) >> shift, "
      "0, 2^bits - 1) per channel (the last axis of acc).");

  py::class_<network::ConvGeometry>(m, "ConvGeometry")
      .def_readonly("channels", &network::ConvGeometry::channels)
      .def_readonly("height", &network::ConvGeometry::height)
      .def_readonly("width", &network::ConvGeometry::width)
      .def_readonly("kernel_h", &network::ConvGeometry::kernel_h)
      .def_readonly("kernel_w", &network::ConvGeometry::kernel_w)
      .def_readonly("stride", &network::ConvGeometry::stride)
      .def_readonly("padding", &network::ConvGeometry::padding);

  py::class_<QuantLayer>(m, "QuantLayer", "One layer of a quantized network (read_network).")
      .def_readonly("name", &QuantLayer::name)
      .def_property_readonly("kind",
                             [](const QuantLayer& l) {
                               return l.kind == network::LayerKind::kConv ? "conv" : "linear";
                             })
      .def_readonly("geometry", &QuantLayer::geometry)
      .def_readonly("outputs", &QuantLayer::outputs)
      .def_readonly("logits", &QuantLayer::logits)
      .def_readonly("pool", &QuantLayer::pool)
      .def_readonly("output_scale", &QuantLayer::output_scale,
                    "the real value of one output code (0: not stated by the file)")
      .def_readonly("activation_bits", &QuantLayer::activation_bits)
      .def_readonly("weight_bits", &QuantLayer::weight_bits)
      .def_readonly("signed_weights", &QuantLayer::signed_weights)
      .def_property_readonly("weights", &TorchLayout,
                             "integer weights in the file's layout: (M, C, kh, kw) or (M, K)")
      .def_property_readonly("bias", [](const QuantLayer& l) { return ToArray(l.bias); })
      .def_property_readonly("multiplier",
                             [](const QuantLayer& l) { return ToArray(l.multiplier); })
      .def_property_readonly("shift", [](const QuantLayer& l) { return ToArray(l.shift); })
      .def_property_readonly("length", &QuantLayer::Length);

  py::class_<QuantizedNetwork>(m, "QuantizedNetwork",
                               "A quantized CNN in the cimchar-qnet-1 format (read_network).")
      .def_readonly("path", &QuantizedNetwork::path)
      .def_readonly("name", &QuantizedNetwork::name)
      .def_readonly("input_channels", &QuantizedNetwork::input_channels)
      .def_readonly("input_height", &QuantizedNetwork::input_height)
      .def_readonly("input_width", &QuantizedNetwork::input_width)
      .def_readonly("classes", &QuantizedNetwork::classes)
      .def_readonly("layers", &QuantizedNetwork::layers)
      .def_readonly("calibration_first", &QuantizedNetwork::calibration_first)
      .def_readonly("calibration_count", &QuantizedNetwork::calibration_count)
      .def_readonly("reference_test_correct", &QuantizedNetwork::reference_test_correct)
      .def_readonly("reference_test_images", &QuantizedNetwork::reference_test_images)
      .def_readonly("float_test_accuracy", &QuantizedNetwork::float_test_accuracy)
      .def_property_readonly(
          "reference_predictions",
          [](const QuantizedNetwork& n) { return ToArray(n.reference_predictions); },
          "the integer reference's class per test image")
      .def_readonly("provenance", &QuantizedNetwork::provenance)
      .def_property_readonly("macs_per_image", &QuantizedNetwork::MacsPerImage);

  m.def(
      "read_network",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return network::ReadNetwork(path);
      },
      py::arg("path"), "A quantized network file (format cimchar-qnet-1).");

  m.def(
      "read_fashion_mnist",
      [](const std::string& split, std::int64_t first, std::int64_t count,
         const std::filesystem::path& dir) {
        network::ImageSet set;
        {
          py::gil_scoped_release release;
          set = network::ReadFashionMnist(dir, split, first, count);
        }
        return py::make_tuple(ToArray(set.pixels, {set.Count(), set.height, set.width}),
                              ToArray(set.labels));
      },
      py::arg("split"), py::arg("first") = 0, py::arg("count") = -1,
      py::arg("dir") = std::filesystem::path(network::kFashionMnistDir),
      "Images [first, first + count) of a Fashion-MNIST split ('train' or 'test') as (images "
      "uint8 (N, H, W), labels uint8 (N,)); count -1: to the end.");
}

}  // namespace cimchar::python
