#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "characterize/recipe.h"
#include "lut/reduce.h"
#include "spice/engine.h"

namespace cimchar::characterize {

// One axis a bench adds to the recipe's corner × vdd × temp grid (e.g. DAC code).
struct BenchAxis {
  std::string name;
  std::string units;
  std::vector<double> values;
};

// One value measured per Monte Carlo sample (a column of the raw records).
using Column = lut::Column;

// A point of the full grid: corner, supply, temperature and the bench's own axes.
struct GridPoint {
  std::size_t index = 0;  // row-major over (corner, vdd, temp, bench axes...)
  std::string corner;
  double vdd_v = 0;
  double temp_c = 0;
  std::vector<double> block;  // one value per BenchAxis, in Axes() order
};

// What a bench driver does for the characterization run: render the deck of a grid point, name
// the analysis and the vectors to copy out, and turn one sample's waveforms into column
// values. Mismatch is applied by the runner (alter commands before the analysis), so a deck
// is the same for every sample of a grid point. Implementations are immutable after
// construction and thread-safe.
class Bench {
 public:
  virtual ~Bench() = default;

  virtual std::vector<BenchAxis> Axes() const = 0;
  virtual std::vector<Column> Columns() const = 0;
  // The rendered deck (title line first, `.end` last) for a grid point. Appends the files it
  // was rendered from (template, includes, model library) to `inputs` for provenance.
  virtual std::string Deck(const GridPoint& point,
                           std::vector<std::filesystem::path>& inputs) const = 0;
  // ngspice commands run after the mismatch alters, e.g. {"tran 1e-11 2e-8"}.
  virtual std::vector<std::string> Analysis(const GridPoint& point) const = 0;
  virtual std::vector<std::string> Vectors(const GridPoint& point) const = 0;
  // Column values (Columns() order) from one finished run. Throws cimchar::Error with the
  // reason when the waveforms cannot be measured (recorded as a failed sample).
  virtual std::vector<double> Measure(const GridPoint& point,
                                      const spice::RunResult& run) const = 0;
  // A sample of a bench whose circuit splits in time runs twice: FollowUp builds the second
  // run from the first's waveforms (the column: the SAR ADC converts, on its own, the line the
  // first run recorded, so the array is not evaluated at the converter's time steps), and
  // MeasureRuns(point, first, second) turns both into column values. The second deck gets the
  // sample's mismatch like the first (by device name, so a device in both decks has one
  // deviation). Default: no second run (nullopt), and Measure(point, run) measures.
  struct Run {
    std::string deck;                   // rendered deck, title line first, `.end` last
    std::vector<std::string> analysis;  // ngspice commands after the mismatch alters
    std::vector<std::string> vectors;   // vectors to copy out
  };
  virtual std::optional<Run> FollowUp(const GridPoint& /*point*/,
                                      const spice::RunResult& /*first*/) const {
    return std::nullopt;
  }
  virtual std::vector<double> MeasureRuns(const GridPoint& point,
                                          const spice::RunResult& first,
                                          const spice::RunResult& second) const;
  // The tables distilled from the columns (mean and static σ across samples). Default: one
  // quantity "<bench>/<column>" per column.
  virtual std::vector<lut::ReduceRequest> Quantities() const;
  // Dynamic (per-conversion) noise σ of each column at a grid point, same units as the
  // column, or NaN where it does not apply (no table is written then). Benches state how it is
  // obtained in DynamicNoiseMethod().
  virtual std::vector<double> DynamicSigma(const GridPoint& point) const;
  // The bench's name, the prefix of its quantities ("adc").
  virtual std::string Name() const = 0;
  // One line on how the dynamic noise was obtained (stored as provenance).
  virtual std::string DynamicNoiseMethod() const { return "none"; }
  // Further one-line statements stored with the recipe provenance (what the tables' circuits
  // are, what stays composed rather than measured), one "# note: " line each.
  virtual std::vector<std::string> ProvenanceNotes() const { return {}; }
  // The bench's parameters after defaults were applied ("apath.rows" -> "144"), recorded in the
  // provenance so a reader knows the circuit the tables describe. Default: none.
  virtual std::vector<std::pair<std::string, std::string>> Parameters() const { return {}; }
};

using BenchFactory = std::function<std::unique_ptr<Bench>(const Recipe&)>;

struct BenchInfo {
  std::string name;
  std::string summary;
  BenchFactory make;
};

// Every bench driver the toolkit has (the list lives in bench.cpp).
const std::vector<BenchInfo>& Benches();

// Creates the driver named by recipe.bench, reading its `<bench>.*` keys.
// Throws cimchar::UsageError for an unknown bench (naming the known ones) or a bad bench key.
std::unique_ptr<Bench> MakeBench(const Recipe& recipe);

// Throws UsageError when the recipe has a `<bench>.*` key not in `known` (naming it).
void CheckBenchKeys(const Recipe& recipe, const std::vector<std::string>& known);

// The grid of a recipe and bench: every combination, row-major with the bench axes last.
std::vector<GridPoint> MakeGrid(const Recipe& recipe, const std::vector<BenchAxis>& axes);

}  // namespace cimchar::characterize
