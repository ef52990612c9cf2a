// Model against SPICE for one chip instance (validate.h).
//
// Method. The die is Monte Carlo sample `die` of master seed `seed`: every transistor and
// capacitor of every deck below gets the deviation variation::DrawMismatch draws for its
// flattened instance name, exactly as the characterization runner applies them (alter commands
// after loading the deck). Decks that share instance names (the column deck and the standalone
// ADC deck both instantiate the converter as `xadc`) therefore see the same devices.
//  1. Design (nominal, no mismatch): the rows' charge-holding and sharing capacitances from
//     row_cap.sp give the hand-computed line full scale; the ADC reference is VDD/2 (where the
//     converter is characterized; kVrefOfVdd) or set so that a given range [0, adc_range_hi_frac]
//     of that full scale is 2^b LSB, and the comparator reference puts the ideal transitions at
//     k LSB (a floor quantizer, as the model's ADC: transition k at v_lo + k LSB).
//  2. Die calibration in SPICE with the die's deviations, as a characterization of one die would
//     give it: the line transfer at dedicated patterns through the same column deck (every row
//     W = 1 at one DAC code), read as the line voltage when the ADC's sampling switch opens; and
//     the transitions of the die's ADC instance from a standalone ADC deck (same instance name,
//     same deviations, same timing) with a staircase input, refined in a second pass around
//     each transition.
//  3. The model's Calibration for that die: line points = the die's transfer, static sigmas zero
//     (the die is fixed: its fixed pattern is the measured transfer itself), the ADC's range
//     kept at the design's and the die's measured transitions as its transition offsets.
//     Dynamic noise is off on both sides: ngspice 39 has no device noise in transient analysis,
//     so the SPICE column is noiseless and the model must be too.
//  4. Random vectors run through the column deck (many conversions per transient, spread over
//     the worker pool) and through the model's own conversion path (mac::MacRunner::ConvertCode)
//     at the same ideal fraction. Error = code - ideal code (the noiseless, infinite-precision
//     fraction through the ideal ADC). The random vectors are not used to calibrate anything.
// The DAC is not part of the validated chain: each row's GBL is an ideal PWL source at the DAC
// level code / (2^d - 1) * VDD.

#include "validate/validate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <limits>
#include <numbers>
#include <ostream>
#include <random>
#include <span>
#include <sstream>

#include "core/error.h"
#include "core/paths.h"
#include "mac/lut_calibration.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/random.h"
#include "measure/block_netlists.h"
#include "measure/waveform.h"
#include "netlist/devices.h"
#include "netlist/pdk.h"
#include "netlist/template.h"
#include "spice/worker_pool.h"
#include "variation/mismatch.h"

namespace cimchar::validate {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The column's passive parts and the converter, as in the column bench (netlists/README.md).
constexpr double kCSampleF = 2e-15;
constexpr double kCLinePerRowF = 0.25e-15;
constexpr double kAdcUnitF = 5e-15;
// Estimated parasitic on the ADC's top plate (comparator gate, switch junctions): only the
// design of VREF uses it; the die's real transitions are measured.
constexpr double kAdcTopParasiticF = 4e-15;
constexpr double kCapFrequencyHz = 1e8;
// Default converter reference, as a fraction of VDD: the operating point of the ADC bench
// (sar_adc.sp at VREF = VDD/2: DNL 0.12 LSB at 1.0 V). The comparator reference then sits near
// 0.4 V at 1.0 V. At VREF >= ~0.63 V (VCMP >= ~0.5 V) this StrongARM's decisions near the
// threshold depend on the previous conversion (its ~35 mV kickback on the floating top plate
// comes during the decision), and at VREF <= ~0.38 V the bottom-plate drivers, supplied from
// VREF, miss codes: both seen on this column at 1.0 V.
constexpr double kVrefOfVdd = 0.5;
constexpr double kEdgeS = 5e-11;
// Edges of the ideal input sources (GBL levels, W on LBL, the ADC's staircase).
constexpr double kInputEdgeS = 1e-10;
constexpr double kAdcStepS = 2e-11;
constexpr double kJobTimeoutS = 900.0;
// First ADC pass: staircase step in design LSB, from -1 LSB to 2^b + 1 LSB.
constexpr double kCoarseStepLsb = 1.0 / 8.0;
// The second pass: kFineSteps steps over +-kFineHalfWidthSteps coarse steps around the first
// estimate.
constexpr int kFineSteps = 32;
constexpr double kFineHalfWidthSteps = 1.5;

struct Timing {
  double ts = 0.0;       // rows sample until here
  double ta = 0.0;       // the ADC's sampling switch opens here (line shared from ts)
  double tclk = 0.0;     // ADC clock period
  double tconv = 0.0;    // one conversion
  double tchange = 0.0;  // the inputs of the next conversion change here (rows and ADC hold)
};

// The column bench's timing: at low supply mid-rail levels pass the transmission gates with
// little overdrive, so sampling and sharing take 5 ns instead of 1 ns, and the clock is slower.
Timing MakeTiming(double vdd_v, int adc_bits) {
  Timing t;
  t.ts = vdd_v < 0.8 ? 5e-9 : 1e-9;
  t.ta = t.ts + (vdd_v < 0.8 ? 5e-9 : 1e-9);
  t.tclk = vdd_v < 0.8 ? 4e-9 : 1e-9;
  t.tconv = measure::SarConversionTime(adc_bits, t.ta, t.tclk);
  t.tchange = t.ta + 0.25 * t.tclk;
  return t;
}

// One conversion's input: per row W and the DAC code.
struct Pattern {
  std::vector<int> weight;
  std::vector<int> code;
};

double IdealFrac(const Pattern& p, int dac_bits) {
  const double full = std::ldexp(1.0, dac_bits) - 1.0;
  double sum = 0.0;
  for (std::size_t r = 0; r < p.weight.size(); ++r) {
    sum += p.weight[r] * p.code[r] / full;
  }
  return sum / static_cast<double>(p.weight.size());
}

int IdealCode(double frac, double hi_frac, int adc_bits) {
  const int levels = 1 << adc_bits;
  const auto code = static_cast<int>(std::floor(frac / hi_frac * levels));
  return std::clamp(code, 0, levels - 1);
}

// A source value holding levels[k] for conversion k: it changes from levels[k-1] to levels[k]
// during [(k-1) t_conv + t_change, + t_edge]. With t_change after the ADC's sampling switch has
// opened and the share switches are off, the inputs move while the rows and the converter hold,
// not at the start of sampling where every clock edge of the column already falls.
std::string InputPwl(const std::vector<double>& levels,
                     double t_conv_s,
                     double t_change_s,
                     double t_edge_s) {
  std::string s = "pwl(0 " + netlist::FormatNumber(levels.front());
  for (std::size_t k = 1; k < levels.size(); ++k) {
    if (levels[k] == levels[k - 1]) {
      continue;
    }
    const double t = static_cast<double>(k - 1) * t_conv_s + t_change_s;
    s += " " + netlist::FormatNumber(t) + " " + netlist::FormatNumber(levels[k - 1]) + " " +
         netlist::FormatNumber(t + t_edge_s) + " " + netlist::FormatNumber(levels[k]);
  }
  return s + ")";
}

struct Context {
  const ValidateOptions& o;
  Timing timing;
  double vref_v = 0.0;
  double vcmp_v = 0.0;

  netlist::Bindings Base() const {
    netlist::Bindings b;
    b.Set("vdd", o.vdd_v).Set("temp", o.temp_c);
    netlist::BindPdk({}, o.corner, {}, b);
    return b;
  }
  void BindAdc(netlist::Bindings& b) const {
    b.Set("vref", vref_v).Set("vcmp", vcmp_v);
    b.SetText("adc",
              measure::SarAdcSubckt(
                  {.bits = o.adc_bits, .c_unit_f = kAdcUnitF, .vdd_v = o.vdd_v, .models = {}}));
    b.Set("bits", o.adc_bits).SetText("adc_bits", measure::SarAdcPorts(o.adc_bits));
  }
};

std::string Render(const std::string& bench, const netlist::Bindings& b) {
  return netlist::RenderFile(core::NetlistsDir() / "benches" / bench, b);
}

// The column deck converting `patterns` back to back.
std::string ColumnDeck(const Context& ctx, const std::vector<Pattern>& patterns) {
  const ValidateOptions& o = ctx.o;
  const Timing& tm = ctx.timing;
  const double full = std::ldexp(1.0, o.dac_bits) - 1.0;
  std::string sources;
  std::vector<measure::LineRow> rows;
  for (int r = 0; r < o.rows; ++r) {
    const std::string rs = std::to_string(r);
    std::vector<double> gbl;
    std::vector<double> w;
    for (const Pattern& p : patterns) {
      gbl.push_back(p.code[r] / full * o.vdd_v);
      w.push_back(p.weight[r] != 0 ? o.vdd_v : 0.0);
    }
    sources +=
        "vg" + rs + " gbl" + rs + " 0 " + InputPwl(gbl, tm.tconv, tm.tchange, kInputEdgeS) + "\n";
    rows.push_back({.gbl = "gbl" + rs,
                    .weight = false,
                    .lbl_source = InputPwl(w, tm.tconv, tm.tchange, kInputEdgeS)});
  }
  netlist::Bindings b = ctx.Base();
  b.Set("c_sample", kCSampleF).Set("c_line", kCLinePerRowF * o.rows);
  ctx.BindAdc(b);
  b.Set("t_conv", tm.tconv).Set("t_share_start", tm.ts).Set("t_sample_adc", tm.ta);
  b.Set("t_edge", kEdgeS);
  b.SetText("adc_smp", measure::SarSamplePwl(o.adc_bits, o.vdd_v, tm.ta, tm.tclk, kEdgeS));
  b.SetText("clk", measure::SarClockPwl(o.adc_bits, o.vdd_v, tm.ta, tm.tclk, kEdgeS));
  b.SetText("dacs", sources).SetText("rows", measure::ChargeLineRows(rows));
  return Render("column.sp", b);
}

// The standalone ADC deck (instance `xadc`, as in the column) converting `inputs_v`.
std::string AdcDeck(const Context& ctx, const std::vector<double>& inputs_v) {
  const ValidateOptions& o = ctx.o;
  const Timing& tm = ctx.timing;
  netlist::Bindings b = ctx.Base();
  ctx.BindAdc(b);
  b.SetText("vin", InputPwl(inputs_v, tm.tconv, tm.tchange, kInputEdgeS));
  b.SetText("smp", measure::SarSamplePwl(o.adc_bits, o.vdd_v, tm.ta, tm.tclk, kEdgeS));
  b.SetText("clk", measure::SarClockPwl(o.adc_bits, o.vdd_v, tm.ta, tm.tclk, kEdgeS));
  return Render("sar_adc.sp", b);
}

std::vector<std::string> BitVectors(int bits) {
  std::vector<std::string> v;
  for (int b = 0; b < bits; ++b) {
    v.push_back("v(b" + std::to_string(b) + ")");
  }
  return v;
}

// A transient job over `conversions` conversions of `deck`, with the die's deviations.
spice::Job TranJob(const Context& ctx, std::string deck, std::size_t conversions, bool line) {
  spice::Job job;
  job.commands = variation::AlterCommands(variation::DrawMismatch(
      netlist::EnumerateDevices(deck), ctx.o.mismatch, ctx.o.seed, ctx.o.die));
  const double t_stop = static_cast<double>(conversions) * ctx.timing.tconv;
  const double step = line ? ctx.o.column_step_s : kAdcStepS;
  const double max_step = line && ctx.o.column_max_step_s > 0.0 ? ctx.o.column_max_step_s : step;
  job.commands.push_back("tran " + netlist::FormatNumber(step) + " " +
                         netlist::FormatNumber(t_stop) + " 0 " + netlist::FormatNumber(max_step));
  job.deck = std::move(deck);
  job.vectors = {"time"};
  if (line) {
    job.vectors.push_back("v(line)");
  }
  for (auto& v : BitVectors(ctx.o.adc_bits)) {
    job.vectors.push_back(std::move(v));
  }
  job.timeout_s = kJobTimeoutS;
  return job;
}

// Code and (when recorded) line voltage of conversion c of a finished job.
struct Converted {
  int code = 0;
  double line_v = 0.0;
};
Converted ReadConversion(const Context& ctx, const spice::RunResult& r, std::size_t c) {
  const Timing& tm = ctx.timing;
  const auto& t = r.vectors.at("time");
  const double t0 = static_cast<double>(c) * tm.tconv;
  std::vector<double> levels;
  for (const auto& name : BitVectors(ctx.o.adc_bits)) {
    levels.push_back(measure::ValueAt(t, r.vectors.at(name), t0 + tm.tconv - 0.25 * tm.tclk));
  }
  Converted out;
  out.code = static_cast<int>(measure::CodeFromLevels(levels, ctx.o.vdd_v / 2));
  if (auto it = r.vectors.find("v(line)"); it != r.vectors.end()) {
    out.line_v = measure::ValueAt(t, it->second, t0 + tm.ta - 2 * kEdgeS);
  }
  return out;
}

// Runs `jobs` on the pool; a failed job is returned as it is (the caller decides).
std::vector<spice::RunResult> RunJobs(spice::WorkerPool& pool,
                                      const std::vector<spice::Job>& jobs,
                                      const ValidateOptions& o,
                                      const std::string& what) {
  if (const char* dir = std::getenv("CIMCHAR_KEEP_DECKS"); dir != nullptr) {
    // For inspection: each deck as a file ngspice runs on its own (deviations, analysis).
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      std::string text = jobs[i].deck;
      std::string control = ".control\n";
      for (const auto& c : jobs[i].commands) {
        control += c + "\n";
      }
      control += ".endc\n";
      text.insert(text.rfind(".end"), control);
      std::string name = what;
      std::replace(name.begin(), name.end(), ' ', '_');
      std::ofstream(std::string(dir) + "/" + name + "_" + std::to_string(i) + ".cir") << text;
    }
  }
  std::vector<spice::RunResult> results(jobs.size());
  std::size_t done = 0;
  pool.RunAll(jobs, [&](std::size_t i, spice::RunResult&& r) {
    results[i] = std::move(r);
    ++done;
    if (o.progress) {
      std::ostringstream s;
      s << what << ": " << done << "/" << jobs.size() << " transients done ("
        << spice::OutcomeName(results[i].outcome) << ", " << std::fixed << std::setprecision(1)
        << results[i].wall_s << " s)";
      o.progress(s.str());
    }
  });
  return results;
}

void Require(const spice::RunResult& r, const std::string& what) {
  if (!r.ok()) {
    throw Error("die calibration failed in SPICE (" + what + "): " + spice::OutcomeName(r.outcome) +
                ": " + r.message);
  }
}

// Nominal row capacitances (row_cap.sp) -> hand-computed line full scale at DAC full scale VDD.
double DesignLineFullScale(spice::WorkerPool& pool, const ValidateOptions& o) {
  netlist::Bindings b;
  b.Set("vdd", o.vdd_v).Set("temp", o.temp_c).Set("c_sample", kCSampleF);
  b.Set("v_gbl", o.vdd_v / 3).Set("v_bias", o.vdd_v / 3).Set("c_line", kCLinePerRowF * o.rows);
  netlist::BindPdk({}, o.corner, {}, b);
  const std::string w = netlist::FormatNumber(2 * std::numbers::pi * kCapFrequencyHz);
  const std::string f = netlist::FormatNumber(kCapFrequencyHz);
  spice::Job job{
      .deck = Render("row_cap.sp", b),
      .commands = {"ac lin 1 " + f + " " + f, "let c_hold = -1/(" + w + "*imag(v(xh.cs)))",
                   "let c_share = -1/(" + w + "*imag(v(lines)))"},
      .vectors = {"c_hold", "c_share"},
      .timeout_s = 120.0,
      .reuse_circuit = false};
  const spice::RunResult r = pool.Run(job);
  Require(r, "row capacitances, row_cap.sp");
  const double c_hold = r.vectors.at("c_hold").at(0);
  const double c_share = r.vectors.at("c_share").at(0);
  const double c_adc = std::ldexp(kAdcUnitF, o.adc_bits) + kAdcTopParasiticF;
  const double c_total = o.rows * c_share + kCLinePerRowF * o.rows + c_adc;
  return o.vdd_v * o.rows * c_hold / c_total;
}

double Lerp(const std::vector<mac::LinePoint>& line, double x) {
  auto hi = std::upper_bound(line.begin(), line.end(), x,
                             [](double v, const mac::LinePoint& p) { return v < p.ideal_frac; });
  if (hi == line.begin()) {
    return line.front().mean_v;
  }
  if (hi == line.end()) {
    return line.back().mean_v;
  }
  const auto lo = hi - 1;
  const double t = (x - lo->ideal_frac) / (hi->ideal_frac - lo->ideal_frac);
  return lo->mean_v + t * (hi->mean_v - lo->mean_v);
}

// Line-calibration patterns: every row W = 1 at DAC code c, c = 0 .. 2^d - 1, so the transfer
// is sampled at every DAC level from 0 to full scale (the die's transfer is linear to well under
// a millivolt between neighbouring levels, so the model's linear interpolation loses nothing).
std::vector<Pattern> LinePatterns(const ValidateOptions& o) {
  std::vector<Pattern> out;
  for (int c = 0; c < (1 << o.dac_bits); ++c) {
    out.push_back({.weight = std::vector<int>(static_cast<std::size_t>(o.rows), 1),
                   .code = std::vector<int>(static_cast<std::size_t>(o.rows), c)});
  }
  return out;
}

// Random vectors spanning the ADC range: per vector a target fraction f ~ U(0, f_max) with f_max
// the top of the range plus one LSB (capped at 1); each row has W = 1 with probability sqrt(f)
// and a code ~ Binomial(2^d - 1, sqrt(f)), so the mean ideal fraction is f and the rows' codes
// vary within a vector.
std::vector<Pattern> RandomVectors(const ValidateOptions& o, double hi_frac) {
  std::mt19937_64 rng(o.input_seed);
  const int full = (1 << o.dac_bits) - 1;
  const double f_max = std::min(1.0, hi_frac * (1.0 + std::ldexp(1.0, -o.adc_bits)));
  std::uniform_real_distribution<double> target(0.0, f_max);
  std::vector<Pattern> out;
  for (int v = 0; v < o.vectors; ++v) {
    const double s = std::sqrt(target(rng));
    std::bernoulli_distribution w(s);
    std::binomial_distribution<int> code(full, s);
    Pattern p;
    for (int r = 0; r < o.rows; ++r) {
      p.weight.push_back(w(rng) ? 1 : 0);
      p.code.push_back(code(rng));
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Transition k (1 .. 2^b - 1) from a uniform input sweep `in` (ascending) and its codes, by
// counting: with n inputs converted below k, the transition is at in[0] + (n - 1/2) step. For a
// monotonic converter this is the middle of the bracket around the first code >= k; where
// decisions near the threshold are not repeatable it is their average place. Returns false when
// the sweep does not start below k and end at or above it.
bool Transition(const std::vector<double>& in, const std::vector<int>& codes, int k, double& at) {
  if (in.size() < 2 || codes.front() >= k || codes.back() < k) {
    return false;
  }
  const auto below = std::count_if(codes.begin(), codes.end(), [k](int c) { return c < k; });
  const double step = (in.back() - in.front()) / static_cast<double>(in.size() - 1);
  at = in.front() + (static_cast<double>(below) - 0.5) * step;
  return true;
}

// Splits `conversions` into jobs of at most `per_job`.
std::vector<std::pair<std::size_t, std::size_t>> Chunks(std::size_t n, std::size_t per_job) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t b = 0; b < n; b += per_job) {
    out.emplace_back(b, std::min(n, b + per_job));
  }
  return out;
}

Agreement Compare(const std::vector<VectorResult>& v, bool lut) {
  Agreement a;
  double sum_s = 0.0, sum_m = 0.0, sq_s = 0.0, sq_m = 0.0;
  for (const VectorResult& r : v) {
    const int model = lut ? r.lut_model_code : r.model_code;
    if (r.spice_code < 0 || model < 0) {
      continue;
    }
    ++a.compared;
    a.identical += model == r.spice_code ? 1 : 0;
    const double es = r.spice_code - r.ideal_code;
    const double em = model - r.ideal_code;
    sum_s += es;
    sum_m += em;
    sq_s += es * es;
    sq_m += em * em;
  }
  if (a.compared == 0) {
    return a;
  }
  const double n = a.compared;
  a.identical_fraction = a.identical / n;
  a.mean_error_spice = sum_s / n;
  a.mean_error_model = sum_m / n;
  a.sigma_error_spice =
      std::sqrt(std::max(0.0, sq_s / n - a.mean_error_spice * a.mean_error_spice));
  a.sigma_error_model =
      std::sqrt(std::max(0.0, sq_m / n - a.mean_error_model * a.mean_error_model));
  if (a.sigma_error_spice > 0.0) {
    a.sigma_ratio = a.sigma_error_model / a.sigma_error_spice;
  } else {
    a.ratio_defined_by_convention = true;
    a.sigma_ratio = a.sigma_error_model > 0.0 ? std::numeric_limits<double>::infinity() : 1.0;
  }
  return a;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

bool MeetsTargets(const Agreement& a) {
  return a.compared > 0 && a.identical_fraction >= kTargetIdentical &&
         a.sigma_ratio >= kTargetRatioLo && a.sigma_ratio <= kTargetRatioHi;
}

ValidationReport RunValidation(const ValidateOptions& o) {
  if (o.vectors < 1) {
    throw UsageError("--vectors must be >= 1 (got " + std::to_string(o.vectors) + ")");
  }
  if (o.rows < 2) {
    throw UsageError("--rows must be >= 2 (got " + std::to_string(o.rows) + ")");
  }
  if (o.jobs < 1) {
    throw UsageError("--jobs must be >= 1 (got " + std::to_string(o.jobs) + ")");
  }
  if (o.vectors_per_job < 1) {
    throw UsageError("vectors per job must be >= 1 (got " + std::to_string(o.vectors_per_job) +
                     ")");
  }
  if (!(o.vdd_v > 0.0)) {
    throw UsageError("--vdd must be > 0 (got " + std::to_string(o.vdd_v) + ")");
  }
  if (o.dac_bits < 1 || o.dac_bits > 4) {
    throw UsageError("DAC bits must be 1..4 (got " + std::to_string(o.dac_bits) + ")");
  }
  if (o.adc_bits < 1 || o.adc_bits > 6) {
    throw UsageError("ADC bits must be 1..6 (got " + std::to_string(o.adc_bits) + ")");
  }
  if (!(o.adc_range_hi_frac >= 0.0 && o.adc_range_hi_frac <= 1.0)) {
    throw UsageError(
        "the ADC range top must be in (0, 1] of the line full scale, or 0 (from "
        "VREF = VDD/2) (got " +
        std::to_string(o.adc_range_hi_frac) + ")");
  }
  const auto t_start = Clock::now();
  // Fork the workers before anything in this process touches ngspice or threads.
  spice::PoolOptions pool_options;
  pool_options.workers = o.jobs;
  spice::WorkerPool pool(pool_options);
  const auto say = [&](const std::string& s) {
    if (o.progress) {
      o.progress(s);
    }
  };

  ValidationReport rep;
  rep.options = o;
  rep.options.progress = nullptr;
  Context ctx{.o = o, .timing = MakeTiming(o.vdd_v, o.adc_bits)};
  const int levels = 1 << o.adc_bits;

  // 1. Design: the converter's range from the nominal line full scale.
  say("design: row capacitances (row_cap.sp)");
  rep.line_full_scale_design_v = DesignLineFullScale(pool, o);
  const double array_f = std::ldexp(kAdcUnitF, o.adc_bits);
  const double gain = array_f / (array_f + kAdcTopParasiticF);
  // The range: given, or where VREF = kVrefOfVdd * VDD puts it (capped at the full scale).
  double range_hi = o.adc_range_hi_frac;
  if (range_hi == 0.0) {
    range_hi = std::min(1.0, kVrefOfVdd * o.vdd_v * gain / rep.line_full_scale_design_v);
  }
  rep.adc_range_hi_frac = range_hi;
  rep.lsb_design_v = rep.line_full_scale_design_v * range_hi / levels;
  rep.vref_v = rep.lsb_design_v * levels / gain;
  // Transition at D LSB: the MSB trial compares VIN + (2^b - 1 - D) LSB with VCMP.
  rep.vcmp_v = (levels - 1) * rep.lsb_design_v;
  ctx.vref_v = rep.vref_v;
  ctx.vcmp_v = rep.vcmp_v;

  // 2a. The die's ADC, coarse pass (short; runs alone).
  say("die " + std::to_string(o.die) + ": ADC transitions, coarse pass");
  std::vector<double> coarse;
  for (double x = -1.0; x <= levels + 1.0 + 1e-9; x += kCoarseStepLsb) {
    coarse.push_back(x * rep.lsb_design_v);
  }
  const auto per_adc_job = std::max<std::size_t>(8, (coarse.size() + o.jobs - 1) / o.jobs);
  std::vector<spice::Job> jobs;
  const auto coarse_chunks = Chunks(coarse.size(), per_adc_job);
  for (const auto& [b, e] : coarse_chunks) {
    std::vector<double> in(coarse.begin() + static_cast<std::ptrdiff_t>(b),
                           coarse.begin() + static_cast<std::ptrdiff_t>(e));
    jobs.push_back(TranJob(ctx, AdcDeck(ctx, in), in.size(), false));
  }
  auto results = RunJobs(pool, jobs, o, "ADC coarse pass");
  std::vector<int> coarse_codes;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    Require(results[j], "ADC coarse pass");
    for (std::size_t c = 0; c < coarse_chunks[j].second - coarse_chunks[j].first; ++c) {
      coarse_codes.push_back(ReadConversion(ctx, results[j], c).code);
    }
  }
  std::vector<double> fine;
  const double coarse_step_v = kCoarseStepLsb * rep.lsb_design_v;
  for (int k = 1; k < levels; ++k) {
    double at = 0.0;
    if (!Transition(coarse, coarse_codes, k, at)) {
      throw Error("die calibration: the ADC's transition " + std::to_string(k) +
                  " is outside the coarse sweep (" + std::to_string(coarse.front()) + " .. " +
                  std::to_string(coarse.back()) + " V); the converter does not work here");
    }
    for (int s = 0; s <= kFineSteps; ++s) {
      fine.push_back(at + coarse_step_v * kFineHalfWidthSteps * (2.0 * s / kFineSteps - 1.0));
    }
  }

  // 2b + 4. The fine ADC pass, the line patterns and the random vectors in one batch.
  const std::vector<Pattern> line_patterns = LinePatterns(o);
  const std::vector<Pattern> vectors = RandomVectors(o, range_hi);
  jobs.clear();
  const auto fine_chunks = Chunks(fine.size(), (fine.size() + o.jobs - 1) / o.jobs);
  for (const auto& [b, e] : fine_chunks) {
    std::vector<double> in(fine.begin() + static_cast<std::ptrdiff_t>(b),
                           fine.begin() + static_cast<std::ptrdiff_t>(e));
    jobs.push_back(TranJob(ctx, AdcDeck(ctx, in), in.size(), false));
  }
  const std::size_t first_line_job = jobs.size();
  const auto per_job = static_cast<std::size_t>(o.vectors_per_job);
  const auto line_chunks = Chunks(line_patterns.size(), per_job);
  for (const auto& [b, e] : line_chunks) {
    std::vector<Pattern> p(line_patterns.begin() + static_cast<std::ptrdiff_t>(b),
                           line_patterns.begin() + static_cast<std::ptrdiff_t>(e));
    jobs.push_back(TranJob(ctx, ColumnDeck(ctx, p), p.size(), true));
  }
  const std::size_t first_vector_job = jobs.size();
  const auto vector_chunks = Chunks(vectors.size(), per_job);
  for (const auto& [b, e] : vector_chunks) {
    std::vector<Pattern> p(vectors.begin() + static_cast<std::ptrdiff_t>(b),
                           vectors.begin() + static_cast<std::ptrdiff_t>(e));
    jobs.push_back(TranJob(ctx, ColumnDeck(ctx, p), p.size(), true));
  }
  say("die " + std::to_string(o.die) + ": ADC fine pass, " + std::to_string(line_patterns.size()) +
      " line patterns and " + std::to_string(vectors.size()) + " vectors in " +
      std::to_string(jobs.size()) + " transients on " + std::to_string(o.jobs) + " workers");
  const auto t_batch = Clock::now();
  results = RunJobs(pool, jobs, o, "SPICE");
  const auto t_done = Clock::now();

  // The die's transitions: the middle of each refined bracket.
  std::vector<int> fine_codes;
  for (std::size_t j = 0; j < first_line_job; ++j) {
    Require(results[j], "ADC fine pass");
    for (std::size_t c = 0; c < fine_chunks[j].second - fine_chunks[j].first; ++c) {
      fine_codes.push_back(ReadConversion(ctx, results[j], c).code);
    }
  }
  for (int k = 1; k < levels; ++k) {
    const auto base = static_cast<std::size_t>(k - 1) * (kFineSteps + 1);
    const std::vector<double> in(fine.begin() + static_cast<std::ptrdiff_t>(base),
                                 fine.begin() + static_cast<std::ptrdiff_t>(base + kFineSteps + 1));
    const std::vector<int> codes(
        fine_codes.begin() + static_cast<std::ptrdiff_t>(base),
        fine_codes.begin() + static_cast<std::ptrdiff_t>(base + kFineSteps + 1));
    double at = 0.0;
    if (!Transition(in, codes, k, at)) {
      // The window did not hold the whole transition: keep the coarse estimate (its middle).
      at = 0.5 * (in.front() + in.back());
      rep.notes.push_back("ADC transition " + std::to_string(k) +
                          ": the fine window did not span it, coarse estimate used");
    }
    rep.transitions_v.push_back(at);
  }

  // The die's line transfer.
  for (std::size_t j = first_line_job; j < first_vector_job; ++j) {
    Require(results[j], "line patterns");
    const auto [b, e] = line_chunks[j - first_line_job];
    for (std::size_t c = 0; c < e - b; ++c) {
      rep.line.push_back({.ideal_frac = IdealFrac(line_patterns[b + c], o.dac_bits),
                          .mean_v = ReadConversion(ctx, results[j], c).line_v,
                          .static_sigma_v = 0.0,
                          .dynamic_sigma_v = 0.0});
    }
  }
  for (std::size_t i = 1; i < rep.line.size(); ++i) {
    if (!(rep.line[i].mean_v > rep.line[i - 1].mean_v)) {
      throw Error("die calibration: the line transfer is not increasing at fraction " +
                  std::to_string(rep.line[i].ideal_frac));
    }
  }

  // 3. The model's calibration for this die.
  mac::MacShape shape;
  shape.activation_bits = o.dac_bits;
  shape.weight_bits = 1;
  shape.rows = o.rows;
  shape.columns = 1;
  shape.adc_bits = o.adc_bits;
  shape.analog_window = o.dac_bits;
  shape.dac_bits = o.dac_bits;
  shape.adc_range_lo_frac = 0.0;
  shape.adc_range_hi_frac = range_hi;
  mac::Calibration cal = mac::DefaultCalibration(o.adc_bits);
  mac::AnalogCalibration& a = cal.analog;
  a.line = rep.line;
  a.full_scale_v = rep.line.back().mean_v;
  a.dac_bit_gain_error.clear();
  a.adc_bits = o.adc_bits;
  // The model puts transition k at v_lo + (k + offset_k) LSB with v_lo, v_hi the transfer at the
  // range's ends and LSB = (v_hi - v_lo) / 2^b: the offsets reproduce the measured transitions.
  const double v_lo = Lerp(rep.line, shape.adc_range_lo_frac);
  const double v_hi = Lerp(rep.line, shape.adc_range_hi_frac);
  const double lsb = (v_hi - v_lo) / levels;
  a.adc_transition_offset_lsb.clear();
  for (int k = 1; k < levels; ++k) {
    a.adc_transition_offset_lsb.push_back((rep.transitions_v[k - 1] - v_lo) / lsb - k);
  }
  a.adc_transition_static_sigma_lsb.assign(levels - 1, 0.0);
  a.comparator_offset_sigma_v = 0.0;
  a.comparator_noise_sigma_v = 0.0;
  mac::ValidateCalibration(shape, cal);
  rep.calibration = cal;

  mac::RunOptions run;
  run.mode = mac::Mode::kHcim;
  run.boundary = o.dac_bits;  // every order of the 1-bit weight x d-bit activation is analog
  run.switches.dynamic_noise = false;
  const std::vector<std::int32_t> weights(static_cast<std::size_t>(o.rows), 0);
  const mac::MacArray array(shape, cal, weights, o.rows, 1, o.die);
  const mac::MacRunner runner(array, run);
  mac::Rng noise(o.input_seed);

  // Optional: the model calibrated from the characterized tables, for the same die.
  std::unique_ptr<mac::MacArray> lut_array;
  std::unique_ptr<mac::MacRunner> lut_runner;
  if (!o.lut_dir.empty()) {
    mac::CalibrationChoice choice;
    choice.lut_dir = o.lut_dir;
    choice.point = {.corner = o.corner, .vdd_v = o.vdd_v, .temp_c = o.temp_c};
    mac::LutCalibrationOptions lo;
    lo.die_sample = o.die;
    const mac::LutCalibration lc = mac::ResolveCalibration(choice, shape, lo);
    lut_array =
        std::make_unique<mac::MacArray>(lc.shape, lc.calibration, weights, o.rows, 1, o.die);
    lut_runner = std::make_unique<mac::MacRunner>(*lut_array, run);
    for (const auto& n : lc.notes) {
      rep.notes.push_back("tables: " + n);
    }
  }

  // 4. The vectors: SPICE codes and the model's.
  for (std::size_t j = first_vector_job; j < jobs.size(); ++j) {
    const auto [b, e] = vector_chunks[j - first_vector_job];
    const bool ok = results[j].ok();
    if (!ok) {
      ++rep.failed_jobs;
      rep.notes.push_back("vector transient " + std::to_string(j - first_vector_job) + " failed: " +
                          spice::OutcomeName(results[j].outcome) + ": " + results[j].message);
    }
    for (std::size_t c = 0; c < e - b; ++c) {
      VectorResult v;
      v.index = static_cast<int>(b + c);
      v.ideal_frac = IdealFrac(vectors[b + c], o.dac_bits);
      v.ideal_code = IdealCode(v.ideal_frac, range_hi, o.adc_bits);
      v.model_code = runner.ConvertCode(0, 0, v.ideal_frac, noise);
      if (lut_runner) {
        v.lut_model_code = lut_runner->ConvertCode(0, 0, v.ideal_frac, noise);
      }
      if (ok) {
        const Converted cv = ReadConversion(ctx, results[j], c);
        v.spice_code = cv.code;
        v.spice_line_v = cv.line_v;
      }
      rep.vectors.push_back(v);
    }
  }
  rep.model = Compare(rep.vectors, false);
  if (lut_runner) {
    rep.lut_model = Compare(rep.vectors, true);
  }

  // Wall time: the calibration is everything before the shared batch plus its share of the
  // batch, in proportion to the workers' time on the ADC fine pass and the line patterns.
  const double batch_s = Seconds(t_batch, t_done);
  double cal_work = 0.0;
  double vector_work = 0.0;
  for (std::size_t j = 0; j < results.size(); ++j) {
    (j < first_vector_job ? cal_work : vector_work) += results[j].wall_s;
  }
  const double share = cal_work + vector_work > 0.0 ? cal_work / (cal_work + vector_work) : 0.0;
  rep.calibration_s = Seconds(t_start, t_batch) + share * batch_s;
  rep.vectors_s = (1.0 - share) * batch_s;
  rep.total_s = Seconds(t_start, Clock::now());

  rep.notes.insert(
      rep.notes.begin(),
      {"die = Monte Carlo sample " + std::to_string(o.die) + " of master seed " +
           std::to_string(o.seed) +
           ": Pelgrom mismatch on every transistor and capacitor, keyed "
           "by (seed, die, instance name) as in characterization",
       "line transfer: " + std::to_string(line_patterns.size()) +
           " patterns through the die's column deck (all rows W = 1 at one DAC code each)",
       "ADC transitions: the die's ADC instance (xadc) in a standalone deck, staircase input, "
       "1/8 LSB steps, then 1/64 LSB steps around each; each transition = first input + (inputs "
       "converted below it - 1/2) x step",
       "dynamic noise off on both sides: ngspice 39 has no device noise in transient analysis",
       "static sigmas zero in the model: the die is fixed, its fixed pattern is the measured "
       "transfer",
       "GBL driven by ideal PWL sources at code / " + std::to_string((1 << o.dac_bits) - 1) +
           " x VDD: the DAC is not part of the validated chain",
       "inputs: per vector f ~ U(0, range top + 1 LSB); per row W ~ Bernoulli(sqrt f), code ~ "
       "Binomial(" +
           std::to_string((1 << o.dac_bits) - 1) + ", sqrt f); input seed " +
           std::to_string(o.input_seed),
       "ideal code = floor(ideal fraction / range top x 2^b), clamped; error = code - ideal code"});
  return rep;
}

void PrintReport(std::ostream& out, const ValidationReport& r) {
  const ValidateOptions& o = r.options;
  const int levels = 1 << o.adc_bits;
  out << "validation of the MAC model against SPICE: one column, " << o.rows << " rows, "
      << o.dac_bits << "-bit activations, " << o.adc_bits << "-bit SAR ADC\n";
  out << "operating point: " << o.corner << ", VDD " << o.vdd_v << " V, " << o.temp_c
      << " degC; die " << o.die << " (seed " << o.seed << ")\n";
  out << "method:\n";
  for (const auto& n : r.notes) {
    out << "  - " << n << "\n";
  }
  out << std::fixed << std::setprecision(2);
  out << "design: line full scale " << r.line_full_scale_design_v * 1e3 << " mV, ADC range [0, "
      << r.adc_range_hi_frac << "] of it, LSB " << r.lsb_design_v * 1e3 << " mV, VREF "
      << r.vref_v * 1e3 << " mV, VCMP " << r.vcmp_v * 1e3 << " mV\n";
  out << "die line transfer (fraction: mV):";
  for (const auto& p : r.line) {
    out << " " << std::setprecision(3) << p.ideal_frac << ":" << std::setprecision(1)
        << p.mean_v * 1e3;
  }
  out << "\n" << std::setprecision(2) << "die ADC transitions (mV, design k LSB):";
  for (int k = 1; k < levels; ++k) {
    out << " " << r.transitions_v[k - 1] * 1e3 << " (" << k * r.lsb_design_v * 1e3 << ")";
  }
  out << "\nmodel transition offsets (LSB):";
  for (double v : r.calibration.analog.adc_transition_offset_lsb) {
    out << " " << std::setprecision(3) << v;
  }
  out << "\n";
  // `who` is empty for the die-calibrated model: its lines carry the exact phrases
  // "identical codes" and "sigma ratio" that scripts look for; the table-calibrated model's
  // lines use other words so they are never mistaken for them.
  const auto print = [&](const std::string& who, const Agreement& a) {
    const bool main = who.empty();
    out << std::setprecision(1);
    out << who << (main ? "identical codes: " : "same codes as SPICE: ") << a.identical << " / "
        << a.compared << " = " << 100.0 * a.identical_fraction
        << " % (target >= " << 100.0 * kTargetIdentical
        << " %): " << (a.identical_fraction >= kTargetIdentical ? "PASS" : "MISS") << "\n";
    out << std::setprecision(4);
    out << who << "error (code - ideal code): SPICE mean " << a.mean_error_spice << " sigma "
        << a.sigma_error_spice << "; model mean " << a.mean_error_model << " sigma "
        << a.sigma_error_model << " LSB\n";
    out << std::setprecision(3);
    out << who << (main ? "sigma ratio" : "error-sigma ratio")
        << " (model/SPICE): " << a.sigma_ratio;
    if (a.ratio_defined_by_convention) {
      out << " (SPICE sigma is 0: ratio set to 1 when the model's is 0 too, else infinity)";
    }
    out << " (target " << kTargetRatioLo << "-" << kTargetRatioHi << "): "
        << (a.sigma_ratio >= kTargetRatioLo && a.sigma_ratio <= kTargetRatioHi ? "PASS" : "MISS")
        << "\n";
  };
  print("", r.model);
  if (r.lut_model.compared > 0) {
    print("model from the tables (--lut): ", r.lut_model);
  }
  if (r.failed_jobs > 0) {
    out << "failed transients: " << r.failed_jobs << " (their vectors are not compared)\n";
  }
  out << std::setprecision(1) << "runtime: total " << r.total_s << " s on " << o.jobs
      << " workers (die calibration ~" << r.calibration_s << " s, vectors ~" << r.vectors_s
      << " s)\n";
  out << "result: " << (MeetsTargets(r.model) ? "PASS" : "MISS") << "\n";
}

void WriteVectorsCsv(const fs::path& file, const ValidationReport& r) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    const bool lut = r.lut_model.compared > 0;
    out << "vector,ideal_frac,ideal_code,spice_code,model_code,spice_line_v"
        << (lut ? ",lut_model_code" : "") << "\n";
    out << std::setprecision(17);
    for (const auto& v : r.vectors) {
      out << v.index << "," << v.ideal_frac << "," << v.ideal_code << "," << v.spice_code << ","
          << v.model_code << "," << v.spice_line_v;
      if (lut) {
        out << "," << v.lut_model_code;
      }
      out << "\n";
    }
    if (!out) {
      throw Error("cannot write the vectors CSV " + tmp.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    throw Error("cannot rename " + tmp.string() + " to " + file.string() + ": " + ec.message());
  }
}

}  // namespace cimchar::validate
