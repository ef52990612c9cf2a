#include "exporters/exporters.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/export_test_model.h"

namespace cimchar::exporters {
namespace {

namespace fs = std::filesystem;

constexpr double kRelTol = 1e-12;

// A fresh folder under the system temporary folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("cimchar_exporters_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::size_t CountEntries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

// Runs the consumer-side checker; returns its exit status and prints its output on failure.
int RunChecker(const std::string& format, const fs::path& out_dir, const fs::path& expected) {
  const std::string script = std::string(CIMCHAR_EXPORTERS_TEST_DIR) + "/check_export.py";
  const std::string command = std::string(CIMCHAR_SYSTEM_PYTHON) + " '" + script + "' " + format +
                              " '" + out_dir.string() + "' '" + expected.string() + "'";
  return std::system(command.c_str());
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

class EachFormat : public ::testing::TestWithParam<std::string> {};

TEST_P(EachFormat, ConsumerParsesWhatWasWritten) {
  TempDir dir;
  const ExportModel model = testing_model::Model();
  const auto format = ParseExportFormat(GetParam());
  const auto out = dir.path() / "out";
  const auto written = WriteExport(format, model, out);
  ASSERT_FALSE(written.empty());
  for (const auto& f : written) {
    EXPECT_TRUE(fs::exists(f)) << f;
    EXPECT_GT(fs::file_size(f), 0u) << f;
  }
  // Nothing but the export's own files: no temporary left over.
  EXPECT_EQ(CountEntries(out), written.size());
  const auto expected = dir.path() / "expected.json";
  WriteText(expected, testing_model::Expectations(model).ToJson());
  EXPECT_EQ(RunChecker(GetParam(), out, expected), 0);
}

TEST_P(EachFormat, MissingQuantitiesAreMarkedNotInvented) {
  TempDir dir;
  const ExportModel model = testing_model::ModelWithGaps();
  const auto format = ParseExportFormat(GetParam());
  const auto out = dir.path() / "out";
  WriteExport(format, model, out);
  const auto expected = dir.path() / "expected.json";
  WriteText(expected, testing_model::Expectations(model).ToJson());
  EXPECT_EQ(RunChecker(GetParam(), out, expected), 0);
}

TEST_P(EachFormat, RenderingIsDeterministic) {
  const ExportModel model = testing_model::Model();
  const auto format = ParseExportFormat(GetParam());
  const auto a = RenderExport(format, model);
  const auto b = RenderExport(format, model);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].contents, b[i].contents);
  }
}

TEST_P(EachFormat, ModelWithoutProvenanceIsRefused_bad) {
  ExportModel model = testing_model::Model();
  model.provenance.clear();
  EXPECT_THROW(RenderExport(ParseExportFormat(GetParam()), model), UsageError);
}

INSTANTIATE_TEST_SUITE_P(
    Exporters,
    EachFormat,
    ::testing::Values("accelergy", "neurosim", "aihwkit", "asim", "crosssim", "csv", "json"));

TEST(ExportFormat, NamesRoundTrip) {
  for (const auto& name : ExportFormatNames()) {
    EXPECT_EQ(ExportFormatName(ParseExportFormat(name)), name);
  }
}

TEST(ExportFormat, UnknownFormatIsAUsageErrorListingTheKnownOnes_bad) {
  try {
    ParseExportFormat("timeloop");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("timeloop"), std::string::npos) << what;
    EXPECT_NE(what.find("accelergy"), std::string::npos) << what;
  }
}

TEST(WriteExport, UnwritablePathIsAnErrorAndLeavesNothing_bad) {
  TempDir dir;
  const auto blocker = dir.path() / "blocker";
  WriteText(blocker, "a file, not a folder");
  const auto out = blocker / "sub";
  EXPECT_THROW(WriteExport(ExportFormat::kAccelergy, testing_model::Model(), out), Error);
  EXPECT_EQ(CountEntries(dir.path()), 1u);
}

TEST(WriteExport, MissingTableIsAUsageErrorBeforeAnythingIsWritten_bad) {
  TempDir dir;
  ExportModel model = testing_model::Model();
  model.adc.codes.clear();
  const auto out = dir.path() / "out";
  try {
    WriteExport(ExportFormat::kNeuroSim, model, out);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("adc.codes"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out / "neurosim_adc_noise.csv"));
}

TEST(WriteExport, TableShapeMismatchIsAUsageError_bad) {
  ExportModel model = testing_model::Model();
  model.tables[0].data.pop_back();
  EXPECT_THROW(RenderExport(ExportFormat::kJson, model), UsageError);
  EXPECT_THROW(RenderExport(ExportFormat::kCsv, model), UsageError);
}

TEST(WriteExport, NonFiniteScalarIsRefused_bad) {
  ExportModel model = testing_model::Model();
  model.operating_point.vdd_v = std::nan("");
  EXPECT_THROW(RenderExport(ExportFormat::kAihwkit, model), UsageError);
}

TEST(WriteFilesAtomically, FailureOfOneFileLeavesNoneBehind_bad) {
  TempDir dir;
  const std::vector<PendingFile> files = {
      {dir.path() / "first.txt", "complete"},
      {dir.path() / "missing_folder" / "second.txt", "never written"},
  };
  EXPECT_THROW(WriteFilesAtomically(files), Error);
  EXPECT_EQ(CountEntries(dir.path()), 0u);
}

TEST(WriteFilesAtomically, ReplacesAnExistingFileWhole) {
  TempDir dir;
  const auto path = dir.path() / "a.txt";
  WriteText(path, "old contents that are longer than the new ones");
  WriteFilesAtomically({{path, "new"}});
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "new");
  EXPECT_EQ(CountEntries(dir.path()), 1u);
}

TEST(Document, RealsAreFloatsInJsonAndYaml11) {
  EXPECT_EQ(FormatReal(1.0), "1.0");
  EXPECT_EQ(FormatReal(2.5e-12), "2.5e-12");
  EXPECT_EQ(FormatReal(1e20), "1.0e+20");
  EXPECT_EQ(FormatReal(-0.125), "-0.125");
  EXPECT_THROW(FormatReal(std::nan("")), Error);
  EXPECT_THROW(FormatReal(INFINITY), Error);
  for (const double v : {0.1, 1.0 / 3.0, 6.02214076e23, 1.602176634e-19}) {
    EXPECT_NEAR(std::strtod(FormatReal(v).c_str(), nullptr), v, std::abs(v) * kRelTol);
  }
}

TEST(Document, YamlAndJsonReadBackEqualThroughPython) {
  TempDir dir;
  Document d;
  d.Set("plain", "value");
  d.Set("yes", "a key YAML 1.1 would read as a boolean");
  d.Set("needs: quoting", "quote \" backslash \\ newline \n tab \t bell \x07 unicode µm²");
  d.Set("number_like", "0.4");
  d.Set("empty_object", Document::MakeObject());
  d.Set("empty_array", Document::MakeArray());
  d.Set("nested", Document().Set("list", Document::Reals({1.0, 2.5e-12, -3.0})).Set("n", 7));
  Document arrays = Document::MakeArray();
  arrays.Push(Document::Reals({1.0, 2.0}));
  arrays.Push(Document().Set("k", nullptr).Set("b", true));
  d.Set("arrays", std::move(arrays));
  WriteText(dir.path() / "d.yaml", d.ToYaml());
  WriteText(dir.path() / "d.json", d.ToJson());
  const std::string command =
      std::string(CIMCHAR_SYSTEM_PYTHON) +
      " -c \"import json,sys,yaml; y=yaml.safe_load(open(sys.argv[1])); "
      "j=json.load(open(sys.argv[2])); "
      "assert y==j, (y,j); assert j['needs: quoting'].startswith('quote \\\"'); "
      "assert j['number_like']=='0.4'; assert j['yes'].startswith('a key'); "
      "assert j['nested']['list'][1]==2.5e-12\" '" +
      (dir.path() / "d.yaml").string() + "' '" + (dir.path() / "d.json").string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << d.ToYaml();
}

TEST(Document, DuplicateKeyIsALogicError_bad) {
  Document d;
  d.Set("a", 1);
  EXPECT_THROW(d.Set("a", 2), Error);
}

}  // namespace
}  // namespace cimchar::exporters
