#include "lut/journal.h"

#include <array>
#include <bit>
#include <cstring>

#include "core/error.h"

namespace cimchar::lut::journal {
namespace {

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    }
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      U8(static_cast<uint8_t>(v >> (8 * i)));
    }
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      U8(static_cast<uint8_t>(v >> (8 * i)));
    }
  }
  void F64(double v) { U64(std::bit_cast<uint64_t>(v)); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

struct Truncated {};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t U8() {
    Need(1);
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v |= uint32_t{U8()} << (8 * i);
    }
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v |= uint64_t{U8()} << (8 * i);
    }
    return v;
  }
  double F64() { return std::bit_cast<double>(U64()); }
  std::string Str() {
    const uint64_t n = U64();
    Need(n);
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  uint64_t Count(uint64_t min_bytes_each) {
    const uint64_t n = U64();
    if (min_bytes_each > 0 && n > (in_.size() - pos_) / min_bytes_each) {
      throw Truncated{};
    }
    return n;
  }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  void Need(uint64_t n) const {
    if (n > in_.size() - pos_) {
      throw Truncated{};
    }
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

uint32_t Crc32(std::string_view bytes) {
  uint32_t c = 0xFFFFFFFFU;
  for (const char ch : bytes) {
    c = kCrcTable[(c ^ static_cast<uint8_t>(ch)) & 0xFFU] ^ (c >> 8);
  }
  return c ^ 0xFFFFFFFFU;
}

std::string EncodeHeader(const RunSpec& spec, const Provenance& provenance) {
  Writer w;
  w.U8('H');
  w.U64(spec.grid.size());
  for (const auto& axis : spec.grid) {
    w.Str(axis.name());
    w.Str(axis.units());
    w.U8(axis.numeric() ? 1 : 0);
    if (axis.numeric()) {
      w.U64(axis.values().size());
      for (const double v : axis.values()) {
        w.F64(v);
      }
    } else {
      w.U64(axis.labels().size());
      for (const auto& label : axis.labels()) {
        w.Str(label);
      }
    }
  }
  w.U64(spec.samples_per_point);
  w.U64(spec.columns.size());
  for (const auto& column : spec.columns) {
    w.Str(column.name);
    w.Str(column.units);
  }
  w.Str(provenance.recipe_text);
  w.U64(provenance.master_seed);
  w.U64(provenance.input_sha256.size());
  for (const auto& [file, hash] : provenance.input_sha256) {
    w.Str(file);
    w.Str(hash);
  }
  w.Str(provenance.ngspice_version);
  w.Str(provenance.cimchar_version);
  w.Str(provenance.cimchar_commit);
  w.Str(provenance.created_utc);
  w.Str(provenance.producer);
  w.U64(spec.shard.index);
  w.U64(spec.shard.count);
  return w.Take();
}

std::string EncodeRecord(const Record& record) {
  Writer w;
  w.U8('R');
  w.U64(record.grid_point);
  w.U64(record.sample);
  w.U8(static_cast<uint8_t>(record.status));
  w.U64(record.values.size());
  for (const double v : record.values) {
    w.F64(v);
  }
  w.Str(record.reason);
  return w.Take();
}

std::string Frame(const std::string& payload) {
  Writer w;
  w.U32(static_cast<uint32_t>(payload.size()));
  w.U32(Crc32(payload));
  std::string frame = w.Take();
  frame += payload;
  return frame;
}

namespace {

void DecodeHeader(Reader& r, Parsed& parsed) {
  const uint64_t n_axes = r.Count(18);
  for (uint64_t a = 0; a < n_axes; ++a) {
    std::string name = r.Str();
    std::string units = r.Str();
    const bool numeric = r.U8() != 0;
    if (numeric) {
      std::vector<double> values(r.Count(8));
      for (double& v : values) {
        v = r.F64();
      }
      parsed.spec.grid.push_back(Axis::Numeric(std::move(name), std::move(units), values));
    } else {
      std::vector<std::string> labels(r.Count(8));
      for (auto& label : labels) {
        label = r.Str();
      }
      parsed.spec.grid.push_back(Axis::Categorical(std::move(name), std::move(labels)));
    }
  }
  parsed.spec.samples_per_point = r.U64();
  const uint64_t n_columns = r.Count(16);
  for (uint64_t c = 0; c < n_columns; ++c) {
    Column column;
    column.name = r.Str();
    column.units = r.Str();
    parsed.spec.columns.push_back(std::move(column));
  }
  Provenance& p = parsed.provenance;
  p.recipe_text = r.Str();
  p.master_seed = r.U64();
  const uint64_t n_inputs = r.Count(16);
  for (uint64_t i = 0; i < n_inputs; ++i) {
    std::string file = r.Str();
    p.input_sha256[file] = r.Str();
  }
  p.ngspice_version = r.Str();
  p.cimchar_version = r.Str();
  p.cimchar_commit = r.Str();
  p.created_utc = r.Str();
  p.producer = r.Str();
  parsed.spec.shard.index = r.U64();
  parsed.spec.shard.count = r.U64();
}

Record DecodeRecord(Reader& r) {
  Record record;
  record.grid_point = r.U64();
  record.sample = r.U64();
  record.status = static_cast<SampleStatus>(r.U8());
  record.values.resize(r.Count(8));
  for (double& v : record.values) {
    v = r.F64();
  }
  record.reason = r.Str();
  return record;
}

}  // namespace

namespace {

// Calls on_frame(tag, reader, offset) for every whole, CRC-valid frame of all[pos..]; returns
// the offset after the last one.
template <typename OnFrame>
std::size_t ForEachFrame(std::string_view all,
                         std::size_t pos,
                         uint64_t file_offset,
                         const std::string& path,
                         OnFrame on_frame) {
  while (pos < all.size()) {
    if (all.size() - pos < 8) {
      break;
    }
    Reader frame_head(all.substr(pos, 8));
    const uint32_t length = frame_head.U32();
    const uint32_t crc = frame_head.U32();
    if (length > all.size() - pos - 8) {
      break;
    }
    const std::string_view payload = all.substr(pos + 8, length);
    if (Crc32(payload) != crc) {
      break;
    }
    const uint64_t at = file_offset + pos;
    Reader r(payload);
    try {
      on_frame(static_cast<char>(r.U8()), r, at);
      if (!r.AtEnd()) {
        throw Truncated{};
      }
    } catch (const Truncated&) {
      throw Error(path + ": journal frame at byte " + std::to_string(at) +
                  " passes its checksum but does not decode; it was written by an incompatible "
                  "cimchar: delete the journal and start the run again");
    } catch (const UsageError& e) {
      throw Error(path + ": journal header holds an invalid axis: " + e.what());
    }
    pos += 8 + length;
  }
  return pos;
}

}  // namespace

Parsed Parse(const std::string& bytes, const std::string& path) {
  Parsed parsed;
  const std::string_view all(bytes);
  if (all.size() < kMagic.size()) {
    if (kMagic.starts_with(all)) {  // torn while being created
      parsed.dropped_bytes = all.size();
      return parsed;
    }
    throw Error(path + ": not a cimchar journal (bad magic)");
  }
  if (all.substr(0, kMagic.size()) != kMagic) {
    if (all.starts_with("CIMJRNL")) {
      throw Error(path +
                  ": a journal of an older cimchar; finish that run with the cimchar "
                  "that started it, or delete the journal and start the run again");
    }
    throw Error(path + ": not a cimchar journal (bad magic)");
  }
  const std::size_t pos =
      ForEachFrame(all, kMagic.size(), 0, path, [&](char tag, Reader& r, uint64_t at) {
        if (!parsed.has_header) {
          if (tag != 'H') {
            throw Error(path + ": journal does not start with a run header");
          }
          DecodeHeader(r, parsed);
          parsed.has_header = true;
        } else {
          if (tag != 'R') {
            throw Error(path + ": journal frame at byte " + std::to_string(at) +
                        " is not a sample record");
          }
          parsed.records.push_back(DecodeRecord(r));
        }
      });
  parsed.valid_bytes = pos;
  parsed.dropped_bytes = all.size() - pos;
  return parsed;
}

Records ParseRecords(std::string_view bytes, uint64_t file_offset, const std::string& path) {
  Records out;
  out.valid_bytes =
      ForEachFrame(bytes, 0, file_offset, path, [&](char tag, Reader& r, uint64_t at) {
        if (tag != 'R') {
          throw Error(path + ": journal frame at byte " + std::to_string(at) +
                      " is not a sample record");
        }
        out.records.push_back(DecodeRecord(r));
      });
  return out;
}

}  // namespace cimchar::lut::journal
