#include "jinja/strftime.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace braid::text::jinja {

namespace {

constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int weekday(const CivilTime& t) {  // 0 = Sunday
  const long long days = days_from_civil(t.year, t.month, t.day);
  return static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
}

int day_of_year(const CivilTime& t) {  // 1-based
  return static_cast<int>(days_from_civil(t.year, t.month, t.day) - days_from_civil(t.year, 1, 1)) +
         1;
}

// ISO 8601 week-numbering year and week (for %G, %g, %V).
void iso_week(const CivilTime& t, int* iso_year, int* week) {
  const int wday = (weekday(t) + 6) % 7;  // 0 = Monday
  const int yday = day_of_year(t) - 1;
  int w = (yday - wday + 10) / 7;
  int y = t.year;
  if (w < 1) {
    y -= 1;
    const int prev_days = is_leap(y) ? 366 : 365;
    w = (yday + prev_days - wday + 10) / 7;
  } else {
    const int days = is_leap(y) ? 366 : 365;
    if (yday - wday + 3 >= days) {
      w = 1;
      y += 1;
    }
  }
  *iso_year = y;
  *week = w;
}

std::string num(long long v, int width, char fill = '0') {
  char buf[32];
  std::snprintf(buf, sizeof buf, fill == '0' ? "%0*lld" : "%*lld", width, v);
  return buf;
}

}  // namespace

bool is_valid_civil_time(const CivilTime& t) {
  return t.year >= 1 && t.year <= 9999 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
         t.day <= days_in_month(t.year, t.month) && t.hour >= 0 && t.hour < 24 && t.minute >= 0 &&
         t.minute < 60 && t.second >= 0 && t.second < 60 && t.microsecond >= 0 &&
         t.microsecond < 1000000;
}

CivilTime local_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&secs, &tm);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  return CivilTime{tm.tm_year + 1900,
                   tm.tm_mon + 1,
                   tm.tm_mday,
                   tm.tm_hour,
                   tm.tm_min,
                   tm.tm_sec,
                   static_cast<int>(micros < 0 ? 0 : micros)};
}

std::string py_strftime(const CivilTime& t, std::string_view format) {
  std::string out;
  const int wday = weekday(t);
  const int hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      out.push_back(format[i]);
      continue;
    }
    const char c = format[++i];
    switch (c) {
      case 'a':
        out += std::string(kWeekdays[wday]).substr(0, 3);
        break;
      case 'A':
        out += kWeekdays[wday];
        break;
      case 'w':
        out += std::to_string(wday);
        break;
      case 'u':
        out += std::to_string(wday == 0 ? 7 : wday);
        break;
      case 'd':
        out += num(t.day, 2);
        break;
      case 'e':
        out += num(t.day, 2, ' ');
        break;
      case 'b':
      case 'h':
        out += std::string(kMonths[t.month - 1]).substr(0, 3);
        break;
      case 'B':
        out += kMonths[t.month - 1];
        break;
      case 'm':
        out += num(t.month, 2);
        break;
      case 'y':
        out += num(t.year % 100, 2);
        break;
      case 'Y':
        out += std::to_string(t.year);
        break;
      case 'C':
        out += num(t.year / 100, 2);
        break;
      case 'H':
        out += num(t.hour, 2);
        break;
      case 'k':
        out += num(t.hour, 2, ' ');
        break;
      case 'I':
        out += num(hour12, 2);
        break;
      case 'l':
        out += num(hour12, 2, ' ');
        break;
      case 'p':
        out += t.hour < 12 ? "AM" : "PM";
        break;
      case 'P':
        out += t.hour < 12 ? "am" : "pm";
        break;
      case 'M':
        out += num(t.minute, 2);
        break;
      case 'S':
        out += num(t.second, 2);
        break;
      case 'f':
        out += num(t.microsecond, 6);
        break;
      case 'z':
      case 'Z':
        break;  // a naive datetime has no zone
      case 'j':
        out += num(day_of_year(t), 3);
        break;
      case 'U':
        out += num((day_of_year(t) + 6 - wday) / 7, 2);
        break;
      case 'W':
        out += num((day_of_year(t) + 6 - (wday + 6) % 7) / 7, 2);
        break;
      case 'G':
      case 'g':
      case 'V': {
        int iso_year = 0, week = 0;
        iso_week(t, &iso_year, &week);
        out += c == 'G'   ? std::to_string(iso_year)
               : c == 'g' ? num(iso_year % 100, 2)
                          : num(week, 2);
        break;
      }
      case 'c':
        out += py_strftime(t, "%a %b %e %H:%M:%S %Y");
        break;
      case 'x':
      case 'D':
        out += py_strftime(t, "%m/%d/%y");
        break;
      case 'X':
      case 'T':
        out += py_strftime(t, "%H:%M:%S");
        break;
      case 'F':
        out += py_strftime(t, "%Y-%m-%d");
        break;
      case 'R':
        out += py_strftime(t, "%H:%M");
        break;
      case 'r':
        out += py_strftime(t, "%I:%M:%S %p");
        break;
      case 's':
        out += std::to_string(days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
                              t.minute * 60 + t.second);
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '%':
        out += '%';
        break;
      default:
        out += '%';
        out += c;
    }
  }
  return out;
}

}  // namespace braid::text::jinja
