#include "mac/kernel/isa.h"

#include <cstdlib>

#include "core/error.h"

namespace cimchar::mac {

std::string IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAuto:
      return "auto";
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

Isa ParseIsa(const std::string& text) {
  for (Isa isa : {Isa::kAuto, Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (text == IsaName(isa)) {
      return isa;
    }
  }
  throw UsageError("unknown instruction set '" + text + "': expected auto, scalar, avx2 or avx512");
}

bool IsaSupported(Isa isa) {
  switch (isa) {
    case Isa::kAuto:
    case Isa::kScalar:
      return true;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vpopcntdq") && IsaSupported(Isa::kAvx2);
#else
    case Isa::kAvx2:
    case Isa::kAvx512:
      return false;
#endif
  }
  return false;
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaSupported(isa)) {
      out.push_back(isa);
    }
  }
  return out;
}

Isa ResolveIsa(Isa isa) {
  if (isa != Isa::kAuto) {
    if (!IsaSupported(isa)) {
      throw UsageError("this CPU cannot run the MAC kernel's " + IsaName(isa) +
                       " path; supported here: scalar" +
                       std::string(IsaSupported(Isa::kAvx2) ? ", avx2" : ""));
    }
    return isa;
  }
  static const Isa chosen = [] {
    const char* env = std::getenv("CIMCHAR_ISA");
    if (env != nullptr && *env != '\0') {
      const Isa wanted = ParseIsa(env);
      if (wanted != Isa::kAuto) {
        if (!IsaSupported(wanted)) {
          throw UsageError("CIMCHAR_ISA=" + std::string(env) +
                           ": this CPU cannot run that instruction set");
        }
        return wanted;
      }
    }
    return SupportedIsas().back();
  }();
  return chosen;
}

}  // namespace cimchar::mac
