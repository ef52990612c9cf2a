// Each consumer's own reading and computing path (reimplemented from its source in
// tests/exporters/consumers/<consumer>.py, which names the files and functions) run on cimchar's
// export of a synthetic characterized macro, against what cimchar's model gives on the same
// inputs. The model's side is computed here, with the model itself (mac::MacArray, MacRunner,
// ComputeEnergy) on draws the export never saw.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/document.h"
#include "exporters/exporters.h"
#include "exporters/formats/accelergy.h"
#include "exporters/from_store.h"
#include "exporters/test_macro.h"
#include "lut/store.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/random.h"
#include "temp_dir.h"

namespace cimchar::exporters {
namespace {

namespace fs = std::filesystem;
using testing::ShapeOf;
using testing::SyntheticMacro;
using testing::TestViews;

constexpr double kJToPj = 1e12;
// Chip instances of the model-side statistics (independent of the export's).
constexpr int kModelChips = 4096;
// Conversions per point of the probit fit of the model's per-conversion noise.
constexpr int kProbitConversions = 4000;

using cimchar::testing::TempDir;

void WriteText(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// Runs a consumer check; its output (the measured figures) goes to the test log.
int RunConsumer(const std::string& script, const std::vector<std::string>& args) {
  std::string command = std::string(CIMCHAR_SYSTEM_PYTHON) + " '" +
                        std::string(CIMCHAR_EXPORTERS_TEST_DIR) + "/consumers/" + script + "'";
  for (const auto& a : args) {
    command += " '" + a + "'";
  }
  return std::system(command.c_str());
}

Document Blocks(const mac::EnergyBreakdown& e) {
  Document d;
  for (const auto& [name, joules] : e.Blocks()) {
    d.Set(name, joules * kJToPj);
  }
  return d;
}

class ExportConsumers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    macro_ = new calib::Macro(SyntheticMacro());
    model_ = new ExportModel(ModelFromMacro(*macro_, ShapeOf(*macro_), TestViews()));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete macro_;
  }
  static const calib::Macro& Macro() { return *macro_; }
  static const ExportModel& Model() { return *model_; }
  static const mac::MacShape& Shape() { return model_->shape; }

  fs::path Export(const ExportFormat& format) {
    const fs::path out = dir_.path() / format.name;
    WriteExport(format, Model(), out);
    return out;
  }
  fs::path Expected(const Document& d) {
    const fs::path p = dir_.path() / "expected.json";
    WriteText(p, d.ToJson());
    return p;
  }

  // Chip instances of one column each, zero weights: only their static errors matter.
  static mac::MacArray Instances(int count, std::uint64_t seed) {
    const std::vector<std::int32_t> w(static_cast<std::size_t>(Shape().rows) * count, 0);
    return mac::MacArray(Shape(), Macro(), w, Shape().rows, count, seed);
  }
  static double DigitTop() { return (1 << Shape().analog_window) - 1; }
  static std::int64_t FullScale() { return static_cast<std::int64_t>(Shape().rows) * DigitTop(); }
  // Op units per ideal fraction of the DAC's full scale.
  static double Units() {
    return Shape().rows * ((1 << Shape().dac_bits) - 1.0) /
           (1 << (Shape().dac_bits - Shape().analog_window));
  }
  // Row digits of count u with every row W = 1, the digits as equal as possible.
  static std::vector<int> EvenDigits(std::int64_t u) {
    const int rows = Shape().rows;
    std::vector<int> digits(static_cast<std::size_t>(rows), static_cast<int>(u / rows));
    for (int r = 0; r < u % rows; ++r) {
      ++digits[static_cast<std::size_t>(r)];
    }
    return digits;
  }
  // Rows with W = 1 at each DAC code.
  static std::vector<std::int64_t> AtCodes(const std::vector<int>& w,
                                           const std::vector<int>& digits) {
    std::vector<std::int64_t> codes(std::size_t{1} << Shape().dac_bits, 0);
    const int shift = Shape().dac_bits - Shape().analog_window;
    for (std::size_t r = 0; r < digits.size(); ++r) {
      if (w[r] != 0) {
        ++codes[static_cast<std::size_t>(digits[r] << shift)];
      }
    }
    return codes;
  }
  static std::int64_t Count(const std::vector<int>& w, const std::vector<int>& digits) {
    std::int64_t u = 0;
    for (std::size_t r = 0; r < digits.size(); ++r) {
      u += w[r] * digits[r];
    }
    return u;
  }
  // A random pattern with the model's default statistics.
  static void RandomPattern(mac::Rng& rng, std::vector<int>& w, std::vector<int>& digits) {
    w.assign(static_cast<std::size_t>(Shape().rows), 0);
    digits.assign(static_cast<std::size_t>(Shape().rows), 0);
    for (int r = 0; r < Shape().rows; ++r) {
      w[static_cast<std::size_t>(r)] = static_cast<int>(rng.Below(2));
      digits[static_cast<std::size_t>(r)] =
          static_cast<int>(rng.Below(1u << Shape().analog_window));
    }
  }
  static Document Ints(const std::vector<int>& v) {
    Document d = Document::MakeArray();
    for (int x : v) {
      d.Push(x);
    }
    return d;
  }
  // The model's noiseless runner.
  static mac::RunOptions Quiet() {
    mac::RunOptions o;
    o.switches.dynamic_noise = false;
    o.switches.static_noise = false;
    return o;
  }

  TempDir dir_;
  static calib::Macro* macro_;
  static ExportModel* model_;
};

calib::Macro* ExportConsumers::macro_ = nullptr;
ExportModel* ExportConsumers::model_ = nullptr;

TEST_F(ExportConsumers, AccelergyAndTimeloopPriceWhatTheModelCounts) {
  const fs::path out = Export(FindExportFormat("accelergy"));
  const mac::MacShape& s = Shape();
  Document workloads = Document::MakeArray();
  struct Workload {
    mac::Mode mode;
    int boundary;
    int length;
    int outputs;
    bool scaled;
  };
  // Partial row and column tiles, feature-map inputs, a fully digital run and OSA-HCIM (its
  // saliency evaluations price the N/Q and OSE components).
  for (const Workload& w : {Workload{mac::Mode::kHcim, 6, s.rows + 50, s.columns + 3, true},
                            Workload{mac::Mode::kHcim, 10, s.rows, s.columns, false},
                            Workload{mac::Mode::kHcim, 0, s.rows, s.columns, false},
                            Workload{mac::Mode::kOsaHcim, 0, 2 * s.rows, s.columns, true}}) {
    const mac::Chips chips =
        mac::Chips::Random(s, Macro(), w.length, w.outputs, 2, 900 + w.boundary);
    mac::RunOptions run;
    run.mode = w.mode;
    run.boundary = w.boundary;
    run.ose.thresholds = {60, 45, 30, 15, 5};
    const mac::SnrResult r = mac::EvaluateSnr(
        chips, run,
        w.scaled ? mac::ScaledInputs(s.activation_bits) : mac::UniformInputs(s.activation_bits),
        mac::EvalOptions{.samples = 16, .seed = 31, .threads = 1});
    const fs::path file =
        dir_.path() / ("counts_" + mac::ModeName(w.mode) + std::to_string(w.boundary) + ".yaml");
    WriteText(file, AccelergyActionCounts(r.counts, Model()));
    workloads.Push(Document()
                       .Set("file", file.string())
                       .Set("model_energy_pj", r.energy.total_j * kJToPj)
                       .Set("model_energy_by_block_pj", Blocks(r.energy)));
  }
  Document runs = Document::MakeArray();
  for (int b : {4, 8, 12}) {
    const mac::Chips chips = mac::Chips::Random(s, Macro(), s.rows, s.columns, 1, 4242 + b);
    mac::RunOptions run;
    run.boundary = b;
    const mac::SnrResult r =
        mac::EvaluateSnr(chips, run, mac::UniformInputs(s.activation_bits),
                         mac::EvalOptions{.samples = 64, .seed = 99, .threads = 1});
    runs.Push(Document()
                  .Set("b_da", b)
                  .Set("macs", r.counts.macs)
                  .Set("model_energy_pj", r.energy.total_j * kJToPj));
  }
  Document expected;
  expected.Set("macro_name", Model().macro_name);
  expected.Set("dac_bits", s.dac_bits);
  expected.Set("workloads", std::move(workloads));
  expected.Set("independent_runs", std::move(runs));
  // The energy per MAC of a fixed B_D/A depends on the data only through the analog codes.
  expected.Set("per_mac_tolerance", 0.03);
  EXPECT_EQ(RunConsumer("accelergy_timeloop.py", {out.string(), Expected(expected).string()}), 0);
}

TEST_F(ExportConsumers, NeuroSimReproducesThePerCountMeanAndSigma) {
  const fs::path out = Export(FindExportFormat("neurosim"));
  const mac::MacArray array = Instances(kModelChips, 2024);
  const mac::MacRunner runner(array, mac::RunOptions{});
  Document patterns = Document::MakeArray();
  const auto add = [&](const std::vector<int>& w, const std::vector<int>& digits, const char* kind,
                       std::uint64_t stream) {
    const auto codes = AtCodes(w, digits);
    mac::Rng noise(mac::StreamSeed(8080, stream));
    std::vector<double> v;
    for (int c = 0; c < array.Outputs(); ++c) {
      v.push_back(array.CodeFraction(runner.ConvertCode(0, c, codes, noise)) * Units());
    }
    double mean = 0.0;
    for (double x : v) {
      mean += x / static_cast<double>(v.size());
    }
    double m2 = 0.0, m4 = 0.0;
    for (double x : v) {
      m2 += (x - mean) * (x - mean) / static_cast<double>(v.size());
      m4 += std::pow(x - mean, 4) / static_cast<double>(v.size());
    }
    patterns.Push(Document()
                      .Set("count", Count(w, digits))
                      .Set("kind", kind)
                      .Set("model_mean", mean)
                      .Set("model_std", std::sqrt(m2))
                      .Set("model_m4", m4));
  };
  const std::vector<int> all(static_cast<std::size_t>(Shape().rows), 1);
  std::uint64_t stream = 0;
  for (std::int64_t u :
       {0, 1, 100, 143, 144, 450, 500, 707, 1000, 1080, 1500, 1796, 2000, 2159, 2160}) {
    add(all, EvenDigits(std::min(u, FullScale())), "even", ++stream);
  }
  mac::Rng rng(555);
  for (int p = 0; p < 12; ++p) {
    std::vector<int> w, digits;
    RandomPattern(rng, w, digits);
    add(w, digits, "random", ++stream);
  }
  Document expected;
  expected.Set("rows", Shape().rows);
  expected.Set("window_bits", Shape().analog_window);
  expected.Set("chips", kModelChips);
  expected.Set("patterns", std::move(patterns));
  EXPECT_EQ(RunConsumer("neurosim.py", {out.string(), Expected(expected).string()}), 0);
}

// The model's per-conversion noise at transition k, op units: a probit fit of the probability
// that the code reaches k around the transition (static errors off, dynamic noise on).
double ModelDynamicSigma(const mac::MacRunner& noisy,
                         const std::vector<int>& noiseless_codes,
                         int k,
                         const std::function<std::vector<std::int64_t>(std::int64_t)>& codes_of) {
  std::int64_t u0 = 0;
  while (u0 < static_cast<std::int64_t>(noiseless_codes.size()) &&
         noiseless_codes[static_cast<std::size_t>(u0)] < k) {
    ++u0;
  }
  mac::Rng noise(mac::StreamSeed(7777, static_cast<std::uint64_t>(k)));
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (std::int64_t u = std::max<std::int64_t>(0, u0 - 25); u <= u0 + 25; ++u) {
    if (u >= static_cast<std::int64_t>(noiseless_codes.size())) {
      break;
    }
    const auto codes = codes_of(u);
    int reached = 0;
    for (int i = 0; i < kProbitConversions; ++i) {
      reached += noisy.ConvertCode(0, 0, codes, noise) >= k ? 1 : 0;
    }
    const double p = static_cast<double>(reached) / kProbitConversions;
    if (p < 0.03 || p > 0.97) {
      continue;
    }
    // Inverse of the standard normal CDF by bisection on erfc.
    double lo = -6.0, hi = 6.0;
    for (int it = 0; it < 80; ++it) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    const double z = 0.5 * (lo + hi);
    const double x = static_cast<double>(u);
    sx += x;
    sy += z;
    sxx += x * x;
    sxy += x * z;
    ++n;
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return 1.0 / slope;
}

TEST_F(ExportConsumers, AihwkitQuantizesAndBoundsAsTheModel) {
  const fs::path out = Export(FindExportFormat("aihwkit"));
  const mac::MacArray array = Instances(1, 31337);
  const mac::MacRunner quiet(array, Quiet());
  mac::Rng unused(0);
  const std::vector<int> all(static_cast<std::size_t>(Shape().rows), 1);
  Document ramp = Document::MakeArray();
  std::vector<int> noiseless;
  for (std::int64_t u = 0; u <= FullScale(); ++u) {
    const std::vector<int> digits = EvenDigits(u);
    const int code = quiet.ConvertCode(0, 0, AtCodes(all, digits), unused);
    noiseless.push_back(code);
    ramp.Push(Document()
                  .Set("w", Ints(all))
                  .Set("digits", Ints(digits))
                  .Set("model_y", array.CodeFraction(code) * Units() / DigitTop()));
  }
  Document random = Document::MakeArray();
  mac::Rng rng(4321);
  for (int p = 0; p < 100; ++p) {
    std::vector<int> w, digits;
    RandomPattern(rng, w, digits);
    const int code = quiet.ConvertCode(0, 0, AtCodes(w, digits), unused);
    random.Push(Document()
                    .Set("w", Ints(w))
                    .Set("digits", Ints(digits))
                    .Set("model_y", array.CodeFraction(code) * Units() / DigitTop()));
  }
  // The model's transitions and LSB from its noiseless ramp; its noise from a probit fit.
  std::vector<double> first_at;
  for (int k = 1; k < (1 << Shape().adc_bits); ++k) {
    first_at.push_back(static_cast<double>(
        std::find_if(noiseless.begin(), noiseless.end(), [&](int c) { return c >= k; }) -
        noiseless.begin()));
  }
  const double lsb_y = (first_at.back() - first_at.front()) / (first_at.size() - 1) / DigitTop();
  mac::RunOptions dynamic_only;
  dynamic_only.switches.static_noise = false;
  const mac::MacRunner noisy(array, dynamic_only);
  double sq = 0.0;
  for (int k = 1; k < (1 << Shape().adc_bits); ++k) {
    const double s = ModelDynamicSigma(noisy, noiseless, k,
                                       [&](std::int64_t u) { return AtCodes(all, EvenDigits(u)); });
    sq += s * s;
  }
  const double sigma_y = std::sqrt(sq / ((1 << Shape().adc_bits) - 1)) / DigitTop();
  Document expected;
  expected.Set("rows", Shape().rows);
  expected.Set("window_bits", Shape().analog_window);
  expected.Set("model_lsb_y", lsb_y);
  expected.Set("model_top_y",
               array.CodeFraction((1 << Shape().adc_bits) - 1) * Units() / DigitTop());
  expected.Set("model_dynamic_sigma_y", sigma_y);
  expected.Set("ramp", std::move(ramp));
  expected.Set("random", std::move(random));
  expected.Set("step_tolerance", 0.05);
  expected.Set("noise_tolerance", 0.12);
  expected.Set("mismatch_limit", Document().Set("ramp", 0.1).Set("random", 0.3));
  EXPECT_EQ(RunConsumer("aihwkit.py", {out.string(), Expected(expected).string()}), 0);
}

TEST_F(ExportConsumers, AsimSplitsEveryBoundaryAsTheModel) {
  const fs::path out = Export(FindExportFormat("asim"));
  const mac::MacShape& s = Shape();
  const std::vector<std::int32_t> weights(static_cast<std::size_t>(s.rows) * s.columns, 0);
  const mac::MacArray one(s, Macro(), weights, s.rows, s.columns, 1);
  Document splits = Document::MakeArray();
  for (int b = 0; b <= mac::MaxBoundary(s); ++b) {
    mac::RunOptions run;
    run.boundary = b;
    const mac::MacRunner runner(one, run);
    int digital = 0, analog = 0, discarded = 0;
    for (int i = 0; i < s.weight_bits; ++i) {
      for (int j = 0; j < s.activation_bits; ++j) {
        switch (runner.DomainOf(b, i, j)) {
          case mac::MacRunner::Domain::kDigital:
            ++digital;
            break;
          case mac::MacRunner::Domain::kAnalog:
            ++analog;
            break;
          case mac::MacRunner::Domain::kDiscarded:
            ++discarded;
            break;
        }
      }
    }
    const mac::SnrResult r = mac::EvaluateSnr(one, run, mac::UniformInputs(s.activation_bits),
                                              mac::EvalOptions{.samples = 2, .seed = 3});
    splits.Push(Document()
                    .Set("b_da", b)
                    .Set("model_digital", digital)
                    .Set("model_analog", analog)
                    .Set("model_discarded", discarded)
                    .Set("model_digital_from_run",
                         r.counts.digital_cycles / (s.columns * r.counts.array_passes)));
  }
  // The model's op error over its default inputs: one random pattern on each chip instance,
  // patterns and instances the export never drew.
  const mac::MacArray array = Instances(kModelChips, 60606);
  const mac::MacRunner runner(array, mac::RunOptions{});
  mac::Rng rng(8642);
  std::vector<double> errors;
  for (int c = 0; c < array.Outputs(); ++c) {
    std::vector<int> w, digits;
    RandomPattern(rng, w, digits);
    errors.push_back(array.CodeFraction(runner.ConvertCode(0, c, AtCodes(w, digits), rng)) *
                         Units() -
                     static_cast<double>(Count(w, digits)));
  }
  double mean = 0.0, m2 = 0.0, m4 = 0.0;
  for (double e : errors) {
    mean += e / static_cast<double>(errors.size());
  }
  for (double e : errors) {
    m2 += (e - mean) * (e - mean) / static_cast<double>(errors.size());
    m4 += std::pow(e - mean, 4) / static_cast<double>(errors.size());
  }
  Document expected;
  expected.Set("rows", s.rows);
  expected.Set("window_bits", s.analog_window);
  expected.Set("reference_b_da", Model().views.reference_boundary);
  expected.Set("splits", std::move(splits));
  expected.Set("model_op_error_sigma", std::sqrt(m2));
  expected.Set("model_op_error_kurtosis", m4 / (m2 * m2));
  expected.Set("model_ops", static_cast<std::int64_t>(errors.size()));
  EXPECT_EQ(RunConsumer("asim.py", {out.string(), Expected(expected).string()}), 0);
}

TEST_F(ExportConsumers, CrossSimLoadsTheFileAndConvertsARampToTheModelsCodes) {
  const fs::path out = Export(FindExportFormat("crosssim"));
  const mac::MacArray array = Instances(1, 2718);
  const mac::MacRunner quiet(array, Quiet());
  mac::Rng unused(0);
  const std::vector<int> all(static_cast<std::size_t>(Shape().rows), 1);
  Document ramp = Document::MakeArray();
  for (std::int64_t u = 0; u <= FullScale(); ++u) {
    ramp.Push(Document()
                  .Set("count", u)
                  .Set("model_code", quiet.ConvertCode(0, 0, AtCodes(all, EvenDigits(u)), unused)));
  }
  Document random = Document::MakeArray();
  mac::Rng rng(1618);
  for (int p = 0; p < 300; ++p) {
    std::vector<int> w, digits;
    RandomPattern(rng, w, digits);
    random.Push(Document()
                    .Set("count", Count(w, digits))
                    .Set("model_code", quiet.ConvertCode(0, 0, AtCodes(w, digits), unused)));
  }
  Document expected;
  expected.Set("rows", Shape().rows);
  expected.Set("window_bits", Shape().analog_window);
  expected.Set("adc_bits", Shape().adc_bits);
  expected.Set("ramp", std::move(ramp));
  expected.Set("random", std::move(random));
  expected.Set("mismatch_limit",
               Document()
                   .Set("SarADC", Document().Set("ramp", 0.3).Set("random", 0.35))
                   .Set("QuantizerADC", Document().Set("ramp", 0.03).Set("random", 0.1)));
  EXPECT_EQ(RunConsumer("crosssim.py", {out.string(), Expected(expected).string()}), 0);
}

// A finished run file with an ADC-like table set (transitions in V, DNL in LSB stored as "1").
fs::path WriteStore(const fs::path& path) {
  const std::vector<lut::Axis> grid = {lut::Axis::Categorical("corner", {"tt", "ff"}),
                                       lut::Axis::Numeric("vdd", "V", {0.6, 1.0}),
                                       lut::Axis::Numeric("temp", "degC", {27.0})};
  lut::RunSpec spec{.grid = grid, .samples_per_point = 2, .columns = {{"x_v", "V"}}};
  lut::Provenance provenance{.recipe_text = "bench = adc\n", .master_seed = 5};
  auto writer = lut::RunWriter::Create(path, spec, provenance);
  for (std::uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    for (std::uint64_t s = 0; s < 2; ++s) {
      writer->Append({.grid_point = g, .sample = s, .values = {0.1 * g + 0.01 * s}});
    }
  }
  const auto table = [&](const std::string& q, const std::string& units, lut::Axis bench,
                         double scale) {
    std::vector<lut::Axis> axes = grid;
    axes.push_back(bench);
    std::vector<double> v;
    for (std::size_t i = 0; i < 2 * 2 * bench.size(); ++i) {
      v.push_back(scale * (1.0 + static_cast<double>(i)));
    }
    return lut::Table(q, units, axes, v);
  };
  writer->Finalize(
      {{lut::Statistic::kMean,
        table("adc/transition_v", "V", lut::Axis::Numeric("code", "1", {1, 2, 3}), 0.01)},
       {lut::Statistic::kMean,
        table("adc/dnl_lsb", "1", lut::Axis::Numeric("inner_code", "1", {1, 2}), 0.003)}});
  return path;
}

TEST_F(ExportConsumers, TablesCarryTheirGridUnitsAndProvenance) {
  const fs::path file = WriteStore(dir_.path() / "adc.h5");
  calib::Macro macro = SyntheticMacro();
  macro.sources = {{.role = "adc",
                    .file = file,
                    .sha256 = lut::Sha256File(file),
                    .recipe_text = "bench = adc\n",
                    .master_seed = 5,
                    .samples_per_point = 2,
                    .ngspice_version = "ngspice-39",
                    .cimchar_version = "0.1.0",
                    .cimchar_commit = "89abcdef0123456789abcdef0123456789abcdef",
                    .created_utc = "2026-01-01T00:00:00Z"}};
  ExportModel model;
  model.provenance = ProvenanceOf(macro);
  model.tables = TablesOfMacro(macro);
  Document tables = Document::MakeArray();
  for (const auto& t : model.tables) {
    const std::string want = t.quantity.rfind("adc/dnl_lsb", 0) == 0 ? "LSB" : "V";
    tables.Push(Document()
                    .Set("quantity", t.quantity)
                    .Set("units", want)
                    .Set("data", Document::Reals(t.data)));
  }
  Document expected;
  expected.Set("file", file.string());
  expected.Set("cimchar_commit", macro.sources[0].cimchar_commit);
  expected.Set("grid", Document()
                           .Set("corner", Document::MakeArray().Push("ff").Push("tt"))
                           .Set("vdd_v", Document::Reals({0.6, 1.0}))
                           .Set("temp_c", Document::Reals({27.0})));
  expected.Set("tables", std::move(tables));
  const fs::path exp = Expected(expected);
  for (const ExportFormat* f : {&FindExportFormat("csv"), &FindExportFormat("json")}) {
    const fs::path out = dir_.path() / f->name;
    WriteExport(*f, model, out);
    EXPECT_EQ(RunConsumer("tables.py", {f->name, out.string(), exp.string()}), 0);
  }
}

}  // namespace
}  // namespace cimchar::exporters
