// The MAC kernel's instruction-set paths (scalar, AVX2, AVX-512; kernel/kernel.h) give identical
// outputs, codes and counts on the same inputs and seeds, whatever the shape, mode and switches;
// a batch equals its vectors run one by one. Every path this CPU supports is compared with the
// scalar reference; the test names the paths it could not run.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/kernel/isa.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/random.h"

namespace cimchar::mac {
namespace {

struct Case {
  std::string name;
  MacShape shape;
  int length = 144;
  int outputs = 8;
  RunOptions options;
};

MacShape Shape(int a, int w, bool is_signed, int rows, int columns) {
  MacShape s;
  s.activation_bits = a;
  s.weight_bits = w;
  s.signed_weights = is_signed;
  s.rows = rows;
  s.columns = columns;
  return s;
}

RunOptions Hcim(int boundary) {
  RunOptions o;
  o.mode = Mode::kHcim;
  o.boundary = boundary;
  return o;
}

RunOptions Osa(std::vector<int> candidates, std::vector<std::int64_t> thresholds) {
  RunOptions o;
  o.mode = Mode::kOsaHcim;
  o.ose.candidates = std::move(candidates);
  o.ose.thresholds = std::move(thresholds);
  return o;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  const MacShape base = Shape(8, 8, false, 144, 8);
  cases.push_back({"dcim", base, 144, 8, RunOptions{.mode = Mode::kDcim}});
  for (int b : {5, 8, 10, 15}) {
    cases.push_back({"hcim B=" + std::to_string(b), base, 144, 8, Hcim(b)});
  }
  cases.push_back({"osa", base, 144, 8, Osa({5, 6, 7, 8, 9, 10}, {60, 45, 30, 20, 10})});
  // Signed weights, several row and column tiles, columns that do not fill a lane group, and a
  // column tile narrower than a group.
  cases.push_back({"signed, 3 row tiles, 19 outputs", Shape(8, 8, true, 144, 8), 300, 19, Hcim(7)});
  cases.push_back({"osa signed, 12-column tiles", Shape(8, 8, true, 144, 12), 200, 30,
                   Osa({6, 8, 10}, {30, 10})});
  for (SaliencyKind kind : {SaliencyKind::kSigned, SaliencyKind::kMagnitude}) {
    Case c{"osa signed, saliency " + SaliencyKindName(kind), Shape(8, 8, true, 144, 8), 144, 16,
           Osa({5, 7, 9}, {40, 20})};
    c.options.ose.saliency = kind;
    cases.push_back(c);
  }
  cases.push_back({"4b x 5b, 4-column tiles, 64 rows", Shape(4, 5, false, 64, 4), 100, 9, Hcim(4)});
  cases.push_back({"2b x 3b signed, 16 rows", Shape(2, 3, true, 16, 8), 40, 3, Hcim(3)});
  Case no_quant{"quantization off", base, 144, 8, Hcim(8)};
  no_quant.options.switches.quantization = false;
  cases.push_back(no_quant);
  Case keep{"discard off", base, 144, 8, Hcim(10)};
  keep.options.switches.discard = false;
  cases.push_back(keep);
  Case comp{"compensated", Shape(8, 8, true, 144, 8), 144, 8, Hcim(9)};
  comp.options.compensate_discard = true;
  cases.push_back(comp);
  Case statics_only{"static errors only", base, 144, 8, Hcim(8)};
  statics_only.options.switches.dynamic_noise = false;
  cases.push_back(statics_only);
  return cases;
}

struct Result {
  std::vector<std::int64_t> exact;
  std::vector<double> out;
  std::vector<double> per_tile;
  ActionCounts counts;
  std::vector<int> codes;
};

// Runs `vectors` input vectors as one batch, with counts, and converts a few ops one at a time.
Result RunCase(const Case& c, Isa isa, int vectors, bool one_by_one) {
  const calib::Macro macro = calib::AnalyticMacro({.geometry = c.shape.geometry()});
  const auto weights = RandomWeights(c.shape, c.length, c.outputs, 17);
  const MacArray array(c.shape, macro, weights, c.length, c.outputs, 23);
  RunOptions options = c.options;
  options.isa = isa;
  const MacRunner runner(array, options);
  EXPECT_EQ(runner.KernelIsa(), isa);
  std::vector<std::int32_t> act(static_cast<std::size_t>(vectors) * c.length);
  Rng input(5);
  const auto gen = ScaledInputs(c.shape.activation_bits);
  for (int v = 0; v < vectors; ++v) {
    gen(v, input, std::span(act).subspan(static_cast<std::size_t>(v) * c.length, c.length));
  }
  Result r;
  const auto outputs = static_cast<std::size_t>(c.outputs);
  const auto tiles = static_cast<std::size_t>(array.RowTiles());
  r.out.resize(static_cast<std::size_t>(vectors) * outputs);
  r.exact.resize(r.out.size());
  for (int v = 0; v < vectors; ++v) {
    const auto at = static_cast<std::size_t>(v);
    array.Exact(std::span(act).subspan(at * c.length, c.length),
                std::span(r.exact).subspan(at * outputs, outputs));
  }
  r.per_tile.resize(static_cast<std::size_t>(vectors) * tiles * outputs);
  MacRunner::Workspace ws;
  Rng noise(99);
  if (one_by_one) {
    for (int v = 0; v < vectors; ++v) {
      const auto at = static_cast<std::size_t>(v);
      runner.Run(std::span(act).subspan(at * c.length, c.length), noise, ws,
                 std::span(r.out).subspan(at * outputs, outputs), &r.counts,
                 std::span(r.per_tile).subspan(at * tiles * outputs, tiles * outputs));
    }
  } else {
    runner.RunBatch(act, noise, ws, r.out, &r.counts, r.per_tile);
  }
  const int codes = 1 << c.shape.dac_bits;
  for (int column = 0; column < c.outputs; column += 3) {
    std::vector<std::int64_t> rows(static_cast<std::size_t>(codes), 0);
    for (int d = 0; d < codes; ++d) {
      rows[static_cast<std::size_t>(d)] = (column + 3 * d) % (c.shape.rows / codes + 1);
    }
    r.codes.push_back(runner.ConvertCode(0, column, rows, noise));
  }
  return r;
}

void ExpectSameCounts(const ActionCounts& a, const ActionCounts& b, const std::string& what) {
  EXPECT_EQ(a.input_vectors, b.input_vectors) << what;
  EXPECT_EQ(a.macs, b.macs) << what;
  EXPECT_EQ(a.array_passes, b.array_passes) << what;
  EXPECT_EQ(a.digital_cycles, b.digital_cycles) << what;
  EXPECT_EQ(a.analog_ops, b.analog_ops) << what;
  EXPECT_EQ(a.adc_conversions, b.adc_conversions) << what;
  EXPECT_EQ(a.dac_cycles, b.dac_cycles) << what;
  EXPECT_EQ(a.digital_array_cycles, b.digital_array_cycles) << what;
  EXPECT_EQ(a.array_cycles, b.array_cycles) << what;
  EXPECT_EQ(a.digital_w1_rows, b.digital_w1_rows) << what;
  EXPECT_EQ(a.tree_ones, b.tree_ones) << what;
  EXPECT_EQ(a.din_toggles, b.din_toggles) << what;
  EXPECT_EQ(a.accumulator_toggles, b.accumulator_toggles) << what;
  EXPECT_EQ(a.nq_ops, b.nq_ops) << what;
  EXPECT_EQ(a.ose_evals, b.ose_evals) << what;
  EXPECT_EQ(a.accumulations, b.accumulations) << what;
  EXPECT_EQ(a.boundary_histogram, b.boundary_histogram) << what;
  EXPECT_EQ(a.op_code_rows, b.op_code_rows) << what;
  EXPECT_EQ(a.dac_code_rows, b.dac_code_rows) << what;
}

// Bitwise equality of doubles (NaN-free data): no tolerance, the paths must agree exactly.
void ExpectSameBits(const std::vector<double>& a,
                    const std::vector<double>& b,
                    const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t n = 0; n < a.size(); ++n) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, &a[n], sizeof x);
    std::memcpy(&y, &b[n], sizeof y);
    ASSERT_EQ(x, y) << what << ": value " << n << " is " << a[n] << " vs " << b[n];
  }
}

TEST(Kernel, EveryInstructionSetGivesTheScalarResultsBitForBit) {
  const std::vector<Isa> isas = SupportedIsas();
  ASSERT_FALSE(isas.empty());
  ASSERT_EQ(isas.front(), Isa::kScalar);
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (!IsaSupported(isa)) {
      std::printf("note: this CPU cannot run the %s path; it is not compared here\n",
                  IsaName(isa).c_str());
    }
  }
  for (const Case& c : Cases()) {
    const Result ref = RunCase(c, Isa::kScalar, 40, false);
    // The data exercise the analog path: outputs differ from the exact dot products.
    int inexact = 0;
    for (std::size_t n = 0; n < ref.out.size(); ++n) {
      inexact += ref.out[n] != static_cast<double>(ref.exact[n]) ? 1 : 0;
    }
    if (c.options.mode != Mode::kDcim) {
      EXPECT_GT(inexact, static_cast<int>(ref.out.size()) / 2) << c.name;
    } else {
      EXPECT_EQ(inexact, 0) << c.name;
    }
    for (Isa isa : isas) {
      if (isa == Isa::kScalar) {
        continue;
      }
      const std::string what = c.name + " on " + IsaName(isa);
      const Result r = RunCase(c, isa, 40, false);
      ExpectSameBits(ref.out, r.out, what);
      ExpectSameBits(ref.per_tile, r.per_tile, what + " (per tile)");
      ExpectSameCounts(ref.counts, r.counts, what);
      EXPECT_EQ(ref.codes, r.codes) << what;
    }
  }
}

TEST(Kernel, ABatchEqualsItsVectorsOneByOne) {
  for (const Case& c : Cases()) {
    for (Isa isa : SupportedIsas()) {
      const std::string what = c.name + " on " + IsaName(isa);
      const Result batch = RunCase(c, isa, 25, false);
      const Result single = RunCase(c, isa, 25, true);
      ExpectSameBits(batch.out, single.out, what);
      ExpectSameBits(batch.per_tile, single.per_tile, what + " (per tile)");
      ExpectSameCounts(batch.counts, single.counts, what);
    }
  }
}

TEST(Kernel, DcimEqualsTheIntegerDotProductOnEveryPath) {
  const MacShape s = Shape(8, 8, true, 144, 8);
  const calib::Macro macro = calib::AnalyticMacro({.geometry = s.geometry()});
  const int length = 500;
  const int outputs = 21;
  const auto weights = RandomWeights(s, length, outputs, 3);
  const MacArray array(s, macro, weights, length, outputs, 4);
  std::vector<std::int32_t> act(static_cast<std::size_t>(length));
  Rng rng(8);
  UniformInputs(8)(0, rng, act);
  std::vector<std::int64_t> exact(static_cast<std::size_t>(outputs));
  array.Exact(act, exact);
  for (int c = 0; c < outputs; ++c) {
    std::int64_t y = 0;
    for (int r = 0; r < length; ++r) {
      y += static_cast<std::int64_t>(act[static_cast<std::size_t>(r)]) *
           weights[static_cast<std::size_t>(r) * outputs + c];
    }
    ASSERT_EQ(exact[static_cast<std::size_t>(c)], y) << c;
  }
  for (Isa isa : SupportedIsas()) {
    const MacRunner runner(array, RunOptions{.mode = Mode::kDcim, .isa = isa});
    MacRunner::Workspace ws;
    Rng noise(1);
    std::vector<double> out(static_cast<std::size_t>(outputs));
    runner.Run(act, noise, ws, out, nullptr);
    for (int c = 0; c < outputs; ++c) {
      EXPECT_EQ(out[static_cast<std::size_t>(c)],
                static_cast<double>(exact[static_cast<std::size_t>(c)]))
          << IsaName(isa) << " column " << c;
    }
  }
}

TEST(Kernel, InstructionSetsAreNamedAndRefusedClearly) {
  EXPECT_EQ(ParseIsa("avx512"), Isa::kAvx512);
  EXPECT_EQ(IsaName(ParseIsa("scalar")), "scalar");
  try {
    ParseIsa("neon");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'neon'"), std::string::npos) << e.what();
  }
  EXPECT_NE(ResolveIsa(Isa::kAuto), Isa::kAuto);
}

TEST(Kernel, ABatchOfTheWrongSizeIsRefused) {
  const MacShape s = Shape(8, 8, false, 144, 8);
  const calib::Macro macro = calib::AnalyticMacro({.geometry = s.geometry()});
  const MacArray array(s, macro, RandomWeights(s, 144, 8, 1), 144, 8, 1);
  const MacRunner runner(array, RunOptions{});
  MacRunner::Workspace ws;
  Rng noise(1);
  std::vector<std::int32_t> act(144 * 2 + 1, 1);
  std::vector<double> out(16);
  EXPECT_THROW(runner.RunBatch(act, noise, ws, out, nullptr), UsageError);
  act.resize(144 * 2);
  std::vector<double> short_out(15);
  EXPECT_THROW(runner.RunBatch(act, noise, ws, short_out, nullptr), UsageError);
  act[144 + 7] = 256;
  try {
    runner.RunBatch(act, noise, ws, out, nullptr);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("input vector 1: activation 7 = 256"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace cimchar::mac
