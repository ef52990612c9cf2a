// The one set-up of a model command's operands: a layer file or random weights, the model with
// the layer's operand widths, and the chip instances.
#include "network/workload.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mac/mac_model.h"
#include "network/layer_data.h"
#include "temp_dir.h"

namespace cimchar::network {
namespace {

using cimchar::testing::TempDir;

// A 20-input, 3-output layer of 4-bit unsigned weights and 5 vectors of 6-bit activations.
LayerData SmallLayer() {
  LayerData layer;
  layer.length = 20;
  layer.outputs = 3;
  layer.vectors = 5;
  std::vector<std::int32_t> inputs;
  for (int i = 0; i < layer.vectors * layer.length; ++i) {
    inputs.push_back((7 * i) % 64);
  }
  layer.inputs = std::make_shared<const std::vector<std::int32_t>>(std::move(inputs));
  for (int i = 0; i < layer.length * layer.outputs; ++i) {
    layer.weights.push_back((5 * i) % 16);
  }
  layer.activation_bits = 6;
  layer.weight_bits = 4;
  layer.signed_weights = false;
  return layer;
}

TEST(Workload, RandomWeightsTakeTheArraysShapeAndOneChipPerSeed) {
  const Workload w = SetUpWorkload({.model = {}, .layer = std::nullopt, .length = 0, .chips = {}});
  EXPECT_FALSE(w.layer.has_value());
  EXPECT_EQ(w.length, w.model.shape.rows);
  EXPECT_EQ(w.outputs, w.model.shape.columns);
  EXPECT_EQ(w.model.shape.activation_bits, 8);
  EXPECT_EQ(w.chips.Count(), 10);
  EXPECT_EQ(w.chips[0].Length(), w.model.shape.rows);

  const Workload one =
      SetUpWorkload({.model = {}, .layer = std::nullopt, .length = 300, .chips = {.seed = 7}});
  EXPECT_EQ(one.chips.Count(), 1);
  EXPECT_EQ(one.length, 300);
  EXPECT_EQ(one.chips[0].Length(), 300);
  EXPECT_THROW(
      SetUpWorkload({.model = {}, .layer = std::nullopt, .length = 0, .chips = {.count = 0}}),
      UsageError);
}

TEST(Workload, ALayerSetsTheOperandsLengthOutputsAndEveryChipsWeights) {
  TempDir dir;
  const auto path = dir.path() / "layer.h5";
  WriteLayerHdf5(path, SmallLayer());
  WorkloadRequest request;
  request.layer = LayerSource{.activations = path, .weights = path};
  request.length = 144;  // a layer's own length wins
  request.chips = {.count = 3};
  const Workload w = SetUpWorkload(request);
  ASSERT_TRUE(w.layer.has_value());
  EXPECT_EQ(w.model.shape.activation_bits, 6);
  EXPECT_EQ(w.model.shape.weight_bits, 4);
  EXPECT_FALSE(w.model.shape.signed_weights);
  EXPECT_EQ(w.length, 20);
  EXPECT_EQ(w.outputs, 3);
  ASSERT_EQ(w.chips.Count(), 3);
  // Every instance holds the layer's weights: its exact dot products are the layer's.
  const LayerData layer = SmallLayer();
  const std::span<const std::int32_t> first(layer.inputs->data(), 20);
  std::vector<std::int64_t> expected(3, 0);
  for (int i = 0; i < 20; ++i) {
    for (int m = 0; m < 3; ++m) {
      expected[m] += static_cast<std::int64_t>(first[i]) * layer.weights[i * 3 + m];
    }
  }
  for (int k = 0; k < 3; ++k) {
    std::vector<std::int64_t> out(3);
    w.chips[k].Exact(first, out);
    EXPECT_EQ(out, expected) << "chip " << k;
  }
  // The options' format must agree with the file's.
  WorkloadRequest contradicting = request;
  contradicting.layer->weight_bits = 8;
  EXPECT_THROW(SetUpWorkload(contradicting), UsageError);
}

}  // namespace
}  // namespace cimchar::network
