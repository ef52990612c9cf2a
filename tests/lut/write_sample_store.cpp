// Writes a finished fake run file for the h5py check: write_sample_store OUT.h5
#include <exception>
#include <iostream>

#include "lut/fake_run.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_sample_store OUT.h5\n";
    return 2;
  }
  try {
    std::filesystem::remove(std::string(argv[1]) + ".journal");
    cimchar::lut::testing::WriteFakeRun(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "write_sample_store: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
