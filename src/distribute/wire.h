#pragma once

// Internal to cimchar_distribute: the bytes of the small messages ranks exchange (fixed-width
// little-endian-as-in-memory fields; every rank runs the same build).

#include <cstdint>
#include <cstring>
#include <string>

#include "core/error.h"

namespace cimchar::distribute::wire {

class Writer {
 public:
  void U64(std::uint64_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void Str(const std::string& s) {
    U64(s.size());
    bytes_ += s;
  }
  std::string Take() { return std::move(bytes_); }

 private:
  void Raw(const void* p, std::size_t n) { bytes_.append(static_cast<const char*>(p), n); }
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  std::uint64_t U64() {
    std::uint64_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  double F64() {
    double v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  std::string Str() {
    const std::uint64_t n = U64();
    Need(n);
    std::string s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  void Need(std::uint64_t n) const {
    if (n > bytes_.size() - pos_) {
      throw Error("internal: a truncated message between ranks");
    }
  }
  void Raw(void* out, std::size_t n) {
    Need(n);
    std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
  }
  const std::string& bytes_;
  std::size_t pos_ = 0;
};

}  // namespace cimchar::distribute::wire
