// The export writers on the model of a synthetic characterized macro: files, atomicity,
// determinism, provenance marks and refusals. What each consumer computes from the files is
// checked in consumers_test.cpp.
#include "exporters/exporters.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/accelergy.h"
#include "exporters/from_store.h"
#include "exporters/readouts/readouts.h"
#include "exporters/test_macro.h"
#include "mac/readout.h"
#include "temp_dir.h"

namespace cimchar::exporters {
namespace {

namespace fs = std::filesystem;

constexpr double kRelTol = 1e-12;

using cimchar::testing::TempDir;

using cimchar::testing::CountEntries;
using cimchar::testing::ReadText;
using cimchar::testing::WriteText;

const ExportModel& Model() {
  static const ExportModel model = [] {
    const calib::Macro macro = testing::SyntheticMacro();
    ViewOptions views = testing::TestViews();
    views.chips = 128;
    return ModelFromMacro(macro, testing::ShapeOf(macro), views);
  }();
  return model;
}

class EachConsumerFormat : public ::testing::TestWithParam<std::string> {};

TEST_P(EachConsumerFormat, WritesItsFilesWholeAndNothingElse) {
  TempDir dir;
  const auto out = dir.path() / "out";
  const ExportFormat& format = FindExportFormat(GetParam());
  const auto written = WriteExport(format, Model(), out);
  const auto rendered = format.render(Model());
  ASSERT_FALSE(written.empty());
  ASSERT_EQ(written.size(), rendered.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(written[i], out / rendered[i].path);
    EXPECT_EQ(ReadText(written[i]), rendered[i].contents) << written[i];
  }
  EXPECT_EQ(CountEntries(out), written.size());  // no temporary left over
}

TEST_P(EachConsumerFormat, IsAPureFunctionOfTheMacroAndTheSeed) {
  const calib::Macro macro = testing::SyntheticMacro();
  ViewOptions views = testing::TestViews();
  views.chips = 128;
  const ExportModel again = ModelFromMacro(macro, testing::ShapeOf(macro), views);
  const ExportFormat& format = FindExportFormat(GetParam());
  const auto a = format.render(Model());
  const auto b = format.render(again);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].contents, b[i].contents) << a[i].path;
  }
}

TEST_P(EachConsumerFormat, MarksADirtyTreeInTheBinaryAndInEveryTable) {
  ExportModel m = Model();
  m.provenance.cimchar_commit = "0123456789abcdef0123456789abcdef01234567-dirty";
  m.provenance.cimchar_dirty = true;
  std::string all;
  for (const auto& f : FindExportFormat(GetParam()).render(m)) {
    all += f.contents;
  }
  // The binary's mark, and the synthetic table's (its commit ends in -dirty).
  EXPECT_NE(all.find("\"cimchar_commit\": \"0123456789abcdef0123456789abcdef01234567-dirty\""),
            std::string::npos);
  std::size_t dirty = 0;
  for (std::size_t at = all.find("\"tree\": \"dirty\""); at != std::string::npos;
       at = all.find("\"tree\": \"dirty\"", at + 1)) {
    ++dirty;
  }
  EXPECT_GE(dirty, 2u);
}

TEST_P(EachConsumerFormat, ExportWithoutTheBinarysCommitIsRefused_bad) {
  ExportModel m = Model();
  m.provenance.cimchar_commit.clear();
  EXPECT_THROW(FindExportFormat(GetParam()).render(m), UsageError);
}

TEST_P(EachConsumerFormat, ModelWithoutItsViewsIsRefusedNamingWhat_bad) {
  ExportModel m = Model();
  m.op.codes_by_count.clear();
  try {
    FindExportFormat(GetParam()).render(m);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("codes_by_count"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Exporters,
                         EachConsumerFormat,
                         ::testing::Values("accelergy", "neurosim", "aihwkit", "asim", "crosssim"));

// The synthetic macro with a linear line, 0.66 V above a 20 mV baseline at full scale (2160 op
// counts, 144 rows x 15), and transition k at 270 k - 135 counts (an LSB of 270 counts, 18 in
// the 0 .. 15 digit units of a 4-bit window): the figures each export derives from it have closed
// forms, computed here from the values set.
constexpr double kLinearFullScaleV = 0.66;
constexpr double kLinearLsbCounts = 270.0;
constexpr double kCountsPerFraction = 144.0 * 15.0;

calib::Macro LinearMacro() {
  calib::Macro m = testing::SyntheticMacro();
  calib::LineTransfer& l = m.line;
  for (std::size_t i = 0; i < l.codes.size(); ++i) {
    l.code_v[i] = l.baseline_v + kLinearFullScaleV * l.codes[i] / 15.0;
  }
  for (std::size_t k = 1; k <= m.adc.transition_v.size(); ++k) {
    const double counts = kLinearLsbCounts * (static_cast<double>(k) - 0.5);
    m.adc.transition_v[k - 1] = l.baseline_v + kLinearFullScaleV * counts / kCountsPerFraction;
  }
  calib::ValidateMacro(m);
  return m;
}

const ExportModel& LinearModel() {
  static const ExportModel model = [] {
    const calib::Macro m = LinearMacro();
    ViewOptions views = testing::TestViews();
    views.chips = 128;
    return ModelFromMacro(m, testing::ShapeOf(m), views);
  }();
  return model;
}

// The number after the last of `anchors`, each searched from where the previous one was found.
double NumberAfter(const std::string& text, const std::vector<std::string>& anchors) {
  std::size_t at = 0;
  for (const std::string& a : anchors) {
    at = text.find(a, at);
    if (at == std::string::npos) {
      ADD_FAILURE() << "'" << a << "' not found";
      return std::nan("");
    }
    at += a.size();
  }
  return std::strtod(text.c_str() + at, nullptr);
}

std::string FileOf(const std::vector<report::PendingFile>& files, const std::string& name) {
  for (const auto& f : files) {
    if (f.path == name) {
      return f.contents;
    }
  }
  ADD_FAILURE() << "no file " << name;
  return {};
}

TEST(ExportContent, TheNumbersFollowTheMacro) {
  const ExportModel& model = LinearModel();
  const calib::Macro m = LinearMacro();
  const double counts_per_v = kCountsPerFraction / kLinearFullScaleV;
  struct Expectation {
    std::string format, file;
    std::vector<std::string> anchors;
    double value;
    std::string what;
  };
  const std::vector<Expectation> expected = {
      {"accelergy",
       "ERT.yaml",
       {"\"osa_hcim.adc\"", "name: \"compute\"", "energy: "},
       m.energy.adc_conversion.energy_j * 1e12,
       "ADC conversion energy, pJ"},
      {"neurosim", "neurosim.meta.json", {"\"adc_lsb_counts\": "}, kLinearLsbCounts, "ADC LSB"},
      {"aihwkit",
       "aihwkit.json",
       {"\"out_noise\": "},
       std::hypot(m.line.code_dynamic_sigma_v.front(), m.adc.comparator_noise_sigma_v) *
           counts_per_v / 15.0,
       "per-conversion noise in digit units"},
      {"asim", "asim.json", {"\"hybrid_levels\": "}, 8 + 8 - 1 - 8.0, "w + a - 1 - B_D/A"},
      {"crosssim",
       "crosssim_quantizer.json",
       {"\"QuantizerADC\"", "\"calibrated_range\": [", ","},
       7 * kLinearLsbCounts / 15.0,
       "quantizer's top level, digit units"},
  };
  for (const Expectation& e : expected) {
    const auto files = FindExportFormat(e.format).render(model);
    const double got = NumberAfter(FileOf(files, e.file), e.anchors);
    EXPECT_NEAR(got, e.value, 1e-6 * std::abs(e.value))
        << e.format << " " << e.file << ": " << e.what;
  }
}

// The synthetic macro read out by two comparators (ternary): thresholds on its line, each
// column's values fitted on its calibration conversions, the conversion priced as measured.
calib::Macro TernaryMacro() {
  calib::Macro m = testing::SyntheticMacro();
  m.readout = "ternary";
  m.comparator = {.threshold_v = {0.15, 0.2},
                  .threshold_static_sigma_v = {0.01, 0.01},
                  .noise_sigma_v = 0.001,
                  .energy_decision_j = 15e-15,
                  .reference_energy_j = 2e-15,
                  .kickback_v = 0.002};
  m.energy.adc_conversion = {2 * 15e-15 + 2e-15, "measured: 2 decisions + the reference"};
  return m;
}

ViewOptions SmallViews() {
  ViewOptions views = testing::TestViews();
  views.chips = 64;
  return views;
}

// Every readout the model knows has its part of the exports, and no other is registered.
TEST(ExportReadout, EveryReadoutOfTheModelHasItsExportPart) {
  ASSERT_EQ(ReadoutExports().size(), mac::Readouts().size());
  for (const mac::ReadoutInfo& r : mac::Readouts()) {
    EXPECT_EQ(FindReadoutExport(r.name).readout, r.name);
  }
  EXPECT_THROW(FindReadoutExport("flash"), UsageError);
}

// A format holding one transfer for every column cannot hold the ternary readout's per-column
// values: it refuses, naming the readout, itself and why, before and when rendering (it never
// writes the SAR's transfer); the others are exactly the ones that need no shared transfer.
TEST(ExportReadout, FormatsHoldingOneSharedTransferRefuseATernaryMacro_bad) {
  const calib::Macro macro = TernaryMacro();
  const ExportModel model = ModelFromMacro(macro, testing::ShapeOf(macro), SmallViews());
  EXPECT_TRUE(model.op.transitions.empty());
  std::vector<std::string> refusing;
  for (const ExportFormat& f : ExportFormats()) {
    if (f.shared_transfer.empty()) {
      continue;
    }
    refusing.push_back(f.name);
    for (const auto& attempt : std::vector<std::function<void()>>{
             [&] { ExportModelFor(f, macro, testing::ShapeOf(macro), SmallViews()); },
             [&] { f.render(model); }}) {
      try {
        attempt();
        ADD_FAILURE() << f.name << " exported a ternary macro";
      } catch (const UsageError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("cannot export the ternary readout to " + f.name), std::string::npos)
            << what;
        EXPECT_NE(what.find("scale factor"), std::string::npos) << what;
      }
    }
  }
  EXPECT_EQ(refusing, (std::vector<std::string>{"neurosim", "aihwkit", "asim", "crosssim"}));
}

// Accelergy prices what the model computes: one ternary conversion is its two decisions and the
// reference, and the macro block names the readout; the SAR macro keeps its ADC's figures.
TEST(ExportReadout, AccelergyPricesATernaryConversionAsItsComparators) {
  const auto adc_of = [](const ExportModel& model) {
    for (const Component& c : model.components) {
      if (c.name == "adc") {
        return c;
      }
    }
    ADD_FAILURE() << "no adc component";
    return Component{};
  };
  const ExportFormat& accelergy = FindExportFormat("accelergy");
  const calib::Macro ternary = TernaryMacro();
  const ExportModel t = ExportModelFor(accelergy, ternary, testing::ShapeOf(ternary), SmallViews());
  const Component adc = adc_of(t);
  EXPECT_NEAR(adc.actions.front().energy_j, 32e-15, kRelTol * 32e-15);
  EXPECT_NE(adc.unit.find("ternary readout (2 comparator"), std::string::npos) << adc.unit;
  const std::string meta = FileOf(accelergy.render(t), "accelergy.meta.json");
  EXPECT_NE(meta.find("\"readout\": \"ternary\""), std::string::npos);
  EXPECT_EQ(meta.find("\"adc_bits\""), std::string::npos);

  const calib::Macro sar = testing::SyntheticMacro();
  const ExportModel s = ExportModelFor(accelergy, sar, testing::ShapeOf(sar), SmallViews());
  EXPECT_EQ(adc_of(s).actions.front().energy_j, sar.energy.adc_conversion.energy_j);
  EXPECT_NE(adc_of(s).unit.find("SAR ADC"), std::string::npos);
  EXPECT_NE(adc_of(s).actions.front().energy_j, adc.actions.front().energy_j);
  const std::string sar_meta = FileOf(accelergy.render(s), "accelergy.meta.json");
  EXPECT_NE(sar_meta.find("\"adc_bits\": 3"), std::string::npos);
  EXPECT_EQ(sar_meta.find("\"readout\""), std::string::npos);
}

TEST(ExportFormat, EveryFormatIsFoundByItsNameAndListedInTheHelp) {
  const std::string help = ExportFormatsHelp();
  for (const ExportFormat& f : ExportFormats()) {
    EXPECT_EQ(&FindExportFormat(f.name), &f);
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_NE(help.find("  " + f.name + " "), std::string::npos) << help;
  }
}

TEST(ExportFormat, UnknownFormatIsAUsageErrorListingTheKnownOnes_bad) {
  try {
    FindExportFormat("timeloop");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("timeloop"), std::string::npos) << what;
    EXPECT_NE(what.find("accelergy"), std::string::npos) << what;
  }
}

TEST(WriteExport, UnwritablePathIsAnErrorAndLeavesNothing_bad) {
  TempDir dir;
  const auto blocker = dir.path() / "blocker";
  WriteText(blocker, "a file, not a folder");
  const auto out = blocker / "sub";
  EXPECT_THROW(WriteExport(FindExportFormat("accelergy"), Model(), out), Error);
  EXPECT_EQ(CountEntries(dir.path()), 1u);
}

TEST(WriteExport, MissingCountTableIsAUsageErrorBeforeAnythingIsWritten_bad) {
  TempDir dir;
  ExportModel model = Model();
  model.counts.mean.pop_back();
  const auto out = dir.path() / "out";
  try {
    WriteExport(FindExportFormat("neurosim"), model, out);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("per-count table"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out / "neurosim_output_noise.csv"));
}

TEST(WriteExport, NonFiniteValuesAreRefused_bad) {
  ExportModel model = Model();
  model.operating_point.vdd_v = std::nan("");
  EXPECT_THROW(FindExportFormat("aihwkit").render(model), UsageError);
  model = Model();
  model.counts.sigma[3] = INFINITY;
  EXPECT_THROW(FindExportFormat("neurosim").render(model), UsageError);
}

TEST(WriteExport, TablesWithoutTheirSourceOrWithAWrongShapeAreRefused_bad) {
  ExportModel model;
  model.provenance = Model().provenance;
  TableView t;
  t.quantity = "adc/transition_v/mean";
  t.units = "V";
  t.axes = {{.name = "code", .units = "code", .values = {1, 2}, .labels = {}}};
  t.data = {0.1, 0.2};
  model.tables = {t};
  EXPECT_THROW(FindExportFormat("json").render(model), UsageError);  // no source
  model.tables[0].source = {.role = "adc", .file = "/t/adc.h5", .sha256 = "ab"};
  EXPECT_NO_THROW(FindExportFormat("json").render(model));
  model.tables[0].data.pop_back();
  EXPECT_THROW(FindExportFormat("json").render(model), UsageError);
  EXPECT_THROW(FindExportFormat("csv").render(model), UsageError);
}

TEST(AccelergyActionCounts, CountsEveryActionTheModelPrices) {
  mac::ActionCounts c;
  c.digital_cycles = 3;
  c.analog_ops = 2;
  c.adc_conversions = 2;
  c.nq_ops = 5;
  c.ose_evals = 1;
  c.accumulations = 4;
  c.op_code_rows = std::vector<std::int64_t>(16, 0);
  c.op_code_rows[15] = 10;
  c.dac_code_rows = std::vector<std::int64_t>(16, 0);
  c.dac_code_rows[15] = 20;
  const std::string yaml = AccelergyActionCounts(c, Model());
  // 2 ops x 144 rows, 10 of them W = 1 at code 15.
  EXPECT_NE(yaml.find("name: \"row_off\"\n          counts: 278"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("code: 15\n          counts: 10"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("\"osa_hcim.dmult\""), std::string::npos);
  EXPECT_NE(yaml.find("counts: 432"), std::string::npos);  // 3 cycles x 144 D_MULTs
}

TEST(Document, RealsAreFloatsInJsonAndYaml11) {
  EXPECT_EQ(FormatReal(1.0), "1.0");
  EXPECT_EQ(FormatReal(2.5e-12), "2.5e-12");
  EXPECT_EQ(FormatReal(1e20), "1.0e+20");
  EXPECT_EQ(FormatReal(-0.125), "-0.125");
  EXPECT_THROW(FormatReal(std::nan("")), Error);
  EXPECT_THROW(FormatReal(INFINITY), Error);
  for (const double v : {0.1, 1.0 / 3.0, 6.02214076e23, 1.602176634e-19}) {
    EXPECT_NEAR(std::strtod(FormatReal(v).c_str(), nullptr), v, std::abs(v) * kRelTol);
  }
}

TEST(Document, YamlAndJsonReadBackEqualThroughPython) {
  TempDir dir;
  Document d;
  d.Set("plain", "value");
  d.Set("yes", "a key YAML 1.1 would read as a boolean");
  d.Set("needs: quoting", "quote \" backslash \\ newline \n tab \t bell \x07 unicode µm²");
  d.Set("number_like", "0.4");
  d.Set("empty_object", Document::MakeObject());
  d.Set("empty_array", Document::MakeArray());
  d.Set("nested", Document().Set("list", Document::Reals({1.0, 2.5e-12, -3.0})).Set("n", 7));
  Document arrays = Document::MakeArray();
  arrays.Push(Document::Reals({1.0, 2.0}));
  arrays.Push(Document().Set("k", nullptr).Set("b", true));
  d.Set("arrays", std::move(arrays));
  WriteText(dir.path() / "d.yaml", d.ToYaml());
  WriteText(dir.path() / "d.json", d.ToJson());
  const std::string command =
      std::string(CIMCHAR_SYSTEM_PYTHON) +
      " -c \"import json,sys,yaml; y=yaml.safe_load(open(sys.argv[1])); "
      "j=json.load(open(sys.argv[2])); "
      "assert y==j, (y,j); assert j['needs: quoting'].startswith('quote \\\"'); "
      "assert j['number_like']=='0.4'; assert j['yes'].startswith('a key'); "
      "assert j['nested']['list'][1]==2.5e-12\" '" +
      (dir.path() / "d.yaml").string() + "' '" + (dir.path() / "d.json").string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << d.ToYaml();
}

TEST(Document, DuplicateKeyIsALogicError_bad) {
  Document d;
  d.Set("a", 1);
  EXPECT_THROW(d.Set("a", 2), Error);
}

}  // namespace
}  // namespace cimchar::exporters
