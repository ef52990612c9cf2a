// Layer data from files: .npy and HDF5 readers, the layer layouts, and the SNR they give.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hdf5.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/random.h"
#include "network/hdf5_data.h"
#include "network/layer_data.h"
#include "network/tensor.h"
#include "temp_dir.h"

namespace cimchar::network {
namespace {

namespace fs = std::filesystem;

using cimchar::testing::TempDir;

// A file whose bytes are exactly `bytes`.
void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A .npy header as NumPy writes it (format 1.0, padded to 64 bytes).
std::string NpyHeader(const std::string& dict) {
  std::string header = dict;
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>(header.size() >> 8);
  return out + header;
}

// Expects `fn` to throw a cimchar::Error whose message contains every one of `parts`.
template <typename Fn>
void ExpectError(Fn fn, const std::vector<std::string>& parts) {
  try {
    fn();
    FAIL() << "expected an error containing '" << parts.front() << "'";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const std::string& p : parts) {
      EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
    }
  }
}

TEST(Npy, ReadsWhatNumPyWrites) {
  TempDir dir;
  // int16 little-endian (2, 3): values -2, -1, 0, 1, 300, 32767.
  std::string data;
  for (int v : {-2, -1, 0, 1, 300, 32767}) {
    data += static_cast<char>(v & 0xFF);
    data += static_cast<char>((v >> 8) & 0xFF);
  }
  WriteBytes(dir / "a.npy",
             NpyHeader("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }") + data);
  const IntTensor t = ReadNpy(dir / "a.npy");
  EXPECT_EQ(t.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(t.values, (std::vector<std::int64_t>{-2, -1, 0, 1, 300, 32767}));
  EXPECT_EQ(t.dtype, "int16");
}

TEST(Npy, WriteReadRoundTripEveryType) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> cases = {
      {"int8", {-128, 0, 127}},       {"uint8", {0, 1, 255}},
      {"int16", {-32768, 5, 32767}},  {"uint16", {0, 7, 65535}},
      {"int32", {-2147483647, 0, 9}}, {"uint32", {0, 4294967295, 3}},
      {"int64", {-(1LL << 62), 0, 1}}};
  for (const auto& [dtype, values] : cases) {
    IntTensor t;
    t.shape = {3};
    t.values = values;
    WriteNpy(dir / (dtype + ".npy"), t, dtype);
    const IntTensor back = ReadNpy(dir / (dtype + ".npy"));
    EXPECT_EQ(back.values, values) << dtype;
    EXPECT_EQ(back.dtype, dtype);
  }
}

TEST(NpyBad, EachBadFileIsAClearError) {
  TempDir dir;
  ExpectError([&] { ReadNpy(dir / "missing.npy"); }, {"missing.npy", "cannot open"});
  WriteBytes(dir / "text.npy", "hello, this is not numpy");
  ExpectError([&] { ReadNpy(dir / "text.npy"); }, {"text.npy", "not a NumPy .npy file"});
  WriteBytes(dir / "float.npy",
             NpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }") +
                 std::string(4, '\0'));
  ExpectError([&] { ReadNpy(dir / "float.npy"); }, {"float.npy", "floating-point", "quantize"});
  WriteBytes(dir / "fortran.npy",
             NpyHeader("{'descr': '<i4', 'fortran_order': True, 'shape': (1, 1), }") +
                 std::string(4, '\0'));
  ExpectError([&] { ReadNpy(dir / "fortran.npy"); }, {"fortran.npy", "Fortran"});
  WriteBytes(dir / "big.npy",
             NpyHeader("{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }") +
                 std::string(4, '\0'));
  ExpectError([&] { ReadNpy(dir / "big.npy"); }, {"big.npy", "big-endian"});
  WriteBytes(dir / "short.npy",
             NpyHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }") +
                 std::string(6, '\0'));
  ExpectError([&] { ReadNpy(dir / "short.npy"); }, {"short.npy", "truncated"});
}

// A small random layer: N input vectors of K activations and K x M weights.
struct Layer {
  int length = 0;
  int outputs = 0;
  std::vector<std::int32_t> inputs;   // N x K
  std::vector<std::int32_t> weights;  // K x M (MacArray layout)
};

IntTensor Tensor(std::vector<std::int64_t> shape, const std::vector<std::int32_t>& values) {
  IntTensor t;
  t.shape = std::move(shape);
  t.values.assign(values.begin(), values.end());
  return t;
}

// Weights in PyTorch's (M, K) layout.
IntTensor TorchWeights(const Layer& l) {
  IntTensor t;
  t.shape = {l.outputs, l.length};
  for (int m = 0; m < l.outputs; ++m) {
    for (int k = 0; k < l.length; ++k) {
      t.values.push_back(l.weights[static_cast<std::size_t>(k) * l.outputs + m]);
    }
  }
  return t;
}

// A header may claim any shape: the claim is checked against the file before anything is
// allocated, and the error names the file and both sizes (the claimed data and what the file
// holds). The same file with the data it claims reads.
TEST(NpyBad, AHeaderClaimingMoreDataThanTheFileIsRefusedBeforeAllocating) {
  TempDir dir;
  const std::string huge =
      NpyHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (4000000000000, 144), }");
  WriteBytes(dir / "huge.npy", huge + std::string(700 - huge.size(), '\0'));
  ASSERT_EQ(fs::file_size(dir / "huge.npy"), 700u);
  // 4e12 x 144 int64 values: 4608000000000000 bytes claimed, 700 - 128 held.
  ExpectError([&] { ReadNpy(dir / "huge.npy"); },
              {"huge.npy", "(4000000000000, 144)", "4608000000000000 bytes", "holds 572 bytes",
               "128-byte header"});
  WriteNpy(dir / "w.npy", Tensor({4, 144}, std::vector<std::int32_t>(4 * 144, 1)), "int8");
  ExpectError([&] { LoadLayer({.activations = dir / "huge.npy", .weights = dir / "w.npy"}); },
              {"huge.npy", "4608000000000000 bytes"});
  // A count beyond 64 bits, and a shape that is not a tuple of whole numbers.
  WriteBytes(dir / "overflow.npy",
             NpyHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, "
                       "4294967296), }"));
  ExpectError([&] { ReadNpy(dir / "overflow.npy"); },
              {"overflow.npy", "(4294967296, 4294967296)", "64-bit"});
  WriteBytes(dir / "shape.npy",
             NpyHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (3, x), }") +
                 std::string(3, '\0'));
  ExpectError([&] { ReadNpy(dir / "shape.npy"); }, {"shape.npy", "malformed shape", "'x'"});
  // The sibling that holds its data: (2, 3) uint8 in a file with those 6 bytes.
  WriteBytes(dir / "fits.npy",
             NpyHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }") +
                 std::string("\x01\x02\x03\x04\x05\x06", 6));
  EXPECT_EQ(ReadNpy(dir / "fits.npy").values, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
}

// An HDF5 dataset created with a shape and never written reads as fill values in HDF5; as layer
// data it is refused before the read, naming the dataset and both sizes.
TEST(LayerDataBad, AnUnwrittenHdf5DatasetIsRefusedBeforeAllocating) {
  TempDir dir;
  const fs::path path = dir / "unwritten.h5";
  {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    for (const auto& [name, rows] : std::vector<std::pair<std::string, hsize_t>>{
             {"activations", 4000000000000}, {"weights", 4}}) {
      const hsize_t dims[2] = {rows, 144};
      const hid_t space = H5Screate_simple(2, dims, nullptr);
      const hid_t d = H5Dcreate2(file, name.c_str(), H5T_STD_U8LE, space, H5P_DEFAULT, H5P_DEFAULT,
                                 H5P_DEFAULT);
      ASSERT_GE(d, 0);
      if (name == "weights") {
        const std::vector<std::int8_t> ones(4 * 144, 1);
        ASSERT_GE(H5Dwrite(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, ones.data()), 0);
      }
      H5Dclose(d);
      H5Sclose(space);
    }
    H5Fclose(file);
  }
  ASSERT_LT(fs::file_size(path), 100000u);
  ExpectError([&] { LoadLayer({.activations = path}); },
              {"unwritten.h5:/activations", "(4000000000000, 144)", "576000000000000 bytes",
               "stores 0 bytes"});
  // The written dataset of the same file reads.
  EXPECT_EQ(Hdf5Data::Open(path).ReadTensor("weights").values.size(), 4u * 144u);
}

TEST(LayerData, NpyAndHdf5GiveTheSameSnrAsTheDataInProcess) {
  constexpr int kVectors = 300;
  constexpr std::uint64_t kSeed = 5;
  mac::MacShape shape;
  shape.signed_weights = true;
  Layer l{.length = 200, .outputs = 10};  // two row tiles, two column tiles
  l.weights = mac::RandomWeights(shape, l.length, l.outputs, 3);
  // The in-process data: exactly the vectors UniformInputs draws for samples 0..N-1.
  const mac::InputGenerator uniform = mac::UniformInputs(8);
  l.inputs.resize(static_cast<std::size_t>(kVectors) * l.length);
  for (int n = 0; n < kVectors; ++n) {
    mac::Rng rng(mac::StreamSeed(kSeed, static_cast<std::uint64_t>(n), 1));
    uniform(n, rng, std::span(l.inputs).subspan(static_cast<std::size_t>(n) * l.length, l.length));
  }
  TempDir dir;
  WriteNpy(dir / "act.npy", Tensor({kVectors, l.length}, l.inputs), "uint8");
  WriteNpy(dir / "w.npy", TorchWeights(l), "int8");
  {
    Hdf5Data f = Hdf5Data::Create(dir / "layer.h5");
    f.WriteTensor("activations", Tensor({kVectors, l.length}, l.inputs), "uint8");
    f.WriteTensor("weights", TorchWeights(l), "int16");
    f.WriteAttr("/", "activation_bits", 8);
    f.WriteAttr("/", "weight_bits", 8);
    f.WriteAttr("/", "signed_weights", 1);
    f.Close();
  }
  const LayerData npy = LoadLayer({.activations = dir / "act.npy", .weights = dir / "w.npy"});
  const LayerData h5 = LoadLayer({.activations = dir / "layer.h5"});
  for (const LayerData* d : {&npy, &h5}) {
    EXPECT_EQ(d->length, l.length);
    EXPECT_EQ(d->outputs, l.outputs);
    EXPECT_EQ(d->vectors, kVectors);
    EXPECT_EQ(d->weights, l.weights);
    EXPECT_EQ(*d->inputs, l.inputs);
    EXPECT_TRUE(d->signed_weights);
  }
  const mac::MacArray array(shape, calib::AnalyticMacro(), l.weights, l.length, l.outputs, 9);
  mac::RunOptions hcim;
  hcim.boundary = 7;
  const mac::EvalOptions eval{.samples = kVectors, .seed = kSeed, .threads = 2};
  const mac::SnrResult in_process = mac::EvaluateSnr(array, hcim, uniform, eval);
  const mac::SnrResult from_npy =
      mac::EvaluateSnr(array, hcim, mac::DataInputs(npy.inputs, npy.length, 8), eval);
  const mac::SnrResult from_h5 =
      mac::EvaluateSnr(array, hcim, mac::DataInputs(h5.inputs, h5.length, 8), eval);
  ASSERT_GT(in_process.mse, 0.0);
  EXPECT_EQ(from_npy.mse, in_process.mse);
  EXPECT_EQ(from_h5.mse, in_process.mse);
  EXPECT_EQ(from_npy.snr_db, in_process.snr_db);
  EXPECT_EQ(from_h5.var_ideal, in_process.var_ideal);
}

TEST(LayerData, FeatureMapsAreCutIntoPatchesLikeAConvolution) {
  // One 2-channel 4x5 map, two 3x3 kernels, stride 2, padding 1: 2x3 outputs.
  constexpr int kC = 2, kH = 4, kW = 5, kM = 2;
  std::vector<std::int32_t> map(kC * kH * kW);
  for (std::size_t i = 0; i < map.size(); ++i) {
    map[i] = static_cast<std::int32_t>((i * 37) % 256);
  }
  std::vector<std::int32_t> kernel(kM * kC * 9);
  for (std::size_t i = 0; i < kernel.size(); ++i) {
    kernel[i] = static_cast<std::int32_t>(i % 7) - 3;
  }
  TempDir dir;
  WriteNpy(dir / "maps.npy", Tensor({1, kC, kH, kW}, map), "uint8");
  WriteNpy(dir / "k.npy", Tensor({kM, kC, 3, 3}, kernel), "int8");
  const LayerData d = LoadLayer(
      {.activations = dir / "maps.npy", .weights = dir / "k.npy", .stride = 2, .padding = 1});
  ASSERT_EQ(d.vectors, 6);
  ASSERT_EQ(d.length, kC * 9);
  // The direct convolution, compared with the patches' dot products.
  for (int oy = 0; oy < 2; ++oy) {
    for (int ox = 0; ox < 3; ++ox) {
      for (int m = 0; m < kM; ++m) {
        std::int64_t direct = 0;
        for (int c = 0; c < kC; ++c) {
          for (int ky = 0; ky < 3; ++ky) {
            for (int kx = 0; kx < 3; ++kx) {
              const int y = oy * 2 - 1 + ky, x = ox * 2 - 1 + kx;
              if (y >= 0 && y < kH && x >= 0 && x < kW) {
                direct += static_cast<std::int64_t>(map[(c * kH + y) * kW + x]) *
                          kernel[((m * kC + c) * 3 + ky) * 3 + kx];
              }
            }
          }
        }
        std::int64_t via_patch = 0;
        const std::size_t p = static_cast<std::size_t>(oy * 3 + ox);
        for (int k = 0; k < d.length; ++k) {
          via_patch += static_cast<std::int64_t>((*d.inputs)[p * d.length + k]) *
                       d.weights[static_cast<std::size_t>(k) * kM + m];
        }
        EXPECT_EQ(via_patch, direct) << "output (" << oy << ", " << ox << "), kernel " << m;
      }
    }
  }
}

TEST(LayerDataBad, EachBadLayerIsAClearError) {
  TempDir dir;
  const std::vector<std::int32_t> acts = {1, 2, 3, 300, 5, 6};  // 300 > 255
  WriteNpy(dir / "act.npy", Tensor({2, 3}, acts), "int32");
  WriteNpy(dir / "w.npy", Tensor({4, 3}, std::vector<std::int32_t>(12, 1)), "int8");
  ExpectError([&] { LoadLayer({.activations = dir / "act.npy", .weights = dir / "w.npy"}); },
              {"act.npy", "[1, 0]", "300", "0..255"});
  WriteNpy(dir / "ok.npy", Tensor({2, 3}, std::vector<std::int32_t>(6, 7)), "uint8");
  WriteNpy(dir / "wide.npy", Tensor({4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200}), "int32");
  ExpectError([&] { LoadLayer({.activations = dir / "ok.npy", .weights = dir / "wide.npy"}); },
              {"wide.npy", "[3, 2]", "200", "-128..127"});
  ExpectError(
      [&] {
        LoadLayer({.activations = dir / "ok.npy", .weights = dir / "wide.npy", .weight_bits = 4});
      },
      {"wide.npy", "-8..7", "--wbits"});
  WriteNpy(dir / "w5.npy", Tensor({4, 5}, std::vector<std::int32_t>(20, 1)), "int8");
  ExpectError([&] { LoadLayer({.activations = dir / "ok.npy", .weights = dir / "w5.npy"}); },
              {"ok.npy", "(2, 3)", "K = 5"});
  ExpectError([&] { LoadLayer({.activations = dir / "ok.npy"}); }, {"ok.npy", "--weights"});
  WriteNpy(dir / "w3d.npy", Tensor({2, 2, 3}, std::vector<std::int32_t>(12, 1)), "int8");
  ExpectError([&] { LoadLayer({.activations = dir / "ok.npy", .weights = dir / "w3d.npy"}); },
              {"w3d.npy", "(2, 2, 3)", "(M, K)"});
  {
    Hdf5Data f = Hdf5Data::Create(dir / "attrs.h5");
    f.WriteTensor("activations", Tensor({2, 3}, std::vector<std::int32_t>(6, 3)), "uint8");
    f.WriteTensor("weights", Tensor({4, 3}, std::vector<std::int32_t>(12, 1)), "int8");
    f.WriteAttr("/", "activation_bits", 4);
    f.Close();
  }
  ExpectError([&] { LoadLayer({.activations = dir / "attrs.h5", .activation_bits = 8}); },
              {"attrs.h5", "activation_bits = 4", "--abits 8"});
  EXPECT_EQ(LoadLayer({.activations = dir / "attrs.h5"}).activation_bits, 4);
  {
    Hdf5Data f = Hdf5Data::Create(dir / "noweights.h5");
    f.WriteTensor("activations", Tensor({2, 3}, std::vector<std::int32_t>(6, 3)), "uint8");
    f.Close();
  }
  ExpectError([&] { LoadLayer({.activations = dir / "noweights.h5"}); },
              {"noweights.h5", "weights", "missing"});
  WriteBytes(dir / "fake.h5", "not hdf5 at all");
  ExpectError([&] { LoadLayer({.activations = dir / "fake.h5"}); }, {"fake.h5", "HDF5"});
}

TEST(LayerData, SliceVectorsKeepsWeightsAndSplitsInputs) {
  TempDir dir;
  std::vector<std::int32_t> acts(5 * 2);
  for (std::size_t i = 0; i < acts.size(); ++i) {
    acts[i] = static_cast<std::int32_t>(i);
  }
  WriteNpy(dir / "a.npy", Tensor({5, 2}, acts), "uint8");
  WriteNpy(dir / "w.npy", Tensor({1, 2}, {1, -1}), "int8");
  const LayerData d = LoadLayer({.activations = dir / "a.npy", .weights = dir / "w.npy"});
  const LayerData tail = SliceVectors(d, 3, 2);
  EXPECT_EQ(tail.vectors, 2);
  EXPECT_EQ(*tail.inputs, (std::vector<std::int32_t>{6, 7, 8, 9}));
  EXPECT_EQ(tail.weights, d.weights);
  EXPECT_THROW(SliceVectors(d, 4, 2), UsageError);
}

TEST(TensorFromMemory, ReadsAnyIntegerTypeAsTheSameCodes) {
  const std::vector<std::uint8_t> bytes = {1, 2, 255, 0};
  const IntTensor u8 = TensorFromMemory("a", "|u1", {2, 2}, bytes.data(), bytes.size());
  EXPECT_EQ(u8.values, (std::vector<std::int64_t>{1, 2, 255, 0}));
  EXPECT_EQ(u8.dtype, "uint8");
  const IntTensor i8 = TensorFromMemory("a", "|i1", {4}, bytes.data(), bytes.size());
  EXPECT_EQ(i8.values, (std::vector<std::int64_t>{1, 2, -1, 0}));
  const std::vector<std::int32_t> words = {-7, 70000};
  const IntTensor i4 = TensorFromMemory("a", "<i4", {2}, words.data(), 8);
  EXPECT_EQ(i4.values, (std::vector<std::int64_t>{-7, 70000}));
}

TEST(TensorFromMemory, RefusesWhatReadNpyRefuses) {
  const std::vector<std::uint8_t> bytes(700, 0);
  // A shape claiming far more data than is held: refused naming both sizes, nothing allocated.
  ExpectError(
      [&] {
        TensorFromMemory("acts", "|u1", {4000000000000, 144}, bytes.data(), bytes.size());
      },
      {"acts", "(4000000000000, 144)", "576000000000000 bytes", "holds 700"});
  ExpectError(
      [&] {
        TensorFromMemory("acts", "<u8", {1LL << 62, 16}, bytes.data(), 700);
      },
      {"acts", "more elements than a 64-bit count holds"});
  ExpectError([&] { TensorFromMemory("acts", "<f4", {2}, bytes.data(), 8); },
              {"acts", "floating-point", "quantize first"});
  ExpectError([&] { TensorFromMemory("acts", "|b1", {2}, bytes.data(), 2); }, {"acts", "boolean"});
  ExpectError([&] { TensorFromMemory("acts", ">i4", {2}, bytes.data(), 8); },
              {"acts", "big-endian"});
  ExpectError([&] { TensorFromMemory("acts", "|u1", {-1}, bytes.data(), 0); },
              {"acts", "(-1,) is negative"});
  const std::vector<std::uint64_t> huge = {std::uint64_t{1} << 63};
  ExpectError([&] { TensorFromMemory("acts", "<u8", {1}, huge.data(), 8); },
              {"acts", "[0]", "beyond int64"});
}

TEST(LayerDataBad, ALayerTooLargeToHoldIsRefusedBeforeItIsMade) {
  // One 1x1 map padded to 2^20 + 1 pixels a side is 2^40 patches of one value.
  const IntTensor map = Tensor({1, 1, 1, 1}, {0});
  const IntTensor kernel = Tensor({1, 1, 1, 1}, {1});
  ExpectError([&] { MakeLayer(map, kernel, {.padding = 1 << 19}); },
              {"activations (1, 1, 1, 1) give 1099513724929 input vectors",
               "more than the 2147483648 values"});
  // The same map with padding 1: nine patches, made.
  EXPECT_EQ(MakeLayer(map, kernel, {.padding = 1}).vectors, 9);
  ExpectError([&] { MakeLayer(map, kernel, {.stride = 0}); }, {"stride 0"});
}

}  // namespace
}  // namespace cimchar::network
