// The table-calibrated model against the SPICE column on held-out dies (validate.h).
#include "validate/validate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <tuple>

#include "calib/read.h"
#include "characterize/benches/chain.h"
#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/build_info.h"
#include "core/error.h"
#include "core/paths.h"
#include "distribute/comm.h"
#include "lut/store.h"
#include "mac/mac_model.h"
#include "mac/random.h"
#include "network/layer_data.h"
#include "variation/mismatch.h"

namespace cimchar::validate {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A commit hash cut to 12 digits, keeping a "-dirty" mark.
std::string ShortCommit(const std::string& commit) {
  const std::string dirty = "-dirty";
  const bool is_dirty = commit.size() > dirty.size() &&
                        commit.compare(commit.size() - dirty.size(), dirty.size(), dirty) == 0;
  return commit.substr(0, 12) + (is_dirty ? dirty : "");
}

// Writes `file` through F.tmp and rename(2), so an interrupted write never leaves half a file.
void WriteAtomically(const fs::path& file, const std::function<void(std::ostream&)>& write) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    write(out);
    if (!out) {
      throw Error("cannot write " + tmp.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    throw Error("cannot rename " + tmp.string() + " to " + file.string() + ": " + ec.message());
  }
}

}  // namespace

CodeTable ModelCodes(const calib::Macro& macro,
                     const std::vector<std::vector<std::int64_t>>& rows_at_code,
                     int chips,
                     std::uint64_t first_chip) {
  mac::MacShape shape;
  static_cast<calib::Geometry&>(shape) = macro.geometry;
  shape.activation_bits = macro.geometry.dac_bits;
  shape.weight_bits = 1;
  const std::vector<std::int32_t> weights(static_cast<std::size_t>(shape.rows), 0);
  mac::RunOptions run;
  run.mode = mac::Mode::kHcim;
  run.boundary = shape.dac_bits;
  run.switches.dynamic_noise = false;
  CodeTable out;
  for (int c = 0; c < chips; ++c) {
    const std::uint64_t chip = first_chip + static_cast<std::uint64_t>(c);
    const mac::MacArray array(shape, macro, weights, shape.rows, 1, chip);
    const mac::MacRunner runner(array, run);
    mac::Rng noise(chip);
    std::vector<int> row;
    for (const auto& counts : rows_at_code) {
      row.push_back(runner.ConvertCode(0, 0, counts, noise));
    }
    out.push_back(std::move(row));
  }
  return out;
}

LineComparison CompareLines(const calib::LineTransfer& line,
                            int rows,
                            const std::vector<std::vector<std::int64_t>>& rows_at_code,
                            const std::vector<std::vector<double>>& spice_lines) {
  const std::size_t vectors = rows_at_code.size();
  LineComparison c;
  c.model_v.reserve(vectors);
  for (const auto& counts : rows_at_code) {
    double v = line.baseline_v;
    for (std::size_t d = 0; d < counts.size(); ++d) {
      if (counts[d] != 0) {
        v += static_cast<double>(counts[d]) * line.StepV(static_cast<int>(d), rows);
      }
    }
    c.model_v.push_back(v);
  }
  for (std::size_t die = 0; die < spice_lines.size(); ++die) {
    if (spice_lines[die].size() != vectors) {
      throw UsageError("line comparison: die " + std::to_string(die) + " has " +
                       std::to_string(spice_lines[die].size()) + " line voltages for " +
                       std::to_string(vectors) + " vectors");
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  c.spice_mean_v.assign(vectors, nan);
  c.spice_sigma_v.assign(vectors, nan);
  c.spice_dies.assign(vectors, 0);
  double sum_diff = 0.0, sum_sigma = 0.0;
  for (std::size_t v = 0; v < vectors; ++v) {
    double s = 0.0, ss = 0.0;
    int n = 0;
    for (const auto& die : spice_lines) {
      if (!std::isnan(die[v])) {
        s += die[v];
        ss += die[v] * die[v];
        ++n;
      }
    }
    c.spice_dies[v] = n;
    if (n == 0) {
      continue;
    }
    const double mean = s / n;
    const double sigma = n > 1 ? std::sqrt(std::max(0.0, (ss - n * mean * mean) / (n - 1))) : 0.0;
    c.spice_mean_v[v] = mean;
    c.spice_sigma_v[v] = sigma;
    const double diff = mean - c.model_v[v];
    c.diff_min_v = c.vectors_compared == 0 ? diff : std::min(c.diff_min_v, diff);
    c.diff_max_v = c.vectors_compared == 0 ? diff : std::max(c.diff_max_v, diff);
    sum_diff += diff;
    sum_sigma += sigma;
    ++c.vectors_compared;
  }
  if (c.vectors_compared > 0) {
    c.diff_mean_v = sum_diff / c.vectors_compared;
    c.spice_sigma_mean_v = sum_sigma / c.vectors_compared;
  }
  return c;
}

namespace {

// A recipe value as a message shows it: long values (the vector list) cut around `at`.
std::string Shown(const std::string& value, std::size_t at) {
  constexpr std::size_t kMax = 60;
  if (value.size() <= kMax) {
    return value;
  }
  const std::size_t from = at > kMax / 2 ? at - kMax / 2 : 0;
  return (from > 0 ? "..." : "") + value.substr(from, kMax) +
         (from + kMax < value.size() ? "..." : "") + " (" + std::to_string(value.size()) +
         " characters, the first difference at " + std::to_string(at) + ")";
}

// The first key of `recipe` whose value in a file's recipe text ("key = value" lines) differs,
// as "key = theirs (here: ours)"; empty when every key agrees.
std::string RecipeDifference(const std::string& file_text, const characterize::Recipe& recipe) {
  std::map<std::string, std::string> theirs;
  std::istringstream in(file_text);
  for (std::string l; std::getline(in, l);) {
    const auto eq = l.find(" = ");
    if (l.empty() || l[0] == '#' || eq == std::string::npos) {
      continue;
    }
    theirs.emplace(l.substr(0, eq), l.substr(eq + 3));
  }
  // The vector list last: it follows from the other keys and the tables, so a key that differs
  // says more.
  constexpr const char* kOps = "column.ops";
  for (const bool ops : {false, true}) {
    for (const auto& [key, value] : recipe.effective) {
      if ((key == kOps) != ops) {
        continue;
      }
      const auto it = theirs.find(key);
      if (it == theirs.end()) {
        return key + " not set (here: " + Shown(value, 0) + ")";
      }
      if (it->second != value) {
        const auto at = static_cast<std::size_t>(
            std::mismatch(value.begin(), value.end(), it->second.begin(), it->second.end()).first -
            value.begin());
        return key + " = " + Shown(it->second, at) + " (here: " + Shown(value, at) + ")" +
               (ops ? "; the vectors are built from the tables: were they others?" : "");
      }
    }
  }
  for (const auto& [key, value] : theirs) {
    if (recipe.effective.count(key) == 0) {
      return key + " = " + Shown(value, 0) + " (here: not set)";
    }
  }
  return "";
}

void Check(const characterize::benches::AnalogChain& chain,
           const calib::Macro& macro,
           const characterize::Recipe& recipe,
           const fs::path& lut_dir) {
  const auto geometry_check = [&](const char* what, int column, int table) {
    if (column != table) {
      throw UsageError("the column recipe has " + std::string(what) + " = " +
                       std::to_string(column) + " but the tables in " + lut_dir.string() +
                       " were measured for " + std::to_string(table) +
                       ": the validation compares one circuit (set column." + what + ")");
    }
  };
  geometry_check("rows", chain.rows(), macro.geometry.rows);
  geometry_check("dac_bits", chain.dac_bits(), macro.geometry.dac_bits);
  geometry_check("adc_bits", chain.adc().bits, macro.geometry.adc_bits);
  // The column's converter must be the one the adc table describes: its resolved operating
  // point (adc.vref, adc.range_of_vref, adc.vcm, adc.c_unit) against the column's keys.
  for (const calib::TableSource& s : macro.sources) {
    if (s.role != "adc") {
      continue;
    }
    const characterize::benches::ChainAdc& column_adc = chain.adc();
    const std::pair<const char*, double> keys[] = {{"vref", column_adc.vref_of_vdd},
                                                   {"range_of_vref", column_adc.range_of_vref},
                                                   {"vcm", column_adc.vcm_v},
                                                   {"c_unit", column_adc.c_unit_f}};
    for (const auto& [key, column_value] : keys) {
      const auto stated = calib::ResolvedParameter(s.recipe_text, "adc." + std::string(key));
      if (!stated) {
        continue;  // a table from before the key existed: nothing to compare
      }
      const double table_value = std::stod(*stated);
      if (std::abs(table_value - column_value) > 1e-9 * std::max(1.0, std::abs(table_value))) {
        throw UsageError("the column recipe's ADC has column.adc_" + std::string(key) + " = " +
                         netlist::FormatNumber(column_value) + " but " + s.file.string() +
                         " was measured with adc." + key + " = " +
                         netlist::FormatNumber(table_value) +
                         ": the validation converts with the ADC the tables describe (set "
                         "column.adc_" +
                         key + ")");
      }
    }
  }
  // The held-out dies must vary as the tables' dies did: the same device mismatch.
  const variation::MismatchOptions defaults;
  const std::tuple<const char*, double, double> mismatch[] = {
      {"mismatch.avt", recipe.mismatch.avt_pair_v_um, defaults.avt_pair_v_um},
      {"mismatch.abeta", recipe.mismatch.abeta_pair_um, defaults.abeta_pair_um},
      {"mismatch.cap", recipe.mismatch.cap_sigma_rel_at_1ff, defaults.cap_sigma_rel_at_1ff},
      {"mismatch.scale", recipe.mismatch.scale, defaults.scale}};
  for (const calib::TableSource& s : macro.sources) {
    for (const auto& [key, column_value, fallback] : mismatch) {
      const auto stated = calib::ResolvedParameter(s.recipe_text, key);
      const double table_value = stated ? std::stod(*stated) : fallback;
      if (std::abs(table_value - column_value) > 1e-9 * std::max(1.0, std::abs(table_value))) {
        throw UsageError("the column recipe has " + std::string(key) + " = " +
                         netlist::FormatNumber(column_value) + " but " + s.file.string() +
                         " was measured with " + key + " = " + netlist::FormatNumber(table_value) +
                         ": the held-out dies must vary as the tables' dies did (set --" + key +
                         ")");
      }
    }
  }
  for (const calib::TableSource& s : macro.sources) {
    if (s.master_seed == recipe.seed) {
      throw UsageError("the column recipe's seed " + std::to_string(recipe.seed) +
                       " is the master seed of " + s.file.string() +
                       ": its dies would be the tables' own; give the validation another --seed");
    }
  }
}

// The SPICE side: the column characterization (reused when complete, of this recipe and written
// by this build's commit: a bench's code can change what one recipe simulates), or the complete
// run the user names, or one shard of it.
void SpiceSide(const ValidateOptions& o,
               const characterize::Recipe& recipe,
               const fs::path& recipe_file,
               ValidationReport& rep) {
  fs::create_directories(o.out_dir);
  rep.spice_file = o.spice_file.empty() ? o.out_dir / "column.h5" : o.spice_file;
  if (!o.shard.whole()) {
    if (!o.spice_file.empty()) {
      throw UsageError("--shard runs a part of the column; --spice compares with a whole run");
    }
    rep.spice_file = o.out_dir / ("column.shard" + std::to_string(o.shard.index) + "of" +
                                  std::to_string(o.shard.count) + ".h5");
  }
  bool reuse = false;
  if (!o.spice_file.empty()) {
    if (o.resume) {
      throw UsageError("--spice takes a complete column run as it is; --resume finishes one");
    }
    if (!fs::exists(o.spice_file)) {
      throw UsageError("no column run at '" + o.spice_file.string() + "'");
    }
    const lut::Store given = lut::Store::Open(o.spice_file);
    if (!given.complete()) {
      throw UsageError("'" + o.spice_file.string() +
                       "' is an unfinished column run: finish it (cimchar validate ... "
                       "--resume, or merge its shards) before comparing with it");
    }
    const std::string difference = RecipeDifference(given.provenance().recipe_text, recipe);
    if (!difference.empty()) {
      throw UsageError("'" + o.spice_file.string() + "' was run from another column recipe than " +
                       recipe_file.string() + " (profile " + o.profile +
                       ") with the keys given and the vectors these tables give: " + difference);
    }
    const std::string& commit = given.provenance().cimchar_commit;
    rep.notes.push_back("SPICE: " + o.spice_file.string() + " as given, made by cimchar commit " +
                        ShortCommit(commit) +
                        (commit == core::kGitCommit
                             ? " (this build)"
                             : " (this build: " + ShortCommit(core::kGitCommit) + ")"));
    reuse = true;
  } else if (o.shard.whole() && !o.resume && fs::exists(rep.spice_file) &&
             !fs::exists(rep.spice_file.string() + ".journal")) {
    const lut::Store existing = lut::Store::Open(rep.spice_file);
    reuse = existing.complete() &&
            existing.provenance().recipe_text.rfind(characterize::RecipeText(recipe), 0) == 0 &&
            existing.provenance().cimchar_commit == core::kGitCommit;
    if (reuse) {
      rep.notes.push_back("SPICE: reused " + rep.spice_file.string() +
                          " (same recipe and cimchar commit, complete)");
    }
  }
  if (reuse) {
    return;
  }
  characterize::RunOptions run;
  run.jobs = o.jobs;
  run.out = rep.spice_file;
  run.resume = o.resume;
  run.progress = o.progress;
  run.shard = o.shard;
  run.interrupted_message =
      "\ninterrupted: the finished dies are kept in " + rep.spice_file.string() +
      ".journal; finish with the same cimchar validate command and --resume\n";
  const auto t0 = Clock::now();
  const characterize::RunSummary summary = characterize::RunCharacterization(recipe, run);
  rep.spice_s = Seconds(t0, Clock::now());
  if (summary.interrupted) {
    throw Error("the SPICE column run was interrupted; rerun with --resume to finish it");
  }
}

}  // namespace

Verdict Overall(const CodeComparison& codes,
                const std::vector<LineDecision>& line_codes,
                const std::vector<SnrComparison>& snr) {
  std::vector<const Decision*> all = {&codes.pooled.mean_shift, &codes.pooled.sigma_ratio};
  for (const auto& t : codes.transitions) {
    all.push_back(&t.shift);
    all.push_back(&t.sigma_ratio);
  }
  for (const auto& l : line_codes) {
    all.push_back(&l.diff_lsb);
  }
  for (const auto& s : snr) {
    all.push_back(&s.diff_db);
  }
  bool inconclusive = false;
  for (const Decision* d : all) {
    if (d->verdict == Verdict::kMiss) {
      return Verdict::kMiss;
    }
    inconclusive = inconclusive || d->verdict == Verdict::kInconclusive;
  }
  return inconclusive ? Verdict::kInconclusive : Verdict::kPass;
}

ValidationReport RunValidation(const ValidateOptions& o) {
  const auto t_start = Clock::now();
  if (o.lut_dir.empty()) {
    throw UsageError("--lut DIR is required: the tables the model is calibrated from");
  }
  if (o.chips < 2) {
    throw UsageError("--chips must be >= 2 (got " + std::to_string(o.chips) + ")");
  }
  if (o.overrides.count("column.ops") != 0) {
    throw UsageError(
        "column.ops is the vector list the validation builds from the column recipe's sets and "
        "the tables; choose the vectors with column.sets and its keys instead");
  }
  ValidationReport rep;
  rep.options = o;
  const fs::path recipe_file = o.recipe.empty() ? core::RecipesDir() / "column.ini" : o.recipe;
  const characterize::Recipe design = characterize::LoadRecipe(recipe_file, o.profile, o.overrides);
  if (design.bench != "column") {
    throw UsageError("'" + recipe_file.string() + "' is a " + design.bench +
                     " recipe; the validation runs the column bench");
  }
  if (design.corners.size() != 1 || design.vdd_v.size() != 1 || design.temp_c.size() != 1) {
    throw UsageError(
        "the validation runs at one operating point: give one corner, one supply "
        "and one temperature (--corners, --vdd, --temp)");
  }
  if (design.bench_keys.count("column.ops") != 0) {
    throw UsageError("'" + recipe_file.string() +
                     "' sets column.ops: the validation builds that list from the recipe's sets "
                     "(column.sets) and the tables");
  }
  rep.point = {.corner = design.corners[0], .vdd_v = design.vdd_v[0], .temp_c = design.temp_c[0]};
  calib::Request request;
  request.point = rep.point;
  const calib::Macro macro = calib::ReadMacro(calib::SourcesInFolder(o.lut_dir), request);
  if (macro.origin != "tables" || macro.sources.empty()) {
    throw UsageError("'" + o.lut_dir.string() + "' holds no table to calibrate the model from");
  }
  const characterize::benches::AnalogChain chain(design);
  Check(chain, macro, design, o.lut_dir);
  rep.spice_seed = design.seed;
  rep.adc_bits = macro.geometry.adc_bits;
  rep.lsb_v = macro.adc.LsbV();

  // The vectors, from the recipe's sets and the tables, handed to the bench as column.ops.
  const VectorSets sets = ReadVectorSets(design, macro.geometry.adc_bits, macro.geometry.dac_bits);
  std::optional<network::LayerData> layer;
  if (!o.layer_file.empty()) {
    layer = network::LoadLayer({.activations = o.layer_file});
  }
  rep.vectors = BuildVectors(macro, sets, layer ? &*layer : nullptr);
  if (rep.vectors.vectors.empty()) {
    throw UsageError("the column recipe's sets give no vector at these tables (column.sets)");
  }
  for (const auto& n : rep.vectors.notes) {
    rep.notes.push_back("vectors: " + n);
  }
  std::vector<characterize::benches::ColumnVector> ops;
  for (const auto& v : rep.vectors.vectors) {
    ops.push_back(v.op);
  }
  std::map<std::string, std::string> overrides = o.overrides;
  overrides["column.ops"] = characterize::benches::EncodeColumnVectors(ops);
  const characterize::Recipe recipe = characterize::LoadRecipe(recipe_file, o.profile, overrides);

  SpiceSide(o, recipe, recipe_file, rep);
  if (!o.shard.whole()) {
    rep.compared = false;
    rep.total_s = Seconds(t_start, Clock::now());
    return rep;
  }
  if (distribute::LaunchedBy().rank != 0) {
    rep.root = false;  // under mpirun the ranks shared the dies; rank 0 compares and reports
    return rep;
  }
  const lut::Store store = lut::Store::Open(rep.spice_file);
  const lut::RunSpec& spec = store.spec();
  const std::size_t batches = spec.GridPointCount();
  // Vectors per batch: the store's code columns (code_0 .. code_{n-1}, then the line voltages).
  const std::size_t per_batch = spec.columns.size() / 2;
  const std::size_t vectors = rep.vectors.vectors.size();
  if (per_batch < 1 || spec.columns.size() % 2 != 0 || spec.columns.front().name != "code_0" ||
      batches * per_batch < vectors) {
    throw Error(rep.spice_file.string() + " is not a column run of these " +
                std::to_string(vectors) +
                " vectors (expected columns code_0 .. code_n, line_v_0 .. line_v_n)");
  }
  rep.dies = static_cast<int>(spec.samples_per_point);
  rep.spice.assign(static_cast<std::size_t>(rep.dies), std::vector<int>(vectors, -1));
  std::vector<std::vector<double>> spice_lines(
      static_cast<std::size_t>(rep.dies),
      std::vector<double>(vectors, std::numeric_limits<double>::quiet_NaN()));
  std::vector<bool> die_failed(static_cast<std::size_t>(rep.dies), false);
  for (const lut::Record& r : store.records()) {
    const auto die = static_cast<std::size_t>(r.sample);
    if (r.status != lut::SampleStatus::kOk) {
      die_failed[die] = true;
      continue;
    }
    for (std::size_t k = 0; k < per_batch; ++k) {
      const std::size_t v = r.grid_point * per_batch + k;
      if (v < vectors) {
        rep.spice[die][v] = static_cast<int>(std::lround(r.values[k]));
        spice_lines[die][v] = r.values[per_batch + k];
      }
    }
  }
  rep.failed_dies = static_cast<int>(std::count(die_failed.begin(), die_failed.end(), true));

  // The model side and the comparisons.
  std::vector<std::vector<std::int64_t>> counts;
  std::vector<double> ideal;
  std::vector<bool> pooled;
  std::vector<std::size_t> code_vectors;
  const double levels = static_cast<double>(1 << macro.geometry.adc_bits);
  for (std::size_t v = 0; v < vectors; ++v) {
    const ValidationVector& vv = rep.vectors.vectors[v];
    counts.push_back(vv.rows_at_code);
    ideal.push_back(vv.ideal_lsb);
    pooled.push_back(vv.ideal_lsb >= 0.0 && vv.ideal_lsb < levels);
    if (vv.set == VectorSet::kCodes) {
      code_vectors.push_back(v);
    }
  }
  if (std::find(pooled.begin(), pooled.end(), true) == pooled.end()) {
    throw UsageError("no vector of the column recipe's sets lies inside the converter's window");
  }
  rep.model = ModelCodes(macro, counts, o.chips, o.first_chip);
  rep.codes = CompareCodes(ideal, macro.geometry.adc_bits, rep.spice, rep.model, pooled, o.compare);
  rep.lines = CompareLines(macro.line, chain.rows(), counts, spice_lines);
  rep.line_codes =
      CompareLineVectors(code_vectors, rep.lines.model_v, spice_lines, rep.lsb_v, o.compare);
  if (!rep.vectors.macs.empty()) {
    // CodeFraction is the macro's read-back, the same on every chip.
    mac::MacShape shape;
    static_cast<calib::Geometry&>(shape) = macro.geometry;
    shape.activation_bits = shape.dac_bits;
    shape.weight_bits = 1;
    const mac::MacArray readback(shape, macro,
                                 std::vector<std::int32_t>(static_cast<std::size_t>(shape.rows), 0),
                                 shape.rows, 1, 1);
    std::map<int, MacOutputs> by_boundary;
    for (const MacOutput& m : rep.vectors.macs) {
      by_boundary[m.boundary].boundary = m.boundary;
    }
    for (auto& [boundary, outs] : by_boundary) {
      outs.signal_variance = rep.vectors.signal_variance;
      outs.spice.resize(rep.spice.size());
      outs.model.resize(rep.model.size());
      for (const MacOutput& m : rep.vectors.macs) {
        if (m.boundary != boundary) {
          continue;
        }
        outs.ideal.push_back(m.ideal);
        for (std::size_t i = 0; i < rep.spice.size(); ++i) {
          outs.spice[i].push_back(ComposeMac(m, rep.spice[i], readback));
        }
        for (std::size_t i = 0; i < rep.model.size(); ++i) {
          outs.model[i].push_back(ComposeMac(m, rep.model[i], readback));
        }
      }
      rep.snr.push_back(CompareSnr(outs, o.compare));
    }
  }
  rep.verdict = Overall(rep.codes, rep.line_codes, rep.snr);
  for (const auto& n : macro.notes) {
    rep.notes.push_back("macro: " + n);
  }
  rep.total_s = Seconds(t_start, Clock::now());
  return rep;
}

namespace {

// "PASS", "MISS (interval wholly outside)", "INCONCLUSIVE (about N dies would decide)".
std::string Said(const Decision& d) {
  std::string s = VerdictName(d.verdict);
  if (d.verdict != Verdict::kInconclusive) {
    return s;
  }
  if (!d.note.empty()) {
    return s + " (" + d.note + ")";
  }
  if (d.dies_to_decide > 0) {
    return s + " (about " + std::to_string(d.dies_to_decide) + " dies would decide)";
  }
  if (d.dies_to_decide < 0) {
    return s + " (the estimate lies on the target's edge)";
  }
  return s + " (the model side's spread alone spans the edge: more --chips first)";
}

// "+0.12 [-0.03, +0.27]" (signed: a difference) or "0.34 [0.30, 0.39]".
std::string Interval(const Estimate& e, int precision, bool sign, const char* unit = "") {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << (sign ? std::showpos : std::noshowpos)
    << e.value << unit << " [" << e.lo << ", " << e.hi << "]";
  return o.str();
}

std::string Band(const Decision& d, int precision) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << d.target_lo << " .. " << d.target_hi;
  return o.str();
}

}  // namespace

void PrintReport(std::ostream& out, const ValidationReport& r) {
  out << "validation of the table-calibrated model against SPICE on held-out dies\n";
  out << "operating point: " << r.point.Describe() << "\n";
  if (!r.compared) {
    out << "SPICE: shard " << r.options.shard.Name() << " of the column's dies (master seed "
        << r.spice_seed << ") into " << r.spice_file.string()
        << "; nothing compared. When every shard is done: cimchar merge OUT/column.h5 "
           "OUT/column.shard*of"
        << r.options.shard.count
        << ".h5, then cimchar validate with the same options and --spice OUT/column.h5\n";
    return;
  }
  const Vectors& vs = r.vectors;
  std::map<VectorSet, int> per_set;
  for (const auto& v : vs.vectors) {
    ++per_set[v.set];
  }
  out << "SPICE: " << r.dies << " dies (Monte Carlo samples of master seed " << r.spice_seed
      << ", not the tables' seeds) x " << vs.vectors.size()
      << " vectors, whole column (cells, DACs, A_MULT, line, SAR ADC): " << r.spice_file.string()
      << "\n";
  out << "model: " << r.options.chips << " chip instances (chip seeds " << r.options.first_chip
      << " ..), calibrated from " << r.options.lut_dir.string()
      << "; dynamic noise off on both sides (ngspice has no device noise in transient analysis)\n";
  out << "vectors:";
  for (const auto& [set, n] : per_set) {
    out << " " << SetName(set) << " " << n;
  }
  out << " (sweep: the ideal line around the transitions and at bin centres; codes: every row "
         "W = 1 at one DAC code; network: analog ops of real MACs"
      << (vs.layer.empty() ? "" : " of " + vs.layer) << ")\n";
  out << "ideal line u: the ideal fraction sum(W code) / (rows (2^d - 1)) on the converter's "
         "window "
         "in LSB (the model's read-back); error = code - floor(u)\n";
  out << "decisions on 95 % bootstrap intervals over instances (" << r.options.compare.bootstrap
      << " resamplings): PASS inside the target, MISS wholly outside, INCONCLUSIVE otherwise\n";
  for (const auto& n : r.notes) {
    out << "  # " << n << "\n";
  }
  out << std::fixed;

  const CodeComparison& c = r.codes;
  out << "\ntransitions: T_k from a probit fit of P(code >= k | u) per side; mean and sigma over "
         "instances (LSB)\n";
  out << "  k  SPICE mean [95 %]        sigma [95 %]         model mean [95 %]        sigma [95 %]"
         "         model - SPICE (|.| <= "
      << std::setprecision(2) << kTargetTransitionShiftLsb << ")  sigma ratio ("
      << kTargetTransitionRatioLo << " - " << kTargetTransitionRatioHi << ")\n";
  for (const auto& t : c.transitions) {
    out << "  " << t.k << "  ";
    if (!t.covered) {
      out << "not covered: " << t.coverage << "\n";
      continue;
    }
    // An unresolved side (a step fits as well) has no mean or sigma worth printing.
    const auto side = [&](const TransitionSide& ts) {
      std::ostringstream o;
      if (ts.resolved) {
        o << std::setw(24) << std::left << Interval(ts.mean_lsb, 2, false) << " " << std::setw(20)
          << Interval(ts.sigma_lsb, 2, false);
      } else {
        o << std::setw(45) << std::left << "unresolved (a step fits as well)";
      }
      return o.str();
    };
    out << side(t.spice) << " " << side(t.model) << "\n";
    out << "     shift " << Interval(t.shift.figure, 3, true) << ": " << Said(t.shift) << "; ratio "
        << Interval(t.sigma_ratio.figure, 3, false) << ": " << Said(t.sigma_ratio) << "\n";
  }

  const PooledComparison& p = c.pooled;
  out << "\npooled over the " << p.vectors << " vectors inside the converter's window (error = code"
      << " - floor(u), LSB):\n";
  const auto side = [&](const char* name, const SideStats& s) {
    out << std::noshowpos << std::setprecision(3) << "  " << name << ": " << s.instances
        << " instances, " << s.conversions << " conversions; error mean " << s.error_mean
        << " sigma " << s.error_sigma << "; per instance: mean " << s.die_mean_mean << " +- "
        << s.die_mean_sigma << ", sigma " << s.die_sigma_mean << "; histogram";
    for (const auto& [e, n] : s.histogram) {
      out << " " << e << ":" << n;
    }
    out << "\n";
  };
  side("SPICE", p.spice);
  side("model", p.model);
  out << "  error mean, model - SPICE: " << Interval(p.mean_shift.figure, 3, true) << " (target "
      << Band(p.mean_shift, 2) << "): " << Said(p.mean_shift) << "\n";
  out << "  error sigma ratio, model / SPICE: " << Interval(p.sigma_ratio.figure, 3, false)
      << " (target " << Band(p.sigma_ratio, 2) << "): " << Said(p.sigma_ratio) << "\n";
  out << std::noshowpos << std::setprecision(3)
      << "  two-sample chi-square distance on the error histograms (diagnostic): " << p.chi2
      << " over " << p.chi2_bins << " bins, p = " << p.chi2_p << " by "
      << r.options.compare.permutations << " exchanges of whole instances\n";

  if (!r.line_codes.empty()) {
    out << "\nline per DAC code (every row W = 1 at the code): SPICE's sampled line - the model's "
           "mean line, in LSB ("
        << std::setprecision(1) << r.lsb_v * 1e3 << " mV), target |.| <= " << kTargetLineLsb
        << "\n";
    for (const LineDecision& l : r.line_codes) {
      const ValidationVector& v = vs.vectors[l.vector];
      out << std::noshowpos << "  code " << std::setw(2) << v.dac_code << ": model "
          << std::setprecision(2) << l.model_v * 1e3 << " mV, SPICE " << l.spice_v.value * 1e3
          << " mV over " << l.dies << " dies; difference " << Interval(l.diff_lsb.figure, 3, true)
          << " LSB: " << Said(l.diff_lsb) << "\n";
    }
  }
  for (const SnrComparison& s : r.snr) {
    out << std::noshowpos << "\nMAC-output SNR at B_D/A = " << s.boundary << " (" << s.outputs
        << " MAC outputs of the layer, each composed from its analog ops' codes and its exact "
           "digital part; signal: the variance of "
        << vs.signal_outputs << " of the layer's exact outputs):\n";
    out << "  SPICE " << Interval(s.spice_db, 2, false, " dB") << ", model "
        << Interval(s.model_db, 2, false, " dB") << "; model - SPICE "
        << Interval(s.diff_db.figure, 2, true) << " dB (target |.| <= " << std::noshowpos
        << kTargetSnrDiffDb << "): " << Said(s.diff_db) << "\n";
  }
  const LineComparison& l = r.lines;
  if (l.vectors_compared > 0) {
    const double lsb = r.lsb_v > 0.0 ? r.lsb_v : 1.0;
    out << std::showpos << std::setprecision(3)
        << "\nline in front of the ADC over every vector (diagnostic): SPICE's sampled line - the "
           "model's mean line: mean "
        << l.diff_mean_v * 1e3 << " mV (" << l.diff_mean_v / lsb << " LSB), from "
        << l.diff_min_v * 1e3 << " to " << l.diff_max_v * 1e3 << " mV over " << std::noshowpos
        << l.vectors_compared << " vectors; SPICE's spread across dies "
        << l.spice_sigma_mean_v * 1e3 << " mV per vector on average (lines.csv)\n";
  }
  // What the comparison does not decide.
  std::vector<std::string> open;
  for (const auto& t : c.transitions) {
    if (!t.covered) {
      open.push_back("T" + std::to_string(t.k));
    }
  }
  bool has_codes = false, has_network = false;
  for (const auto& [set, n] : per_set) {
    has_codes = has_codes || set == VectorSet::kCodes;
    has_network = has_network || set == VectorSet::kNetwork;
  }
  out << "\nnot covered:";
  if (!open.empty()) {
    out << " transitions";
    for (const auto& t : open) {
      out << " " << t;
    }
    out << ";";
  }
  if (!has_codes) {
    out << " the line per DAC code (set codes);";
  }
  if (!has_network) {
    out << " MAC-output SNR (set network);";
  }
  out << " dynamic noise (off on both sides); other operating points than this one\n";
  if (r.failed_dies > 0) {
    out << "dies with a failed batch: " << r.failed_dies << " (their failed vectors are skipped)\n";
  }
  out << std::noshowpos << std::setprecision(1) << "runtime: " << r.total_s << " s (SPICE column ";
  if (!r.options.spice_file.empty()) {
    out << "given with --spice)\n";
  } else {
    out << r.spice_s << " s" << (r.spice_s == 0.0 ? ", reused" : "") << ")\n";
  }
  out << "result: " << VerdictName(r.verdict) << "\n";
}

void WriteCodesCsv(const fs::path& file, const ValidationReport& r) {
  WriteAtomically(file, [&](std::ostream& out) {
    out << "side,instance,vector,set,label,ideal_lsb,code\n" << std::setprecision(17);
    const auto write = [&](const char* side, const CodeTable& t) {
      for (std::size_t i = 0; i < t.size(); ++i) {
        for (std::size_t v = 0; v < t[i].size(); ++v) {
          const ValidationVector& vv = r.vectors.vectors[v];
          out << side << "," << i << "," << v << "," << SetName(vv.set) << "," << vv.label << ","
              << vv.ideal_lsb << "," << t[i][v] << "\n";
        }
      }
    };
    write("spice", r.spice);
    write("model", r.model);
  });
}

void WriteLinesCsv(const fs::path& file, const ValidationReport& r) {
  WriteAtomically(file, [&](std::ostream& out) {
    out << "vector,set,label,ideal_lsb,model_line_v,spice_mean_line_v,spice_sigma_line_v,"
           "spice_dies\n"
        << std::setprecision(17);
    const LineComparison& l = r.lines;
    for (std::size_t v = 0; v < l.model_v.size(); ++v) {
      const ValidationVector& vv = r.vectors.vectors[v];
      out << v << "," << SetName(vv.set) << "," << vv.label << "," << vv.ideal_lsb << ","
          << l.model_v[v] << ",";
      if (l.spice_dies[v] > 0) {
        out << l.spice_mean_v[v] << "," << l.spice_sigma_v[v];
      } else {
        out << ",";
      }
      out << "," << l.spice_dies[v] << "\n";
    }
  });
}

}  // namespace cimchar::validate
