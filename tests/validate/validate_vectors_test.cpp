// The validation's vector sets: the sweep lands on its targets, the code set holds one code, the
// network set's ops composed with a chip's codes give exactly what the MAC model computes for
// that MAC on that chip, and the column's vector list survives its text form. No ngspice.
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "characterize/benches/chain.h"
#include "core/error.h"
#include "mac/mac_model.h"
#include "mac/random.h"
#include "validate/validate.h"
#include "validate/vectors.h"

namespace cimchar::validate {
namespace {

namespace ch = characterize::benches;

// The analytic macro: line 0 .. 1 V linear in the code, ADC window [0, 0.5 V], so the ideal line
// is u = 16 x (x = sum(W code) / (144 x 15)).
calib::Macro Macro() {
  calib::Macro m = calib::AnalyticMacro();
  for (double& s : m.line.code_static_sigma_v) {
    s = 0.02;
  }
  return m;
}

TEST(ValidateVectors, TheIdealLineByHand) {
  const calib::Macro m = Macro();
  std::vector<std::int64_t> counts(16, 0);
  counts[15] = 72;  // x = 72 x 15 / 2160 = 1/2
  EXPECT_NEAR(IdealLsb(m, counts), 8.0, 1e-9);
  counts[15] = 0;
  counts[3] = 10;  // x = 30 / 2160
  EXPECT_NEAR(IdealLsb(m, counts), 16.0 * 30.0 / 2160.0, 1e-9);
}

TEST(ValidateVectors, TheSweepLandsOnItsTargets) {
  const calib::Macro m = Macro();
  const Vectors v = BuildVectors(m, VectorSets{}, nullptr);
  // 7 transitions x 4 offsets and 8 bin centres, in increasing order of the ideal line.
  ASSERT_EQ(v.vectors.size(), 36u);
  EXPECT_TRUE(v.notes.empty());
  const double resolution = 16.0 / 2160.0;  // one unit of sum(W code), in LSB
  std::vector<double> targets;
  for (int k = 1; k <= 7; ++k) {
    for (double o : {-0.4, -0.15, 0.15, 0.4}) {
      targets.push_back(k + o);
    }
  }
  for (int b = 0; b < 8; ++b) {
    targets.push_back(b + 0.5);
  }
  std::sort(targets.begin(), targets.end());
  for (std::size_t i = 0; i < v.vectors.size(); ++i) {
    const ValidationVector& x = v.vectors[i];
    EXPECT_EQ(x.set, VectorSet::kSweep);
    EXPECT_NEAR(x.ideal_lsb, targets[i], resolution / 2 + 1e-9) << x.label;
    // The counts are the op's W = 1 rows per code, and about half the rows or more hold W = 1.
    std::vector<std::int64_t> counts(16, 0);
    int ones = 0;
    for (std::size_t r = 0; r < x.op.weight.size(); ++r) {
      if (x.op.weight[r] != 0) {
        ++counts[static_cast<std::size_t>(x.op.code[r])];
        ++ones;
      }
    }
    EXPECT_EQ(counts, x.rows_at_code) << x.label;
    EXPECT_GE(ones, 72) << x.label;
  }
  EXPECT_EQ(v.vectors[0].label, "bin 0");  // 0.5 LSB, then T1-0.40 at 0.6
  EXPECT_EQ(v.vectors[1].label, "T1-0.40");
  // The same sets and tables give the same vectors; another input seed other rows.
  const Vectors again = BuildVectors(m, VectorSets{}, nullptr);
  EXPECT_EQ(again.vectors[5].op.code, v.vectors[5].op.code);
  VectorSets other;
  other.seed = 2;
  EXPECT_NE(BuildVectors(m, other, nullptr).vectors[5].op.code, v.vectors[5].op.code);
}

TEST(ValidateVectors, TheCodeSetHoldsEveryRowAtOneCode) {
  VectorSets s;
  s.sets = {VectorSet::kCodes};
  s.codes = {0, 7, 15};
  const Vectors v = BuildVectors(Macro(), s, nullptr);
  ASSERT_EQ(v.vectors.size(), 3u);
  EXPECT_EQ(v.vectors[1].dac_code, 7);
  EXPECT_EQ(v.vectors[1].rows_at_code[7], 144);
  EXPECT_NEAR(v.vectors[2].ideal_lsb, 16.0, 1e-9);  // every row at the top code: x = 1
}

// A layer of random 8-bit operands (unsigned activations, two's complement weights), 144 rows.
network::LayerData Layer() {
  network::LayerData l;
  l.length = 144;
  l.outputs = 3;
  l.vectors = 5;
  mac::Rng rng(11);
  auto inputs = std::make_shared<std::vector<std::int32_t>>();
  for (int k = 0; k < l.length * l.vectors; ++k) {
    // Sparse, small activations, as a ReLU layer's are.
    inputs->push_back(rng.Below(3) == 0 ? static_cast<std::int32_t>(rng.Below(256)) : 0);
  }
  l.inputs = inputs;
  for (int k = 0; k < l.length * l.outputs; ++k) {
    l.weights.push_back(static_cast<std::int32_t>(rng.Below(256)) - 128);
  }
  return l;
}

// Each composed MAC equals MacRunner::Run's output for that MAC on that chip (static errors on,
// dynamic noise off, as the validation's model side), at both boundaries.
TEST(ValidateVectors, ANetworkMacComposedFromItsCodesIsTheModelsOutput) {
  const calib::Macro m = Macro();
  const network::LayerData layer = Layer();
  VectorSets s;
  s.sets = {VectorSet::kNetwork};
  s.network_boundaries = {6, 8};
  s.network_macs = 3;
  const Vectors v = BuildVectors(m, s, &layer);
  ASSERT_EQ(v.macs.size(), 6u);
  // One op per weight bit with an analog window: 6 at B_D/A = 6 (bits 0 .. 5), 8 at 8.
  EXPECT_EQ(v.macs[0].ops.size(), 6u);
  EXPECT_EQ(v.macs[3].ops.size(), 8u);
  EXPECT_EQ(v.vectors.size(), 3u * 6u + 3u * 8u);
  EXPECT_GT(v.signal_variance, 0.0);
  std::vector<std::vector<std::int64_t>> counts;
  for (const auto& x : v.vectors) {
    counts.push_back(x.rows_at_code);
  }
  constexpr std::uint64_t kChip = 42;
  const CodeTable codes = ModelCodes(m, counts, 1, kChip);
  mac::MacShape shape;
  static_cast<calib::Geometry&>(shape) = m.geometry;
  shape.signed_weights = true;
  mac::MacShape one = shape;
  one.activation_bits = one.dac_bits;
  one.weight_bits = 1;
  one.signed_weights = false;
  const mac::MacArray readback(one, m, std::vector<std::int32_t>(144, 0), 144, 1, 1);
  for (const MacOutput& mo : v.macs) {
    // The MAC's output alone on column 0 of the chip, as the validation's column is.
    std::vector<std::int32_t> w;
    std::vector<std::int32_t> a;
    std::int64_t exact = 0;
    for (int r = 0; r < 144; ++r) {
      w.push_back(layer.weights[static_cast<std::size_t>(r) * layer.outputs + mo.layer_output]);
      a.push_back((*layer.inputs)[static_cast<std::size_t>(mo.layer_vector) * 144 + r]);
      exact += static_cast<std::int64_t>(w.back()) * a.back();
    }
    EXPECT_EQ(mo.ideal, static_cast<double>(exact));
    const mac::MacArray array(shape, m, w, 144, 1, kChip);
    mac::RunOptions run;
    run.boundary = mo.boundary;
    run.switches.dynamic_noise = false;
    const mac::MacRunner runner(array, run);
    mac::Rng noise(1);
    mac::MacRunner::Workspace ws;
    double out = 0.0;
    runner.Run(a, noise, ws, std::span<double>(&out, 1), nullptr);
    EXPECT_NEAR(ComposeMac(mo, codes[0], readback), out, 1e-6 * std::max(1.0, std::abs(out)))
        << "B" << mo.boundary << " mac " << mo.mac;
    // A failed op makes the MAC unknown.
    std::vector<int> failed = codes[0];
    failed[mo.ops[0]] = -1;
    EXPECT_TRUE(std::isnan(ComposeMac(mo, failed, readback)));
  }
  // Without a layer the network set is refused, and so is a boundary that leaves nothing analog.
  EXPECT_THROW(BuildVectors(m, s, nullptr), UsageError);
  s.network_boundaries = {16};
  EXPECT_THROW(BuildVectors(m, s, &layer), UsageError);
}

TEST(ValidateVectors, TheVectorListSurvivesItsTextForm) {
  const Vectors v = BuildVectors(Macro(), VectorSets{}, nullptr);
  std::vector<ch::ColumnVector> ops;
  for (const auto& x : v.vectors) {
    ops.push_back(x.op);
  }
  const std::string text = ch::EncodeColumnVectors(ops);
  EXPECT_EQ(text.size(), 36u * 145u - 1u);  // 144 characters per vector, spaces between
  const auto back = ch::DecodeColumnVectors(text, 144, 4, "column.ops");
  ASSERT_EQ(back.size(), ops.size());
  for (std::size_t k = 0; k < ops.size(); ++k) {
    EXPECT_EQ(back[k].weight, ops[k].weight);
    EXPECT_EQ(back[k].code, ops[k].code);
  }
  // W = 1 at code 15 is 'v', W = 0 at code 0 is '0'.
  EXPECT_EQ(ch::EncodeColumnVectors({{.weight = {1, 0}, .code = {15, 0}}}), "v0");
  EXPECT_THROW(ch::DecodeColumnVectors("v0 v", 2, 4, "column.ops"), UsageError);
  EXPECT_THROW(ch::DecodeColumnVectors("vw", 2, 4, "column.ops"), UsageError);
  EXPECT_THROW(ch::DecodeColumnVectors("v8", 2, 3, "column.ops"), UsageError);  // code 8, 3 bits
  EXPECT_THROW(ch::EncodeColumnVectors({{.weight = {2}, .code = {0}}}), UsageError);
}

TEST(ValidateVectors, TheRecipesSetKeysAreChecked) {
  const auto recipe = [](std::map<std::string, std::string> keys) {
    characterize::Recipe r;
    r.bench = "column";
    r.bench_keys = std::move(keys);
    return r;
  };
  const VectorSets d = ReadVectorSets(recipe({}), 3, 4);
  EXPECT_EQ(d.sets.size(), 1u);
  EXPECT_TRUE(d.sweep_centres);
  const VectorSets s = ReadVectorSets(recipe({{"column.sets", "codes sweep"},
                                              {"column.sweep_transitions", "4 2"},
                                              {"column.codes", "all"},
                                              {"column.sweep_centres", "0"}}),
                                      3, 4);
  EXPECT_EQ(s.sets, (std::vector<VectorSet>{VectorSet::kCodes, VectorSet::kSweep}));
  EXPECT_EQ(s.sweep_transitions, (std::vector<int>{2, 4}));
  EXPECT_TRUE(s.codes.empty());
  EXPECT_FALSE(s.sweep_centres);
  EXPECT_THROW(ReadVectorSets(recipe({{"column.sets", "uniform"}}), 3, 4), UsageError);
  EXPECT_THROW(ReadVectorSets(recipe({{"column.sweep_transitions", "8"}}), 3, 4), UsageError);
  EXPECT_THROW(ReadVectorSets(recipe({{"column.codes", "16"}}), 3, 4), UsageError);
  EXPECT_THROW(ReadVectorSets(recipe({{"column.sweep_offsets", "1.5"}}), 3, 4), UsageError);
  EXPECT_THROW(ReadVectorSets(recipe({{"column.network_macs", "0"}}), 3, 4), UsageError);
}

}  // namespace
}  // namespace cimchar::validate
