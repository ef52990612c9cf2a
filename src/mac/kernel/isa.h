#pragma once

#include <string>
#include <vector>

namespace cimchar::mac {

// The instruction set the MAC kernel runs on. Every one gives identical results; they differ only
// in speed. kAuto is the fastest this CPU supports, unless the environment variable CIMCHAR_ISA
// (scalar, avx2 or avx512) names another.
enum class Isa { kAuto, kScalar, kAvx2, kAvx512 };

// "auto", "scalar", "avx2", "avx512". Failures: none. Thread-safety: pure.
std::string IsaName(Isa isa);
// Parses IsaName's words. Failures: UsageError naming the value and the choices.
Isa ParseIsa(const std::string& text);
// Whether this CPU (and its operating system) can run `isa`; kAuto always. Thread-safety: pure.
bool IsaSupported(Isa isa);
// Every supported instruction set other than kAuto, slowest first. Thread-safety: pure.
std::vector<Isa> SupportedIsas();
// What kAuto stands for on this machine (CIMCHAR_ISA, else the fastest supported).
// Failures: UsageError when CIMCHAR_ISA names an unknown or unsupported instruction set.
// Thread-safety: safe (reads the environment once).
Isa ResolveIsa(Isa isa);

}  // namespace cimchar::mac
