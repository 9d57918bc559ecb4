#include "l2o/gps/reports.hpp"

#include "l2o/core/json_integer.hpp"

#include <utility>

namespace l2o::gps {
namespace {

// The numbers of a group's report under their JSON keys (written and read by the one list).
constexpr std::pair<const char*, double GroupReport::*> kGroupReportNumbers[] = {
    {"kl_step", &GroupReport::kl_step}, {"epsilon", &GroupReport::epsilon}, {"kl_pi", &GroupReport::kl_pi},
    {"kappa", &GroupReport::kappa},     {"nu", &GroupReport::nu},           {"step_mult", &GroupReport::step_mult},
    {"curvature", &GroupReport::curvature}};

}  // namespace

nlohmann::json IterationReport::to_json() const {
  auto gs = nlohmann::json::array();
  for (const auto& g : groups) {
    nlohmann::json o = {{"group", g.name}, {"status", g.status}};
    for (const auto& [key, field] : kGroupReportNumbers) o[key] = g.*field;
    gs.push_back(std::move(o));
  }
  return {{"iteration", iteration},   {"sampled", sampled},             {"psi_meta_loss", psi_meta_loss},
          {"pi_meta_loss", pi_meta_loss},
          {"diverged", diverged},     {"groups", gs},                   {"regression_loss", regression_loss},
          {"seconds", seconds}};
}

IterationReport IterationReport::from_json(const nlohmann::json& h) {
  IterationReport r;
  r.iteration = json_integer<int>(h.at("iteration"), "iteration");
  r.sampled = h.value("sampled", std::string("psi"));
  r.psi_meta_loss = h.at("psi_meta_loss").get<double>();
  r.pi_meta_loss = h.at("pi_meta_loss").get<double>();
  r.diverged = json_integer<int>(h.at("diverged"), "diverged");
  r.seconds = h.at("seconds").get<double>();
  r.regression_loss = h.at("regression_loss").get<std::vector<double>>();
  for (const auto& g : h.at("groups")) {
    GroupReport gr;
    gr.name = g.at("group").get<std::string>();
    gr.status = g.at("status").get<std::string>();
    for (const auto& [key, field] : kGroupReportNumbers) gr.*field = g.at(key).get<double>();
    r.groups.push_back(gr);
  }
  return r;
}

nlohmann::json InitReport::to_json() const {
  return {{"teacher", teacher},
          {"teacher_hyper", teacher_hyper},
          {"teacher_source", teacher_source},
          {"teacher_meta_loss", teacher_meta_loss},
          {"psi_meta_loss", psi_meta_loss},
          {"pi_meta_loss", pi_meta_loss},
          {"output_scale", output_scale},
          {"regression_loss", regression_loss},
          {"seconds", seconds}};
}

InitReport InitReport::from_json(const nlohmann::json& in) {
  InitReport r;
  r.teacher = in.at("teacher").get<std::string>();
  r.teacher_hyper = in.at("teacher_hyper");
  r.teacher_source = in.at("teacher_source").get<std::string>();
  r.teacher_meta_loss = in.at("teacher_meta_loss").get<double>();
  r.psi_meta_loss = in.at("psi_meta_loss").get<double>();
  r.pi_meta_loss = in.at("pi_meta_loss").get<double>();
  r.output_scale = in.at("output_scale").get<double>();
  return r;
}

}  // namespace l2o::gps
