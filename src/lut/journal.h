#pragma once

// Internal to cimchar_lut: the byte format of a run journal part (F.journal, F.journal.<n>).
//   magic "CIMJRNL2", then frames [u32 length][u32 CRC-32 of payload][payload], little-endian.
//   Frame 0 holds the run header (RunSpec with its shard + Provenance); every later frame holds
//   one Record.
// A frame that is short or fails its CRC ends the valid part: it is a write torn by a crash,
// and everything from it on is dropped (those samples are simply recomputed on resume).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lut/store.h"

namespace cimchar::lut::journal {

inline constexpr std::string_view kMagic = "CIMJRNL2";

uint32_t Crc32(std::string_view bytes);

std::string EncodeHeader(const RunSpec& spec, const Provenance& provenance);
std::string EncodeRecord(const Record& record);
// Wraps a payload into a frame.
std::string Frame(const std::string& payload);

struct Parsed {
  bool has_header = false;
  RunSpec spec;
  Provenance provenance;
  std::vector<Record> records;
  uint64_t valid_bytes = 0;    // length of the intact prefix (magic + whole frames)
  uint64_t dropped_bytes = 0;  // bytes after it (a torn tail)
};

// Parses a journal's bytes. Failures: Error naming `path` when the magic is wrong (not a
// journal) or an intact frame does not decode (written by an incompatible version).
Parsed Parse(const std::string& bytes, const std::string& path);

// Parses record frames that follow the header (bytes start at a frame boundary), stopping at the
// first frame that is short or fails its CRC (not yet fully written, or torn).
// valid_bytes is the length of the whole frames read. Failures: as Parse.
struct Records {
  std::vector<Record> records;
  uint64_t valid_bytes = 0;
};
Records ParseRecords(std::string_view bytes, uint64_t file_offset, const std::string& path);

}  // namespace cimchar::lut::journal
