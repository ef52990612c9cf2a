// The validation's input vectors (vectors.h).
#include "validate/vectors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "characterize/benches/common.h"
#include "core/error.h"
#include "variation/counter_rng.h"

namespace cimchar::validate {
namespace {

namespace ch = characterize;

// Counter-based draws of the sets (one stream per set and vector).
constexpr std::uint64_t kSweepTag = 0x73776565u;    // "swee"
constexpr std::uint64_t kNetworkTag = 0x6e657477u;  // "netw"

std::string Key(const std::string& name) { return "column." + name; }

// An integer list key, or "all" (returned empty); every entry within lo..hi.
std::vector<int> IntList(const ch::Recipe& r, const std::string& name, int lo, int hi) {
  const auto it = r.bench_keys.find(Key(name));
  if (it == r.bench_keys.end() || it->second == "all") {
    return {};
  }
  std::vector<int> out;
  for (double v : ch::ParseNumberList(Key(name), it->second)) {
    if (v != std::floor(v) || v < lo || v > hi) {
      throw UsageError("recipe key '" + Key(name) + "': " + netlist::FormatNumber(v) +
                       " is not an integer within " + std::to_string(lo) + ".." +
                       std::to_string(hi));
    }
    out.push_back(static_cast<int>(v));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The ideal fractions x of the converter's window ends, through the uniform-code line transfer.
std::pair<double, double> WindowFractions(const calib::Macro& macro) {
  const calib::LineTransfer& l = macro.line;
  const int top = (1 << macro.geometry.dac_bits) - 1;
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
  return {fraction(macro.adc.LowV()), fraction(macro.adc.HighV())};
}

std::vector<std::int64_t> RowsAtCode(const ch::benches::ColumnVector& op, int dac_bits) {
  std::vector<std::int64_t> counts(std::size_t{1} << dac_bits, 0);
  for (std::size_t r = 0; r < op.weight.size(); ++r) {
    if (op.weight[r] != 0) {
      ++counts[static_cast<std::size_t>(op.code[r])];
    }
  }
  return counts;
}

// A vector whose sum(W code) is `sum`: half the rows (more when the sum needs them) hold W = 1,
// chosen at random, every row's code uniform; then the W = 1 rows' codes move a step at a time,
// in a random order, until the sum is reached.
ch::benches::ColumnVector SweepVector(
    std::uint64_t seed, std::uint64_t index, std::int64_t sum, int rows, int top) {
  const auto bits = [&](std::uint64_t what, std::uint64_t which) {
    return variation::CounterBits(seed, index * 4 + what, which, kSweepTag);
  };
  std::vector<int> order(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    order[static_cast<std::size_t>(r)] = r;
  }
  for (int r = rows - 1; r > 0; --r) {
    const auto j = static_cast<std::size_t>(bits(0, static_cast<std::uint64_t>(r)) %
                                            static_cast<std::uint64_t>(r + 1));
    std::swap(order[static_cast<std::size_t>(r)], order[j]);
  }
  const int ones = std::clamp(
      std::max(rows / 2, static_cast<int>(std::ceil(2.0 * static_cast<double>(sum) / top))), 1,
      rows);
  ch::benches::ColumnVector v;
  v.weight.assign(static_cast<std::size_t>(rows), 0);
  v.code.assign(static_cast<std::size_t>(rows), 0);
  std::int64_t now = 0;
  for (int k = 0; k < rows; ++k) {
    const auto r = static_cast<std::size_t>(order[static_cast<std::size_t>(k)]);
    v.code[r] = static_cast<int>(bits(1, r) % static_cast<std::uint64_t>(top + 1));
    if (k < ones) {
      v.weight[r] = 1;
      now += v.code[r];
    }
  }
  sum = std::clamp<std::int64_t>(sum, 0, static_cast<std::int64_t>(ones) * top);
  while (now != sum) {
    const int step = now < sum ? 1 : -1;
    for (int k = 0; k < ones && now != sum; ++k) {
      int& c = v.code[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])];
      if (c + step >= 0 && c + step <= top) {
        c += step;
        now += step;
      }
    }
  }
  return v;
}

// Two's complement bit i of a weight of `bits` bits.
int WeightBit(std::int32_t w, int i, int bits) {
  const std::uint32_t u = static_cast<std::uint32_t>(w) & ((1u << bits) - 1u);
  return static_cast<int>((u >> i) & 1u);
}

}  // namespace

const char* SetName(VectorSet set) {
  switch (set) {
    case VectorSet::kSweep:
      return "sweep";
    case VectorSet::kCodes:
      return "codes";
    case VectorSet::kNetwork:
      return "network";
  }
  return "?";
}

VectorSets ReadVectorSets(const ch::Recipe& column, int adc_bits, int dac_bits) {
  VectorSets s;
  if (const auto it = column.bench_keys.find(Key("sets")); it != column.bench_keys.end()) {
    s.sets.clear();
    for (const std::string& w : ch::ParseWordList(it->second)) {
      const VectorSet all[] = {VectorSet::kSweep, VectorSet::kCodes, VectorSet::kNetwork};
      const auto* found = std::find_if(std::begin(all), std::end(all),
                                       [&](VectorSet v) { return w == SetName(v); });
      if (found == std::end(all)) {
        throw UsageError("recipe key 'column.sets': unknown set '" + w +
                         "' (sets: sweep, codes, network)");
      }
      if (std::find(s.sets.begin(), s.sets.end(), *found) == s.sets.end()) {
        s.sets.push_back(*found);
      }
    }
    if (s.sets.empty()) {
      throw UsageError("recipe key 'column.sets' names no set (sets: sweep, codes, network)");
    }
  }
  s.sweep_transitions = IntList(column, "sweep_transitions", 1, (1 << adc_bits) - 1);
  s.codes = IntList(column, "codes", 0, (1 << dac_bits) - 1);
  if (const auto it = column.bench_keys.find(Key("sweep_offsets")); it != column.bench_keys.end()) {
    s.sweep_offsets = ch::ParseNumberList(Key("sweep_offsets"), it->second);
    for (double o : s.sweep_offsets) {
      if (std::abs(o) > 1.0) {
        throw UsageError("recipe key 'column.sweep_offsets': " + netlist::FormatNumber(o) +
                         " LSB is beyond the bins next to the transition (-1..1)");
      }
    }
  }
  s.sweep_centres = ch::benches::RangedInt(column, "sweep_centres", 1, 0, 1) == 1;
  if (column.bench_keys.count(Key("network_boundaries")) != 0) {
    s.network_boundaries = IntList(column, "network_boundaries", 1, 64);
  }
  s.network_macs = ch::benches::RangedInt(column, "network_macs", s.network_macs, 1, 10000);
  s.seed = static_cast<std::uint64_t>(ch::benches::RangedInt(column, "input_seed", 1, 0, 1 << 30));
  return s;
}

double IdealLsb(const calib::Macro& macro, const std::vector<std::int64_t>& rows_at_code) {
  const int top = (1 << macro.geometry.dac_bits) - 1;
  double weighted = 0.0;
  for (std::size_t d = 0; d < rows_at_code.size(); ++d) {
    weighted += static_cast<double>(rows_at_code[d]) * static_cast<double>(d);
  }
  const double x = weighted / (static_cast<double>(macro.geometry.rows) * top);
  const auto [lo, hi] = WindowFractions(macro);
  return (x - lo) / (hi - lo) * static_cast<double>(1 << macro.geometry.adc_bits);
}

Vectors BuildVectors(const calib::Macro& macro,
                     const VectorSets& sets,
                     const network::LayerData* layer) {
  const calib::Geometry& g = macro.geometry;
  const int rows = g.rows;
  const int top = (1 << g.dac_bits) - 1;
  const int levels = 1 << g.adc_bits;
  Vectors out;
  const auto add = [&](VectorSet set, ch::benches::ColumnVector op, std::string label) {
    ValidationVector v;
    v.set = set;
    v.rows_at_code = RowsAtCode(op, g.dac_bits);
    v.ideal_lsb = IdealLsb(macro, v.rows_at_code);
    v.op = std::move(op);
    v.label = std::move(label);
    out.vectors.push_back(std::move(v));
    return out.vectors.size() - 1;
  };
  for (VectorSet set : sets.sets) {
    if (set == VectorSet::kSweep) {
      // Targets on the ideal line, each reached by the nearest sum(W code).
      std::vector<std::pair<double, std::string>> targets;
      std::vector<int> ks = sets.sweep_transitions;
      if (ks.empty()) {
        for (int k = 1; k < levels; ++k) {
          ks.push_back(k);
        }
      }
      for (int k : ks) {
        for (double o : sets.sweep_offsets) {
          char label[48];
          std::snprintf(label, sizeof label, "T%d%+.2f", k, o);
          targets.push_back({k + o, label});
        }
      }
      if (sets.sweep_centres) {
        for (int b = 0; b < levels; ++b) {
          targets.push_back({b + 0.5, "bin " + std::to_string(b)});
        }
      }
      std::sort(targets.begin(), targets.end());
      const auto [lo, hi] = WindowFractions(macro);
      const double full = static_cast<double>(rows) * top;
      std::uint64_t index = 0;
      for (const auto& [u, label] : targets) {
        const double x = lo + u / levels * (hi - lo);
        const auto sum = static_cast<std::int64_t>(std::llround(x * full));
        if (sum < 0 || static_cast<double>(sum) > full) {
          out.notes.push_back("sweep: " + label + " (ideal line " + netlist::FormatNumber(u) +
                              " LSB) lies beyond the line's range: left out");
          ++index;
          continue;
        }
        add(VectorSet::kSweep, SweepVector(sets.seed, index++, sum, rows, top), label);
      }
    } else if (set == VectorSet::kCodes) {
      std::vector<int> codes = sets.codes;
      if (codes.empty()) {
        for (int c = 0; c <= top; ++c) {
          codes.push_back(c);
        }
      }
      for (int c : codes) {
        ch::benches::ColumnVector op;
        op.weight.assign(static_cast<std::size_t>(rows), 1);
        op.code.assign(static_cast<std::size_t>(rows), c);
        const std::size_t v = add(VectorSet::kCodes, op, "code " + std::to_string(c));
        out.vectors[v].dac_code = c;
      }
    } else {
      if (layer == nullptr) {
        throw UsageError(
            "the column recipe's sets include 'network' (column.sets): give the layer whose real "
            "operands it converts (cimchar validate --layer F.h5, e.g. from cimchar network "
            "export-layer)");
      }
      const network::LayerData& l = *layer;
      mac::MacShape shape;
      static_cast<calib::Geometry&>(shape) = g;
      shape.activation_bits = l.activation_bits;
      shape.weight_bits = l.weight_bits;
      shape.signed_weights = l.signed_weights;
      const std::vector<std::int32_t> zeros(static_cast<std::size_t>(rows), 0);
      const mac::MacArray array(shape, macro, zeros, rows, 1, 1);
      const int a = l.activation_bits;
      const int w = l.weight_bits;
      const int tiles = (l.length + rows - 1) / rows;
      const auto weight = [&](int tile, int r, int o) -> std::int32_t {
        const int k = tile * rows + r;
        return k < l.length ? l.weights[static_cast<std::size_t>(k) * l.outputs + o] : 0;
      };
      const auto activation = [&](std::int64_t n, int tile, int r) -> std::int32_t {
        const int k = tile * rows + r;
        return k < l.length ? (*l.inputs)[static_cast<std::size_t>(n) * l.length + k] : 0;
      };
      const auto exact = [&](std::int64_t n, int tile, int o) {
        std::int64_t y = 0;
        for (int r = 0; r < rows; ++r) {
          y += static_cast<std::int64_t>(weight(tile, r, o)) * activation(n, tile, r);
        }
        return static_cast<double>(y);
      };
      // The signal: the exact tile outputs over (up to 20000 of) the layer's outputs.
      {
        const std::int64_t total = l.vectors * l.outputs * tiles;
        const std::int64_t stride = std::max<std::int64_t>(1, total / 20000);
        double s = 0.0, ss = 0.0;
        long long n = 0;
        for (std::int64_t i = 0; i < total; i += stride) {
          const double y = exact(i / (l.outputs * tiles), static_cast<int>(i % tiles),
                                 static_cast<int>((i / tiles) % l.outputs));
          s += y;
          ss += y * y;
          ++n;
        }
        out.signal_outputs = n;
        out.signal_variance = n > 1 ? (ss - s * s / n) / (n - 1) : 0.0;
        out.layer = l.description;
      }
      for (int boundary : sets.network_boundaries) {
        if (boundary < 1 || boundary > a + w - 1) {
          throw UsageError("recipe key 'column.network_boundaries': B_D/A " +
                           std::to_string(boundary) + " is outside 1.." +
                           std::to_string(a + w - 1) + " for the layer's " + std::to_string(a) +
                           "-bit activations and " + std::to_string(w) + "-bit weights");
        }
        mac::RunOptions run;
        run.mode = mac::Mode::kHcim;
        run.boundary = boundary;
        const mac::MacRunner runner(array, run);
        for (int m = 0; m < sets.network_macs; ++m) {
          const auto pick = [&](std::uint64_t what, std::uint64_t range) {
            return variation::CounterBits(sets.seed,
                                          static_cast<std::uint64_t>(boundary) * 100000u + m, what,
                                          kNetworkTag) %
                   range;
          };
          MacOutput mo;
          mo.boundary = boundary;
          mo.mac = m;
          mo.layer_vector =
              static_cast<std::int64_t>(pick(0, static_cast<std::uint64_t>(l.vectors)));
          mo.layer_output = static_cast<int>(pick(1, static_cast<std::uint64_t>(l.outputs)));
          mo.tile = static_cast<int>(pick(2, static_cast<std::uint64_t>(tiles)));
          mo.ideal = exact(mo.layer_vector, mo.tile, mo.layer_output);
          for (int i = 0; i < w; ++i) {
            const double sign = l.signed_weights && i == w - 1 ? -1.0 : 1.0;
            int lo = a, hi = -1;
            for (int j = 0; j < a; ++j) {
              const auto domain = runner.DomainOf(boundary, i, j);
              if (domain == mac::MacRunner::Domain::kAnalog) {
                lo = std::min(lo, j);
                hi = std::max(hi, j);
              } else if (domain == mac::MacRunner::Domain::kDigital) {
                double count = 0.0;
                for (int r = 0; r < rows; ++r) {
                  count += WeightBit(weight(mo.tile, r, mo.layer_output), i, w) *
                           ((activation(mo.layer_vector, mo.tile, r) >> j) & 1);
                }
                mo.digital += sign * std::ldexp(count, i + j);
              }
            }
            if (hi < lo) {
              continue;
            }
            const int n = hi - lo + 1;
            const int shift = g.dac_bits - n;
            ch::benches::ColumnVector op;
            for (int r = 0; r < rows; ++r) {
              op.weight.push_back(WeightBit(weight(mo.tile, r, mo.layer_output), i, w));
              op.code.push_back(((activation(mo.layer_vector, mo.tile, r) >> lo) & ((1 << n) - 1))
                                << shift);
            }
            mo.ops.push_back(add(VectorSet::kNetwork, op,
                                 "B" + std::to_string(boundary) + " mac " + std::to_string(m) +
                                     " w" + std::to_string(i)));
            mo.op_scale.push_back(sign *
                                  std::ldexp(static_cast<double>(rows) * top, i + lo - shift));
          }
          if (mo.ops.empty()) {
            throw UsageError("recipe key 'column.network_boundaries': B_D/A " +
                             std::to_string(boundary) + " leaves no analog op");
          }
          out.macs.push_back(std::move(mo));
        }
      }
    }
  }
  return out;
}

double ComposeMac(const MacOutput& mac,
                  const std::vector<int>& codes,
                  const mac::MacArray& readback) {
  double y = mac.digital;
  for (std::size_t k = 0; k < mac.ops.size(); ++k) {
    const int code = codes[mac.ops[k]];
    if (code < 0) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    y += mac.op_scale[k] * readback.CodeFraction(code);
  }
  return y;
}

}  // namespace cimchar::validate
