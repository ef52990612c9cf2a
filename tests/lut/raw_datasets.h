#pragma once

// Every dataset of an HDF5 file as raw bytes, by path: two files are "bit-identical (datasets)"
// when these maps are equal (attributes such as created_utc are not compared).

#include <hdf5.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cimchar::lut::testing {

// Every dataset of a file as raw bytes (strings concatenated with separators), by path.
inline herr_t CollectDataset(hid_t loc, const char* name, const H5O_info_t* info, void* out) {
  if (info->type != H5O_TYPE_DATASET) {
    return 0;
  }
  auto& map = *static_cast<std::map<std::string, std::string>*>(out);
  const hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  const hid_t type = H5Dget_type(ds);
  const hid_t space = H5Dget_space(ds);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  std::string bytes;
  if (H5Tget_class(type) == H5T_STRING) {
    std::vector<char*> texts(n, nullptr);
    if (n > 0) {
      H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data());
    }
    for (char* t : texts) {
      bytes += std::string(t) + '\0';
    }
    if (n > 0) {
      H5Dvlen_reclaim(type, space, H5P_DEFAULT, texts.data());
    }
  } else {
    bytes.resize(n * H5Tget_size(type));
    if (n > 0) {
      H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
    }
  }
  map[name] = bytes;
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(ds);
  return 0;
}

inline std::map<std::string, std::string> RawDatasets(const std::filesystem::path& path) {
  std::map<std::string, std::string> out;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  H5Ovisit(file, H5_INDEX_NAME, H5_ITER_INC, CollectDataset, &out);
  H5Fclose(file);
  return out;
}

}  // namespace cimchar::lut::testing
