// Python's datetime.strftime() for a naive datetime in the C locale (what strftime_now() uses).
#pragma once

#include <string>
#include <string_view>

#include "braid/text/jinja/template.h"

namespace braid::text::jinja {

/// Formats `t` with `format`. %z and %Z are empty as for a naive datetime; %f is microseconds.
/// Unknown directives are copied through unchanged.
std::string py_strftime(const CivilTime& t, std::string_view format);

/// The current local time of the machine.
CivilTime local_now();

/// False if the fields do not form a real date and time.
bool is_valid_civil_time(const CivilTime& t);

}  // namespace braid::text::jinja
