// `braid bench` as a user runs it, on tiny make-model models with few tokens (-p 8 -n 4 -r 2):
// every output format carries every field for every row, sweeps give the cross product, the
// machine-limit cache is written and read, and nonsense arguments are refused with exit 2.
// No timing is asserted: speed is what the command reports, not what a test checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFields = {
    "build_commit", "cpu",          "gpu",        "backend",    "device",
    "features",     "threads",      "model_file", "model_name", "model_type",
    "model_size",   "model_params", "test",       "n_prompt",   "n_gen",
    "n_depth",      "reps",         "avg_ts",     "stddev_ts",  "avg_ms",
    "stddev_ms",    "limit_kind",   "achieved",   "limit",      "limit_fraction"};

class BenchCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("braid-bench-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto made = run_braid({"make-model", "llama-3.2-1b", "--tiny", "-o", text().string()});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static fs::path text() { return dir_ / "tiny-llama.gguf"; }

  static nlohmann::json bench_json(std::vector<std::string> args) {
    args.insert(args.begin(), "bench");
    const auto r = run_braid(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return nlohmann::json::array();
    return nlohmann::json::parse(r.out);
  }

  static bool has_cpu_backend() {
    return run_braid({"bench", "-m", text().string(), "-p", "1", "-n", "0", "-r", "1", "--backend",
                      "cpu", "--no-limits"})
               .exit_code == 0;
  }

  static inline fs::path dir_;
};

// Splits one CSV line, honouring "quoted, fields" with "" for a quote.
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

void expect_every_field(const nlohmann::json& row) {
  for (const auto& field : kFields) EXPECT_TRUE(row.contains(field)) << field << " in " << row;
  EXPECT_EQ(row.size(), kFields.size()) << row;
}

TEST_F(BenchCli, JsonHasEveryFieldForEveryRow) {
  const auto rows = bench_json({"-m", text().string(), "-p", "8", "-n", "4", "-r", "2", "--backend",
                                "reference", "-o", "json", "--no-limits"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["test"], "pp8");
  EXPECT_EQ(rows[1]["test"], "tg4");
  for (const auto& row : rows) {
    expect_every_field(row);
    EXPECT_EQ(row["backend"], "reference");
    EXPECT_EQ(row["model_file"], "tiny-llama.gguf");
    EXPECT_EQ(row["model_type"], "F16");
    EXPECT_EQ(row["reps"], 2);
    EXPECT_GT(row["model_params"].get<double>(), 0);
    EXPECT_GT(row["model_size"].get<double>(), 0);
    EXPECT_GT(row["avg_ts"].get<double>(), 0);
    EXPECT_GE(row["stddev_ts"].get<double>(), 0);
    EXPECT_FALSE(row["build_commit"].get<std::string>().empty());
    EXPECT_TRUE(row["limit_fraction"].is_null());  // --no-limits
  }
  EXPECT_EQ(rows[0]["limit_kind"], "f32_peak");
  EXPECT_EQ(rows[1]["limit_kind"], "dram_read");
}

TEST_F(BenchCli, LimitsAreMeasuredOnceThenReadFromTheCache) {
  const auto cache = dir_ / "limits.json";
  const std::vector<std::string> args = {"bench",
                                         "-m",
                                         text().string(),
                                         "-p",
                                         "8",
                                         "-n",
                                         "4",
                                         "-r",
                                         "2",
                                         "-t",
                                         "1",
                                         "--backend",
                                         "reference",
                                         "-o",
                                         "jsonl",
                                         "--limits-cache",
                                         cache.string()};
  const auto first = run_braid(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("measured limits"), std::string::npos) << first.err;
  ASSERT_TRUE(fs::exists(cache));
  std::ifstream in(cache);
  const auto cached = nlohmann::json::parse(in);
  ASSERT_EQ(cached.size(), 1u);  // one CPU model
  EXPECT_GT(cached.begin().value()["1"]["dram_read_gbps"].get<double>(), 0);

  const auto second = run_braid(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err.find("measured limits"), std::string::npos) << second.err;
  std::istringstream lines(second.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto row = nlohmann::json::parse(line);
    expect_every_field(row);
    EXPECT_GT(row["limit"].get<double>(), 0) << row;
    EXPECT_GT(row["limit_fraction"].get<double>(), 0) << row;
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST_F(BenchCli, CsvAndJsonlParse) {
  const std::vector<std::string> base = {"bench", "-m", text().string(), "-pg",       "8,4",
                                         "-r",    "2",  "--backend",     "reference", "--no-limits",
                                         "-o"};
  auto csv_args = base;
  csv_args.push_back("csv");
  const auto csv = run_braid(csv_args);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string header, row;
  ASSERT_TRUE(std::getline(lines, header));
  std::string joined;
  for (const auto& f : kFields) joined += (joined.empty() ? "" : ",") + f;
  EXPECT_EQ(header, joined);
  ASSERT_TRUE(std::getline(lines, row));
  const auto fields = csv_split(row);
  ASSERT_EQ(fields.size(), kFields.size()) << row;
  EXPECT_EQ(fields[12], "pp8+tg4");  // test
  EXPECT_EQ(fields[3], "reference");
  EXPECT_NE(row.find("pp8+tg4"), std::string::npos) << row;
  EXPECT_FALSE(std::getline(lines, row));

  auto jsonl_args = base;
  jsonl_args.push_back("jsonl");
  const auto jsonl = run_braid(jsonl_args);
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  const auto parsed = nlohmann::json::parse(jsonl.out.substr(0, jsonl.out.find('\n')));
  expect_every_field(parsed);
  EXPECT_EQ(parsed["n_prompt"], 8);
  EXPECT_EQ(parsed["n_gen"], 4);

  const auto md = run_braid({"bench", "-m", text().string(), "-p", "8", "-n", "0", "-r", "2",
                             "--backend", "reference", "--no-limits"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| model | type |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| pp8 |"), std::string::npos) << md.out;
}

TEST_F(BenchCli, SweepsGiveTheCrossProduct) {
  const auto copy = dir_ / "tiny-llama-copy.gguf";
  fs::copy_file(text(), copy, fs::copy_options::overwrite_existing);
  std::string backends = "reference";
  if (has_cpu_backend()) backends += ",cpu";
  const auto rows = bench_json({"-m",         text().string(),
                                "-m",         copy.string(),
                                "-p",         "8",
                                "-n",         "0",
                                "-n",         "2",
                                "-d",         "0,4",
                                "-r",         "1",
                                "--backend",  backends,
                                "-t",         "1,2",
                                "-o",         "json",
                                "--no-limits"});
  const size_t n_backends = backends == "reference" ? 1 : 2;
  ASSERT_EQ(rows.size(), 2 /*models*/ * n_backends * 2 /*threads*/ * 2 /*depths*/ * 2);
  std::set<std::tuple<std::string, std::string, std::string>> combos;
  for (const auto& row : rows) {
    combos.insert({row["model_file"].get<std::string>(), row["backend"].get<std::string>(),
                   row["test"].get<std::string>()});
  }
  EXPECT_EQ(combos.size(), 2 * n_backends * 4);
  const std::tuple<std::string, std::string, std::string> want{"tiny-llama-copy.gguf", "reference",
                                                               "tg2 @ d4"};
  EXPECT_EQ(combos.count(want), 1u) << ::testing::PrintToString(combos);
}

TEST_F(BenchCli, TypeSweepQuantizesACopy) {
  const auto rows =
      bench_json({"-m", text().string(), "-p", "8", "-n", "0", "-r", "2", "--type", "Q8_0,Q4_0",
                  "--backend", "reference", "-o", "json", "--no-limits"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["model_type"], "Q8_0");
  EXPECT_EQ(rows[1]["model_type"], "Q4_0");
  EXPECT_LT(rows[1]["model_size"].get<double>(), rows[0]["model_size"].get<double>());
  EXPECT_EQ(rows[0]["limit_kind"], "int8_peak");
}

TEST_F(BenchCli, EncodersOfTinyMmprojs) {
  const auto clip = dir_ / "clip.gguf";
  const auto whisper = dir_ / "whisper.gguf";
  ASSERT_EQ(run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--for", "llama-3.2-1b", "-o",
                       clip.string(), "--force"})
                .exit_code,
            0);
  ASSERT_EQ(
      run_braid({"make-model", "whisper-large-v3", "--tiny", "-o", whisper.string(), "--force"})
          .exit_code,
      0);
  // Both flags: each file is measured on the encoder it has.
  const auto rows = bench_json({"--mmproj", clip.string(), "--image-encode", "--mmproj",
                                whisper.string(), "--audio-encode", "--audio-seconds", "1", "-r",
                                "2", "--backend", "reference", "-o", "json", "--no-limits"});
  ASSERT_EQ(rows.size(), 2u);
  expect_every_field(rows[0]);
  expect_every_field(rows[1]);
  EXPECT_EQ(rows[0]["test"].get<std::string>().rfind("image ", 0), 0u) << rows[0];
  EXPECT_EQ(rows[1]["test"], "audio 1s (100 frames)");
  EXPECT_GT(rows[0]["avg_ms"].get<double>(), 0);
  EXPECT_GT(rows[1]["achieved"].get<double>(), 0);  // GFLOP/s of the encoder

  // An encoder the file lacks is an error, not an empty table.
  const auto wrong =
      run_braid({"bench", "--mmproj", whisper.string(), "--image-encode", "--no-limits"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("no vision encoder"), std::string::npos) << wrong.err;
}

TEST_F(BenchCli, TimeToFirstTokenOfAnImageQuestion) {
  const auto clip = dir_ / "clip-ttft.gguf";
  const auto narrow = dir_ / "clip-narrow.gguf";
  ASSERT_EQ(run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--for", "llama-3.2-1b", "-o",
                       clip.string(), "--force"})
                .exit_code,
            0);
  const auto rows = bench_json({"-m", text().string(), "--mmproj", clip.string(), "--ttft", "-r",
                                "2", "-o", "json", "--no-limits"});
  ASSERT_EQ(rows.size(), 1u);
  expect_every_field(rows[0]);
  // The tiny CLIP sees 32 px in patches of 8: 16 rows, and the question's 32 tokens.
  EXPECT_EQ(rows[0]["test"], "ttft image 32x32 + 32 tokens") << rows[0];
  EXPECT_GT(rows[0]["avg_ms"].get<double>(), 0);
  EXPECT_GT(rows[0]["achieved"].get<double>(), 0);
  EXPECT_NE(rows[0]["model_file"].get<std::string>().find(" + clip-ttft.gguf"), std::string::npos);

  // A projector of another width, and an mmproj without a vision encoder, are errors.
  ASSERT_EQ(run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--text-width", "128", "-o",
                       narrow.string(), "--force"})
                .exit_code,
            0);
  const auto wrong_width =
      run_braid({"bench", "-m", text().string(), "--mmproj", narrow.string(), "--ttft"});
  EXPECT_EQ(wrong_width.exit_code, 1);
  EXPECT_NE(wrong_width.err.find("128"), std::string::npos) << wrong_width.err;
  const auto whisper = dir_ / "whisper-ttft.gguf";
  ASSERT_EQ(
      run_braid({"make-model", "whisper-large-v3", "--tiny", "-o", whisper.string(), "--force"})
          .exit_code,
      0);
  const auto no_vision =
      run_braid({"bench", "-m", text().string(), "--mmproj", whisper.string(), "--ttft"});
  EXPECT_EQ(no_vision.exit_code, 1);
  EXPECT_NE(no_vision.err.find("no vision encoder"), std::string::npos) << no_vision.err;
}

TEST_F(BenchCli, NonsenseArgumentsAreRefused) {
  const std::string m = text().string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-m", m, "-p", "-5"}, "--n-prompt '-5'"},
      {{"-m", m, "-r", "0"}, "-r '0'"},
      {{"-m", m, "-p", "abc"}, "expected a whole number"},
      {{"-m", m, "-t", "0"}, "--threads '0'"},
      {{"-m", m, "-pg", "512"}, "expected two numbers"},
      {{"-m", m, "--backend", "nosuch"}, "nosuch"},
      {{"-m", (dir_ / "missing.gguf").string()}, "no such file"},
      {{"--mmproj", (dir_ / "missing.gguf").string()}, "no such file"},
      {{"-m", m, "-o", "xml"}, "expected md, csv, json or jsonl"},
      {{"-m", m, "--type", "Q9_9"}, "unknown"},
      {{"-m", m, "-p", "0", "-n", "0"}, "no text test"},
      {{"--image-encode"}, "need --mmproj"},
      {{}, "nothing to measure"},
      {{"-m", m, "--frobnicate"}, "unknown option"},
      {{"--mmproj", m, "--audio-seconds", "31"}, "--audio-seconds '31'"},
      {{"-m", m, "--ttft"}, "--ttft needs"},
      {{"-m", m, "--mmproj", m, "--ttft", "--image-encode"}, "drop --image-encode"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> full = {"bench"};
    full.insert(full.end(), args.begin(), args.end());
    const auto r = run_braid(full);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << ::testing::PrintToString(args) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

}  // namespace
}  // namespace braid::test
