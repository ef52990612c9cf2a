#include "report/image.h"

#include <unistd.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"

namespace cimchar::report {
namespace {

namespace fs = std::filesystem;

fs::path Scratch(const std::string& name) {
  return fs::temp_directory_path() / ("cimchar_image_" + std::to_string(::getpid()) + "_" + name);
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

TEST(ReadPgm, BinaryWithComment) {
  const auto path = Scratch("p5.pgm");
  WriteBytes(path, std::string("P5\n# a comment\n3 2\n255\n") +
                       std::string("\x00\x10\x20\x30\x40\xff", 6));
  const GreyImage image = ReadPgm(path);
  fs::remove(path);
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.height, 2);
  EXPECT_EQ(image.max_value, 255);
  EXPECT_EQ(image.At(0, 0), 0);
  EXPECT_EQ(image.At(2, 0), 0x20);
  EXPECT_EQ(image.At(2, 1), 0xff);
}

TEST(ReadPgm, PlainAndSixteenBit) {
  const auto plain = Scratch("p2.pgm");
  WriteBytes(plain, "P2 2 2 15\n0 5\n10 15\n");
  const GreyImage a = ReadPgm(plain);
  fs::remove(plain);
  EXPECT_EQ(a.At(1, 1), 15);
  const auto wide = Scratch("p5_16.pgm");
  WriteBytes(wide, std::string("P5 1 1 1000\n") + std::string("\x03\xe7", 2));
  const GreyImage b = ReadPgm(wide);
  fs::remove(wide);
  EXPECT_EQ(b.At(0, 0), 999);
}

TEST(ReadPgm, TheCommittedCatPhoto) {
  const GreyImage cat = ReadPgm(fs::path(CIMCHAR_SOURCE_DIR) / "results/data/chelsea.pgm");
  EXPECT_GT(cat.width, cat.height);
  EXPECT_EQ(cat.pixels.size(), static_cast<std::size_t>(cat.width) * cat.height);
}

TEST(ReadPgm, BadInputsNameTheFile_bad) {
  EXPECT_THROW(ReadPgm(Scratch("missing.pgm")), Error);
  const auto ppm = Scratch("colour.ppm");
  WriteBytes(ppm, "P6 1 1 255\nabc");
  EXPECT_THROW(ReadPgm(ppm), Error);
  fs::remove(ppm);
  const auto truncated = Scratch("truncated.pgm");
  WriteBytes(truncated, "P5 4 4 255\n0123");
  try {
    ReadPgm(truncated);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(truncated.string()), std::string::npos) << e.what();
  }
  fs::remove(truncated);
  const auto bad_header = Scratch("bad_header.pgm");
  WriteBytes(bad_header, "P5 -3 4 255\n");
  EXPECT_THROW(ReadPgm(bad_header), Error);
  fs::remove(bad_header);
}

}  // namespace
}  // namespace cimchar::report
