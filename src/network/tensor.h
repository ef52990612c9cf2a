#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// Integer arrays read from NumPy .npy files and HDF5 datasets: the layer data a designer exports
// from a framework (activations, weights) and the quantized network's tensors.

namespace cimchar::network {

// An integer N-d array, row-major (C order), with where it came from for error messages.
struct IntTensor {
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> values;  // product(shape) values
  std::string source;                // "<file>" or "<file>:/dataset", named by every error
  std::string dtype;                 // the stored element type, e.g. "int8", "uint8", "int32"

  std::int64_t Size() const;
  // "(16, 1, 3, 3)". Failures: none.
  std::string ShapeText() const;
  // The position of flat index `index` as "[i, j, k]". Failures: none.
  std::string IndexText(std::int64_t index) const;
};

// Checks on an array's claimed shape before anything is allocated for it; both throw UsageError
// naming `source` and the shape. Thread-safety: pure.
// The number of elements of `shape`, stored `stored_bytes` per element; refused when a dimension
// is negative or the count, its stored bytes or its bytes in memory (int64 values) overflow 64
// bits.
std::int64_t CheckedElementCount(const std::vector<std::int64_t>& shape,
                                 int stored_bytes,
                                 const std::string& source);
// Refused when `count` int64 values would not fit in this machine's physical memory.
void CheckFitsInMemory(const std::vector<std::int64_t>& shape,
                       std::int64_t count,
                       const std::string& source);

// Reads a NumPy .npy file (format versions 1.0-3.0) holding an integer array: dtypes
// int8/16/32/64 and uint8/16/32/64, little-endian or single-byte, C order.
// Failures: UsageError naming the file for a missing or unreadable file, a file that is not .npy,
// a floating-point, boolean or other non-integer dtype ("quantize first"), big-endian data,
// Fortran order, a malformed shape, a uint64 value above 2^63-1, or a header that claims more
// data than the file holds (naming both sizes; checked before anything is allocated).
// Ownership: returns a value. Thread-safety: pure.
IntTensor ReadNpy(const std::filesystem::path& path);

// An integer array handed over in memory, e.g. a NumPy array passed from Python: `descr` is its
// element type in NumPy's notation ('<i4', '|u1', '<f8', ...: the array's dtype.str), `data`
// holds `bytes` bytes, its elements in C order. `source` names the array in every error. The
// same checks as ReadNpy: an integer dtype (floating-point, boolean and other types are refused
// with the same advice), little-endian, no uint64 value above 2^63-1, a shape whose element
// count fits (CheckedElementCount) and whose values fit in memory (CheckFitsInMemory), and
// `bytes` equal to what the shape needs (naming both sizes). Ownership: copies the values.
// Thread-safety: pure.
IntTensor TensorFromMemory(const std::string& source,
                           const std::string& descr,
                           const std::vector<std::int64_t>& shape,
                           const void* data,
                           std::size_t bytes);

// Writes `tensor` as a .npy file (format 1.0) with element type `dtype` ("int8", "uint8",
// "int16", "uint16", "int32", "uint32" or "int64"); written to a temporary file and renamed.
// Failures: UsageError for an unknown dtype, a value that does not fit it (naming its index) or a
// shape that does not match the values; Error naming the path when it cannot be written.
// Thread-safety: one writer per path.
void WriteNpy(const std::filesystem::path& path, const IntTensor& tensor, const std::string& dtype);

}  // namespace cimchar::network
