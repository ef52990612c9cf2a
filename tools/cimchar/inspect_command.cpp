// cimchar inspect F.h5: what a characterization file holds.
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "cimchar/command.h"
#include "core/error.h"
#include "lut/store.h"

namespace {

namespace po = boost::program_options;
using namespace cimchar;

std::string Shape(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? " x " : "") + std::to_string(shape[i]);
  }
  return s + "]";
}

int RunInspect(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  std::string file;
  opts.add_options()("help,h", "show this help")("recipe", "also print the effective recipe");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&file));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
                .options(all)
                .positional(pos)
                .run(),
            vm);
  po::notify(vm);
  if (vm.count("help") || file.empty()) {
    (vm.count("help") ? std::cout : std::cerr)
        << "Usage: cimchar inspect F.h5 [--recipe]\n\n"
           "Validates a characterization file and prints its axes, quantities, provenance and\n"
           "failure summary.\n\n"
        << opts;
    return vm.count("help") ? 0 : 2;
  }
  const lut::Store store = lut::Store::Open(file);
  const auto& prov = store.provenance();
  const auto& shard = store.spec().shard;
  std::printf("file          %s (%s)\n", file.c_str(),
              store.complete() ? "complete" : "INCOMPLETE snapshot: resume the run to finish it");
  if (!shard.whole()) {
    std::printf("shard         %s of the run: `cimchar merge` joins the shards into the tables\n",
                shard.Name().c_str());
  }
  std::printf("created       %s\n", prov.created_utc.c_str());
  std::printf("cimchar       %s (%s)\n", prov.cimchar_version.c_str(), prov.cimchar_commit.c_str());
  std::printf("ngspice       %s\n", prov.ngspice_version.c_str());
  std::printf("master seed   %llu\n", static_cast<unsigned long long>(prov.master_seed));
  std::printf("inputs        %zu files\n", prov.input_sha256.size());
  for (const auto& [f, h] : prov.input_sha256) {
    std::printf("  %.16s  %s\n", h.c_str(), f.c_str());
  }
  std::printf("\naxes\n");
  for (const auto& a : store.axes()) {
    std::printf("  %-14s %-6s %zu: %s\n", a.name().c_str(), a.numeric() ? a.units().c_str() : "-",
                a.size(), a.RangeText().c_str());
  }
  std::printf("\nquantities\n");
  for (const auto& q : store.Quantities()) {
    std::string axes;
    for (const auto& a : q.axes) {
      axes += (axes.empty() ? "" : ", ") + a;
    }
    std::printf("  %-28s %-14s %-6s %-16s (%s)\n", q.quantity.c_str(),
                lut::StatisticName(q.statistic), q.units.c_str(), Shape(q.shape).c_str(),
                axes.c_str());
  }
  const auto& spec = store.spec();
  const lut::FailureSummary fails = store.Failures();
  std::printf("\nsamples       %zu recorded of %llu (%llu per grid point), %llu failed\n",
              store.records().size(), static_cast<unsigned long long>(spec.ShardSampleCount()),
              static_cast<unsigned long long>(spec.samples_per_point),
              static_cast<unsigned long long>(fails.failed));
  for (const auto& [reason, n] : fails.by_reason) {
    std::printf("  %6llu  %s\n", static_cast<unsigned long long>(n), reason.c_str());
  }
  if (vm.count("recipe")) {
    std::printf("\n%s", prov.recipe_text.c_str());
  }
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("inspect",
                "print the axes, quantities, provenance and failures of an HDF5 table",
                RunInspect);
