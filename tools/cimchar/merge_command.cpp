// cimchar merge OUT.h5 SHARD.h5...: joins the files of a sharded run into the run's file.
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "characterize/run.h"
#include "cimchar/command.h"
#include "core/error.h"
#include "distribute/merge.h"

namespace {

namespace po = boost::program_options;
using namespace cimchar;

int RunMerge(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help");
  po::options_description hidden;
  std::vector<std::string> files;
  hidden.add_options()("file", po::value(&files));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
                .options(all)
                .positional(pos)
                .run(),
            vm);
  po::notify(vm);
  if (vm.count("help") || files.size() < 2) {
    (vm.count("help") ? std::cout : std::cerr)
        << "Usage: cimchar merge OUT.h5 SHARD.h5 [SHARD.h5 ...]\n\n"
           "Joins the files of a run split with --shard K/N (one scheduler job each) into OUT,\n"
           "the file one process would have written: the same datasets, tables computed from\n"
           "all samples. Refuses files of different runs (recipe, seed, netlist hashes, ngspice\n"
           "or cimchar version), samples present twice, and missing samples (naming the shards\n"
           "and samples). Unfinished shards are resumed with `cimchar characterize ... --shard\n"
           "K/N --resume` first.\n\n"
        << opts;
    return vm.count("help") ? 0 : 2;
  }
  const std::filesystem::path out = files.front();
  const std::vector<std::filesystem::path> shards(files.begin() + 1, files.end());
  const distribute::MergeSummary s =
      distribute::MergeShards(out, shards, {{characterize::kProducer, characterize::TablesOfRun}});
  std::printf(
      "merged %zu files, %llu samples (%llu failed) into %s in %.2f s "
      "(read %.2f s, tables %.2f s, write %.2f s)\n",
      s.files, static_cast<unsigned long long>(s.samples),
      static_cast<unsigned long long>(s.failed), out.string().c_str(),
      s.read_s + s.finish_s + s.write_s, s.read_s, s.finish_s, s.write_s);
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("merge",
                "join the shard files of a run (--shard K/N) into the run's file",
                RunMerge);
