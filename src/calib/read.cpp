#include "calib/read.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "calib/comparator_schema.h"
#include "calib/schema.h"
#include "core/error.h"
#include "lut/store.h"
#include "lut/table.h"
#include "netlist/devices.h"

namespace cimchar::calib {

namespace fs = std::filesystem;

namespace {

std::string Num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

int CeilLog2(long long n) {
  int bits = 0;
  while ((1LL << bits) < n) {
    ++bits;
  }
  return bits;
}

std::vector<lut::AxisExpectation> GridAxes() {
  return {{std::string(schema::kCornerAxis), ""},
          {std::string(schema::kVddAxis), "V"},
          {std::string(schema::kTempAxis), "degC"}};
}

lut::TableExpectation Expect(const std::string& units, std::string_view bench_axis = {}) {
  lut::TableExpectation e{.units = units, .axes = GridAxes()};
  if (!bench_axis.empty()) {
    e.axes.push_back({std::string(bench_axis), "1"});
  }
  return e;
}

bool Has(const lut::Store& store, std::string_view quantity, lut::Statistic stat) {
  for (const lut::QuantityInfo& q : store.Quantities()) {
    if (q.quantity == quantity && q.statistic == stat) {
      return true;
    }
  }
  return false;
}

const lut::Table& Need(const lut::Store& store,
                       std::string_view quantity,
                       lut::Statistic stat,
                       const lut::TableExpectation& expected) {
  if (!Has(store, quantity, stat)) {
    throw Error("'" + store.path().string() + "' has no table " + std::string(quantity) + "/" +
                lut::StatisticName(stat) +
                ", which the characterized macro needs (characterization/README.md lists the "
                "contract); rerun the recipe that writes it");
  }
  return store.ReadTable(quantity, stat, expected);
}

const lut::Table* Optional(const lut::Store& store,
                           std::string_view quantity,
                           lut::Statistic stat,
                           const lut::TableExpectation& expected) {
  return Has(store, quantity, stat) ? &store.ReadTable(quantity, stat, expected) : nullptr;
}

lut::Coordinates At(const OperatingPoint& p) {
  return {{std::string(schema::kCornerAxis), p.corner},
          {std::string(schema::kVddAxis), p.vdd_v},
          {std::string(schema::kTempAxis), p.temp_c}};
}

// Table::Lookup with the file named in a refusal; the table never extrapolates.
double Look(const lut::Store& store, const lut::Table& table, const lut::Coordinates& where) {
  try {
    return table.Lookup(where);
  } catch (const UsageError& e) {
    throw UsageError("'" + store.path().string() + "': " + e.what() +
                     " (the macro is interpolated inside the characterized grid and never "
                     "extrapolated: choose a point inside it or characterize a wider grid)");
  }
}

double LookOr(const lut::Store& store,
              const lut::Table* table,
              const lut::Coordinates& where,
              double fallback) {
  if (table == nullptr) {
    return fallback;
  }
  const double v = Look(store, *table, where);
  return std::isfinite(v) ? v : fallback;
}

// A resolved bench parameter ("apath.rows") from the store's recipe provenance.
std::optional<std::string> Parameter(const lut::Store& store, std::string_view key) {
  return ResolvedParameter(store.provenance().recipe_text, key);
}
int IntParameter(const lut::Store& store, std::string_view key) {
  const auto v = Parameter(store, key);
  if (!v) {
    throw UsageError("'" + store.path().string() + "' does not state " + std::string(key) +
                     " (a table made by an older cimchar): rerun cimchar characterize " +
                     std::string(key.substr(0, key.find('.'))));
  }
  try {
    return std::stoi(*v);
  } catch (const std::exception&) {
    throw Error("'" + store.path().string() + "': " + std::string(key) + " = '" + *v +
                "' is not an integer");
  }
}

// A geometry field the caller asked for must equal the tables'.
void Agree(const char* option,
           const std::optional<int>& asked,
           int table,
           const char* what,
           const fs::path& file) {
  if (asked && *asked != table) {
    throw UsageError("--" + std::string(option) + " " + std::to_string(*asked) +
                     " disagrees with '" + file.string() + "', which was measured for " +
                     std::to_string(table) + " " + what +
                     "; a table describes one circuit: characterize that circuit (" + what + " = " +
                     std::to_string(*asked) + ") or drop --" + option);
  }
}

TableSource SourceOf(const std::string& role, const lut::Store& store) {
  const lut::Provenance& p = store.provenance();
  return {.role = role,
          .file = fs::absolute(store.path()),
          .sha256 = lut::Sha256File(store.path()),
          .recipe_text = p.recipe_text,
          .master_seed = p.master_seed,
          .samples_per_point = store.spec().samples_per_point,
          .ngspice_version = p.ngspice_version,
          .cimchar_version = p.cimchar_version,
          .cimchar_commit = p.cimchar_commit,
          .created_utc = p.created_utc};
}

void ReadApath(const lut::Store& store, const Request& request, Macro& m) {
  const std::string file = store.path().string();
  for (const lut::QuantityInfo& q : store.Quantities()) {
    if (q.quantity == schema::kApathLineV &&
        std::find(q.axes.begin(), q.axes.end(), "fraction") != q.axes.end()) {
      throw UsageError("'" + file + "' holds " + std::string(schema::kApathLineV) +
                       " over the ideal fraction: a table of the old line bench (no cells, no "
                       "DACs in the chain); rerun cimchar characterize apath");
    }
  }
  Geometry& g = m.geometry;
  g.rows = IntParameter(store, schema::kApathRowsKey);
  g.columns = IntParameter(store, schema::kApathColumnsKey);
  g.dac_bits = IntParameter(store, schema::kApathDacBitsKey);
  Agree("rows", request.rows, g.rows, "rows", store.path());
  Agree("columns", request.columns, g.columns, "columns", store.path());
  Agree("dac-bits", request.dac_bits, g.dac_bits, "DAC bits", store.path());

  const auto per_code = Expect("V", schema::kCodeAxis);
  const lut::Table& mean = Need(store, schema::kApathLineV, lut::Statistic::kMean, per_code);
  const lut::Table& stat = Need(store, schema::kApathLineV, lut::Statistic::kStaticSigma, per_code);
  const lut::Table* dyn =
      Optional(store, schema::kApathLineV, lut::Statistic::kDynamicSigma, per_code);
  LineTransfer& l = m.line;
  l = {};
  const lut::Coordinates at = At(request.point);
  for (double c : mean.axis(schema::kCodeAxis).values()) {
    lut::Coordinates p = at;
    p[std::string(schema::kCodeAxis)] = c;
    l.codes.push_back(static_cast<int>(std::lround(c)));
    l.code_v.push_back(Look(store, mean, p));
    l.code_static_sigma_v.push_back(LookOr(store, &stat, p, 0.0));
    l.code_dynamic_sigma_v.push_back(LookOr(store, dyn, p, 0.0));
  }
  const int top = (1 << g.dac_bits) - 1;
  if (l.codes.empty() || l.codes.front() != 0 || l.codes.back() != top) {
    throw Error("'" + file + "': " + std::string(schema::kApathLineV) +
                "'s code axis must run from 0 to " + std::to_string(top) + " (a " +
                std::to_string(g.dac_bits) + "-bit DAC)");
  }
  l.baseline_v =
      Look(store, Need(store, schema::kApathBaselineV, lut::Statistic::kMean, Expect("V")), at);
  if (const lut::Table* checks = Optional(store, schema::kApathSuperpositionError,
                                          lut::Statistic::kMean, Expect("V", schema::kCheckAxis))) {
    const lut::Table* spread =
        Optional(store, schema::kApathSuperpositionError, lut::Statistic::kStaticSigma,
                 Expect("V", schema::kCheckAxis));
    double worst = 0.0;
    for (double k : checks->axis(schema::kCheckAxis).values()) {
      lut::Coordinates p = at;
      p[std::string(schema::kCheckAxis)] = k;
      worst =
          std::max(worst, std::abs(Look(store, *checks, p)) + 3.0 * LookOr(store, spread, p, 0.0));
    }
    l.superposition_error_v = worst;
  }
  if (dyn == nullptr) {
    m.notes.push_back("line dynamic noise: not characterized in " + file + ": 0");
  }

  Energies& e = m.energy;
  const auto per_code_j = Expect("J", schema::kCodeAxis);
  const lut::Table& op = Need(store, schema::kApathEnergyOp, lut::Statistic::kMean, per_code_j);
  e.op_code_j.clear();
  for (int c : l.codes) {
    lut::Coordinates p = at;
    p[std::string(schema::kCodeAxis)] = static_cast<double>(c);
    e.op_code_j.push_back(std::max(0.0, Look(store, op, p)));
  }
  e.op_baseline_j = std::max(
      0.0, Look(store,
                Need(store, schema::kApathBaselineEnergy, lut::Statistic::kMean, Expect("J")), at));
  e.analog_how = "measured: " + std::string(schema::kApathEnergyOp) + " and " +
                 std::string(schema::kApathBaselineEnergy) + " in " + file +
                 " (cells, the LBL precharge after the read, A_MULT, sharing, line reset, the "
                 "column's control lines; PCHB and AWL are per row, from the digital table)";

  std::ostringstream codes;
  for (std::size_t i = 0; i < l.codes.size(); ++i) {
    codes << (i ? "," : "") << l.codes[i];
  }
  m.notes.push_back("line: " + file + ", " + std::to_string(g.rows) + " rows, " +
                    std::to_string(g.dac_bits) + "-bit DAC, codes " + codes.str() +
                    " (linear in between); full scale " + Num(l.code_v.back() * 1e3) +
                    " mV, baseline " + Num(l.baseline_v * 1e3) + " mV");
}

void ReadAdc(const lut::Store& store, const Request& request, Macro& m) {
  const std::string file = store.path().string();
  if (request.adc_lo_frac || request.adc_hi_frac) {
    throw UsageError(
        "--adc-lo/--adc-hi set the ADC window of the analytic placeholder only; the window of "
        "a characterized converter is where its transitions are (" +
        file + "): characterize the ADC with other adc.vref/adc.vcm keys to move it");
  }
  const auto per_code = Expect("V", schema::kCodeAxis);
  const lut::Table& mean = Need(store, schema::kAdcTransitionV, lut::Statistic::kMean, per_code);
  const lut::Table& stat =
      Need(store, schema::kAdcTransitionV, lut::Statistic::kStaticSigma, per_code);
  const lut::Table* dyn =
      Optional(store, schema::kAdcTransitionV, lut::Statistic::kDynamicSigma, per_code);
  const std::vector<double>& codes = mean.axis(schema::kCodeAxis).values();
  const std::size_t n = codes.size();
  int bits = 0;
  while ((std::size_t{1} << bits) - 1 < n) {
    ++bits;
  }
  if ((std::size_t{1} << bits) - 1 != n) {
    throw Error("'" + file + "': " + std::string(schema::kAdcTransitionV) + " has " +
                std::to_string(n) + " transitions, which is not 2^b - 1 for any ADC resolution b");
  }
  Agree("adc-bits", request.adc_bits, bits, "ADC bits", store.path());
  m.geometry.adc_bits = bits;
  const lut::Coordinates at = At(request.point);
  AdcTransfer& a = m.adc;
  a = {};
  for (double c : codes) {
    lut::Coordinates p = at;
    p[std::string(schema::kCodeAxis)] = c;
    a.transition_v.push_back(Look(store, mean, p));
    a.transition_static_sigma_v.push_back(LookOr(store, &stat, p, 0.0));
    a.transition_dynamic_sigma_v.push_back(LookOr(store, dyn, p, 0.0));
  }
  a.window_lsb_v = 0.0;
  if (n < 2) {
    throw UsageError("'" + file +
                     "': a 1-bit converter's single transition does not define its window; "
                     "the macro needs an ADC of at least 2 bits");
  }
  const lut::Table& offset =
      Need(store, schema::kAdcComparatorOffsetV, lut::Statistic::kStaticSigma, Expect("V"));
  a.comparator_offset_sigma_v = LookOr(store, &offset, at, 0.0);
  const lut::Table* offset_noise =
      Optional(store, schema::kAdcComparatorOffsetV, lut::Statistic::kDynamicSigma, Expect("V"));
  if (offset_noise != nullptr) {
    a.comparator_noise_sigma_v = LookOr(store, offset_noise, at, 0.0);
  } else {
    double sq = 0.0;
    for (double s : a.transition_dynamic_sigma_v) {
      sq += s * s;
    }
    a.comparator_noise_sigma_v = std::sqrt(sq / static_cast<double>(n));
  }
  m.energy.adc_conversion = {std::max(0.0, Look(store,
                                                Need(store, schema::kAdcEnergyConversion,
                                                     lut::Statistic::kMean, Expect("J")),
                                                at)),
                             "measured: " + std::string(schema::kAdcEnergyConversion) + " in " +
                                 file + " (what it includes: the file's recipe)"};
  // History (kickback, comparator memory): a die's largest transition shift over the previous
  // codes, averaged over dies; its spread across dies is in the note.
  const lut::Table* history =
      Optional(store, schema::kAdcHistoryShiftMaxLsb, lut::Statistic::kMean, Expect("1"));
  if (history != nullptr) {
    const lut::Table* history_sigma =
        Optional(store, schema::kAdcHistoryShiftMaxLsb, lut::Statistic::kStaticSigma, Expect("1"));
    a.history_shift_lsb = Look(store, *history, at);
    const double sigma = LookOr(store, history_sigma, at, 0.0);
    const bool negligible = a.history_shift_lsb < schema::kAdcHistoryNegligibleLsb;
    m.notes.push_back(std::string(negligible ? "" : "WARNING: ") +
                      "ADC history shift (a die's largest transition shift after any previous "
                      "code, mean over dies): " +
                      Num(a.history_shift_lsb) + " LSB (sigma across dies " + Num(sigma) +
                      " LSB), " + (negligible ? "below " : "not below ") +
                      Num(schema::kAdcHistoryNegligibleLsb) + " LSB: the model leaves it out" +
                      (negligible ? "" : " although it matters"));
  } else {
    m.notes.push_back("ADC history shift: not characterized (no " +
                      std::string(schema::kAdcHistoryShiftMaxLsb) + ")");
  }
  m.notes.push_back("ADC: " + file + ", " + std::to_string(bits) + " bits, window " +
                    Num(a.LowV() * 1e3) + " .. " + Num(a.HighV() * 1e3) +
                    " mV (end points of "
                    "the transitions), LSB " +
                    Num(a.LsbV() * 1e3) +
                    " mV; comparator offset "
                    "sigma " +
                    Num(a.comparator_offset_sigma_v * 1e3) + " mV, noise " +
                    Num(a.comparator_noise_sigma_v * 1e3) + " mV" +
                    (dyn == nullptr ? " (no dynamic sigma table: noise 0)" : ""));
}

// A single-valued quantity's mean at the operating point.
double Scalar(const lut::Store& store,
              std::string_view quantity,
              const std::string& units,
              const lut::Coordinates& at) {
  return Look(store, Need(store, quantity, lut::Statistic::kMean, Expect(units)), at);
}

void ReadAdderTree(const lut::Store& store, const Request& request, Macro& m) {
  const std::string file = store.path().string();
  const int rows = IntParameter(store, schema::kAdderTreeRowsKey);
  if (rows != m.geometry.rows) {
    throw UsageError(
        "'" + file + "' was measured for an adder tree of " + std::to_string(rows) +
        " inputs, but the macro has " + std::to_string(m.geometry.rows) +
        " rows: characterize adder_tree with adder_tree.rows = " + std::to_string(m.geometry.rows));
  }
  const std::string structure =
      Parameter(store, schema::kAdderTreeStructureKey).value_or("(structure not stated)");
  const lut::Coordinates at = At(request.point);
  const lut::Table& energy =
      Need(store, schema::kAdderTreeEnergy, lut::Statistic::kMean, Expect("J", schema::kOnesAxis));
  Energies& e = m.energy;
  e.adder_tree_j.clear();
  for (int n = 0; n <= rows; ++n) {
    lut::Coordinates p = at;
    p[std::string(schema::kOnesAxis)] = static_cast<double>(n) / rows;
    e.adder_tree_j.push_back(std::max(0.0, Look(store, energy, p)));
  }
  e.adder_tree_how = "measured: " + std::string(schema::kAdderTreeEnergy) +
                     " over the fraction of inputs at 1 in " + file + " (" + structure +
                     " tree of " + std::to_string(rows) + " inputs with its output register; " +
                     Num(e.adder_tree_j.front() * 1e15) + " fJ with no input at 1, " +
                     Num(e.adder_tree_j[rows / 4] * 1e15) + " fJ at a quarter)";
  const double cycle_s = Scalar(store, schema::kAdderTreeCycle, "s", at);
  e.leakage_tree_cycle = {std::max(0.0, Scalar(store, schema::kAdderTreeLeakageCycle, "J", at)),
                          "measured: " + std::string(schema::kAdderTreeLeakageCycle) + " in " +
                              file + " (over a cycle of " + Num(cycle_s * 1e9) + " ns)"};
  m.notes.push_back("adder tree: " + file + ", " + structure + ", " + std::to_string(rows) +
                    " inputs, cycle " + Num(cycle_s * 1e9) + " ns");
}

void ReadDigital(const lut::Store& store, const Request& request, Macro& m) {
  const std::string file = store.path().string();
  const lut::Coordinates at = At(request.point);
  Energies& e = m.energy;
  const std::string in = " in " + file;

  // D_MULT per row class: the bilinear table's corners (w_activity, a_activity); the W = 0
  // rows at a_activity 1/2, where their activation bits alternate as random data's do.
  lut::TableExpectation dmult_axes = Expect("J", schema::kWActivityAxis);
  dmult_axes.axes.push_back({std::string(schema::kAActivityAxis), "1"});
  const lut::Table& dmult =
      Need(store, schema::kDigitalDmultEnergy, lut::Statistic::kMean, dmult_axes);
  const auto dmult_at = [&](double w, double a) {
    lut::Coordinates p = at;
    p[std::string(schema::kWActivityAxis)] = w;
    p[std::string(schema::kAActivityAxis)] = a;
    return std::max(0.0, Look(store, dmult, p));
  };
  const std::string dm = "measured: " + std::string(schema::kDigitalDmultEnergy) + " at ";
  e.dmult_w0 = {dmult_at(0.0, 0.5), dm + "w_activity 0, a_activity 0.5" + in};
  e.dmult_w1_a0 = {dmult_at(1.0, 0.0), dm + "w_activity 1, a_activity 0" + in};
  e.dmult_w1_a1 = {dmult_at(1.0, 1.0), dm + "w_activity 1, a_activity 1" + in};

  // The accumulator: its table is a line in the fraction of register bits that change.
  const int acc_bits = IntParameter(store, schema::kDigitalAccBitsKey);
  const lut::Table& acc = Need(store, schema::kDigitalAccumulatorEnergy, lut::Statistic::kMean,
                               Expect("J", schema::kTogglesAxis));
  const auto acc_at = [&](double toggles) {
    lut::Coordinates p = at;
    p[std::string(schema::kTogglesAxis)] = toggles;
    return Look(store, acc, p);
  };
  const double acc0 = std::max(0.0, acc_at(0.0));
  const double acc1 = std::max(acc0, acc_at(1.0));
  e.accumulate = {acc0, "measured: " + std::string(schema::kDigitalAccumulatorEnergy) +
                            " over register toggles" + in + " (" + std::to_string(acc_bits) +
                            " bits; " + Num(acc0 * 1e15) + " fJ + " +
                            Num((acc1 - acc0) / acc_bits * 1e15) + " fJ per bit that changes)"};
  e.accumulate_toggle_j = (acc1 - acc0) / acc_bits;
  e.accumulator_bits = acc_bits;

  e.precharge_lblb = {
      std::max(0.0, Scalar(store, schema::kPrechargeLblb, "J", at)),
      "measured: " + std::string(schema::kPrechargeLblb) + in + " (per discharged LBLB)"};
  e.precharge_row_cycle = {std::max(0.0, Scalar(store, schema::kPrechargeRowCycle, "J", at)),
                           "measured: " + std::string(schema::kPrechargeRowCycle) + in +
                               " (per row, once per array cycle)"};
  e.wordline_dwl = {std::max(0.0, Scalar(store, schema::kWordlineDwl, "J", at)),
                    "measured: " + std::string(schema::kWordlineDwl) + in};
  e.wordline_awl = {std::max(0.0, Scalar(store, schema::kWordlineAwl, "J", at)),
                    "measured: " + std::string(schema::kWordlineAwl) + in};
  e.din_toggle = {std::max(0.0, Scalar(store, schema::kDinToggle, "J", at)),
                  "measured: " + std::string(schema::kDinToggle) + in};
  const double cycle_s = Scalar(store, schema::kDigitalCycle, "s", at);
  const std::string over = " (over a cycle of " + Num(cycle_s * 1e9) + " ns)";
  e.leakage_row_cycle = {std::max(0.0, Scalar(store, schema::kLeakageRowCycle, "J", at)),
                         "measured: " + std::string(schema::kLeakageRowCycle) + in + over};
  e.leakage_accumulator_cycle = {
      std::max(0.0, Scalar(store, schema::kLeakageAccumulatorCycle, "J", at)),
      "measured: " + std::string(schema::kLeakageAccumulatorCycle) + in + over};

  // No netlist yet: the N/Q unit and the OSE decision logic, composed from the accumulator's
  // energy per bit at half its bits changing.
  const Geometry& g = m.geometry;
  const double per_bit = (acc0 + 0.5 * (acc1 - acc0)) / acc_bits;
  const int count_bits = CeilLog2(g.rows + 1LL);
  constexpr int kOseSaliencyBits = 16;
  constexpr int kOseThresholdCompares = 5;
  const int ose_bits = (1 + kOseThresholdCompares) * kOseSaliencyBits;
  const std::string bit = " bits x the accumulator's energy per bit at half its bits changing (" +
                          Num(per_bit * 1e15) + " fJ" + in + ")";
  e.nq = {count_bits * per_bit, "composed (no netlist): one " + std::to_string(count_bits) +
                                    "-bit add," + " " + std::to_string(count_bits) + bit};
  e.ose_eval = {ose_bits * per_bit,
                "composed (no netlist): " + std::to_string(1 + kOseThresholdCompares) +
                    " adds of " + std::to_string(kOseSaliencyBits) + " bits, " +
                    std::to_string(ose_bits) + bit};
  m.notes.push_back("digital: " + file + ", accumulator of " + std::to_string(acc_bits) +
                    " bits, cycle " + Num(cycle_s * 1e9) + " ns");
}

void ReadDac(const lut::Store& store, const Request& request, Macro& m) {
  const std::string file = store.path().string();
  const lut::Coordinates at = At(request.point);
  const lut::Table& dac =
      Need(store, schema::kDacEnergy, lut::Statistic::kMean, Expect("J", schema::kCodeAxis));
  const std::vector<double>& codes = dac.axis(schema::kCodeAxis).values();
  const int top = (1 << m.geometry.dac_bits) - 1;
  if (codes.size() != static_cast<std::size_t>(top) + 1 || codes.front() != 0 ||
      codes.back() != top) {
    throw UsageError(
        "'" + file + "': " + std::string(schema::kDacEnergy) + " covers codes " +
        lut::FormatNumber(codes.front()) + ".." + lut::FormatNumber(codes.back()) + " (" +
        std::to_string(codes.size()) + " codes) but the line was measured with a " +
        std::to_string(m.geometry.dac_bits) +
        "-bit DAC: characterize the DAC with dac.bits = " + std::to_string(m.geometry.dac_bits));
  }
  m.energy.dac_row_j.clear();
  for (double c : codes) {
    lut::Coordinates p = at;
    p[std::string(schema::kCodeAxis)] = c;
    m.energy.dac_row_j.push_back(std::max(0.0, Look(store, dac, p)));
  }
  m.energy.dac_how = "measured: " + std::string(schema::kDacEnergy) + " in " + file +
                     " (one row's DAC driving its GBL, return-to-zero, per code)";
}

// The comparator readout (binary: one comparator, ternary: two); `comparators` is what the
// readout needs, the table must have been made for it.
void ReadComparators(const lut::Store& store, const Request& request, Macro& m, int comparators) {
  const std::string file = store.path().string();
  const auto stated = Parameter(store, "comparator.comparators");
  if (!stated || *stated != std::to_string(comparators)) {
    throw UsageError(
        "'" + file + "' characterizes " + stated.value_or("an unknown number of") +
        " comparator(s) per column, but the " + request.readout + " readout has " +
        std::to_string(comparators) +
        ": characterize it with --comparator.comparators=" + std::to_string(comparators));
  }
  const lut::Coordinates at = At(request.point);
  ComparatorReadout& c = m.comparator;
  c = {};
  const std::vector<std::pair<std::string_view, std::string_view>> names =
      comparators == 1
          ? std::vector<
                std::pair<std::string_view, std::string_view>>{{schema::kComparatorThresholdMidV,
                                                                schema::kComparatorOffsetMidV}}
          : std::vector<std::pair<std::string_view, std::string_view>>{
                {schema::kComparatorThresholdLowV, schema::kComparatorOffsetLowV},
                {schema::kComparatorThresholdHighV, schema::kComparatorOffsetHighV}};
  double noise_sq = 0.0;
  for (const auto& [threshold, offset] : names) {
    c.threshold_v.push_back(Scalar(store, threshold, "V", at));
    c.threshold_static_sigma_v.push_back(
        Look(store, Need(store, offset, lut::Statistic::kStaticSigma, Expect("V")), at));
    const lut::Table* dyn = Optional(store, offset, lut::Statistic::kDynamicSigma, Expect("V"));
    const double noise = LookOr(store, dyn, at, 0.0);
    noise_sq += noise * noise;
  }
  c.noise_sigma_v = std::sqrt(noise_sq / comparators);
  c.energy_decision_j = std::max(0.0, Scalar(store, schema::kComparatorEnergyDecision, "J", at));
  c.reference_energy_j = std::max(0.0, Scalar(store, schema::kComparatorReferenceEnergy, "J", at));
  c.kickback_v = Scalar(store, schema::kComparatorKickbackV, "V", at);
  m.energy.adc_conversion = {comparators * c.energy_decision_j + c.reference_energy_j,
                             "measured: " + std::to_string(comparators) + " x " +
                                 std::string(schema::kComparatorEnergyDecision) + " + " +
                                 std::string(schema::kComparatorReferenceEnergy) + " in " + file};
  std::string levels;
  for (std::size_t k = 0; k < c.threshold_v.size(); ++k) {
    levels += (k ? ", " : "") + Num(c.threshold_v[k] * 1e3) + " mV (offset sigma " +
              Num(c.threshold_static_sigma_v[k] * 1e3) + " mV)";
  }
  m.notes.push_back(request.readout + " readout: " + file + ", thresholds " + levels + ", noise " +
                    Num(c.noise_sigma_v * 1e3) + " mV per decision, " +
                    Num(c.energy_decision_j * 1e15) + " fJ per decision + " +
                    Num(c.reference_energy_j * 1e15) + " fJ reference per conversion, kickback " +
                    Num(c.kickback_v * 1e3) + " mV");
}

bool HasRole(const Macro& m, const std::string& role) {
  return std::any_of(m.sources.begin(), m.sources.end(),
                     [&](const TableSource& s) { return s.role == role; });
}

// One role: its reader, and what the macro keeps without its table (the placeholder, placed on
// what the roles before it read, and a note).
struct RoleReader {
  Role role;
  void (*read)(const lut::Store& store, const Request& request, Macro& m);
  void (*absent)(const AnalyticOptions& analytic, Macro& m);
};

// The roles in reading order: the line first (the converter's placeholder is placed on it).
const std::vector<RoleReader>& Readers() {
  static const std::vector<RoleReader> kReaders = {
      {{"apath", "analog chain table"},
       ReadApath,
       [](const AnalyticOptions&, Macro& m) {
         m.notes.push_back(
             "line, analog op and DAC energies: not characterized (no apath table): analytic "
             "placeholder (ideal line, 1 % static sigma)");
       }},
      {{"adc", "ADC table", "sar"},
       ReadAdc,
       [](const AnalyticOptions& analytic, Macro& m) {
         m.notes.push_back(
             "ADC: not characterized (no adc table): analytic placeholder (ideal transitions "
             "over the requested window)");
         if (HasRole(m, "apath")) {
           // The placeholder's window is in fractions of full scale: place it on this line.
           const double fs = m.FullScaleV();
           const int levels = 1 << m.geometry.adc_bits;
           const double lo = m.line.baseline_v + analytic.adc_lo_frac * (fs - m.line.baseline_v);
           const double lsb =
               (analytic.adc_hi_frac - analytic.adc_lo_frac) * (fs - m.line.baseline_v) / levels;
           for (int k = 1; k < levels; ++k) {
             m.adc.transition_v[static_cast<std::size_t>(k - 1)] = lo + k * lsb;
           }
           m.adc.window_lsb_v = lsb;
         }
       }},
      {{"adder_tree", "adder tree table"},
       ReadAdderTree,
       [](const AnalyticOptions&, Macro& m) {
         // The placeholder's tree, for the row count the tables set.
         m.energy.adder_tree_j = AnalyticMacro({.geometry = m.geometry}).energy.adder_tree_j;
         m.notes.push_back(
             "adder tree energy and leakage: not characterized (no adder_tree table): analytic "
             "placeholders");
       }},
      {{"digital", "digital table (accumulator, D_MULT, precharge, word lines, GBLB, leakage)"},
       ReadDigital,
       [](const AnalyticOptions&, Macro& m) {
         m.notes.push_back(
             "D_MULT, accumulator, precharge, word-line, GBLB and leakage energies, N/Q, OSE: not "
             "characterized (no digital table): analytic placeholders");
       }},
      {{"dac", "DAC table"},
       ReadDac,
       [](const AnalyticOptions&, Macro& m) {
         m.notes.push_back("DAC energy: not characterized (no dac table): analytic placeholder");
       }},
      {{"binary",
        "binary readout table (cimchar characterize comparator "
        "--comparator.comparators=1)",
        "binary"},
       [](const lut::Store& store, const Request& request, Macro& m) {
         ReadComparators(store, request, m, 1);
       },
       [](const AnalyticOptions&, Macro&) {}},
      {{"ternary", "ternary readout table (cimchar characterize comparator)", "ternary"},
       [](const lut::Store& store, const Request& request, Macro& m) {
         ReadComparators(store, request, m, 2);
       },
       [](const AnalyticOptions&, Macro&) {}},
  };
  return kReaders;
}

}  // namespace

const std::vector<Role>& Roles() {
  static const std::vector<Role> kRoles = [] {
    std::vector<Role> roles;
    for (const RoleReader& r : Readers()) {
      roles.push_back(r.role);
    }
    return roles;
  }();
  return kRoles;
}

fs::path Sources::Of(const std::string& role) const {
  const auto it = files.find(role);
  return it == files.end() ? fs::path() : it->second;
}

void Sources::Override(const Sources& other) {
  for (const auto& [role, file] : other.files) {
    if (!file.empty()) {
      files[role] = file;
    }
  }
}

bool Sources::Empty() const {
  return std::all_of(files.begin(), files.end(), [](const auto& f) { return f.second.empty(); });
}

Sources SourcesInFolder(const fs::path& dir) {
  if (!fs::is_directory(dir)) {
    throw UsageError("'" + dir.string() + "' is not a folder of characterization results");
  }
  Sources s;
  std::string names;
  for (const Role& role : Roles()) {
    const fs::path p = dir / (role.name + ".h5");
    names += (names.empty() ? "" : ", ") + role.name + ".h5";
    if (fs::exists(p)) {
      s.files[role.name] = p;
    }
  }
  if (s.Empty()) {
    throw UsageError("'" + dir.string() + "' holds none of " + names +
                     " (run cimchar characterize with those recipes, or name the files with "
                     "--apath etc.)");
  }
  return s;
}

std::optional<std::string> ResolvedParameter(std::string_view recipe_text, std::string_view key) {
  std::istringstream in{std::string(recipe_text)};
  std::string line;
  std::optional<std::string> found;
  while (std::getline(in, line)) {
    std::string text = line;
    const std::string resolved = "# resolved:";
    if (text.rfind(resolved, 0) == 0) {
      text = text.substr(resolved.size());
    } else if (!text.empty() && text[0] == '#') {
      continue;
    }
    const auto eq = text.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    std::string k = text.substr(0, eq);
    k.erase(std::remove(k.begin(), k.end(), ' '), k.end());
    if (k == key) {
      std::string v = text.substr(eq + 1);
      v.erase(0, v.find_first_not_of(' '));
      v.erase(v.find_last_not_of(' ') + 1);
      found = v;
    }
  }
  return found;
}

Macro ReadMacro(const Sources& sources, const Request& request) {
  AnalyticOptions analytic;
  Geometry& g = analytic.geometry;
  g.rows = request.rows.value_or(g.rows);
  g.columns = request.columns.value_or(g.columns);
  g.dac_bits = request.dac_bits.value_or(g.dac_bits);
  g.adc_bits = request.adc_bits.value_or(g.adc_bits);
  g.analog_window = request.analog_window.value_or(g.dac_bits);
  analytic.adc_lo_frac = request.adc_lo_frac.value_or(analytic.adc_lo_frac);
  analytic.adc_hi_frac = request.adc_hi_frac.value_or(analytic.adc_hi_frac);
  Macro m = AnalyticMacro(analytic);
  m.point = request.point;
  m.readout = request.readout;
  if (request.readout != "sar" && sources.Of(request.readout).empty()) {
    throw UsageError("the " + request.readout + " readout needs its table (" + request.readout +
                     ".h5 in --lut, or --" + request.readout +
                     " F.h5): cimchar characterize comparator writes it");
  }
  if (sources.Empty()) {
    return m;
  }
  m.origin = "tables";
  m.notes.clear();
  m.notes.push_back("operating point: " + request.point.Describe() +
                    " (interpolated; outside the grid is refused)");
  std::map<std::string, lut::Store> stores;
  for (const RoleReader& r : Readers()) {
    if (!r.role.readout.empty() && r.role.readout != request.readout) {
      continue;  // another readout's table
    }
    const fs::path p = sources.Of(r.role.name);
    if (p.empty()) {
      r.absent(analytic, m);
      continue;
    }
    const lut::Store& store = stores.emplace(r.role.name, lut::Store::Open(p)).first->second;
    if (!store.complete()) {
      throw UsageError("'" + p.string() +
                       "' is a snapshot of an unfinished run (no tables yet): resume it with "
                       "cimchar characterize ... --resume");
    }
    m.sources.push_back(SourceOf(r.role.name, store));
    r.read(store, request, m);
  }
  m.geometry.analog_window = request.analog_window.value_or(m.geometry.dac_bits);
  const auto role = [&](const char* name) {
    const auto it = stores.find(name);
    return it == stores.end() ? nullptr : &it->second;
  };
  const lut::Store* apath = role("apath");
  const lut::Store* adc = role("adc");
  const lut::Store* adder_tree = role("adder_tree");
  const lut::Store* digital = role("digital");
  if (apath && adc) {
    // One converter: the one sampling the line in the apath table is the one the adc table
    // characterizes (a table describes the circuit the model simulates).
    for (const auto& [line_key, adc_key] : schema::kLineAdcKeys) {
      const auto line_value = Parameter(*apath, line_key);
      const auto adc_value = Parameter(*adc, adc_key);
      if (!line_value) {
        throw UsageError("'" + apath->path().string() + "' does not state " +
                         std::string(line_key) +
                         " (a table made by an older cimchar, whose line carried a capacitor "
                         "for the ADC): rerun cimchar characterize apath");
      }
      double a = 0, b = 0;
      const bool numbers = netlist::ParseSpiceNumber(*line_value, a) && adc_value &&
                           netlist::ParseSpiceNumber(*adc_value, b);
      if (!numbers || std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(b))) {
        throw UsageError("'" + apath->path().string() + "' was measured with " +
                         std::string(line_key) + " = " + *line_value + " but '" +
                         adc->path().string() + "' characterizes " + std::string(adc_key) + " = " +
                         adc_value.value_or("(not stated)") +
                         ": the line must be sampled by the converter the adc table describes "
                         "(characterize both with one ADC)");
      }
    }
  }
  if (adder_tree && digital) {
    const auto cycle = [&](const lut::Store& s, std::string_view q) {
      return Scalar(s, q, "s", At(request.point));
    };
    const double tree_s = cycle(*adder_tree, schema::kAdderTreeCycle);
    const double digital_s = cycle(*digital, schema::kDigitalCycle);
    if (std::abs(tree_s - digital_s) > 1e-6 * digital_s) {
      m.notes.push_back("WARNING: the adder tree's leakage is over a cycle of " +
                        Num(tree_s * 1e9) + " ns, the digital table's over " +
                        Num(digital_s * 1e9) + " ns: characterize both with one t_cycle");
    }
  }
  // Can the line reach every ADC code?
  const AdcTransfer& a = m.adc;
  if (m.readout != "sar") {
    // Another readout's reach is its own.
  } else if (a.transition_v.back() >= m.FullScaleV()) {
    m.notes.push_back("WARNING: the ADC's top transition (" + Num(a.transition_v.back() * 1e3) +
                      " mV) lies above the line's full scale (" + Num(m.FullScaleV() * 1e3) +
                      " mV): the top code is unreachable");
  }
  if (m.readout == "sar" && a.transition_v.front() <= m.line.baseline_v) {
    m.notes.push_back("WARNING: the ADC's first transition (" + Num(a.transition_v.front() * 1e3) +
                      " mV) lies below the line's baseline (" + Num(m.line.baseline_v * 1e3) +
                      " mV): code 0 is unreachable");
  }
  if (m.line.superposition_error_v >= 0.0 && m.readout == "sar") {
    m.notes.push_back("line superposition (bench checks, |mean| + 3 sigma): " +
                      Num(m.line.superposition_error_v * 1e3) +
                      " mV = " + Num(m.line.superposition_error_v / a.LsbV()) + " ADC LSB");
  }
  ValidateMacro(m);
  return m;
}

}  // namespace cimchar::calib
