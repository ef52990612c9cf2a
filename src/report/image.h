#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace cimchar::report {

// A grey-scale image, row-major with row 0 at the top.
struct GreyImage {
  int width = 0;
  int height = 0;
  int max_value = 255;                // white
  std::vector<std::uint16_t> pixels;  // width·height values in 0..max_value

  std::uint16_t At(int x, int y) const {
    return pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(x)];
  }
};

// Reads a Netpbm grey map (binary P5 or plain P2, maxval up to 65535, '#' comments).
// Throws cimchar::Error naming the file for a missing file, a different format, a bad header or
// truncated pixel data. Returns a value; thread-safe.
GreyImage ReadPgm(const std::filesystem::path& path);

}  // namespace cimchar::report
