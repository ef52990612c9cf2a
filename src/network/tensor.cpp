#include "network/tensor.h"

#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "exporters/atomic_file.h"

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
    Bad(path, "big-endian data (" + descr + "): save x.astype(x.dtype.newbyteorder('<'))");
  }
  const Dtype* type = FindDescr(descr);
  if (type == nullptr) {
    Bad(path, DtypeAdvice(descr));
  }
  IntTensor t;
  t.source = path.string();
  t.dtype = type->name;
  std::string dims = shape_text;
  for (char& c : dims) {
    c = c == ',' ? ' ' : c;
  }
  std::istringstream ds(dims);
  std::int64_t d = 0;
  while (ds >> d) {
    if (d < 0) {
      Bad(path, "negative dimension in shape (" + shape_text + ")");
    }
    t.shape.push_back(d);
  }
  const std::int64_t n = t.Size();
  const auto bytes = static_cast<std::size_t>(n) * static_cast<std::size_t>(type->bytes);
  std::vector<unsigned char> raw(bytes);
  in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(bytes));
  if (static_cast<std::size_t>(in.gcount()) != bytes) {
    Bad(path, "the data is truncated: the header says " + t.ShapeText() + " " + type->name + " (" +
                  std::to_string(bytes) + " bytes), the file holds " + std::to_string(in.gcount()));
  }
  t.values.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint64_t u = 0;
    const unsigned char* p = &raw[static_cast<std::size_t>(i) * type->bytes];
    for (int b = type->bytes - 1; b >= 0; --b) {
      u = (u << 8) | p[b];
    }
    std::int64_t v = 0;
    if (type->is_signed) {
      const int bits = 8 * type->bytes;
      if (bits < 64 && (u >> (bits - 1)) != 0) {
        u |= ~std::uint64_t{0} << bits;  // sign-extend
      }
      v = static_cast<std::int64_t>(u);
    } else {
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        Bad(path, "value " + t.IndexText(i) + " = " + std::to_string(u) + " is beyond int64");
      }
      v = static_cast<std::int64_t>(u);
    }
    t.values[static_cast<std::size_t>(i)] = v;
  }
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
  exporters::WriteFilesAtomically({{path, std::move(out)}});
}

}  // namespace cimchar::network
