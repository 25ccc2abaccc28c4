#include "braid/text/chat_template.h"

namespace braid::text {

namespace {

template <typename Json>
core::Result<std::string> render(std::string_view source,
                                 const Json& context,
                                 const RenderOptions& options) {
  BRAID_ASSIGN_OR_RETURN(const jinja::Template tmpl, jinja::Template::parse(source));
  return tmpl.render(context, options);
}

}  // namespace

core::Result<std::string> render_chat_template(std::string_view template_source,
                                               const nlohmann::ordered_json& context,
                                               const RenderOptions& options) {
  return render(template_source, context, options);
}

core::Result<std::string> render_chat_template(std::string_view template_source,
                                               const nlohmann::json& context,
                                               const RenderOptions& options) {
  return render(template_source, context, options);
}

}  // namespace braid::text
