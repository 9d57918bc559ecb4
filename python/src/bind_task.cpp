// The thin API over the rest of l2o: data sets and their projection, the MLP task of LM17 and
// `l2o train` (run_optimizer) with its trace. Arrays are views of the C++ objects' memory where the
// layouts agree (a projected split, width x count column-major, is a (count, width) C-order array).
#include <fmt/core.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdlib>

#include "bindings.hpp"
#include "bound_optimizer.hpp"
#include "json_convert.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/core/error.hpp"
#include "l2o/data/dataset.hpp"
#include "l2o/optim/train_loop.hpp"
#include "l2o/task/mlp_task.hpp"
#include "l2o/task/task_spec.hpp"

namespace py = pybind11;

namespace l2o::python {
namespace {

// The tool's resolution (cli/common_options.cpp): --data-dir > $L2O_DATA > ./data, and the shared
// archives in $L2O_SHARED_DATA or ../shared/data next to the source tree.
DataOptions data_options(const std::string& data_dir, const std::string& shared_dir, Index tfd_size,
                         bool cifar100_coarse) {
  DataOptions o;
  o.data_dir = resolve_data_dir(data_dir);
  o.shared_dir = resolve_shared_dir(shared_dir, L2O_SOURCE_DIR);
  o.tfd_size = tfd_size;
  o.cifar100_coarse = cifar100_coarse;
  return o;
}

// (count, height, width, channels) uint8 view of a split's pixels, owned by `owner`.
py::array image_view(const ImageSet& s, const py::object& owner) {
  return py::array_t<std::uint8_t>({s.count, static_cast<Index>(s.height), static_cast<Index>(s.width),
                                    static_cast<Index>(s.channels)},
                                   s.pixels.data(), owner);
}

py::array labels_view(const std::vector<int>& labels, const py::object& owner) {
  return py::array_t<int>({static_cast<py::ssize_t>(labels.size())}, labels.data(), owner);
}

// (count, width) C-order view of a width x count column-major split.
py::array split_view(const ProjectedSplit& s, const py::object& owner) {
  return py::array_t<double>({s.x.cols(), s.x.rows()}, s.x.data(), owner);
}

ProjectedSplit split_from(const py::array_t<double, py::array::c_style | py::array::forcecast>& x,
                          const py::array_t<int, py::array::c_style | py::array::forcecast>& y, const char* which) {
  if (x.ndim() != 2) throw Error(fmt::format("{}_x must be a 2-d array (count, width), got {} dimensions", which, x.ndim()));
  if (y.ndim() != 1 || y.shape(0) != x.shape(0))
    throw Error(fmt::format("{}_y must be a 1-d array of {} labels", which, x.shape(0)));
  ProjectedSplit s;
  s.x = Eigen::Map<const Mat>(x.data(), x.shape(1), x.shape(0));
  s.labels.assign(y.data(), y.data() + y.shape(0));
  return s;
}

ProjectedDataset projected_from_arrays(const py::array_t<double, py::array::c_style | py::array::forcecast>& train_x,
                                       const py::array_t<int, py::array::c_style | py::array::forcecast>& train_y,
                                       const py::object& test_x, const py::object& test_y, int num_classes,
                                       const std::string& name) {
  ProjectedDataset d;
  d.name = d.display_name = name;
  d.train = split_from(train_x, train_y, "train");
  if (test_x.is_none() != test_y.is_none()) throw Error("give both test_x and test_y, or neither");
  if (!test_x.is_none()) {
    d.test = split_from(test_x.cast<py::array_t<double, py::array::c_style | py::array::forcecast>>(),
                        test_y.cast<py::array_t<int, py::array::c_style | py::array::forcecast>>(), "test");
    if (d.test.x.rows() != d.train.x.rows())
      throw Error(fmt::format("test_x has width {}, train_x {}", d.test.x.rows(), d.train.x.rows()));
  } else {
    d.test.x = Mat(d.train.x.rows(), 0);
  }
  int max_label = -1;
  for (const auto* split : {&d.train, &d.test})
    for (int l : split->labels) {
      if (l < 0) throw Error(fmt::format("labels must be >= 0, got {}", l));
      max_label = std::max(max_label, l);
    }
  d.num_classes = num_classes > 0 ? num_classes : max_label + 1;
  if (max_label >= d.num_classes)
    throw Error(fmt::format("label {} does not fit num_classes = {}", max_label, d.num_classes));
  d.width = static_cast<int>(d.train.x.rows());
  return d;
}

std::vector<int> arch_of(const py::object& arch) {
  if (py::isinstance<py::str>(arch)) return parse_arch(arch.cast<std::string>());
  return arch.cast<std::vector<int>>();
}

py::dict trace_dict(const RunResult& r) {
  const auto n = static_cast<py::ssize_t>(r.trace.size());
  py::array_t<int> iter(n);
  py::array_t<double> objective(n), minibatch_loss(n), grad_norm(n), step_norm(n), seconds(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    const TraceRow& row = r.trace[static_cast<std::size_t>(i)];
    iter.mutable_at(i) = row.iter;
    objective.mutable_at(i) = row.objective;
    minibatch_loss.mutable_at(i) = row.minibatch_loss;
    grad_norm.mutable_at(i) = row.grad_norm;
    step_norm.mutable_at(i) = row.step_norm;
    seconds.mutable_at(i) = row.seconds;
  }
  py::dict d;
  d["iter"] = iter;
  d["objective"] = objective;
  d["minibatch_loss"] = minibatch_loss;
  d["grad_norm"] = grad_norm;
  d["step_norm"] = step_norm;
  d["seconds"] = seconds;
  return d;
}

RunResult train(const MlpTask& task, const py::object& optimizer, const py::object& hyper, const py::object& policy,
                const std::string& tuned, int iters, int batch, std::uint64_t seed, int eval_every) {
  RunOptions options;
  options.iters = iters;
  options.batch = batch;
  options.seed = seed;
  options.eval_every = eval_every;
  if (py::isinstance<BoundOptimizer>(optimizer)) {
    if (!hyper.is_none() || !policy.is_none())
      throw Error("train: hyper and policy belong to an optimizer given by name, not to an l2o.Optimizer");
    BoundOptimizer& bound = optimizer.cast<BoundOptimizer&>();
    py::gil_scoped_release release;
    return run_optimizer(task, bound.optimizer(), options);
  }
  const std::string name = optimizer.cast<std::string>();
  OptimizerSpec spec;
  spec.name = name;
  if (!hyper.is_none()) spec.hyper = from_python(hyper, fmt::format("train: hyper-parameters of {}", name));
  // Like `l2o train`: without hyper-parameters a hand-designed optimizer runs with its tuned values.
  if (hyper.is_none() && is_hand_designed_optimizer(name)) spec.hyper = tuned_hyper(name, tuned);
  if (!policy.is_none()) spec.policy_file = py::str(policy).cast<std::string>();
  OptimizerPtr opt = make_optimizer(spec);
  py::gil_scoped_release release;
  return run_optimizer(task, *opt, options);
}
}  // namespace

void bind_task(py::module_& m) {
  py::class_<Dataset>(m, "Dataset", "A data set's raw images and labels (l2o.load_dataset).")
      .def_readonly("name", &Dataset::name)
      .def_readonly("display_name", &Dataset::display_name)
      .def_readonly("source", &Dataset::source)
      .def_readonly("num_classes", &Dataset::num_classes)
      .def_readonly("class_names", &Dataset::class_names)
      .def_property_readonly("train_images", [](const py::object& self) { return image_view(self.cast<const Dataset&>().train, self); },
                             "(count, height, width, channels) uint8 view")
      .def_property_readonly("train_labels", [](const py::object& self) { return labels_view(self.cast<const Dataset&>().train.labels, self); })
      .def_property_readonly("test_images", [](const py::object& self) { return image_view(self.cast<const Dataset&>().test, self); })
      .def_property_readonly("test_labels", [](const py::object& self) { return labels_view(self.cast<const Dataset&>().test.labels, self); });

  m.def(
      "load_dataset",
      [](const std::string& spec, const std::string& data_dir, const std::string& shared_dir, Index tfd_size,
         bool cifar100_coarse) {
        const DataOptions o = data_options(data_dir, shared_dir, tfd_size, cifar100_coarse);
        py::gil_scoped_release release;
        return load_dataset(spec, o);
      },
      py::arg("spec"), py::arg("data_dir") = "", py::arg("shared_dir") = "", py::arg("tfd_size") = 3300,
      py::arg("cifar100_coarse") = false,
      "A named data set (mnist, fashion-mnist, cifar10, cifar100, tfd) or a spec (idx:..., folder:DIR, ...); "
      "data_dir defaults to $L2O_DATA, else ./data.");

  py::class_<ProjectedDataset>(m, "ProjectedDataset",
                               "A data set after the paper's seeded random projection and standardisation.")
      .def(py::init(&projected_from_arrays), py::arg("train_x"), py::arg("train_y"), py::arg("test_x") = py::none(),
           py::arg("test_y") = py::none(), py::arg("num_classes") = 0, py::arg("name") = "arrays",
           "From arrays already preprocessed: x is (count, width), y integer labels (num_classes 0: max label + 1).")
      .def_readonly("name", &ProjectedDataset::name)
      .def_readonly("display_name", &ProjectedDataset::display_name)
      .def_readonly("num_classes", &ProjectedDataset::num_classes)
      .def_readonly("width", &ProjectedDataset::width)
      .def_readonly("projection_seed", &ProjectedDataset::projection_seed)
      .def_property_readonly("train_x", [](const py::object& self) { return split_view(self.cast<const ProjectedDataset&>().train, self); },
                             "(count, width) float64 view")
      .def_property_readonly("train_y", [](const py::object& self) { return labels_view(self.cast<const ProjectedDataset&>().train.labels, self); })
      .def_property_readonly("test_x", [](const py::object& self) { return split_view(self.cast<const ProjectedDataset&>().test, self); })
      .def_property_readonly("test_y", [](const py::object& self) { return labels_view(self.cast<const ProjectedDataset&>().test.labels, self); });

  m.def(
      "load_projected",
      [](const std::string& spec, int width, std::uint64_t projection_seed, const std::string& data_dir,
         const std::string& shared_dir) {
        const DataOptions o = data_options(data_dir, shared_dir, 3300, false);
        py::gil_scoped_release release;
        return load_projected(spec, width, projection_seed, o);
      },
      py::arg("spec"), py::arg("width") = 48, py::arg("projection_seed") = 0, py::arg("data_dir") = "",
      py::arg("shared_dir") = "", "load_dataset + the seeded projection to `width` (cached under <data_dir>/cache).");

  py::class_<MlpTask>(m, "MlpTask", R"doc(
The optimizee of LM17: an MLP with softmax cross-entropy on a projected data set.
Parameters are one flat float64 vector: per layer l, W_l (fan_out x fan_in, column-major) then b_l.)doc")
      .def(py::init([](const ProjectedDataset& data, const py::object& arch, const std::string& activation,
                       double weight_decay, double init_scale, Index train_size, std::uint64_t subset_seed) {
             MlpConfig c;
             c.arch = arch_of(arch);
             c.activation = parse_activation(activation);
             c.weight_decay = weight_decay;
             c.init_scale = init_scale;
             return MlpTask(data, c, train_size, subset_seed);
           }),
           py::arg("data"), py::arg("arch") = "48-48-10", py::arg("activation") = "relu", py::arg("weight_decay") = 0.0,
           py::arg("init_scale") = 1.0, py::arg("train_size") = 10000, py::arg("subset_seed") = 0)
      .def_property_readonly("layout", &MlpTask::layout)
      .def_property_readonly("dim", &MlpTask::dim)
      .def_property_readonly("train_count", &MlpTask::train_count)
      .def_property_readonly("dataset_name", &MlpTask::dataset_name)
      .def_property_readonly("arch", [](const MlpTask& t) { return t.config().arch; })
      .def_property_readonly("activation", [](const MlpTask& t) { return to_string(t.config().activation); })
      .def("initial_params", &MlpTask::initial_params, py::arg("seed"))
      .def(
          "loss_grad",
          [](const MlpTask& t, const Vec& x, const std::vector<Index>& batch) {
            Vec g;
            const double loss = t.loss_grad(x, batch, &g);
            return py::make_tuple(loss, g);
          },
          py::arg("x"), py::arg("batch"), "(minibatch loss, gradient) over the given task-training-set indices")
      .def(
          "objective", [](const MlpTask& t, const Vec& x) { return t.objective(x); }, py::arg("x"),
          "The true objective: mean loss over the task training set (+ weight decay).")
      .def(
          "objective_grad",
          [](const MlpTask& t, const Vec& x) {
            Vec g;
            const double f = t.objective(x, &g);
            return py::make_tuple(f, g);
          },
          py::arg("x"))
      .def("test_accuracy", &MlpTask::test_accuracy, py::arg("x"))
      .def("train_accuracy", &MlpTask::train_accuracy, py::arg("x"));

  m.def(
      "make_task",
      [](const std::string& dataset, const std::string& arch, const std::string& activation, double weight_decay,
         Index train_size, std::uint64_t subset_seed, std::uint64_t projection_seed, const std::string& data_dir,
         const std::string& shared_dir) {
        TaskSpec s;
        s.dataset = dataset;
        s.arch = arch;
        s.activation = activation;
        s.weight_decay = weight_decay;
        s.train_size = train_size;
        s.subset_seed = subset_seed;
        s.projection_seed = projection_seed;
        const DataOptions o = data_options(data_dir, shared_dir, 3300, false);
        py::gil_scoped_release release;
        return make_task(s, o);
      },
      py::arg("dataset") = "mnist", py::arg("arch") = "48-48-10", py::arg("activation") = "relu",
      py::arg("weight_decay") = 0.0, py::arg("train_size") = 10000, py::arg("subset_seed") = 0,
      py::arg("projection_seed") = 0, py::arg("data_dir") = "", py::arg("shared_dir") = "",
      "The task `l2o train --dataset ... --arch ...` trains (train_size < 0: the whole split).");

  py::class_<MinibatchSampler>(m, "MinibatchSampler",
                               "Minibatches without replacement within an epoch, reshuffled each epoch (seeded).")
      .def(py::init<Index, int, std::uint64_t>(), py::arg("n"), py::arg("batch"), py::arg("seed"))
      .def("next", &MinibatchSampler::next)
      .def_property_readonly("draws", &MinibatchSampler::draws);

  py::class_<RunResult>(m, "RunResult", "What `l2o train` records: the trace and the outcome of one run.")
      .def_property_readonly("trace", &trace_dict,
                             "dict of arrays: iter, objective, minibatch_loss, grad_norm, step_norm, seconds "
                             "(row 0 is the initial point)")
      .def_readonly("diverged", &RunResult::diverged)
      .def_readonly("diverged_iter", &RunResult::diverged_iter)
      .def_readonly("divergence", &RunResult::divergence)
      .def_readonly("final_params", &RunResult::final_params)
      .def_readonly("test_accuracy", &RunResult::test_accuracy)
      .def_property_readonly("meta_loss", &RunResult::meta_loss)
      .def_property_readonly("final_objective", &RunResult::final_objective)
      .def("write_csv", &write_trace_csv, py::arg("path"));

  m.def("train", &train, py::arg("task"), py::arg("optimizer") = "sgd", py::arg("hyper") = py::none(),
        py::arg("policy") = py::none(), py::arg("tuned") = "", py::arg("iters") = 400, py::arg("batch") = 64,
        py::arg("seed") = 1, py::arg("eval_every") = 1, R"doc(
`l2o train` on a task: optimizer by name (hand-designed without `hyper`: the tuned values, like the
tool) or an l2o.Optimizer. Returns an l2o.RunResult (a diverged run is reported, not raised).)doc");
}
}  // namespace l2o::python
