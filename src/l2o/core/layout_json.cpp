#include "l2o/core/layout_json.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/json_integer.hpp"

namespace l2o {

nlohmann::json group_to_json(const CoordinateGroup& g) {
  return {{"name", g.name}, {"kind", to_string(g.kind)}, {"layer", g.layer}, {"output_layer", g.output_layer},
          {"rows", g.rows}, {"cols", g.cols},            {"offset", g.offset}};
}

CoordinateGroup group_from_json(const nlohmann::json& g) {
  CoordinateGroup cg;
  cg.name = g.at("name").get<std::string>();
  const std::string kind = g.at("kind").get<std::string>();
  if (kind != "weight" && kind != "bias") throw Error(fmt::format("group '{}' has unknown kind '{}'", cg.name, kind));
  cg.kind = kind == "weight" ? GroupKind::Weight : GroupKind::Bias;
  cg.layer = json_integer<int>(g.at("layer"), "layer");
  cg.output_layer = g.at("output_layer").get<bool>();
  cg.rows = json_integer<Index>(g.at("rows"), "rows");
  cg.cols = json_integer<Index>(g.at("cols"), "cols");
  cg.offset = json_integer<Index>(g.at("offset"), "offset");
  return cg;
}

}  // namespace l2o
