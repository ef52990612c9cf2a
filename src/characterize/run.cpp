#include "characterize/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/paths.h"
#include "lut/reduce.h"
#include "lut/store.h"
#include "netlist/devices.h"
#include "spice/ngspice_session.h"
#include "variation/mismatch.h"

namespace cimchar::characterize {
namespace fs = std::filesystem;

namespace {

// The relaxed-option ladder for samples that did not converge: each retry adds one rung.
const std::vector<std::vector<std::string>> kRelaxLadder = {
    {"option method=gear"},
    {"option method=gear", "option reltol=0.003", "option itl4=100", "option gmin=1e-11"},
};

// A deck of the grid, with its devices for mismatch injection.
struct DeckInfo {
  std::string text;
  std::vector<netlist::Device> devices;
};

std::string FirstLine(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

lut::RunSpec MakeSpec(const Recipe& recipe, const Bench& bench) {
  lut::RunSpec spec;
  spec.grid.push_back(lut::Axis::Categorical("corner", recipe.corners));
  spec.grid.push_back(lut::Axis::Numeric("vdd", "V", recipe.vdd_v));
  spec.grid.push_back(lut::Axis::Numeric("temp", "degC", recipe.temp_c));
  for (const auto& a : bench.Axes()) {
    spec.grid.push_back(lut::Axis::Numeric(a.name, a.units, a.values));
  }
  spec.samples_per_point = static_cast<std::uint64_t>(recipe.samples);
  spec.columns = bench.Columns();
  spec.Validate();
  return spec;
}

// Writes `deck` as a file ngspice runs on its own: sample 0's mismatch, the analysis and a
// raw-file write in a .control block before `.end`.
void WriteStandaloneDeck(const fs::path& dir,
                         const Bench& bench,
                         const GridPoint& p,
                         const DeckInfo& deck,
                         const Recipe& recipe) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string stem = bench.Name() + "_" + std::to_string(p.index);
  std::string control = ".control\n";
  for (const auto& c : OptionCommands(recipe)) {
    control += c + "\n";
  }
  for (const auto& c : variation::AlterCommands(
           variation::DrawMismatch(deck.devices, recipe.mismatch, recipe.seed, 0))) {
    control += c + "\n";
  }
  for (const auto& c : bench.Analysis(p)) {
    control += c + "\n";
  }
  control += "write " + stem + ".raw\n.endc\n";
  std::string text = deck.text;
  const std::size_t end = text.rfind(".end");
  text.insert(end == std::string::npos ? text.size() : end, control);
  const fs::path file = dir / (stem + ".cir");
  std::ofstream out(file);
  out << text;
  if (!out) {
    throw Error("cannot write the deck " + file.string());
  }
}

}  // namespace

std::vector<lut::QuantityTable> RunTables(const Recipe& recipe,
                                          const Bench& bench,
                                          const lut::RunSpec& spec,
                                          const std::vector<lut::Record>& records) {
  const std::vector<GridPoint> grid = MakeGrid(recipe, bench.Axes());
  std::vector<lut::QuantityTable> tables;
  const std::vector<Column> columns = bench.Columns();
  std::vector<std::vector<double>> dyn(grid.size());
  for (const auto& p : grid) {
    dyn[p.index] = bench.DynamicSigma(p);
  }
  for (const auto& q : bench.Quantities()) {
    lut::Reduction red = lut::ReduceSamples(spec, records, q);
    // Dynamic σ over the same axes as the mean, when the bench states one for these columns.
    std::vector<std::size_t> col_index;
    for (const auto& name : q.columns) {
      auto it = std::find_if(columns.begin(), columns.end(),
                             [&](const Column& c) { return c.name == name; });
      col_index.push_back(static_cast<std::size_t>(it - columns.begin()));
    }
    std::vector<double> dyn_values;
    bool any_dynamic = false;
    for (const auto& p : grid) {
      for (std::size_t c : col_index) {
        const double v = dyn[p.index].at(c);
        any_dynamic = any_dynamic || std::isfinite(v);
        dyn_values.push_back(v);
      }
    }
    tables.push_back({lut::Statistic::kMean, std::move(red.mean)});
    tables.push_back({lut::Statistic::kStaticSigma, std::move(red.static_sigma)});
    if (any_dynamic) {
      const lut::Table& like = tables.back().table;
      tables.push_back(
          {lut::Statistic::kDynamicSigma,
           lut::Table(like.quantity(), like.units(), like.axes(), std::move(dyn_values),
                      /*missing_allowed=*/true)});
    }
  }
  return tables;
}

namespace {

// The effective recipe, the bench's resolved parameters (the circuit the tables describe, read
// by src/calib), its notes (what the circuits are, what stays composed) and how the dynamic noise
// was obtained; the last line stays last (a merge checks it).
std::string ProvenanceRecipeText(const Recipe& recipe, const Bench& bench) {
  std::string text = RecipeText(recipe);
  for (const auto& [key, value] : bench.Parameters()) {
    text += "# resolved: " + key + " = " + value + "\n";
  }
  for (const auto& note : bench.ProvenanceNotes()) {
    text += "# note: " + note + "\n";
  }
  return text + "# dynamic noise: " + bench.DynamicNoiseMethod() + "\n";
}

// One characterization sample: the grid point's deck with the sample's mismatch, retried on the
// relaxed-option ladder while it does not converge, measured by the bench.
class CharacterizeTask final : public distribute::SampleTask {
 public:
  CharacterizeTask(const Recipe& recipe,
                   const Bench& bench,
                   const std::vector<GridPoint>& grid,
                   const std::vector<DeckInfo>& decks,
                   const std::vector<std::size_t>& deck_of,
                   const lut::RunSpec& spec)
      : recipe_(recipe),
        bench_(bench),
        grid_(grid),
        decks_(decks),
        deck_of_(deck_of),
        spec_(spec) {}

  std::vector<spice::Job> Begin(const lut::SampleKey& key) override { return {MakeJob(key, 0)}; }

  distribute::Step Continue(const lut::SampleKey& key,
                            int round,
                            std::vector<spice::RunResult>&& results) override {
    spice::RunResult& result = results.at(0);
    const GridPoint& p = grid_[key.grid_point];
    distribute::Step step;
    // The second run of a two-run sample: measure both.
    if (auto pending = first_runs_.find(key); pending != first_runs_.end()) {
      const spice::RunResult first = std::move(pending->second);
      first_runs_.erase(pending);
      step.record =
          Finish(key, result, "second run", [&] { return bench_.MeasureRuns(p, first, result); });
      return step;
    }
    const auto attempt = static_cast<std::size_t>(round);
    if (result.outcome == spice::Outcome::kNoConvergence && attempt < kRelaxLadder.size()) {
      step.jobs.push_back(MakeJob(key, attempt + 1));
      step.retry = true;
      return step;
    }
    std::optional<Bench::Run> second;
    if (result.ok()) {
      try {
        second = bench_.FollowUp(p, result);
      } catch (const Error& e) {
        step.record = Failed(key, std::string("second run: ") + e.what());
        return step;
      }
    }
    if (second) {
      step.jobs.push_back(MakeSecondJob(key, *second));
      first_runs_.emplace(key, std::move(result));
      return step;
    }
    step.record = Finish(key, result, "", [&] { return bench_.Measure(p, result); });
    return step;
  }

  std::vector<lut::QuantityTable> Tables(const std::vector<lut::Record>& records) const override {
    return RunTables(recipe_, bench_, spec_, records);
  }

 private:
  static lut::Record Failed(const lut::SampleKey& key, std::string reason) {
    lut::Record rec;
    rec.grid_point = key.grid_point;
    rec.sample = key.sample;
    rec.status = lut::SampleStatus::kFailed;
    rec.reason = std::move(reason);
    return rec;
  }

  // The sample's record from its last run: the measured values, or failed with the reason
  // (`stage` names a second run in it).
  template <typename MeasureFn>
  static lut::Record Finish(const lut::SampleKey& key,
                            const spice::RunResult& result,
                            const std::string& stage,
                            MeasureFn measure) {
    const std::string prefix = stage.empty() ? "" : stage + ": ";
    if (!result.ok()) {
      return Failed(key, prefix + spice::OutcomeName(result.outcome) + ": " +
                             FirstLine(result.message.empty() ? "(no message)" : result.message));
    }
    lut::Record rec;
    rec.grid_point = key.grid_point;
    rec.sample = key.sample;
    try {
      rec.values = measure();
      for (double v : rec.values) {
        if (!std::isfinite(v)) {
          throw Error("a measurement is not finite");
        }
      }
    } catch (const Error& e) {
      return Failed(key, prefix + "measure: " + e.what());
    }
    return rec;
  }

  // The grid point's deck with the sample's mismatch, on the relaxed-option rung `attempt`.
  spice::Job MakeJob(const lut::SampleKey& key, std::size_t attempt) const {
    const GridPoint& p = grid_[key.grid_point];
    const DeckInfo& deck = decks_[deck_of_[p.index]];
    spice::Job job;
    job.deck = deck.text;
    job.reuse_circuit = true;  // every job on a deck alters the same parameters
    job.timeout_s = recipe_.timeout_s;
    job.commands = MismatchedOptions(deck.devices, key);
    if (attempt > 0) {
      // A retry gets its own deck text, so the options it sets never stay loaded for the next
      // sample that reuses the plain deck on this worker.
      const auto& rung = kRelaxLadder[attempt - 1];
      job.deck.insert(job.deck.find('\n') + 1,
                      "* relaxed options, rung " + std::to_string(attempt) + "\n");
      job.commands.insert(job.commands.end(), rung.begin(), rung.end());
    }
    for (auto& c : bench_.Analysis(p)) {
      job.commands.push_back(std::move(c));
    }
    job.vectors = bench_.Vectors(p);
    return job;
  }

  // A second run: its own deck (built from the first run's waveforms), the same die.
  spice::Job MakeSecondJob(const lut::SampleKey& key, const Bench::Run& run) const {
    spice::Job job;
    job.deck = run.deck;
    job.timeout_s = recipe_.timeout_s;
    job.commands = MismatchedOptions(netlist::EnumerateDevices(run.deck), key);
    job.commands.insert(job.commands.end(), run.analysis.begin(), run.analysis.end());
    job.vectors = run.vectors;
    return job;
  }

  // The recipe's ngspice options, then the sample's mismatch of `devices`.
  std::vector<std::string> MismatchedOptions(const std::vector<netlist::Device>& devices,
                                             const lut::SampleKey& key) const {
    std::vector<std::string> commands = OptionCommands(recipe_);
    for (auto& c : variation::AlterCommands(
             variation::DrawMismatch(devices, recipe_.mismatch, recipe_.seed, key.sample))) {
      commands.push_back(std::move(c));
    }
    return commands;
  }

  const Recipe& recipe_;
  const Bench& bench_;
  const std::vector<GridPoint>& grid_;
  const std::vector<DeckInfo>& decks_;
  const std::vector<std::size_t>& deck_of_;
  const lut::RunSpec& spec_;
  // First runs of two-run samples whose second run is under way.
  std::map<lut::SampleKey, spice::RunResult> first_runs_;
};

}  // namespace

RunSummary RunCharacterization(const Recipe& recipe, const RunOptions& options) {
  std::shared_ptr<const Bench> bench = options.bench;
  if (!bench) {
    bench = MakeBench(recipe);
  }
  const std::vector<GridPoint> grid = MakeGrid(recipe, bench->Axes());
  lut::RunSpec spec = MakeSpec(recipe, *bench);
  spec.shard = options.shard;
  spec.Validate();

  // Render every grid point's deck once; identical decks share one entry.
  std::vector<fs::path> inputs;
  std::vector<std::size_t> deck_of(grid.size());
  std::vector<DeckInfo> decks;
  std::map<std::string, std::size_t> deck_index;
  for (const auto& p : grid) {
    std::string text = bench->Deck(p, inputs);
    auto [it, inserted] = deck_index.emplace(text, decks.size());
    if (inserted) {
      decks.push_back({text, netlist::EnumerateDevices(text)});
    }
    deck_of[p.index] = it->second;
    if (inserted && !options.decks_dir.empty()) {
      WriteStandaloneDeck(options.decks_dir, *bench, p, decks.back(), recipe);
    }
  }

  lut::Provenance prov;
  prov.recipe_text = ProvenanceRecipeText(recipe, *bench);
  prov.master_seed = recipe.seed;
  std::sort(inputs.begin(), inputs.end());
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
  for (const auto& f : inputs) {
    prov.input_sha256[core::ProvenancePath(f)] = lut::Sha256File(f);
  }
  prov.ngspice_version = spice::NgspiceVersion();
  prov.producer = kProducer;

  CharacterizeTask task(recipe, *bench, grid, decks, deck_of, spec);
  distribute::RunOptions run;
  run.out = options.out;
  run.resume = options.resume;
  run.jobs = options.jobs;
  run.engine = options.engine;
  run.progress = options.progress;
  run.label = "characterize " + recipe.bench +
              (spec.shard.whole() ? std::string() : " (shard " + spec.shard.Name() + ")");
  run.snapshot_every_s = options.snapshot_every_s;
  run.interrupted_message = options.interrupted_message;
  return distribute::RunSamples(spec, prov, task, run);
}

std::vector<lut::QuantityTable> TablesOfRun(const lut::RunSpec& spec,
                                            const lut::Provenance& provenance,
                                            const std::vector<lut::Record>& records) {
  const Recipe recipe = RecipeFromText(provenance.recipe_text, "the run's recipe");
  const std::unique_ptr<Bench> bench = MakeBench(recipe);
  lut::RunSpec rebuilt = MakeSpec(recipe, *bench);
  rebuilt.shard = spec.shard;
  if (!(rebuilt == spec) ||
      !provenance.recipe_text.ends_with("# dynamic noise: " + bench->DynamicNoiseMethod() + "\n")) {
    throw Error("the recipe stored with the run does not rebuild the run with this cimchar's '" +
                recipe.bench + "' bench; merge with the cimchar that wrote the shards");
  }
  return RunTables(recipe, *bench, spec, records);
}

}  // namespace cimchar::characterize
