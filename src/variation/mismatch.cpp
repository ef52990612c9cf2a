#include "variation/mismatch.h"

#include <cmath>

#include "core/error.h"
#include "netlist/template.h"
#include "variation/counter_rng.h"

namespace cimchar::variation {
namespace {

constexpr std::uint32_t kStreamVth = 0;
constexpr std::uint32_t kStreamBeta = 1;
constexpr std::uint32_t kStreamCap = 2;

double AreaUm2(const netlist::Device& d) { return d.w_m * 1e6 * d.l_m * 1e6 * d.mult; }

}  // namespace

double SigmaVth(const netlist::Device& d, const MismatchOptions& o) {
  return o.scale * o.avt_pair_v_um / std::sqrt(2.0 * AreaUm2(d));
}

double SigmaBeta(const netlist::Device& d, const MismatchOptions& o) {
  return o.scale * o.abeta_pair_um / std::sqrt(2.0 * AreaUm2(d));
}

double SigmaCapRel(const netlist::Device& d, const MismatchOptions& o) {
  return o.scale * o.cap_sigma_rel_at_1ff / std::sqrt(d.c_f * d.mult / 1e-15);
}

std::vector<Deviation> DrawMismatch(const std::vector<netlist::Device>& devices,
                                    const MismatchOptions& options,
                                    std::uint64_t master_seed,
                                    std::uint64_t sample) {
  if (options.avt_pair_v_um < 0 || options.abeta_pair_um < 0 || options.cap_sigma_rel_at_1ff < 0 ||
      options.scale < 0) {
    throw UsageError("mismatch coefficients must be >= 0 (avt, abeta, cap sigma, scale)");
  }
  std::vector<Deviation> out;
  out.reserve(devices.size());
  for (const auto& d : devices) {
    const std::uint64_t key = DeviceKey(d.name);
    Deviation dev;
    dev.device = &d;
    if (d.kind == netlist::Device::Kind::kMos) {
      if (!options.mos) {
        continue;
      }
      dev.delvto_v = SigmaVth(d, options) * CounterNormal(master_seed, sample, key, kStreamVth);
      dev.mulu0 =
          1.0 + SigmaBeta(d, options) * CounterNormal(master_seed, sample, key, kStreamBeta);
    } else {
      if (!options.capacitors || d.c_f <= 0) {
        continue;
      }
      dev.c_f = d.c_f * (1.0 + SigmaCapRel(d, options) *
                                   CounterNormal(master_seed, sample, key, kStreamCap));
    }
    out.push_back(dev);
  }
  return out;
}

std::vector<std::string> AlterCommands(const std::vector<Deviation>& deviations) {
  std::vector<std::string> out;
  out.reserve(deviations.size() * 2);
  for (const auto& dev : deviations) {
    const auto& name = dev.device->name;
    if (dev.device->kind == netlist::Device::Kind::kMos) {
      out.push_back("alter @" + name + "[delvto]=" + netlist::FormatNumber(dev.delvto_v));
      out.push_back("alter @" + name + "[mulu0]=" + netlist::FormatNumber(dev.mulu0));
    } else {
      out.push_back("alter @" + name + "[capacitance]=" + netlist::FormatNumber(dev.c_f));
    }
  }
  return out;
}

}  // namespace cimchar::variation
