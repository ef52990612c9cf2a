#include "characterize/benches/chain.h"

#include <functional>
#include <sstream>
#include <string_view>

#include "characterize/benches/common.h"
#include "core/error.h"
#include "variation/counter_rng.h"

namespace cimchar::characterize::benches {
namespace {

// Supplies at or below this use the *_low_vdd timing (mid-rail levels pass the switches with
// little overdrive there).
constexpr double kLowVddV = 0.8;

}  // namespace

ColumnVector ColumnVectors(std::uint64_t seed, int batch, int k, int rows, int dac_bits) {
  ColumnVector v;
  const auto vector = static_cast<std::uint64_t>(batch) * 1024u + static_cast<std::uint64_t>(k);
  for (int r = 0; r < rows; ++r) {
    const std::uint64_t bits =
        variation::CounterBits(seed, vector, static_cast<std::uint64_t>(r), 0x76656374u);
    v.weight.push_back(static_cast<int>(bits & 1u));
    v.code.push_back(static_cast<int>((bits >> 1) & ((1u << dac_bits) - 1u)));
  }
  return v;
}

namespace {
constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuv";
}  // namespace

std::vector<std::string> ColumnSetKeys() {
  return {"sets",  "sweep_transitions",  "sweep_offsets", "sweep_centres",
          "codes", "network_boundaries", "network_macs",  "input_seed"};
}

std::string EncodeColumnVectors(const std::vector<ColumnVector>& vectors) {
  std::string text;
  for (std::size_t k = 0; k < vectors.size(); ++k) {
    const ColumnVector& v = vectors[k];
    if (v.weight.size() != v.code.size() || v.weight.size() != vectors.front().weight.size()) {
      throw UsageError("column vector " + std::to_string(k) + " has " +
                       std::to_string(v.weight.size()) + " weights and " +
                       std::to_string(v.code.size()) + " codes; every vector needs one of each " +
                       "per row (" + std::to_string(vectors.front().weight.size()) + " rows)");
    }
    text += k == 0 ? "" : " ";
    for (std::size_t r = 0; r < v.weight.size(); ++r) {
      if ((v.weight[r] != 0 && v.weight[r] != 1) || v.code[r] < 0 || v.code[r] > 15) {
        throw UsageError("column vector " + std::to_string(k) + ", row " + std::to_string(r) +
                         ": W = " + std::to_string(v.weight[r]) + ", code " +
                         std::to_string(v.code[r]) + " (W is 0 or 1, the code 0..15)");
      }
      text += kDigits[static_cast<std::size_t>(16 * v.weight[r] + v.code[r])];
    }
  }
  return text;
}

std::vector<ColumnVector> DecodeColumnVectors(const std::string& text,
                                              int rows,
                                              int dac_bits,
                                              const std::string& key) {
  std::vector<ColumnVector> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    const std::string where = "recipe key '" + key + "', vector " + std::to_string(out.size());
    if (word.size() != static_cast<std::size_t>(rows)) {
      throw UsageError(where + " has " + std::to_string(word.size()) + " rows; the column has " +
                       std::to_string(rows) + " (one character per row)");
    }
    ColumnVector v;
    for (std::size_t r = 0; r < word.size(); ++r) {
      const std::size_t d = kDigits.find(word[r]);
      if (d == std::string_view::npos || static_cast<int>(d % 16) >= (1 << dac_bits)) {
        throw UsageError(where + ", row " + std::to_string(r) + ": '" + word.substr(r, 1) +
                         "' is not 16 W + code (a digit 0-9 or a-v, the code below " +
                         std::to_string(1 << dac_bits) + ")");
      }
      v.weight.push_back(static_cast<int>(d / 16));
      v.code.push_back(static_cast<int>(d % 16));
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::string> AnalogChain::Keys() {
  return {"rows",
          "columns",
          "dac_bits",
          "c_sample",
          "c_line",
          "c_gbl",
          "t_precharge",
          "t_sample",
          "t_share",
          "t_edge",
          "t_precharge_low_vdd",
          "t_sample_low_vdd",
          "t_share_low_vdd",
          "adc_bits",
          "adc_c_unit",
          "adc_vref",
          "adc_range_of_vref",
          "adc_vcm",
          "adc_logic"};
}

AnalogChain::AnalogChain(const Recipe& recipe) {
  rows_ = RangedInt(recipe, "rows", 144, 2, 1024);
  columns_ = RangedInt(recipe, "columns", 8, 1, 64);
  dac_bits_ = RangedInt(recipe, "dac_bits", 4, 1, 4);
  c_sample_f_ = RangedNumber(recipe, "c_sample", 2e-15, 1e-17, 1e-12, "F");
  c_line_f_ = RangedNumber(recipe, "c_line", 0.25e-15 * rows_, 0.0, 1e-10, "F");
  const measure::SarAdcOptions d;
  adc_ = {
      .bits = RangedInt(recipe, "adc_bits", d.bits, 2, 6),
      .c_unit_f = RangedNumber(recipe, "adc_c_unit", d.c_unit_f, 1e-17, 1e-12, "F"),
      .vref_of_vdd = RangedNumber(recipe, "adc_vref", measure::kSarVrefOfVdd, 0.05, 1.0, "of VDD"),
      .range_of_vref = RangedNumber(recipe, "adc_range_of_vref", d.range_of_vref, 0.01, 1.0, ""),
      .vcm_v = RangedNumber(recipe, "adc_vcm", measure::kSarVcmV, 0.0, 2.0, "V"),
      .logic = SarLogicKey(recipe, "adc_logic")};
  // Default: 20 fF of GBL wire across the macro plus the other columns' A_MULT inputs (about
  // 0.6 fF each: T0's junctions).
  c_gbl_f_ = RangedNumber(recipe, "c_gbl", 2e-14 + 0.6e-15 * (columns_ - 1), 0.0, 1e-11, "F");
  edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
  const auto phase = [&](const std::string& key, double fallback) {
    return RangedNumber(recipe, key, fallback, 4 * edge_s_, 1e-6, "s");
  };
  fast_ = {.precharge = phase("t_precharge", 1e-9),
           .sample = phase("t_sample", 2e-9),
           .share = phase("t_share", 1.5e-9),
           .convert = 0,
           .edge = edge_s_};
  slow_ = {.precharge = phase("t_precharge_low_vdd", 2e-9),
           .sample = phase("t_sample_low_vdd", 6e-9),
           .share = phase("t_share_low_vdd", 4e-9),
           .convert = 0,
           .edge = edge_s_};
}

ChainTiming AnalogChain::TimingAt(double vdd_v, double convert_s) const {
  ChainTiming tm = vdd_v <= kLowVddV + 1e-9 ? slow_ : fast_;
  tm.convert = convert_s;
  return tm;
}

std::vector<std::pair<std::string, std::string>> AnalogChain::Parameters(
    const std::string& bench) const {
  return {
      {bench + ".rows", std::to_string(rows_)},
      {bench + ".columns", std::to_string(columns_)},
      {bench + ".dac_bits", std::to_string(dac_bits_)},
      {bench + ".c_sample", netlist::FormatNumber(c_sample_f_)},
      {bench + ".c_line", netlist::FormatNumber(c_line_f_)},
      {bench + ".c_gbl", netlist::FormatNumber(c_gbl_f_)},
      {bench + ".adc_bits", std::to_string(adc_.bits)},
      {bench + ".adc_c_unit", netlist::FormatNumber(adc_.c_unit_f)},
      {bench + ".adc_vref", netlist::FormatNumber(adc_.vref_of_vdd)},
      {bench + ".adc_range_of_vref", netlist::FormatNumber(adc_.range_of_vref)},
      {bench + ".adc_vcm", netlist::FormatNumber(adc_.vcm_v)},
      {bench + ".adc_logic", adc_.logic == measure::SarLogic::kXspice ? "xspice" : "transistor"}};
}

std::vector<std::string> AnalogChain::ControlNames() {
  std::vector<std::string> n = {"pchb", "smp", "smpb", "rst", "sh", "shb"};
  for (int k = 0; k < kCells; ++k) {
    n.push_back("awl" + std::to_string(k));
  }
  return n;
}

void AnalogChain::Bind(netlist::Bindings& b,
                       double vdd_v,
                       const ChainTiming& tm,
                       const std::vector<ChainOp>& ops,
                       const std::vector<unsigned>& weights,
                       const measure::DeviceModels& models) const {
  b.Set("c_sample", c_sample_f_).Set("c_line", c_line_f_);
  b.SetText("dac", measure::ActivationDacSubckt(dac_bits_, models));
  b.SetText("refs", measure::DacReferenceSources(dac_bits_, vdd_v, "ref"));
  b.SetText("controls", Controls(vdd_v, tm, ops));
  b.SetText("rows", Rows(vdd_v, tm, ops, weights, models));
  BindAdc(b, vdd_v, tm, ops.size(), models);
}

measure::SarAdcOptions ChainAdc::Options(double vdd_v, const measure::DeviceModels& models) const {
  return {.bits = bits,
          .c_unit_f = c_unit_f,
          .range_of_vref = range_of_vref,
          .vdd_v = vdd_v,
          .logic = logic,
          .models = models};
}

void AnalogChain::BindAdc(netlist::Bindings& b,
                          double vdd_v,
                          const ChainTiming& tm,
                          std::size_t ops,
                          const measure::DeviceModels& models) const {
  b.Set("vref", adc_.vref_of_vdd * vdd_v).Set("vcm", adc_.vcm_v);
  b.SetText("adc", measure::SarAdcSubckt(adc_.Options(vdd_v, models)));
  b.Set("bits", adc_.bits).SetText("adc_bits", measure::SarAdcPorts(adc_.bits));
  std::vector<std::pair<double, double>> pts = {{0.0, vdd_v}};
  for (std::size_t k = 0; k < ops; ++k) {
    const double t0 = static_cast<double>(k) * tm.Period();
    pts.push_back({t0, vdd_v});
    pts.push_back({t0 + tm.ShareOff() - 2 * tm.edge, vdd_v});
    pts.push_back({t0 + tm.ShareOff() - tm.edge, 0.0});
    pts.push_back({t0 + tm.Period() - tm.edge, 0.0});
  }
  b.SetText("asmp", Pwl(pts));
}

namespace {

// A digital control line as a PWL: high (level `on`) during [rise, fall) of each op `active`
// selects, relative to the op's start; `off` otherwise.
std::string Line(const std::string& name,
                 double vdd,
                 const ChainTiming& tm,
                 std::size_t ops,
                 double rise,
                 double fall,
                 const std::function<bool(std::size_t)>& active,
                 bool inverted) {
  const double period = tm.Period();
  const double on = inverted ? 0.0 : vdd;
  const double off = inverted ? vdd : 0.0;
  std::vector<std::pair<double, double>> pts = {{0.0, off}};
  for (std::size_t k = 0; k < ops; ++k) {
    if (!active(k)) {
      continue;
    }
    const double t0 = static_cast<double>(k) * period;
    pts.push_back({t0 + rise, off});
    pts.push_back({t0 + rise + tm.edge, on});
    pts.push_back({t0 + fall, on});
    pts.push_back({t0 + fall + tm.edge, off});
  }
  return "v" + name + " " + name + " 0 " + Pwl(pts) + "\n";
}

}  // namespace

std::string AnalogChain::Controls(double vdd,
                                  const ChainTiming& tm,
                                  const std::vector<ChainOp>& ops) const {
  const auto all = [](std::size_t) { return true; };
  const std::size_t n = ops.size();
  std::string s;
  // PCHB low (precharge) and RST high (line reset) from the op start.
  s += Line("pchb", vdd, tm, n, 0.0, tm.precharge - tm.edge, all, true);
  s += Line("rst", vdd, tm, n, 0.0, tm.SampleOff(), all, false);
  s += Line("smp", vdd, tm, n, tm.SampleOn(), tm.SampleOff(), all, false);
  s += Line("smpb", vdd, tm, n, tm.SampleOn(), tm.SampleOff(), all, true);
  s += Line("sh", vdd, tm, n, tm.ShareOn(), tm.ShareOff(), all, false);
  s += Line("shb", vdd, tm, n, tm.ShareOn(), tm.ShareOff(), all, true);
  for (int cell = 0; cell < kCells; ++cell) {
    s += Line(
        "awl" + std::to_string(cell), vdd, tm, n, tm.SampleOn(), tm.SampleOff(),
        [&, cell](std::size_t k) { return ops[k].cell == cell; }, false);
  }
  return s;
}

std::string AnalogChain::Rows(double vdd,
                              const ChainTiming& tm,
                              const std::vector<ChainOp>& ops,
                              const std::vector<unsigned>& weights,
                              const measure::DeviceModels& m) const {
  const double period = tm.Period();
  const double e = tm.edge;
  // The DAC code is set at the op start and returned to 0 once the rows hold their samples.
  const double code_off = tm.SampleOff() + e;
  std::ostringstream s;
  std::string awl;
  for (int k = 0; k < kCells; ++k) {
    awl += " awl" + std::to_string(k);
  }
  for (int r = 0; r < rows_; ++r) {
    const std::string rs = std::to_string(r);
    s << "xu" << rs << " gbl" << rs << " gblb" << awl
      << " vss vss vss vss vss vss vss vss vss pchb smp smpb dout" << rs << " aout" << rs << " cs"
      << rs << " vddu vss hcima\n";
    s << "xs" << rs << " cs" << rs << " sh shb line vddu vss cs_share\n";
    s << "xd" << rs;
    for (int b = 0; b < dac_bits_; ++b) {
      s << " d" << rs << "_" << b;
    }
    for (int j = 0; j < (1 << dac_bits_); ++j) {
      s << " ref" << j;
    }
    s << " gbl" << rs << " vddd vss act_dac" << dac_bits_ << "\n";
    s << "cg" << rs << " gbl" << rs << " vss " << netlist::FormatNumber(c_gbl_f_) << "\n";
    // Each DAC bit is driven by an inverter on vddd from an ideal input (the bit inverted).
    for (int b = 0; b < dac_bits_; ++b) {
      const std::string in = "dn" + rs + "_" + std::to_string(b);
      const std::string out = "d" + rs + "_" + std::to_string(b);
      s << "mbp" << rs << "_" << b << " " << out << " " << in << " vddd vddd " << m.pmos
        << " w=400e-9 l=65e-9\n";
      s << "mbn" << rs << "_" << b << " " << out << " " << in << " vss vss " << m.nmos
        << " w=200e-9 l=65e-9\n";
      std::vector<std::pair<double, double>> pts = {{0.0, vdd}};
      for (std::size_t k = 0; k < ops.size(); ++k) {
        if (((ops[k].codes[static_cast<std::size_t>(r)] >> b) & 1) == 0) {
          continue;
        }
        const double t0 = static_cast<double>(k) * period;
        pts.push_back({t0, vdd});
        pts.push_back({t0 + e, 0.0});
        pts.push_back({t0 + code_off, 0.0});
        pts.push_back({t0 + code_off + e, vdd});
      }
      s << "v" << in << " " << in << " 0 " << Pwl(pts) << "\n";
    }
    s << ".ic";
    for (int cell = 0; cell < kCells; ++cell) {
      const bool w = (weights[static_cast<std::size_t>(r)] >> cell) & 1u;
      s << " v(xu" << rs << ".x" << cell << ".q)=" << netlist::FormatNumber(w ? vdd : 0.0)
        << " v(xu" << rs << ".x" << cell << ".qb)=" << netlist::FormatNumber(w ? 0.0 : vdd);
    }
    s << "\n";
  }
  return s.str();
}

}  // namespace cimchar::characterize::benches
