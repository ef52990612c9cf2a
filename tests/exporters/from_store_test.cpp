// The adapter from run files to exports, on a small synthetic store written with lut::RunWriter
// (values chosen for the test, not physics; no ngspice).
#include "exporters/from_store.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "exporters/exporters.h"
#include "lut/store.h"
#include "mac/options.h"
#include "temp_dir.h"

namespace cimchar::exporters {
namespace {

namespace fs = std::filesystem;
using lut::Axis;
using lut::Statistic;
using lut::Table;

constexpr double kRelTol = 1e-12;
constexpr int kTransitions = 7;  // a 3-bit ADC

using cimchar::testing::TempDir;

std::vector<Axis> Grid() {
  return {Axis::Categorical("corner", {"tt", "ff"}), Axis::Numeric("vdd", "V", {0.9, 1.0, 1.1}),
          Axis::Numeric("temp", "degC", {25.0, 85.0})};
}

// Transition k (1..7) at vdd: an almost ideal 3-bit ADC over [0.1, 0.1 + 0.4 vdd] V.
double Transition(int k, double vdd) { return 0.1 + 0.05 * vdd * k + 0.002 * (k % 2); }
double Line(double fraction, double vdd) { return 0.9 * vdd * fraction * (1.0 - 0.05 * fraction); }

// A table over the grid axes (and `bench` last) from f(corner index, vdd, bench value).
template <typename F>
Table GridTable(const std::string& quantity,
                const std::string& units,
                std::optional<Axis> bench,
                F f) {
  std::vector<Axis> axes = Grid();
  std::vector<double> bench_values = {0.0};
  if (bench) {
    axes.push_back(*bench);
    bench_values = bench->values();
  }
  std::vector<double> values;
  for (int c = 0; c < 2; ++c) {
    for (const double vdd : axes[1].values()) {
      for ([[maybe_unused]] const double temp : axes[2].values()) {
        for (const double b : bench_values) {
          values.push_back(f(c, vdd, b));
        }
      }
    }
  }
  return Table(quantity, units, axes, values);
}

// Writes a finished run with the given tables; every grid point has two ok samples of "x_v".
fs::path WriteStore(const fs::path& path, const std::vector<lut::QuantityTable>& tables) {
  lut::RunSpec spec{.grid = Grid(), .samples_per_point = 2, .columns = {{"x_v", "V"}}};
  lut::Provenance provenance{.recipe_text = "bench = test\n",
                             .master_seed = 77,
                             .input_sha256 = {{"netlists/blocks/sar_adc.sp", "ab12"}},
                             .ngspice_version = "ngspice-39"};
  auto writer = lut::RunWriter::Create(path, spec, provenance);
  for (std::uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    for (std::uint64_t s = 0; s < 2; ++s) {
      writer->Append({.grid_point = g, .sample = s, .values = {0.5 + 0.01 * g + 0.1 * s}});
    }
  }
  writer->Finalize(tables);
  return path;
}

std::vector<lut::QuantityTable> AdcTables() {
  std::vector<double> codes;
  for (int k = 1; k <= kTransitions; ++k) {
    codes.push_back(k);
  }
  const Axis code = Axis::Numeric("code", "1", codes);
  return {
      {Statistic::kMean,
       GridTable("adc/transition_v", "V", code,
                 [](int, double vdd, double k) { return Transition(static_cast<int>(k), vdd); })},
      {Statistic::kStaticSigma,
       GridTable("adc/transition_v", "V", code, [](int, double, double) { return 0.004; })},
      {Statistic::kDynamicSigma,
       GridTable("adc/transition_v", "V", code, [](int, double, double) { return 0.001; })},
      {Statistic::kMean, GridTable("adc/comparator_offset_v", "V", std::nullopt,
                                   [](int, double, double) { return 0.0; })},
      {Statistic::kStaticSigma, GridTable("adc/comparator_offset_v", "V", std::nullopt,
                                          [](int, double, double) { return 0.003; })},
      {Statistic::kMean,
       GridTable("adc/energy_conversion_j", "J", std::nullopt,
                 [](int c, double vdd, double) { return (c ? 5e-14 : 4e-14) * vdd * vdd; })},
  };
}

// A characterized macro with known values: the analytic placeholder's geometry, the test's ADC
// transitions and line, as calib::ReadMacro would give them.
calib::Macro TestMacro() {
  calib::Macro m = calib::AnalyticMacro();
  m.origin = "tables";
  for (int k = 1; k <= kTransitions; ++k) {
    m.adc.transition_v[static_cast<std::size_t>(k - 1)] = Transition(k, 1.0);
    m.adc.transition_static_sigma_v[static_cast<std::size_t>(k - 1)] = 0.004;
    m.adc.transition_dynamic_sigma_v[static_cast<std::size_t>(k - 1)] = 0.001;
  }
  m.adc.comparator_offset_sigma_v = 0.003;
  for (std::size_t i = 0; i < m.line.codes.size(); ++i) {
    m.line.code_v[i] = Line(m.line.codes[i] / 15.0, 1.0);
    m.line.code_static_sigma_v[i] = 0.002;
    m.line.code_dynamic_sigma_v[i] = 0.0005;
  }
  m.sources.push_back({.role = "adc",
                       .file = "/tables/adc.h5",
                       .sha256 = "feed",
                       .recipe_text = "bench = adc\n",
                       .master_seed = 77,
                       .samples_per_point = 2,
                       .ngspice_version = "ngspice-39",
                       .cimchar_version = "1",
                       .cimchar_commit = "abc",
                       .created_utc = "2026-01-01T00:00:00Z"});
  calib::ValidateMacro(m);
  return m;
}

class FromStore : public ::testing::Test {
 protected:
  void SetUp() override {
    adc_ = WriteStore(dir_.path() / "adc.h5", AdcTables());
    stores_ = {lut::Store::Open(adc_)};
  }
  GridPointRequest Point(double vdd = 1.0) {
    return {.corner = "tt", .vdd_v = vdd, .temp_c = 25.0};
  }
  static mac::MacShape Shape() {
    mac::MacShape s;
    static_cast<calib::Geometry&>(s) = TestMacro().geometry;
    return s;
  }
  ExportModel Model() {
    return ModelFromMacro(TestMacro(), Shape(),
                          {.reference_vectors = 8, .chips = 64, .patterns = 4, .seed = 3});
  }
  TempDir dir_;
  fs::path adc_;
  std::vector<lut::Store> stores_;
};

TEST_F(FromStore, CarriesTheMacrosProvenanceAndTheBinarysCommit) {
  const ExportModel m = Model();
  ASSERT_EQ(m.provenance.tables.size(), 1u);
  EXPECT_EQ(m.provenance.tables[0].file, "/tables/adc.h5");
  EXPECT_EQ(m.provenance.tables[0].sha256, "feed");
  EXPECT_EQ(m.provenance.tables[0].cimchar_commit, "abc");
  EXPECT_EQ(m.provenance.origin, "tables");
  EXPECT_FALSE(m.provenance.cimchar_commit.empty());
  EXPECT_EQ(IsDirtyCommit(m.provenance.cimchar_commit), m.provenance.cimchar_dirty);
}

TEST(DirtyCommit, OnlyTheSuffixMarksADirtyBuild) {
  EXPECT_TRUE(IsDirtyCommit("0123abcd-dirty"));
  EXPECT_FALSE(IsDirtyCommit("0123abcd"));
  EXPECT_FALSE(IsDirtyCommit("dirty"));
  EXPECT_FALSE(IsDirtyCommit(""));
}

TEST_F(FromStore, TheOpTransferIsTheModels) {
  const ExportModel m = Model();
  const OpTransfer& op = m.op;
  ASSERT_EQ(op.transitions.size(), static_cast<std::size_t>(kTransitions));
  ASSERT_EQ(op.levels.size(), static_cast<std::size_t>(kTransitions) + 1);
  EXPECT_EQ(op.full_scale, 144.0 * 15.0);
  for (std::size_t k = 1; k < op.transitions.size(); ++k) {
    EXPECT_GT(op.transitions[k], op.transitions[k - 1]);
  }
  for (std::size_t k = 0; k < op.transitions.size(); ++k) {
    // Each code's read-back value lies between its transitions.
    EXPECT_LT(op.levels[k], op.transitions[k]);
    EXPECT_GT(op.levels[k + 1], op.transitions[k]);
    EXPECT_GT(op.dynamic_sigma[k], 0.0);
    EXPECT_GT(op.static_sigma[k], op.dynamic_sigma[k]);
  }
  // The noiseless code steps where the transitions are (away from them by a count).
  ASSERT_EQ(op.codes_by_count.size(), static_cast<std::size_t>(op.full_scale) + 1);
  for (std::size_t u = 0; u < op.codes_by_count.size(); ++u) {
    const double x = static_cast<double>(u);
    if (std::any_of(op.transitions.begin(), op.transitions.end(),
                    [&](double t) { return std::abs(x - t) < 1.0; })) {
      continue;
    }
    int expected = 0;
    for (double t : op.transitions) {
      expected += x > t ? 1 : 0;
    }
    EXPECT_EQ(op.codes_by_count[u], expected) << u;
  }
}

TEST_F(FromStore, EveryBlockIsAComponentWithTimeloopsActions) {
  const ExportModel m = Model();
  for (const char* what :
       {"dmult", "adder_tree", "precharge", "wordline", "din", "leakage", "analog_line", "dac",
        "adc", "nq", "ose", "accumulator", "mac", "mac_bda0", "mac_bda15"}) {
    const auto it = std::find_if(m.components.begin(), m.components.end(),
                                 [&](const Component& c) { return c.name == what; });
    ASSERT_NE(it, m.components.end()) << what;
    for (const char* action : {"read", "compute", "write", "update", "leak"}) {
      EXPECT_TRUE(std::any_of(it->actions.begin(), it->actions.end(),
                              [&](const PricedAction& a) { return a.action == action; }))
          << what << "." << action;
    }
    EXPECT_EQ(m.not_derived.count(std::string("area.") + what), 1u) << what;
  }
  ASSERT_EQ(m.splits.size(), 16u);
  EXPECT_EQ(m.splits[0].digital, 64);  // B_D/A = 0: everything digital
  EXPECT_EQ(m.splits[15].digital, 0);
}

TEST_F(FromStore, TablesCoverEveryQuantityAndStatisticWithUnitsThatSayWhatTheyAre) {
  const calib::TableSource source{.role = "adc", .file = adc_, .sha256 = "ab"};
  const auto views = TableViewsFromStore(stores_[0], source);
  ASSERT_EQ(views.size(), 6u);
  const auto it = std::find_if(views.begin(), views.end(), [](const TableView& v) {
    return v.quantity == "adc/transition_v/mean";
  });
  ASSERT_NE(it, views.end());
  EXPECT_EQ(it->units, "V");
  EXPECT_EQ(it->source.file, adc_);
  ASSERT_EQ(it->axes.size(), 4u);
  EXPECT_EQ(it->axes[3].name, "code");
  EXPECT_EQ(it->axes[3].units, "code");
  std::size_t size = 1;
  for (const auto& a : it->axes) {
    size *= a.Size();
  }
  EXPECT_EQ(it->data.size(), size);
  EXPECT_EQ(TableUnits("adc/dnl_lsb", "1"), "LSB");
  EXPECT_EQ(TableUnits("activity", "1"), "fraction");
  EXPECT_EQ(TableUnits("adc/transition_v", "V"), "V");
  EXPECT_EQ(TableUnits("something", "1"), "dimensionless");
}

TEST_F(FromStore, UnwritableOutputLeavesNothing) {
  ExportModel m;
  m.provenance = ProvenanceOf(TestMacro());
  m.tables = TableViewsFromStore(stores_[0], {.role = "adc", .file = adc_, .sha256 = "ab"});
  const fs::path blocker = dir_.path() / "a_file";
  std::ofstream(blocker) << "x";
  EXPECT_THROW(WriteExport(FindExportFormat("csv"), m, blocker / "out"), Error);
  EXPECT_FALSE(fs::exists(blocker / "out"));
  if (::geteuid() != 0) {  // root ignores permissions
    const fs::path locked = dir_.path() / "locked";
    fs::create_directories(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THROW(WriteExport(FindExportFormat("csv"), m, locked), Error);
    fs::permissions(locked, fs::perms::owner_all);
    EXPECT_TRUE(fs::is_empty(locked));
  }
}

TEST_F(FromStore, SampleSetsComeFromTheGridPoint) {
  const auto sets = SampleSetsFromStore(stores_[0], {"x_v"}, Point(), false);
  ASSERT_EQ(sets.size(), 1u);
  ASSERT_EQ(sets[0].samples.size(), 2u);
  const auto centered = SampleSetsFromStore(stores_[0], {"x_v"}, Point(), true);
  EXPECT_NEAR(centered[0].samples[0] + centered[0].samples[1], 0.0, 1e-15);
  EXPECT_THROW(SampleSetsFromStore(stores_[0], {"nope"}, Point(), false), UsageError);
  EXPECT_THROW(SampleSetsFromStore(stores_[0], {"x_v"}, Point(0.95), false), UsageError);
}

TEST(Linearity, EndPointDnlAndInl) {
  // Code 2 is 0.5 LSB wide, code 3 1.5 LSB: DNL -0.5 and +0.5; INL of transition 3 is -0.5.
  const auto lin = LinearityFromTransitions({1.0, 2.0, 2.5, 4.0, 5.0});
  ASSERT_EQ(lin.codes.size(), 4u);
  EXPECT_NEAR(lin.dnl_lsb[0], 0.0, kRelTol);
  EXPECT_NEAR(lin.dnl_lsb[1], -0.5, kRelTol);
  EXPECT_NEAR(lin.dnl_lsb[2], 0.5, kRelTol);
  EXPECT_NEAR(lin.inl_lsb[2], -0.5, kRelTol);
  EXPECT_THROW(LinearityFromTransitions({1.0, 2.0}), UsageError);
  EXPECT_THROW(LinearityFromTransitions({1.0, 3.0, 2.0}), UsageError);
}

}  // namespace
}  // namespace cimchar::exporters
