// Speed of the whole-column transient (characterization/column.ini: 144 HCIMA units, one DAC per
// row, A_MULT, the line and the SAR ADC; one die, one batch of 8 vectors of uniform operands at
// 1.0 V) under four settings, all on the same die's mismatch:
//   shipped   the ADC converts in a second run of its own on the recorded line
//             (column.adc_run = separate); the project's card (no body/gate resistor networks),
//             bypass, the deck's gear reltol, the recipe's step cap (column.t_max_step)
//   joint     the ADC converts in the column's circuit (column.adc_run = joint), as shipped
//             otherwise
//   reference joint, the project's card, no bypass, gear reltol 1e-5, steps of at most 20 ps
//   before    joint, the published card (rbodymod = rgatemod = 1), no bypass, trapezoidal reltol
//             1e-3, steps of at most 20 ps (the settings characterization used before the speed
//             work)
// Prints seconds of ngspice analysis per vector for each (both runs for shipped), the ratios
// before/shipped and joint/shipped, and whether the shipped run's codes equal the reference's
// (and the joint run's) and by how much its line voltages differ from the reference's.
//
// Usage: column_bench [--rows N] [--vdd V] [--max-step S] [--reltol R]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "characterize/bench.h"
#include "characterize/benches/chain.h"
#include "characterize/recipe.h"
#include "core/paths.h"
#include "netlist/devices.h"
#include "spice/ngspice_session.h"
#include "variation/mismatch.h"

namespace {

namespace fs = std::filesystem;
namespace ch = cimchar::characterize;
using Clock = std::chrono::steady_clock;

struct Outcome {
  double seconds_per_vector = 0.0;
  std::vector<double> codes;
  std::vector<double> lines;
};

// Runs the deck (and, for a bench that converts in a second run, that run on the same die) and
// measures it; seconds per vector count both runs' ngspice analysis time.
Outcome Run(const ch::Bench& bench,
            const ch::Recipe& recipe,
            const ch::GridPoint& point,
            const std::string& deck,
            const std::vector<std::string>& commands) {
  // libngspice allows one session per process: every setting runs in the same one.
  static cimchar::spice::NgspiceSession session;
  const auto run = [](cimchar::spice::Job job, double& seconds) {
    job.timeout_s = 7200.0;
    const auto t0 = Clock::now();
    cimchar::spice::RunResult r = session.Run(job);
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r.ok()) {
      std::fprintf(stderr, "column_bench: run failed: %s\n", r.message.c_str());
      std::exit(1);
    }
    seconds += r.analysis_s > 0.0 ? r.analysis_s : wall;
    return r;
  };
  double seconds = 0.0;
  const cimchar::spice::RunResult first =
      run({.deck = deck, .commands = commands, .vectors = bench.Vectors(point)}, seconds);
  std::vector<double> values;
  if (const auto second = bench.FollowUp(point, first)) {
    // The same die: the second deck's devices get their mismatch by name, as in a run.
    std::vector<std::string> c = {"option bypass=1"};
    for (auto& a : cimchar::variation::AlterCommands(cimchar::variation::DrawMismatch(
             cimchar::netlist::EnumerateDevices(second->deck), recipe.mismatch, recipe.seed, 0))) {
      c.push_back(std::move(a));
    }
    c.insert(c.end(), second->analysis.begin(), second->analysis.end());
    values = bench.MeasureRuns(
        point, first,
        run({.deck = second->deck, .commands = c, .vectors = second->vectors}, seconds));
  } else {
    values = bench.Measure(point, first);
  }
  Outcome o;
  const std::size_t n = values.size() / 2;
  o.codes.assign(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n));
  o.lines.assign(values.begin() + static_cast<std::ptrdiff_t>(n), values.end());
  o.seconds_per_vector = seconds / static_cast<double>(n);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::string rows = "144";
  std::string vdd = "1.0";
  std::string shipped_reltol;
  std::map<std::string, std::string> overrides = {{"samples", "1"}};
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    const bool has_value = i + 1 < argc;
    if (has_value && k == "--rows") {
      rows = argv[i + 1];
    } else if (has_value && k == "--vdd") {
      vdd = argv[i + 1];
    } else if (has_value && k == "--reltol") {
      shipped_reltol = argv[i + 1];  // the shipped run's reltol instead of the deck's, to explore
    } else if (has_value && k == "--max-step") {
      overrides["column.t_max_step"] = argv[i + 1];  // the shipped run's step cap, to explore
    } else {
      std::fprintf(stderr,
                   "usage: column_bench [--rows N] [--vdd V] [--max-step S] [--reltol R]\n");
      return 2;
    }
  }
  overrides["column.rows"] = rows;
  overrides["vdd"] = vdd;
  // Eight vectors of uniform operands (per row W ~ Bernoulli(1/2), a uniform DAC code).
  std::vector<ch::benches::ColumnVector> vectors;
  for (int k = 0; k < 8; ++k) {
    vectors.push_back(ch::benches::ColumnVectors(1, 1, k, std::stoi(rows), 4));
  }
  overrides["column.ops"] = ch::benches::EncodeColumnVectors(vectors);
  const ch::Recipe recipe =
      ch::LoadRecipe(cimchar::core::RecipesDir() / "column.ini", "quick", overrides);
  overrides["column.adc_run"] = "joint";
  const ch::Recipe joint_recipe =
      ch::LoadRecipe(cimchar::core::RecipesDir() / "column.ini", "quick", overrides);
  const auto bench = ch::MakeBench(recipe);        // as shipped: the ADC in a second run
  const auto joint = ch::MakeBench(joint_recipe);  // the ADC in the column's circuit
  const auto grid = ch::MakeGrid(recipe, bench->Axes());
  const ch::GridPoint& point = grid.front();
  std::vector<fs::path> inputs;
  const std::string deck = bench->Deck(point, inputs);
  const std::string joint_deck = joint->Deck(point, inputs);
  // One die: the joint deck has every device of the shipped one (same names, same mismatch).
  const std::vector<std::string> alters =
      cimchar::variation::AlterCommands(cimchar::variation::DrawMismatch(
          cimchar::netlist::EnumerateDevices(joint_deck), recipe.mismatch, recipe.seed, 0));
  const std::vector<std::string> analysis = bench->Analysis(point);

  // The published card: the project's with the body and gate resistor networks back on.
  const fs::path dir = fs::temp_directory_path() / "cimchar_column_bench";
  fs::create_directories(dir);
  const fs::path card = cimchar::core::NetlistsDir() / "models" / "ptm65.lib";
  {
    std::ifstream in(card);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = std::regex_replace(text, std::regex("rbodymod= 0            rgatemod= 0"),
                              "rbodymod= 1            rgatemod= 1");
    std::ofstream(dir / "ptm65.lib") << text;
  }
  // The deck's integration line, replaced by each variant's.
  const std::string options = [&] {
    std::smatch m;
    if (!std::regex_search(deck, m, std::regex(R"(\.options method=gear reltol=[0-9.eE+-]+)"))) {
      std::fprintf(stderr, "column_bench: the deck has no '.options method=gear reltol=' line\n");
      std::exit(1);
    }
    return m.str();
  }();
  const auto variant = [&](std::string d, bool published_card, const std::string& opts) {
    if (published_card) {
      d = std::regex_replace(d, std::regex(card.string()), (dir / "ptm65.lib").string());
    }
    const auto at = d.find(options);
    if (at == std::string::npos) {
      std::fprintf(stderr, "column_bench: the deck has no '%s' line\n", options.c_str());
      std::exit(1);
    }
    return d.replace(at, options.size(), opts);
  };
  // Shipped settings take the bench's analysis (its step cap, column.t_max_step); the others
  // step at most 20 ps, as characterization did before the speed work.
  const auto commands = [&](bool shipped) {
    std::vector<std::string> c;
    if (shipped) {
      c.push_back("option bypass=1");
    }
    c.insert(c.end(), alters.begin(), alters.end());
    for (const std::string& a : analysis) {
      c.push_back(shipped ? a : std::regex_replace(a, std::regex(" 0 [^ ]+ uic$"), " uic"));
    }
    return c;
  };
  const std::string shipped_options =
      shipped_reltol.empty() ? options : ".options method=gear reltol=" + shipped_reltol;
  std::printf("whole column, %s rows, %s V, one die, 8 vectors (characterization/column.ini)\n",
              rows.c_str(), vdd.c_str());
  const Outcome shipped =
      Run(*bench, recipe, point, variant(deck, false, shipped_options), commands(true));
  std::printf(
      "shipped   (ADC in a second run; project card, bypass, %s, step cap): %8.2f s per vector\n",
      shipped_options.c_str(), shipped.seconds_per_vector);
  const Outcome together =
      Run(*joint, recipe, point, variant(joint_deck, false, shipped_options), commands(true));
  std::printf(
      "joint     (ADC in the column's circuit, otherwise as shipped):       %8.2f s per vector\n",
      together.seconds_per_vector);
  const Outcome reference =
      Run(*joint, recipe, point, variant(joint_deck, false, ".options method=gear reltol=1e-5"),
          commands(false));
  std::printf(
      "reference (joint, project card, gear reltol 1e-5, 20 ps):             %8.2f s per vector\n",
      reference.seconds_per_vector);
  const Outcome before =
      Run(*joint, recipe, point, variant(joint_deck, true, "* trapezoidal, reltol 1e-3"),
          commands(false));
  std::printf(
      "before    (joint, published card, trap reltol 1e-3, 20 ps):           %8.2f s per vector\n",
      before.seconds_per_vector);
  std::printf("speed-up before / shipped: %.2fx; joint / shipped (the second run alone): %.2fx\n",
              before.seconds_per_vector / shipped.seconds_per_vector,
              together.seconds_per_vector / shipped.seconds_per_vector);
  int same = 0, same_joint = 0;
  double worst = 0.0;
  for (std::size_t k = 0; k < shipped.codes.size(); ++k) {
    same += shipped.codes[k] == reference.codes[k] ? 1 : 0;
    same_joint += shipped.codes[k] == together.codes[k] ? 1 : 0;
    worst = std::max(worst, std::abs(shipped.lines[k] - reference.lines[k]));
    std::printf(
        "  vector %zu: code shipped %g joint %g reference %g before %g; line %.3f / %.3f / %.3f / "
        "%.3f mV\n",
        k, shipped.codes[k], together.codes[k], reference.codes[k], before.codes[k],
        shipped.lines[k] * 1e3, together.lines[k] * 1e3, reference.lines[k] * 1e3,
        before.lines[k] * 1e3);
  }
  std::printf(
      "shipped vs reference: %d / %zu codes identical, largest line difference %.3f mV "
      "(target: all identical, within 1 mV); shipped vs joint: %d / %zu codes identical\n",
      same, shipped.codes.size(), worst * 1e3, same_joint, shipped.codes.size());
  return 0;
}
