#include "network/tensor.h"

#include <unistd.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "report/atomic_file.h"

namespace cimchar::network {

std::int64_t IntTensor::Size() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    n *= d;
  }
  return n;
}

std::string IntTensor::ShapeText() const {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::string IntTensor::IndexText(std::int64_t index) const {
  std::vector<std::int64_t> at(shape.size(), 0);
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 0) {
      at[d] = index % shape[d];
      index /= shape[d];
    }
  }
  std::string s = "[";
  for (std::size_t i = 0; i < at.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(at[i]);
  }
  return s + "]";
}

namespace {

// This machine's physical memory in bytes (the largest value an in-memory array could take);
// the int64 maximum when the system does not say.
std::int64_t PhysicalMemoryBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0 ||
      pages > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(page)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return static_cast<std::int64_t>(pages) * static_cast<std::int64_t>(page);
}

// out = a * b; false when it does not fit an int64 (a, b >= 0).
bool MultiplyFits(std::int64_t a, std::int64_t b, std::int64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a) {
    return false;
  }
  out = a * b;
  return true;
}

}  // namespace

std::int64_t CheckedElementCount(const std::vector<std::int64_t>& shape,
                                 int stored_bytes,
                                 const std::string& source) {
  IntTensor described;
  described.shape = shape;
  std::int64_t count = 1;
  for (std::int64_t d : shape) {
    if (d < 0 || !MultiplyFits(count, d, count)) {
      throw UsageError(source + ": the shape " + described.ShapeText() +
                       " is negative or has more elements than a 64-bit count holds");
    }
  }
  std::int64_t stored = 0;
  std::int64_t in_memory = 0;
  if (!MultiplyFits(count, stored_bytes, stored) ||
      !MultiplyFits(count, static_cast<std::int64_t>(sizeof(std::int64_t)), in_memory)) {
    throw UsageError(source + ": the shape " + described.ShapeText() + " (" +
                     std::to_string(count) + " elements) is larger than a 64-bit byte count holds");
  }
  return count;
}

void CheckFitsInMemory(const std::vector<std::int64_t>& shape,
                       std::int64_t count,
                       const std::string& source) {
  const std::int64_t in_memory = count * static_cast<std::int64_t>(sizeof(std::int64_t));
  const std::int64_t memory = PhysicalMemoryBytes();
  if (in_memory > memory) {
    IntTensor described;
    described.shape = shape;
    throw UsageError(source + ": the shape " + described.ShapeText() + " (" +
                     std::to_string(count) + " elements) needs " + std::to_string(in_memory) +
                     " bytes in memory, more than this machine's " + std::to_string(memory) +
                     "; is the shape right?");
  }
}

namespace {

struct Dtype {
  const char* name;
  const char* descr;  // NumPy's descr for little-endian storage
  int bytes;
  bool is_signed;
};

constexpr Dtype kDtypes[] = {
    {"int8", "|i1", 1, true},    {"uint8", "|u1", 1, false},  {"int16", "<i2", 2, true},
    {"uint16", "<u2", 2, false}, {"int32", "<i4", 4, true},   {"uint32", "<u4", 4, false},
    {"int64", "<i8", 8, true},   {"uint64", "<u8", 8, false},
};

const Dtype* FindDescr(const std::string& descr) {
  // NumPy writes single-byte types as '|i1' but accepts '<i1'; both read the same.
  std::string d = descr;
  if (d.size() == 3 && d[2] == '1' && d[0] == '<') {
    d[0] = '|';
  }
  for (const Dtype& t : kDtypes) {
    if (d == t.descr) {
      return &t;
    }
  }
  return nullptr;
}

const Dtype* FindName(const std::string& name) {
  for (const Dtype& t : kDtypes) {
    if (name == t.name) {
      return &t;
    }
  }
  return nullptr;
}

[[noreturn]] void Bad(const std::filesystem::path& path, const std::string& what) {
  throw UsageError(path.string() + ": " + what);
}

// The value of `key` in NumPy's header dict, e.g. 'descr': '<i4' -> <i4 (quotes removed) or
// 'shape': (3, 4) -> "3, 4".
std::string HeaderValue(const std::filesystem::path& path,
                        const std::string& header,
                        const std::string& key) {
  const std::string quoted = "'" + key + "'";
  const std::size_t at = header.find(quoted);
  if (at == std::string::npos) {
    Bad(path, "the .npy header has no '" + key + "' entry (header: " + header + ")");
  }
  std::size_t p = header.find(':', at + quoted.size());
  if (p == std::string::npos) {
    Bad(path, "malformed .npy header: " + header);
  }
  ++p;
  while (p < header.size() && header[p] == ' ') {
    ++p;
  }
  if (p < header.size() && (header[p] == '\'' || header[p] == '"')) {
    const char q = header[p];
    const std::size_t end = header.find(q, p + 1);
    if (end == std::string::npos) {
      Bad(path, "malformed .npy header: " + header);
    }
    return header.substr(p + 1, end - p - 1);
  }
  if (p < header.size() && header[p] == '(') {
    const std::size_t end = header.find(')', p);
    if (end == std::string::npos) {
      Bad(path, "malformed .npy header: " + header);
    }
    return header.substr(p + 1, end - p - 1);
  }
  std::size_t end = p;
  while (end < header.size() && header[end] != ',' && header[end] != '}') {
    ++end;
  }
  return header.substr(p, end - p);
}

std::string DtypeAdvice(const std::string& descr) {
  const char kind = descr.size() >= 2 ? descr[1] : '?';
  if (kind == 'f') {
    return "floating-point data (" + descr +
           "): layer data must be integer codes; quantize first (e.g. "
           "np.round(x / scale).astype(np.int32))";
  }
  if (kind == 'b') {
    return "boolean data (" + descr + "): save it as integers (x.astype(np.uint8))";
  }
  return "unsupported dtype '" + descr + "': expected int8/16/32/64 or uint8/16/32/64";
}

// The dimensions of a .npy header's shape tuple text ("3, 4", "5,", "" for a scalar); Python 2's
// long suffix ("3L") is accepted.
std::vector<std::int64_t> ParseShape(const std::filesystem::path& path, const std::string& text) {
  std::vector<std::int64_t> shape;
  std::size_t p = 0;
  while (p < text.size()) {
    if (text[p] == ' ' || text[p] == ',') {
      ++p;
      continue;
    }
    std::size_t end = p;
    while (end < text.size() && text[end] != ' ' && text[end] != ',') {
      ++end;
    }
    std::string word = text.substr(p, end - p);
    if (word.size() > 1 && (word.back() == 'L' || word.back() == 'l')) {
      word.pop_back();
    }
    std::int64_t d = 0;
    const auto [stop, err] = std::from_chars(word.data(), word.data() + word.size(), d);
    if (err != std::errc() || stop != word.data() + word.size() || d < 0) {
      Bad(path, "malformed shape (" + text + ") in the .npy header: '" + word +
                    "' is not a dimension (a whole number from 0 to 2^63-1)");
    }
    shape.push_back(d);
    p = end;
  }
  return shape;
}

std::string BigEndianAdvice(const std::string& descr) {
  return "big-endian data (" + descr + "): store x.astype(x.dtype.newbyteorder('<')) instead";
}

// Fills t.values (t.Size() elements) from `raw`, little-endian elements of `type`.
void DecodeValues(const Dtype& type, const unsigned char* raw, IntTensor& t) {
  const std::int64_t n = t.Size();
  t.values.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint64_t u = 0;
    const unsigned char* p = raw + static_cast<std::size_t>(i) * type.bytes;
    for (int b = type.bytes - 1; b >= 0; --b) {
      u = (u << 8) | p[b];
    }
    std::int64_t v = 0;
    if (type.is_signed) {
      const int bits = 8 * type.bytes;
      if (bits < 64 && (u >> (bits - 1)) != 0) {
        u |= ~std::uint64_t{0} << bits;  // sign-extend
      }
      v = static_cast<std::int64_t>(u);
    } else {
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw UsageError(t.source + ": value " + t.IndexText(i) + " = " + std::to_string(u) +
                         " is beyond int64");
      }
      v = static_cast<std::int64_t>(u);
    }
    t.values[static_cast<std::size_t>(i)] = v;
  }
}

}  // namespace

IntTensor ReadNpy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Bad(path, "cannot open the file (does it exist?)");
  }
  char magic[8] = {};
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    Bad(path, "not a NumPy .npy file (no \\x93NUMPY magic); save arrays with np.save");
  }
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (static_cast<std::uint32_t>(b[1]) << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (static_cast<std::uint32_t>(b[1]) << 8) |
                 (static_cast<std::uint32_t>(b[2]) << 16) |
                 (static_cast<std::uint32_t>(b[3]) << 24);
  } else {
    Bad(path, "unsupported .npy format version " + std::to_string(major));
  }
  if (!in || header_len > (1u << 24)) {
    Bad(path, "truncated or corrupt .npy header");
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) {
    Bad(path, "truncated .npy header");
  }
  const std::string descr = HeaderValue(path, header, "descr");
  const std::string fortran = HeaderValue(path, header, "fortran_order");
  const std::string shape_text = HeaderValue(path, header, "shape");
  if (fortran.find("True") != std::string::npos) {
    Bad(path, "Fortran-ordered array: save np.ascontiguousarray(x) instead");
  }
  if (!descr.empty() && descr[0] == '>') {
    Bad(path, BigEndianAdvice(descr));
  }
  const Dtype* type = FindDescr(descr);
  if (type == nullptr) {
    Bad(path, DtypeAdvice(descr));
  }
  IntTensor t;
  t.source = path.string();
  t.dtype = type->name;
  t.shape = ParseShape(path, shape_text);
  const std::int64_t n = CheckedElementCount(t.shape, type->bytes, t.source);
  const auto bytes = static_cast<std::size_t>(n) * static_cast<std::size_t>(type->bytes);
  // The data must be in the file before anything is allocated for it: a header may claim any
  // shape.
  const std::streamoff data_start = in.tellg();
  std::error_code ec;
  const std::uintmax_t file_bytes = std::filesystem::file_size(path, ec);
  if (ec || data_start < 0) {
    Bad(path, "cannot size the file: " + ec.message());
  }
  const std::uintmax_t held =
      file_bytes - std::min<std::uintmax_t>(file_bytes, static_cast<std::uintmax_t>(data_start));
  if (bytes > held) {
    Bad(path, "the header says " + t.ShapeText() + " " + type->name + ", " + std::to_string(bytes) +
                  " bytes of data, but the file holds " + std::to_string(held) +
                  " bytes after its " + std::to_string(data_start) +
                  "-byte header: the file is truncated or its header is wrong; save the array "
                  "again with np.save");
  }
  CheckFitsInMemory(t.shape, n, t.source);
  std::vector<unsigned char> raw(bytes);
  in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(bytes));
  if (static_cast<std::size_t>(in.gcount()) != bytes) {
    Bad(path, "the data is truncated: the header says " + t.ShapeText() + " " + type->name + " (" +
                  std::to_string(bytes) + " bytes), the file holds " + std::to_string(in.gcount()));
  }
  DecodeValues(*type, raw.data(), t);
  return t;
}

void WriteNpy(const std::filesystem::path& path,
              const IntTensor& tensor,
              const std::string& dtype) {
  const Dtype* type = FindName(dtype);
  if (type == nullptr || std::string(type->name) == "uint64") {
    throw UsageError("WriteNpy: unknown dtype '" + dtype +
                     "' (int8, uint8, int16, uint16, int32, uint32 or int64)");
  }
  if (tensor.Size() != static_cast<std::int64_t>(tensor.values.size())) {
    throw UsageError("WriteNpy " + path.string() + ": shape " + tensor.ShapeText() + " holds " +
                     std::to_string(tensor.Size()) + " values, got " +
                     std::to_string(tensor.values.size()));
  }
  const int bits = 8 * type->bytes;
  const std::int64_t lo = type->is_signed ? (bits == 64 ? std::numeric_limits<std::int64_t>::min()
                                                        : -(std::int64_t{1} << (bits - 1)))
                                          : 0;
  const std::int64_t hi = type->is_signed ? (bits == 64 ? std::numeric_limits<std::int64_t>::max()
                                                        : (std::int64_t{1} << (bits - 1)) - 1)
                                          : (std::int64_t{1} << bits) - 1;
  std::string header = "{'descr': '" + std::string(type->descr) +
                       "', 'fortran_order': False, 'shape': " + tensor.ShapeText() + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to 64 bytes.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>((header.size() >> 8) & 0xFF);
  out += header;
  out.reserve(out.size() + tensor.values.size() * static_cast<std::size_t>(type->bytes));
  for (std::size_t i = 0; i < tensor.values.size(); ++i) {
    const std::int64_t v = tensor.values[i];
    if (v < lo || v > hi) {
      throw UsageError("WriteNpy " + path.string() + ": value " +
                       tensor.IndexText(static_cast<std::int64_t>(i)) + " = " + std::to_string(v) +
                       " does not fit " + dtype);
    }
    auto u = static_cast<std::uint64_t>(v);
    for (int b = 0; b < type->bytes; ++b) {
      out += static_cast<char>(u & 0xFF);
      u >>= 8;
    }
  }
  report::WriteFilesAtomically({{path, std::move(out)}});
}

IntTensor TensorFromMemory(const std::string& source,
                           const std::string& descr,
                           const std::vector<std::int64_t>& shape,
                           const void* data,
                           std::size_t bytes) {
  if (!descr.empty() && descr[0] == '>') {
    throw UsageError(source + ": " + BigEndianAdvice(descr));
  }
  const Dtype* type = FindDescr(descr);
  if (type == nullptr) {
    throw UsageError(source + ": " + DtypeAdvice(descr));
  }
  IntTensor t;
  t.source = source;
  t.dtype = type->name;
  t.shape = shape;
  const std::int64_t n = CheckedElementCount(t.shape, type->bytes, source);
  const auto need = static_cast<std::size_t>(n) * static_cast<std::size_t>(type->bytes);
  if (need != bytes) {
    throw UsageError(source + ": the shape " + t.ShapeText() + " of " + type->name + " needs " +
                     std::to_string(need) + " bytes, the array holds " + std::to_string(bytes));
  }
  CheckFitsInMemory(t.shape, n, source);
  DecodeValues(*type, static_cast<const unsigned char*>(data), t);
  return t;
}

}  // namespace cimchar::network
