// Residual networks: the residual add of the network format on a hand-computed example, the
// ResNet-20-like network of tools/networks/fashion_mnist_resnet (its integer reference against
// the predictions stored by the script that made it, DCIM on the macro model against that
// reference, the study's per-layer machinery on its 20 layers), and residual files that must be
// refused. Needs the Debian package dataset-fashion-mnist.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/random.h"
#include "network/hdf5_data.h"
#include "network/image_set.h"
#include "network/inference.h"
#include "network/quantized_network.h"
#include "network/study.h"

namespace cimchar::network {
namespace {

namespace fs = std::filesystem;

// The exactness checks run on the first 1000 test images (about 8 s of CPU in a release build);
// the sanitizer build (unoptimized) on the first 100. `cimchar network check --net
// tools/networks/fashion_mnist_resnet/network.h5` checks all 10 000.
#ifdef NDEBUG
constexpr std::int64_t kExactImages = 1000;
#else
constexpr std::int64_t kExactImages = 100;
#endif
constexpr int kThreads = 2;

// ---- A tiny residual network whose every value is computed by hand ----

struct TinyLayer {
  std::string kind = "conv";
  std::string output = "requant";
  IntTensor weights;
  std::vector<std::int64_t> bias;
  std::vector<std::int64_t> multiplier;
  std::vector<std::int64_t> shift;
  int stride = 1;
  std::optional<int> residual;  // the attribute is written when set
  std::optional<int> residual_stride;
  std::vector<std::int64_t> residual_multiplier;
};

constexpr std::int64_t k2To29 = std::int64_t{1} << 29;
constexpr std::int64_t k2To30 = std::int64_t{1} << 30;
constexpr std::int64_t k2To31 = std::int64_t{1} << 31;

// Input 1x4x4. layer0: 1x1 conv to 2 channels, y0 = x, y1 = min(2x, 255). layer1: 1x1 conv with
// stride 2 to 3 channels, acc = (10 + y0, 20, 30 + y1) at pixel (2y, 2x), adding layer0's map
// sampled every 2 pixels with residual multipliers (1/2, 1, 2) x 2^30 (channel 2 has no residual
// channel: r = 0). layer2: linear 12 -> 2, class 0 sums layer1's channel 0, class 1 channel 2.
std::vector<TinyLayer> TinyNetwork() {
  TinyLayer l0{.weights = {.shape = {2, 1, 1, 1}, .values = {1, 2}},
               .bias = {0, 0},
               .multiplier = {k2To30, k2To30},
               .shift = {30, 30}};
  TinyLayer l1{.weights = {.shape = {3, 2, 1, 1}, .values = {1, 0, 0, 0, 0, 1}},
               .bias = {10, 20, 30},
               .multiplier = {k2To30, k2To30, k2To30},
               .shift = {30, 30, 30},
               .stride = 2,
               .residual = 0,
               .residual_stride = 2,
               .residual_multiplier = {k2To29, k2To30, k2To31}};
  TinyLayer l2{.kind = "linear",
               .output = "logits",
               .weights = {.shape = {2, 12}, .values = std::vector<std::int64_t>(24, 0)},
               .bias = {0, 0},
               .multiplier = {1, 1},
               .shift = {0, 0}};
  for (int i = 0; i < 4; ++i) {
    l2.weights.values[static_cast<std::size_t>(i)] = 1;           // class 0: channel 0
    l2.weights.values[static_cast<std::size_t>(12 + 8 + i)] = 1;  // class 1: channel 2
  }
  return {l0, l1, l2};
}

void WriteNetwork(const fs::path& path, const std::vector<TinyLayer>& layers) {
  Hdf5Data f = Hdf5Data::Create(path);
  f.WriteAttr("/", "format", std::string("cimchar-qnet-2"));
  f.WriteAttr("/", "name", std::string("tiny_residual"));
  f.WriteAttr("/", "input_channels", 1);
  f.WriteAttr("/", "input_height", 4);
  f.WriteAttr("/", "input_width", 4);
  f.WriteAttr("/", "classes", 2);
  f.WriteAttr("/", "layers", static_cast<std::int64_t>(layers.size()));
  for (const char* a : {"calibration_first", "calibration_count", "reference_test_correct",
                        "reference_test_images", "float_test_accuracy", "seed"}) {
    f.WriteAttr("/", a, 0);
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const TinyLayer& l = layers[i];
    const std::string g = "layer" + std::to_string(i);
    auto vector = [](const std::vector<std::int64_t>& v) {
      return IntTensor{.shape = {static_cast<std::int64_t>(v.size())}, .values = v};
    };
    f.WriteTensor(g + "/weights", l.weights, "int8");
    f.WriteTensor(g + "/bias", vector(l.bias), "int32");
    f.WriteTensor(g + "/multiplier", vector(l.multiplier), "int64");
    f.WriteTensor(g + "/shift", vector(l.shift), "int64");
    f.WriteAttr(g, "kind", l.kind);
    f.WriteAttr(g, "output", l.output);
    f.WriteAttr(g, "stride", l.stride);
    f.WriteAttr(g, "padding", 0);
    f.WriteAttr(g, "pool", 1);
    f.WriteAttr(g, "activation_bits", 8);
    f.WriteAttr(g, "weight_bits", 8);
    f.WriteAttr(g, "signed_weights", 1);
    if (l.residual) {
      f.WriteAttr(g, "residual", *l.residual);
    }
    if (l.residual_stride) {
      f.WriteAttr(g, "residual_stride", *l.residual_stride);
    }
    if (!l.residual_multiplier.empty()) {
      f.WriteTensor(g + "/residual_multiplier", vector(l.residual_multiplier), "int64");
    }
  }
  f.Close();
}

class TinyResidual : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cimchar_residual_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes TinyNetwork() changed by `change` and reads it.
  QuantizedNetwork Read(const std::function<void(std::vector<TinyLayer>&)>& change = {}) {
    std::vector<TinyLayer> layers = TinyNetwork();
    if (change) {
      change(layers);
    }
    WriteNetwork(dir_ / "net.h5", layers);
    return ReadNetwork(dir_ / "net.h5");
  }

  // The message of the UsageError reading the changed network raises ("" when none).
  std::string Refusal(const std::function<void(std::vector<TinyLayer>&)>& change) {
    try {
      Read(change);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(TinyResidual, ResidualAddAndRequantizationRoundOnceAsComputedByHand) {
  const QuantizedNetwork q = Read();
  ASSERT_EQ(q.layers[1].residual, 0);
  EXPECT_EQ(q.layers[1].residual_stride, 2);
  EXPECT_EQ(q.layers[0].residual, -1);
  // Sampled pixels (0,0) = 1, (0,2) = 7, (2,0) = 25, (2,2) = 200.
  std::vector<std::uint8_t> image(16);
  for (int i = 0; i < 16; ++i) {
    image[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(3 * i + 1);
  }
  image[10] = 200;
  std::vector<std::vector<std::int32_t>> inputs;
  const int pred = ReferencePredict(q, image.data(), &inputs);
  // Channel 0: 10 + v + floor((v + 1) / 2), the half rounded up once (1 -> 12, 7 -> 21,
  // 25 -> 48; 200 -> 310 clamps to 255). Channel 1: 20 + min(2v, 255). Channel 2: no residual
  // channel, 30 + min(2v, 255) from its weight alone.
  const std::vector<std::int32_t> expected = {12, 21, 48, 255, 22, 34, 70, 255, 32, 44, 80, 255};
  EXPECT_EQ(inputs[2], expected);
  EXPECT_EQ(pred, 1);  // 336 for class 0, 411 for class 1
  // Without the residual, channel 0 is 10 + v alone.
  const QuantizedNetwork plain = Read([](std::vector<TinyLayer>& l) {
    l[1].residual.reset();
    l[1].residual_stride.reset();
    l[1].residual_multiplier.clear();
  });
  ReferencePredict(plain, image.data(), &inputs);
  EXPECT_EQ(std::vector<std::int32_t>(inputs[2].begin(), inputs[2].begin() + 4),
            (std::vector<std::int32_t>{11, 17, 35, 210}));
}

TEST_F(TinyResidual, DcimOnTheMacroEqualsTheReference) {
  const QuantizedNetwork q = Read();
  ImageSet images{.height = 4, .width = 4, .source = "random"};
  constexpr int kImages = 64;
  mac::Rng rng(7);
  for (int n = 0; n < kImages * 16; ++n) {
    images.pixels.push_back(static_cast<std::uint8_t>(rng.Next() % 256));
  }
  images.labels.assign(kImages, 0);
  const std::vector<std::uint8_t> reference = ReferencePredictions(q, images, kThreads);
  ASSERT_NE(std::count(reference.begin(), reference.end(), 0), 0);  // both classes occur
  ASSERT_NE(std::count(reference.begin(), reference.end(), 1), 0);
  const MacNetwork macros(q, mac::MacShape{}, calib::AnalyticMacro(), 1);
  mac::RunOptions dcim;
  dcim.mode = mac::Mode::kDcim;
  const InferenceResult r =
      RunNetwork(macros, UniformConfig("DCIM", dcim, 3), images, {.threads = kThreads});
  EXPECT_EQ(r.predictions, reference);
}

TEST_F(TinyResidual, BadResidualsAreClearErrors) {
  // The unchanged file reads.
  EXPECT_EQ(Refusal({}), "");
  const std::vector<std::pair<std::function<void(std::vector<TinyLayer>&)>, std::string>> cases = {
      {[](auto& l) { l[1].residual = 5; }, "layer1: residual = 5 names no layer"},
      {[](auto& l) { l[1].residual = -3; }, "names no layer"},
      {[](auto& l) { l[1].residual = 1; }, "names the layer itself"},
      {[](auto& l) {
         l[0].residual = 1;
         l[0].residual_stride = 1;
         l[0].residual_multiplier = {1, 1};
       },
       "layer0: residual = 1 names a later layer"},
      {[](auto& l) { l[1].residual_stride = 1; },
       "the residual from layer0 (2x4x4 sampled with stride 1: 2x4x4) does not fit the layer's "
       "3x2x2 output"},
      {[](auto& l) { l[1].residual_stride = 0; }, "residual_stride = 0 must be >= 1"},
      {[](auto& l) { l[1].residual_stride.reset(); }, "residual_stride"},
      {[](auto& l) {  // 2 residual channels into a 1-channel output
         l[1].weights = {.shape = {1, 2, 1, 1}, .values = {1, 0}};
         l[1].bias = {10};
         l[1].multiplier = {k2To30};
         l[1].shift = {30};
         l[1].residual_multiplier = {k2To29};
       },
       "stride 2: 2x2x2) does not fit the layer's 1x2x2 output"},
      {[](auto& l) {
         l[1].residual_multiplier = {1, 1};
       },
       "residual_multiplier' has shape (2,)"},
      {[](auto& l) { l[1].residual_multiplier.clear(); }, "residual_multiplier"},
      {[](auto& l) { l[1].residual_multiplier[2] = -1; }, "multipliers >= 0"},
      {[](auto& l) { l[1].residual_multiplier[0] = std::int64_t{1} << 60; },
       "sums that fit 62 bits"},
      {[](auto& l) {
         l[2].residual = 1;
         l[2].residual_stride = 1;
         l[2].residual_multiplier = {1, 1};
       },
       "layer2: a residual needs a conv layer with requantized output"},
  };
  for (const auto& [change, message] : cases) {
    const std::string what = Refusal(change);
    EXPECT_NE(what.find(message), std::string::npos)
        << "expected '" << message << "', got '" << what << "'";
    EXPECT_NE(what.find("net.h5"), std::string::npos) << what;  // names the file
  }
}

// ---- The ResNet-20-like network on Fashion-MNIST ----

fs::path ResNetPath() {
  return fs::path(CIMCHAR_SOURCE_DIR) / "tools/networks/fashion_mnist_resnet/network.h5";
}

const QuantizedNetwork& Net() {
  static const QuantizedNetwork net = ReadNetwork(ResNetPath());
  return net;
}

ImageSet FirstTestImages(std::int64_t count) {
  return ReadFashionMnist(kFashionMnistDir, "test", 0, count);
}

std::vector<std::uint8_t> FilePredictions(std::int64_t count) {
  return {Net().reference_predictions.begin(), Net().reference_predictions.begin() + count};
}

TEST(ResidualNetwork, FileDescribesAResNet20OfMacroSizedLayers) {
  const QuantizedNetwork& q = Net();
  ASSERT_EQ(q.layers.size(), 20U);
  int convs = 0;
  int residuals = 0;
  for (std::size_t li = 0; li < q.layers.size(); ++li) {
    const QuantLayer& l = q.layers[li];
    EXPECT_EQ(l.activation_bits, 8) << l.name;
    EXPECT_EQ(l.weight_bits, 8) << l.name;
    if (l.kind == LayerKind::kConv) {
      ++convs;
      // 3x3 over 16, 32 or 64 channels: one, two or four 144-row arrays (the stem 12x12x1).
      EXPECT_TRUE(l.Length() == 144 || l.Length() == 288 || l.Length() == 576) << l.name;
    }
    if (l.residual >= 0) {
      ++residuals;
      // The second conv of a basic block adds the block's input.
      EXPECT_EQ(l.residual, static_cast<int>(li) - 2) << l.name;
    }
  }
  EXPECT_EQ(convs, 19);
  EXPECT_EQ(residuals, 9);
  EXPECT_EQ(q.layers.back().Length(), 64 * 4 * 4);  // average pool folded into the linear layer
  EXPECT_EQ(q.reference_predictions.size(), 10000U);
  EXPECT_GT(q.reference_test_correct, 9000);  // a working classifier
}

TEST(ResidualNetwork, IntegerReferenceInCppEqualsTheFile) {
  const ImageSet test = FirstTestImages(kExactImages);
  const std::vector<std::uint8_t> pred = ReferencePredictions(Net(), test, kThreads);
  EXPECT_EQ(pred, FilePredictions(kExactImages));
}

TEST(ResidualNetwork, DcimOnTheMacroEqualsTheIntegerReferenceExactly) {
  const QuantizedNetwork& q = Net();
  const MacNetwork macros(q, mac::MacShape{}, calib::AnalyticMacro(), 1);
  mac::RunOptions dcim;
  dcim.mode = mac::Mode::kDcim;
  const ImageSet test = FirstTestImages(kExactImages);
  const InferenceResult r = RunNetwork(macros, UniformConfig("DCIM", dcim, q.layers.size()), test,
                                       {.seed = 1, .threads = kThreads});
  EXPECT_EQ(r.predictions, FilePredictions(kExactImages));
  EXPECT_EQ(r.counts.analog_ops, 0);
  EXPECT_EQ(r.counts.macs, q.MacsPerImage() * test.Count());
}

// The equality checks above can fail: a residual add or a requantization that differs from the
// file's (the way the script that made it computes them) changes DCIM's classes of some of the
// first 100 test images. Each case names the images that change (found once, kept as a record;
// the test asserts only that some do).
TEST(ResidualNetwork, DcimWithAWrongResidualAddOrRequantizationDiffersFromTheFile) {
  constexpr std::int64_t kImages = 100;
  const ImageSet test = FirstTestImages(kImages);
  const std::vector<std::uint8_t> file = FilePredictions(kImages);
  const std::vector<std::pair<std::string, std::function<void(QuantizedNetwork&)>>> cases = {
      // 42, 44, 66, 73, 98
      {"the last block's residual lost", [](QuantizedNetwork& q) { q.layers[18].residual = -1; }},
      // 17, 26, 43, 49, 66, 92, 98
      {"layer4's block input added at twice its scale",
       [](QuantizedNetwork& q) {
         for (std::int64_t& m : q.layers[4].residual_multiplier) {
           m *= 2;
         }
       }},
      // 32 of the 100
      {"layer8's block input sampled at every pixel instead of every second",
       [](QuantizedNetwork& q) { q.layers[8].residual_stride = 1; }},
      // 98
      {"layer4's requantization multipliers 1/64 too large",
       [](QuantizedNetwork& q) {
         for (std::int64_t& m : q.layers[4].multiplier) {
           m += m / 64;
         }
       }},
  };
  mac::RunOptions dcim;
  dcim.mode = mac::Mode::kDcim;
  for (const auto& [what, change] : cases) {
    QuantizedNetwork q = Net();
    change(q);
    const MacNetwork macros(q, mac::MacShape{}, calib::AnalyticMacro(), 1);
    const InferenceResult r = RunNetwork(macros, UniformConfig("DCIM", dcim, q.layers.size()), test,
                                         {.threads = kThreads, .count = false});
    std::int64_t differ = 0;
    for (std::size_t n = 0; n < file.size(); ++n) {
      differ += r.predictions[n] != file[n];
    }
    EXPECT_GT(differ, 0) << what;
  }
}

// What the network study uses per layer works on all 20 layers: the calibration inputs, the
// B_D/A map of a residual layer, and a small study whose DCIM point equals the file.
TEST(ResidualNetwork, StudyRunsOnTheDeepNetwork) {
  const QuantizedNetwork& q = Net();
  constexpr std::int64_t kImages = 20;
  constexpr std::int64_t kVectors = 100;
  const ImageSet calibration =
      ReadFashionMnist(kFashionMnistDir, "train", q.calibration_first, kImages);
  const auto inputs = ReferenceLayerInputs(q, calibration, kVectors, 1, kThreads);
  ASSERT_EQ(inputs.size(), q.layers.size());
  for (std::size_t li = 0; li < q.layers.size(); ++li) {
    const auto expected = std::min<std::int64_t>(kVectors, kImages * q.layers[li].Positions());
    EXPECT_EQ(static_cast<std::int64_t>(inputs[li].size()), expected * q.layers[li].Length())
        << q.layers[li].name;
  }
  const std::vector<MacNetwork> chips =
      ChipNetworks(q, mac::MacShape{}, calib::AnalyticMacro(), 1, 1);
  const ImageSet test = FirstTestImages(10);
  // Layer 14: the second conv of stage 3's first block (64 channels, 4x4, residual stride 2).
  const QuantLayer& l14 = q.layers[14];
  ASSERT_EQ(l14.residual_stride, 2);
  mac::RunOptions hcim;
  hcim.boundary = 7;
  const std::vector<int> map =
      BoundaryMap(chips.front(), UniformConfig("HCIM", hcim, 20), test.Image(0), 0, 14, {});
  EXPECT_EQ(static_cast<std::int64_t>(map.size()),
            l14.Positions() * chips.front().Array(14).ColumnTiles());
  EXPECT_TRUE(std::all_of(map.begin(), map.end(), [](int b) { return b == 7; }));
  StudyOptions options;
  options.hcim_boundaries = {7, 7};
  options.levels = {6.5};
  options.calibration_vectors = kVectors;
  options.inference.threads = kThreads;
  const Study study = RunStudy(chips, calibration, test, options);
  ASSERT_EQ(study.points.size(), 3U);  // DCIM, HCIM 7, OSA 6.5
  EXPECT_EQ(study.points.front().result.predictions, FilePredictions(test.Count()));
  EXPECT_EQ(study.osa.layers.size(), 20U);
  EXPECT_EQ(study.points.back().result.layer_counts.size(), 20U);
}

}  // namespace
}  // namespace cimchar::network
