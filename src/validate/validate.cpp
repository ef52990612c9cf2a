// The table-calibrated model against the SPICE column on held-out dies (validate.h).
#include "validate/validate.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <numeric>
#include <ostream>
#include <random>
#include <sstream>

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

int IdealCode(double u, int bits) {
  return std::clamp(static_cast<int>(std::floor(u)), 0, (1 << bits) - 1);
}

// SNR of the conversions of the given instances: 10 log10(Var(u) / E[(code + 1/2 - u)^2]).
double Snr(const std::vector<double>& u,
           const CodeTable& codes,
           const std::vector<std::size_t>& instances) {
  double s = 0.0, ss = 0.0, err = 0.0;
  long long n = 0;
  for (std::size_t i : instances) {
    for (std::size_t v = 0; v < u.size(); ++v) {
      const int c = codes[i][v];
      if (c < 0) {
        continue;
      }
      s += u[v];
      ss += u[v] * u[v];
      const double e = c + 0.5 - u[v];
      err += e * e;
      ++n;
    }
  }
  if (n == 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double var = ss / n - (s / n) * (s / n);
  return 10.0 * std::log10(var / (err / n));
}

SideStats Stats(const std::vector<double>& u,
                int bits,
                const CodeTable& codes,
                int bootstrap,
                std::uint64_t seed) {
  SideStats st;
  st.instances = static_cast<int>(codes.size());
  double sum = 0.0, sq = 0.0;
  std::vector<double> die_means, die_sigmas;
  for (const auto& row : codes) {
    if (row.size() != u.size()) {
      throw UsageError("a code table row has " + std::to_string(row.size()) +
                       " vectors, expected " + std::to_string(u.size()));
    }
    double ds = 0.0, dss = 0.0;
    int dn = 0;
    for (std::size_t v = 0; v < u.size(); ++v) {
      if (row[v] < 0) {
        continue;
      }
      const int e = row[v] - IdealCode(u[v], bits);
      ++st.histogram[e];
      sum += e;
      sq += static_cast<double>(e) * e;
      ds += e;
      dss += static_cast<double>(e) * e;
      ++dn;
      ++st.conversions;
    }
    if (dn > 0) {
      const double m = ds / dn;
      die_means.push_back(m);
      die_sigmas.push_back(std::sqrt(std::max(0.0, dss / dn - m * m)));
    }
  }
  if (st.conversions == 0) {
    throw UsageError("no conversion to compare (every entry failed)");
  }
  const double n = static_cast<double>(st.conversions);
  st.error_mean = sum / n;
  st.error_sigma = std::sqrt(std::max(0.0, sq / n - st.error_mean * st.error_mean));
  const auto mean_sd = [](const std::vector<double>& x, double& mean, double& sd) {
    mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
    double q = 0.0;
    for (double v : x) {
      q += (v - mean) * (v - mean);
    }
    sd = x.size() > 1 ? std::sqrt(q / static_cast<double>(x.size() - 1)) : 0.0;
  };
  double unused = 0.0;
  mean_sd(die_means, st.die_mean_mean, st.die_mean_sigma);
  mean_sd(die_sigmas, st.die_sigma_mean, unused);
  std::vector<std::size_t> all(codes.size());
  std::iota(all.begin(), all.end(), 0);
  st.snr_db = Snr(u, codes, all);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, codes.size() - 1);
  std::vector<double> draws;
  std::vector<std::size_t> resample(codes.size());
  for (int b = 0; b < bootstrap; ++b) {
    for (auto& i : resample) {
      i = pick(rng);
    }
    const double s = Snr(u, codes, resample);
    if (std::isfinite(s)) {
      draws.push_back(s);
    }
  }
  std::sort(draws.begin(), draws.end());
  if (draws.empty()) {
    st.snr_lo_db = st.snr_hi_db = st.snr_db;
  } else {
    const auto at = [&](double q) {
      return draws[std::min(draws.size() - 1, static_cast<std::size_t>(q * draws.size()))];
    };
    st.snr_lo_db = at(0.025);
    st.snr_hi_db = at(0.975);
  }
  return st;
}

}  // namespace

Comparison CompareCodes(const std::vector<double>& ideal_lsb,
                        int bits,
                        const CodeTable& spice,
                        const CodeTable& model,
                        int bootstrap,
                        std::uint64_t seed) {
  if (spice.empty() || model.empty() || ideal_lsb.empty()) {
    throw UsageError("the comparison needs vectors and at least one instance on each side");
  }
  Comparison c;
  c.spice = Stats(ideal_lsb, bits, spice, bootstrap, seed);
  c.model = Stats(ideal_lsb, bits, model, bootstrap, seed + 1);
  c.sigma_ratio = c.spice.error_sigma > 0.0
                      ? c.model.error_sigma / c.spice.error_sigma
                      : (c.model.error_sigma > 0.0 ? std::numeric_limits<double>::infinity() : 1.0);
  c.snr_diff_db = c.model.snr_db - c.spice.snr_db;
  // Two-sample test on the error histograms that respects what is random here: instances (dies,
  // chips), not conversions (every instance converts the same vectors, and one die's errors share
  // its static deviations). The statistic is the chi-square distance between the two pooled
  // histograms (bins ..., -2, -1, 0, 1, 2, ... with |e| >= 2 folded into the outer bins); its
  // null distribution comes from exchanging whole instances between the two groups.
  const auto bin = [](int e) { return std::clamp(e, -2, 2) + 2; };
  constexpr int kBins = 5;
  std::vector<std::array<double, kBins>> hist;
  for (const CodeTable* side : {&spice, &model}) {
    for (const auto& row : *side) {
      std::array<double, kBins> h{};
      for (std::size_t v = 0; v < ideal_lsb.size(); ++v) {
        if (row[v] >= 0) {
          h[static_cast<std::size_t>(bin(row[v] - IdealCode(ideal_lsb[v], bits)))] += 1.0;
        }
      }
      hist.push_back(h);
    }
  }
  const std::size_t ns = spice.size();
  const auto statistic = [&](const std::vector<std::size_t>& order) {
    std::array<double, kBins> a{}, b{};
    double na = 0.0, nb = 0.0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      auto& into = k < ns ? a : b;
      for (int i = 0; i < kBins; ++i) {
        into[static_cast<std::size_t>(i)] += hist[order[k]][static_cast<std::size_t>(i)];
        (k < ns ? na : nb) += hist[order[k]][static_cast<std::size_t>(i)];
      }
    }
    double t = 0.0;
    for (int i = 0; i < kBins; ++i) {
      const double pa = a[static_cast<std::size_t>(i)] / na;
      const double pb = b[static_cast<std::size_t>(i)] / nb;
      if (pa + pb > 0.0) {
        t += (pa - pb) * (pa - pb) / (pa + pb);
      }
    }
    return t;
  };
  std::vector<std::size_t> order(hist.size());
  std::iota(order.begin(), order.end(), 0);
  c.chi2 = statistic(order);
  int bins_used = 0;
  for (int i = 0; i < kBins; ++i) {
    double total = 0.0;
    for (const auto& h : hist) {
      total += h[static_cast<std::size_t>(i)];
    }
    bins_used += total > 0.0 ? 1 : 0;
  }
  c.chi2_dof = bins_used - 1;
  std::mt19937_64 rng(seed + 2);
  int as_large = 0;
  for (int p = 0; p < kPermutations; ++p) {
    std::shuffle(order.begin(), order.end(), rng);
    as_large += statistic(order) >= c.chi2 - 1e-15 ? 1 : 0;
  }
  c.chi2_p = (1.0 + as_large) / (1.0 + kPermutations);
  return c;
}

bool MeetsTargets(const Comparison& c) {
  // A test with every error in one bin (no degree of freedom) proves nothing.
  return c.sigma_ratio >= kTargetRatioLo && c.sigma_ratio <= kTargetRatioHi &&
         std::abs(c.snr_diff_db) <= kTargetSnrDiffDb && c.chi2_dof > 0 && c.chi2_p >= kTargetP;
}

double IdealLsb(const calib::Macro& macro, const std::vector<std::int64_t>& rows_at_code) {
  const calib::LineTransfer& l = macro.line;
  const int top = (1 << macro.geometry.dac_bits) - 1;
  double weighted = 0.0;
  for (std::size_t d = 0; d < rows_at_code.size(); ++d) {
    weighted += static_cast<double>(rows_at_code[d]) * static_cast<double>(d);
  }
  const double x = weighted / (static_cast<double>(macro.geometry.rows) * top);
  // The window's ends as fractions of full scale, through the uniform-code transfer.
  const auto fraction = [&](double v) {
    for (std::size_t i = 1; i < l.codes.size(); ++i) {
      if (v <= l.code_v[i] || i + 1 == l.codes.size()) {
        const double x0 = static_cast<double>(l.codes[i - 1]) / top;
        const double x1 = static_cast<double>(l.codes[i]) / top;
        return x0 + (v - l.code_v[i - 1]) / (l.code_v[i] - l.code_v[i - 1]) * (x1 - x0);
      }
    }
    return 0.0;
  };
  const double lo = fraction(macro.adc.LowV());
  const double hi = fraction(macro.adc.HighV());
  return (x - lo) / (hi - lo) * static_cast<double>(1 << macro.geometry.adc_bits);
}

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

std::string RecipeValue(const characterize::Recipe& r, const std::string& key) {
  const auto it = r.effective.find(key);
  return it == r.effective.end() ? "" : it->second;
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
  for (const auto& [key, value] : recipe.effective) {
    const auto it = theirs.find(key);
    if (it == theirs.end()) {
      return key + " not set (here: " + value + ")";
    }
    if (it->second != value) {
      return key + " = " + it->second + " (here: " + value + ")";
    }
  }
  for (const auto& [key, value] : theirs) {
    if (recipe.effective.count(key) == 0) {
      return key + " = " + value + " (here: not set)";
    }
  }
  return "";
}

}  // namespace

ValidationReport RunValidation(const ValidateOptions& o) {
  const auto t_start = Clock::now();
  if (o.lut_dir.empty()) {
    throw UsageError("--lut DIR is required: the tables the model is calibrated from");
  }
  if (o.chips < 2) {
    throw UsageError("--chips must be >= 2 (got " + std::to_string(o.chips) + ")");
  }
  ValidationReport rep;
  rep.options = o;
  const fs::path recipe_file = o.recipe.empty() ? core::RecipesDir() / "column.ini" : o.recipe;
  const characterize::Recipe recipe = characterize::LoadRecipe(recipe_file, o.profile, o.overrides);
  if (recipe.bench != "column") {
    throw UsageError("'" + recipe_file.string() + "' is a " + recipe.bench +
                     " recipe; the validation runs the column bench");
  }
  if (recipe.corners.size() != 1 || recipe.vdd_v.size() != 1 || recipe.temp_c.size() != 1) {
    throw UsageError(
        "the validation runs at one operating point: give one corner, one supply "
        "and one temperature (--corners, --vdd, --temp)");
  }
  rep.point = {.corner = recipe.corners[0], .vdd_v = recipe.vdd_v[0], .temp_c = recipe.temp_c[0]};
  calib::Request request;
  request.point = rep.point;
  const calib::Macro macro = calib::ReadMacro(calib::SourcesInFolder(o.lut_dir), request);
  if (macro.origin != "tables" || macro.sources.empty()) {
    throw UsageError("'" + o.lut_dir.string() + "' holds no table to calibrate the model from");
  }
  const characterize::benches::AnalogChain chain(recipe);
  const auto geometry_check = [&](const char* what, int column, int table) {
    if (column != table) {
      throw UsageError("the column recipe has " + std::string(what) + " = " +
                       std::to_string(column) + " but the tables in " + o.lut_dir.string() +
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
  for (const calib::TableSource& s : macro.sources) {
    if (s.master_seed == recipe.seed) {
      throw UsageError("the column recipe's seed " + std::to_string(recipe.seed) +
                       " is the master seed of " + s.file.string() +
                       ": its dies would be the tables' own; give the validation another --seed");
    }
  }
  rep.spice_seed = recipe.seed;

  // The SPICE side: the column characterization (reused when complete, of this recipe and
  // written by this build's commit: a bench's code can change what one recipe simulates), or the
  // complete run the user names.
  fs::create_directories(o.out_dir);
  rep.spice_file = o.spice_file.empty() ? o.out_dir / "column.h5" : o.spice_file;
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
                       "' is an unfinished column run: finish it (cimchar characterize ... "
                       "--resume, or merge its shards) before comparing with it");
    }
    const std::string difference = RecipeDifference(given.provenance().recipe_text, recipe);
    if (!difference.empty()) {
      throw UsageError("'" + o.spice_file.string() + "' was run from another column recipe than " +
                       recipe_file.string() + " (profile " + o.profile +
                       ") with the keys given: " + difference);
    }
    const std::string& commit = given.provenance().cimchar_commit;
    rep.notes.push_back("SPICE: " + o.spice_file.string() + " as given, made by cimchar commit " +
                        ShortCommit(commit) +
                        (commit == core::kGitCommit
                             ? " (this build)"
                             : " (this build: " + ShortCommit(core::kGitCommit) + ")"));
    reuse = true;
  } else if (!o.resume && fs::exists(rep.spice_file) &&
             !fs::exists(rep.spice_file.string() + ".journal")) {
    const lut::Store existing = lut::Store::Open(rep.spice_file);
    reuse = existing.complete() &&
            existing.provenance().recipe_text.rfind(characterize::RecipeText(recipe), 0) == 0 &&
            existing.provenance().cimchar_commit == core::kGitCommit;
  }
  if (reuse) {
    if (o.spice_file.empty()) {
      rep.notes.push_back("SPICE: reused " + rep.spice_file.string() +
                          " (same recipe and cimchar commit, complete)");
    }
  } else {
    characterize::RunOptions run;
    run.jobs = o.jobs;
    run.out = rep.spice_file;
    run.resume = o.resume;
    run.progress = o.progress;
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
  if (distribute::LaunchedBy().rank != 0) {
    rep.root = false;  // under mpirun the ranks shared the dies; rank 0 compares and reports
    return rep;
  }
  const lut::Store store = lut::Store::Open(rep.spice_file);
  const lut::RunSpec& spec = store.spec();
  const std::string input_seed_text = RecipeValue(recipe, "column.input_seed");
  const std::uint64_t input_seed = input_seed_text.empty() ? 1 : std::stoull(input_seed_text);
  const int batches = static_cast<int>(spec.GridPointCount());
  // Vectors per batch: the store's code columns (code_0 .. code_{n-1}, then the line voltages).
  const int per_batch = static_cast<int>(spec.columns.size() / 2);
  if (per_batch < 1 || spec.columns.size() % 2 != 0 || spec.columns.front().name != "code_0") {
    throw Error(rep.spice_file.string() +
                " is not a column run (expected columns code_0 .. code_n, line_v_0 .. line_v_n)");
  }
  rep.dies = static_cast<int>(spec.samples_per_point);
  rep.vectors = batches * per_batch;

  // The vectors and their ideal values.
  std::vector<std::vector<std::int64_t>> counts;
  const std::size_t codes = std::size_t{1} << macro.geometry.dac_bits;
  for (int b = 0; b < batches; ++b) {
    for (int k = 0; k < per_batch; ++k) {
      const auto v = characterize::benches::ColumnVectors(input_seed, b + 1, k, chain.rows(),
                                                          chain.dac_bits());
      std::vector<std::int64_t> c(codes, 0);
      for (int r = 0; r < chain.rows(); ++r) {
        if (v.weight[static_cast<std::size_t>(r)] != 0) {
          ++c[static_cast<std::size_t>(v.code[static_cast<std::size_t>(r)])];
        }
      }
      rep.ideal_lsb.push_back(IdealLsb(macro, c));
      counts.push_back(std::move(c));
    }
  }
  rep.spice.assign(static_cast<std::size_t>(rep.dies),
                   std::vector<int>(static_cast<std::size_t>(rep.vectors), -1));
  std::vector<std::vector<double>> spice_lines(
      static_cast<std::size_t>(rep.dies),
      std::vector<double>(static_cast<std::size_t>(rep.vectors),
                          std::numeric_limits<double>::quiet_NaN()));
  std::vector<bool> die_failed(static_cast<std::size_t>(rep.dies), false);
  for (const lut::Record& r : store.records()) {
    const auto die = static_cast<std::size_t>(r.sample);
    if (r.status != lut::SampleStatus::kOk) {
      die_failed[die] = true;
      continue;
    }
    for (int k = 0; k < per_batch; ++k) {
      const std::size_t v = r.grid_point * per_batch + static_cast<std::size_t>(k);
      rep.spice[die][v] = static_cast<int>(std::lround(r.values[static_cast<std::size_t>(k)]));
      spice_lines[die][v] = r.values[static_cast<std::size_t>(per_batch + k)];
    }
  }
  rep.failed_dies = static_cast<int>(std::count(die_failed.begin(), die_failed.end(), true));

  rep.model = ModelCodes(macro, counts, o.chips, o.first_chip);
  rep.comparison = CompareCodes(rep.ideal_lsb, macro.geometry.adc_bits, rep.spice, rep.model);
  rep.lines = CompareLines(macro.line, chain.rows(), counts, spice_lines);
  rep.lsb_v = macro.adc.LsbV();
  for (const auto& n : macro.notes) {
    rep.notes.push_back("macro: " + n);
  }
  rep.total_s = Seconds(t_start, Clock::now());
  return rep;
}

void PrintReport(std::ostream& out, const ValidationReport& r) {
  const Comparison& c = r.comparison;
  out << "validation of the table-calibrated model against SPICE on held-out dies\n";
  out << "operating point: " << r.point.Describe() << "\n";
  out << "SPICE: " << r.dies << " dies (Monte Carlo samples of master seed " << r.spice_seed
      << ", not the tables' seeds) x " << r.vectors << " vectors, whole column (cells, DACs, "
      << "A_MULT, line, SAR ADC): " << r.spice_file.string() << "\n";
  out << "model: " << r.options.chips << " chip instances (chip seeds " << r.options.first_chip
      << " ..), calibrated from " << r.options.lut_dir.string() << "\n";
  out << "inputs: per vector and row W ~ Bernoulli(1/2), DAC code uniform (a full analog window "
         "of uniform activations); dynamic noise off on both sides (ngspice has no device noise "
         "in transient analysis)\n";
  out << "error = code - ideal code (ideal fraction on the converter's window, floor)\n";
  for (const auto& n : r.notes) {
    out << "  # " << n << "\n";
  }
  out << std::fixed;
  const auto side = [&](const char* name, const SideStats& s) {
    out << std::setprecision(3) << name << ": " << s.instances << " instances, " << s.conversions
        << " conversions; error mean " << s.error_mean << " sigma " << s.error_sigma
        << " LSB; per instance: mean " << s.die_mean_mean << " +- " << s.die_mean_sigma
        << ", sigma " << s.die_sigma_mean << "; SNR " << std::setprecision(2) << s.snr_db << " dB ["
        << s.snr_lo_db << ", " << s.snr_hi_db << "] (95 %)\n";
    out << "  error histogram:";
    for (const auto& [e, n] : s.histogram) {
      out << " " << e << ":" << n;
    }
    out << "\n";
  };
  side("SPICE", c.spice);
  side("model", c.model);
  const auto verdict = [](bool ok) { return ok ? "PASS" : "MISS"; };
  out << std::setprecision(3) << "pooled error sigma ratio (model/SPICE): " << c.sigma_ratio
      << " (target " << kTargetRatioLo << "-" << kTargetRatioHi
      << "): " << verdict(c.sigma_ratio >= kTargetRatioLo && c.sigma_ratio <= kTargetRatioHi)
      << "\n";
  out << std::setprecision(2) << "SNR difference (model - SPICE): " << c.snr_diff_db
      << " dB (target within " << kTargetSnrDiffDb
      << " dB): " << verdict(std::abs(c.snr_diff_db) <= kTargetSnrDiffDb) << "\n";
  // The p-value is a permutation test's, not the chi-square law's: the distance is between
  // proportions, so it is printed as such, with the number of bins it spans.
  out << std::setprecision(3)
      << "two-sample chi-square distance on the error histograms: " << c.chi2 << " over "
      << c.chi2_dof + 1 << " bins, p = " << c.chi2_p << " by " << kPermutations
      << " exchanges of whole instances (target p >= " << kTargetP << "): "
      << (c.chi2_dof > 0 ? verdict(c.chi2_p >= kTargetP)
                         : "MISS (every error in one bin: nothing to compare)")
      << "\n";
  const LineComparison& l = r.lines;
  if (l.vectors_compared > 0) {
    const double lsb = r.lsb_v > 0.0 ? r.lsb_v : 1.0;
    out << std::showpos << std::setprecision(3)
        << "line in front of the ADC (diagnostic, no target): SPICE's sampled line - the model's "
           "mean line, per vector over the dies: mean "
        << l.diff_mean_v * 1e3 << " mV (" << l.diff_mean_v / lsb << " LSB), from "
        << l.diff_min_v * 1e3 << " to " << l.diff_max_v * 1e3 << " mV over " << std::noshowpos
        << l.vectors_compared << " vectors; SPICE's spread across dies "
        << l.spice_sigma_mean_v * 1e3 << " mV per vector on average (lines.csv)\n";
  }
  if (r.failed_dies > 0) {
    out << "dies with a failed batch: " << r.failed_dies << " (their failed vectors are skipped)\n";
  }
  out << std::setprecision(1) << "runtime: " << r.total_s << " s (SPICE column ";
  if (!r.options.spice_file.empty()) {
    out << "given with --spice)\n";
  } else {
    out << r.spice_s << " s" << (r.spice_s == 0.0 ? ", reused" : "") << ")\n";
  }
  out << "result: " << verdict(MeetsTargets(c)) << "\n";
}

void WriteCodesCsv(const fs::path& file, const ValidationReport& r) {
  WriteAtomically(file, [&](std::ostream& out) {
    out << "side,instance,vector,ideal_lsb,code\n" << std::setprecision(17);
    const auto write = [&](const char* side, const CodeTable& t) {
      for (std::size_t i = 0; i < t.size(); ++i) {
        for (std::size_t v = 0; v < t[i].size(); ++v) {
          out << side << "," << i << "," << v << "," << r.ideal_lsb[v] << "," << t[i][v] << "\n";
        }
      }
    };
    write("spice", r.spice);
    write("model", r.model);
  });
}

void WriteLinesCsv(const fs::path& file, const ValidationReport& r) {
  WriteAtomically(file, [&](std::ostream& out) {
    out << "vector,ideal_lsb,model_line_v,spice_mean_line_v,spice_sigma_line_v,spice_dies\n"
        << std::setprecision(17);
    const LineComparison& l = r.lines;
    for (std::size_t v = 0; v < l.model_v.size(); ++v) {
      out << v << "," << r.ideal_lsb[v] << "," << l.model_v[v] << ",";
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
