#include "calib/read.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "calib/lookup.h"
#include "calib/readouts/readers.h"
#include "calib/schema.h"
#include "core/error.h"
#include "lut/store.h"
#include "lut/table.h"

namespace cimchar::calib {

namespace fs = std::filesystem;

namespace {

int CeilLog2(long long n) {
  int bits = 0;
  while ((1LL << bits) < n) {
    ++bits;
  }
  return bits;
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

// One role: its reader, what the macro keeps without its table (the placeholder, placed on what
// the roles before it read, and a note) and, for a readout's role, the checks across tables once
// every role is read (with or without its table; null: none).
struct RoleReader {
  Role role;
  void (*read)(const lut::Store& store, const Request& request, Macro& m);
  // The analytic placeholder when the role's table is absent; nullptr: none, the table is
  // required when its readout is chosen (another readout's role is skipped).
  void (*absent)(const AnalyticOptions& analytic, Macro& m);
  void (*check)(const readouts::Stores& stores, Macro& m) = nullptr;
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
       readouts::ReadSar,
       readouts::PlaceSarPlaceholder,
       readouts::CheckSar},
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
         readouts::ReadComparators(store, request, m, 1);
       },
       nullptr},
      {{"ternary", "ternary readout table (cimchar characterize comparator)", "ternary"},
       [](const lut::Store& store, const Request& request, Macro& m) {
         readouts::ReadComparators(store, request, m, 2);
       },
       nullptr},
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
  for (const RoleReader& r : Readers()) {
    // A readout's table without an analytic placeholder is required when that readout is chosen.
    if (r.absent == nullptr && r.role.readout == request.readout &&
        sources.Of(r.role.name).empty()) {
      throw UsageError("the " + request.readout + " readout needs its " + r.role.help + ": " +
                       r.role.name + ".h5 in --lut, or --" + r.role.name + " F.h5");
    }
  }
  if (sources.Empty()) {
    return m;
  }
  m.origin = "tables";
  m.notes.clear();
  m.notes.push_back("operating point: " + request.point.Describe() +
                    " (interpolated; outside the grid is refused)");
  readouts::Stores stores;
  for (const RoleReader& r : Readers()) {
    if (!r.role.readout.empty() && r.role.readout != request.readout) {
      continue;  // another readout's table
    }
    const fs::path p = sources.Of(r.role.name);
    if (p.empty()) {
      if (r.absent != nullptr) {
        r.absent(analytic, m);
      }
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
  const lut::Store* adder_tree = role("adder_tree");
  const lut::Store* digital = role("digital");
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
  for (const RoleReader& r : Readers()) {
    if (r.role.readout == request.readout && r.check != nullptr) {
      r.check(stores, m);
    }
  }
  ValidateMacro(m);
  return m;
}

}  // namespace cimchar::calib
