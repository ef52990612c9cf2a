#include "characterize/run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <limits>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/progress.h"
#include "lut/store.h"
#include "netlist/devices.h"
#include "spice/ngspice_session.h"
#include "variation/mismatch.h"

namespace cimchar::characterize {
namespace fs = std::filesystem;

namespace {

std::atomic<int> g_stop_signal{0};

extern "C" void OnStopSignal(int sig) { g_stop_signal.store(sig); }

// Installs SIGINT/SIGTERM handlers for the scope of a run and restores the old ones.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  bool stopped() const { return g_stop_signal.load() != 0; }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct Interrupted {};

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

RunSummary RunCharacterization(const Recipe& recipe, const RunOptions& options) {
  if (options.jobs < 1) {
    throw UsageError("--jobs must be >= 1 (got " + std::to_string(options.jobs) + ")");
  }
  if (options.out.empty()) {
    throw UsageError("no output file given (--out F.h5)");
  }
  const auto t0 = std::chrono::steady_clock::now();
  // Fork the workers before anything else touches threads or ngspice.
  spice::PoolOptions pool_options;
  pool_options.workers = options.jobs;
  std::unique_ptr<spice::WorkerPool> pool =
      options.engine ? std::make_unique<spice::WorkerPool>(pool_options, options.engine)
                     : std::make_unique<spice::WorkerPool>(pool_options);

  std::shared_ptr<const Bench> bench = options.bench;
  if (!bench) {
    bench = MakeBench(recipe);
  }
  const std::vector<GridPoint> grid = MakeGrid(recipe, bench->Axes());
  const lut::RunSpec spec = MakeSpec(recipe, *bench);

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
  prov.recipe_text = RecipeText(recipe) + "# dynamic noise: " + bench->DynamicNoiseMethod() + "\n";
  for (const auto& note : bench->ProvenanceNotes()) {
    prov.recipe_text += "# note: " + note + "\n";
  }
  prov.master_seed = recipe.seed;
  std::sort(inputs.begin(), inputs.end());
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
  for (const auto& f : inputs) {
    prov.input_sha256[f.string()] = lut::Sha256File(f);
  }
  prov.ngspice_version = spice::NgspiceVersion();

  lut::WriterOptions wopts;
  wopts.snapshot_every_s = options.snapshot_every_s;
  std::unique_ptr<lut::RunWriter> writer =
      options.resume ? lut::RunWriter::Resume(options.out, spec, prov, wopts)
                     : lut::RunWriter::Create(options.out, spec, prov, wopts);

  RunSummary summary;
  summary.grid_points = grid.size();
  summary.samples_total = writer->total_count();
  summary.samples_resumed = writer->done_count();

  struct Pending {
    lut::SampleKey key;
    std::size_t attempt = 0;  // rungs of the relax ladder applied
  };
  std::vector<Pending> queue;
  for (const auto& k : writer->Pending()) {
    queue.push_back({k, 0});
  }

  StopSignals signals;
  core::Progress progress("characterize " + recipe.bench, writer->total_count(),
                          writer->done_count(), options.progress ? stderr : nullptr);

  // Jobs are built and run in chunks so memory stays bounded on large sweeps.
  const std::size_t chunk = std::max<std::size_t>(64, 32 * static_cast<std::size_t>(options.jobs));
  try {
    while (!queue.empty()) {
      std::vector<Pending> batch;
      const std::size_t n = std::min(chunk, queue.size());
      batch.assign(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
      queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));

      std::vector<spice::Job> jobs;
      jobs.reserve(batch.size());
      for (const auto& item : batch) {
        const GridPoint& p = grid[item.key.grid_point];
        const DeckInfo& deck = decks[deck_of[p.index]];
        spice::Job job;
        job.deck = deck.text;
        job.reuse_circuit = true;  // every job on a deck alters the same parameters
        job.timeout_s = recipe.timeout_s;
        job.commands = variation::AlterCommands(
            variation::DrawMismatch(deck.devices, recipe.mismatch, recipe.seed, item.key.sample));
        if (item.attempt > 0) {
          // A retry gets its own deck text, so the options it sets never stay loaded for the
          // next sample that reuses the plain deck on this worker.
          const auto& rung = kRelaxLadder[item.attempt - 1];
          job.deck.insert(job.deck.find('\n') + 1,
                          "* relaxed options, rung " + std::to_string(item.attempt) + "\n");
          job.commands.insert(job.commands.end(), rung.begin(), rung.end());
        }
        for (auto& c : bench->Analysis(p)) {
          job.commands.push_back(std::move(c));
        }
        job.vectors = bench->Vectors(p);
        jobs.push_back(std::move(job));
      }

      pool->RunAll(jobs, [&](std::size_t i, spice::RunResult&& result) {
        const Pending& item = batch[i];
        const GridPoint& p = grid[item.key.grid_point];
        summary.analysis_s += result.analysis_s;
        if (signals.stopped() && result.outcome == spice::Outcome::kFatal) {
          throw Interrupted{};  // the worker died of the same Ctrl-C: rerun on resume
        }
        if (result.outcome == spice::Outcome::kNoConvergence &&
            item.attempt < kRelaxLadder.size()) {
          queue.push_back({item.key, item.attempt + 1});
          ++summary.retried;
          return;
        }
        lut::Record rec;
        rec.grid_point = item.key.grid_point;
        rec.sample = item.key.sample;
        if (result.ok()) {
          try {
            rec.values = bench->Measure(p, result);
            for (double v : rec.values) {
              if (!std::isfinite(v)) {
                throw Error("a measurement is not finite");
              }
            }
          } catch (const Error& e) {
            rec.status = lut::SampleStatus::kFailed;
            rec.values.clear();
            rec.reason = std::string("measure: ") + e.what();
          }
        } else {
          rec.status = lut::SampleStatus::kFailed;
          rec.reason = std::string(spice::OutcomeName(result.outcome)) + ": " +
                       FirstLine(result.message.empty() ? "(no message)" : result.message);
        }
        const bool failed = rec.status == lut::SampleStatus::kFailed;
        if (failed) {
          ++summary.failed;
          ++summary.failures_by_reason[rec.reason.substr(0, rec.reason.find(':'))];
        }
        writer->Append(std::move(rec));
        ++summary.samples_run;
        progress.Step(failed);
        if (signals.stopped()) {
          throw Interrupted{};
        }
      });
      if (signals.stopped()) {
        throw Interrupted{};
      }
    }
  } catch (const Interrupted&) {
    summary.interrupted = true;
    progress.Finish();
    writer->Snapshot();
    summary.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return summary;
  }
  progress.Finish();

  // Distil the tables: mean and static σ across samples, dynamic σ from the bench.
  const std::vector<lut::Record> records = writer->Records();
  std::vector<lut::QuantityTable> tables;
  const std::vector<Column> columns = bench->Columns();
  std::vector<std::vector<double>> dyn(grid.size());
  for (const auto& p : grid) {
    dyn[p.index] = bench->DynamicSigma(p);
  }
  for (const auto& q : bench->Quantities()) {
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
  writer->Finalize(tables);
  summary.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace cimchar::characterize
