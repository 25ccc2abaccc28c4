#!/usr/bin/env python3
"""Writes tests/golden/chat_templates/: what Python's jinja2 renders, the way Hugging Face
transformers renders chat templates, for braid's Jinja engine (text/src/jinja) to match byte for
byte.

Run (from the repository root):
    /work/pyenv/bin/python tests/scripts/make_chat_template_golden.py

References: Jinja2 3.1.6 and MarkupSafe 3.0.4 (PyPI), Python 3.11. The environment below repeats
transformers' `_compile_jinja_template` (src/transformers/utils/chat_template_utils.py):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols
extension and a `{% generation %}` tag, `raise_exception` and `strftime_now` globals, and tojson
replaced by json.dumps(x, ensure_ascii=False, indent=indent, separators=separators,
sort_keys=sort_keys). apply_chat_template calls template.render(messages=..., tools=... or None,
documents=None, add_generation_prompt=..., **special tokens, **extra kwargs); each stored context
holds exactly those variables. strftime_now() is pinned to 2025-03-14 09:26:53 (the C++ side
passes the same time through RenderOptions::now).

Inputs: the templates in ../shared/data/chat-templates/*.jinja (see SOURCES.md there), and the
small language cases defined in this file.

Output:
  conversations.json  the conversations (render contexts without add_generation_prompt)
  <template>.json     per template file: for every conversation and add_generation_prompt in
                      (false, true), the rendered text or the error jinja2 raised
  language_cases.json small templates exercising single features, with contexts and results
"""

from __future__ import annotations

import datetime
import hashlib
import json
import pathlib
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = REPO.parent / "shared" / "data" / "chat-templates"
OUT = REPO / "tests" / "golden" / "chat_templates"
NOW = datetime.datetime(2025, 3, 14, 9, 26, 53)


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker without the tracking: {% generation %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        call = self.call_method("_render")
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment() -> ImmutableSandboxedEnvironment:
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(
            x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    def strftime_now(fmt):
        return NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, source: str, context: dict) -> dict:
    """The rendered text, or the exception jinja2 raised (while compiling or rendering)."""
    try:
        return {"output": env.from_string(source).render(**context)}
    except Exception as e:  # every failure is an expected result to reproduce
        return {"error": {"type": type(e).__name__, "message": str(e)}}


# ---- conversations ---------------------------------------------------------------------------

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name, e.g. Paris"},
                    "unit": {
                        "type": "string",
                        "enum": ["celsius", "fahrenheit"],
                        "description": "Temperature unit",
                    },
                    "days": {
                        "type": "array",
                        "items": {"type": "integer"},
                        "description": "Forecast days ahead",
                    },
                },
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search the web.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string", "description": "Query text"}},
                "required": ["query"],
            },
        },
    },
]

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


def tool_turns(arguments) -> list:
    return [
        {"role": "user", "content": "What's the weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call12345",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": arguments},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call12345",
            "name": "get_weather",
            "content": '{"temperature": 18, "condition": "sunny"}',
        },
        {"role": "assistant", "content": "It is 18°C and sunny in Paris."},
    ]


CONVERSATIONS = [
    ("user_only", {"messages": [{"role": "user", "content": "Hello!"}]}),
    (
        "system_user",
        {"messages": [SYSTEM, {"role": "user", "content": "What is the capital of France?"}]},
    ),
    (
        "multi_turn",
        {
            "messages": [
                SYSTEM,
                {"role": "user", "content": "What is the capital of France?"},
                {
                    "role": "assistant",
                    "content": "<think>\nThe user asks about France.\n</think>\n\nParis.",
                },
                {"role": "user", "content": "And of Germany?"},
            ]
        },
    ),
    (
        "tools",
        {"messages": [SYSTEM] + tool_turns({"city": "Paris", "unit": "celsius"}), "tools": TOOLS},
    ),
    (
        "tools_string_arguments",
        {"messages": tool_turns('{"city": "Paris"}'), "tools": TOOLS},
    ),
    (
        "multimodal",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image"},
                        {"type": "audio"},
                        {"type": "text", "text": "Describe the picture and the sound."},
                    ],
                }
            ]
        },
    ),
    (
        "unicode_whitespace",
        {
            "messages": [
                {
                    "role": "user",
                    "content": "  Héllo «wörld» — \"quotes\" and 'apostrophes' ✓ 🙂\n\n",
                },
                {"role": "assistant", "content": "\n  Sure!  "},
                {"role": "user", "content": "\ttab\tseparated\r\nline\\ end"},
            ]
        },
    ),
    (
        "thinking_off",
        {"messages": [{"role": "user", "content": "Hi"}], "enable_thinking": False},
    ),
]


def base_context(extra: dict) -> dict:
    context = {
        "messages": extra["messages"],
        "tools": extra.get("tools"),
        "documents": None,
        "bos_token": "<s>",
        "eos_token": "</s>",
    }
    for key, value in extra.items():
        if key not in context:
            context[key] = value
    return context


# ---- language cases --------------------------------------------------------------------------
# (name, template, context). Each checks one feature against jinja2 itself.

MSGS = [
    {"role": "system", "content": "sys"},
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": "yo"},
]

LANGUAGE_CASES = [
    # whitespace control, trim_blocks, lstrip_blocks
    ("trim_blocks", "{% if true %}\nyes\n{% endif %}\nend", {}),
    ("lstrip_blocks", "a\n    {% if true %}\n    b\n    {% endif %}\nc", {}),
    ("lstrip_not_variables", "a\n    {{ 'x' }}\n", {}),
    ("lstrip_comment", "a\n  {# note #}\nb", {}),
    ("strip_minus_both", "a   {%- if true -%}   b   {%- endif -%}   c", {}),
    ("strip_minus_variable", "a  \n {{- 'x' -}} \n  b", {}),
    ("plus_disables_lstrip", "a\n    {%+ if true %}b{% endif %}", {}),
    ("plus_disables_trim", "{% if true +%}\nb{% endif %}", {}),
    ("lstrip_after_text", "x {% if true %}y{% endif %}", {}),
    ("lstrip_at_start", "   {% if true %}y{% endif %}", {}),
    ("trailing_newline_dropped", "abc\n", {}),
    ("only_one_trailing_newline", "abc\n\n", {}),
    ("crlf_normalized", "a\r\nb\rc", {}),
    ("comment_minus", "a {#- c -#} b", {}),
    ("comment_trim_block", "{# c #}\nb", {}),
    ("raw_block", "{% raw %}{{ not parsed }}{% endraw %}", {}),
    ("raw_block_newline", "{% raw %}\n  x\n  {% endraw %}\ny", {}),
    ("raw_minus", "a  {%- raw -%}  b  {%- endraw -%}  c", {}),
    ("tabs_lstrip", "a\n\t \t{% if true %}b{% endif %}", {}),
    ("nbsp_not_lstripped", "a\n\u00a0{% if true %}b{% endif %}", {}),
    ("variable_newline_kept", "{{ 'a' }}\nb", {}),
    ("block_end_minus_eats_newlines", "{% if true -%}\n\n\n  b{% endif %}", {}),
    ("dict_literal_in_var", "{{ {'a': {'b': 1}} }}", {}),
    # literals and printing
    ("print_none_bools", "{{ none }} {{ true }} {{ False }} {{ None }}", {}),
    ("print_floats", "{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 123456789.125 }} {{ 2.5e-3 }} {{ 1e22 }} {{ -0.0 }}", {}),
    ("print_int_division", "{{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }}", {}),
    ("float_ops", "{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 3 * 1.5 }} {{ 10 / 4 }}", {}),
    ("print_containers", "{{ [1, 'a', none, true, 1.5] }} {{ {'k': 'v', 'n': [1]} }} {{ (1,) }} {{ (1, 2) }} {{ () }}", {}),
    ("repr_quotes", "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\tnl\\n'] }}", {}),
    ("repr_unicode", "{{ ['héllo', '\\u200b', '\\x7f', '🙂', '\\u00a0'] }}", {}),
    ("string_escapes", "{{ 'a\\nb\\tc\\\\d\\x41\\u00e9\\101 \\q' }}", {}),
    ("string_concat_literals", "{{ 'a' 'b' \"c\" }}", {}),
    ("integer_literals", "{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1e3 }} {{ 1_0.5 }}", {}),
    ("print_tuple_expression", "{{ 1, 2 }}", {}),
    ("print_undefined", "[{{ missing }}][{{ missing | default('d') }}]", {}),
    ("print_nested_dict_from_context", "{{ data }}", {"data": {"b": [1, 2.5, None, True], "a": "x"}}),
    # operators
    ("string_concat_ops", "{{ 'a' + 'b' }} {{ 'a' ~ 1 ~ none ~ missing }} {{ 'ab' * 3 }} {{ 3 * [1] }}", {}),
    ("list_concat", "{{ [1] + [2, 3] }} {{ (1,) + (2,) }}", {}),
    ("comparisons", "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ 1 == true }} {{ 'a' != 'b' }} {{ none == none }}", {}),
    ("in_operator", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'cat' }} {{ 1 in (1, 2) }}", {}),
    ("and_or_values", "{{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' or [] }} {{ none and 1 }} {{ not 0 }} {{ not 'a' }}", {}),
    ("truthiness", "{% for v in [0, 1, '', 'a', [], [0], {}, {'a': 1}, none, 0.0] %}{{ 'T' if v else 'F' }}{% endfor %}", {}),
    ("unary_minus_pow", "{{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ -(3) }} {{ +4 }}", {}),
    ("ternary", "{{ 'a' if true else 'b' }}{{ 'c' if false else 'd' }}[{{ 'e' if false }}]", {}),
    ("precedence_filter_binds_tight", "{{ 'x' + ' y ' | trim + 'z' }} {{ -1 | abs }} {{ 1 + 2 * 3 - 4 / 2 }}", {}),
    ("not_in_precedence", "{{ not 'a' in 'abc' }} {{ not ('a' in 'abc') }}", {}),
    ("percent_format", "{{ '%s-%d-%05.2f-%x-%r' % ('a', 42, 3.14159, 255, 'q') }} {{ '%(a)s!' % {'a': 1} }} {{ '%s' % 'x' }} {{ '%-5s|%5s|%+d' % ('l', 'r', 3) }}", {}),
    ("str_format_method", "{{ '{} and {}'.format('a', 'b') }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name}'.format(name='n') }} {{ '{:>5}|{:<4}|{:^6}|{:.2f}|{:05d}|{:,}'.format('r', 'l', 'c', 3.14159, 42, 1234567) }}", {}),
    # attribute and item access
    ("attr_and_item", "{{ m.role }} {{ m['role'] }} {{ m.missing is defined }} {{ m['missing'] is defined }}", {"m": {"role": "user"}}),
    ("index_negative", "{{ xs[0] }} {{ xs[-1] }} {{ xs[5] is defined }} {{ xs.1 }} {{ 'abc'[1] }} {{ 'héllo'[1] }}", {"xs": [1, 2, 3]}),
    ("slicing", "{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ xs[::2] }} {{ 'héllo'[::-1] }} {{ 'abcdef'[1:4] }} {{ xs[10:] }} {{ xs[-2:] }}", {"xs": [1, 2, 3, 4]}),
    ("dict_method_vs_key", "{{ d.items is defined }} {{ d['items'] }} {{ d.get('items') }} {{ d.get('nope', 'dflt') }} {{ d.get('nope') }}", {"d": {"items": "key-value"}}),
    ("dict_methods", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys() | list }}{{ d.values() | list }}", {"d": {"b": 1, "a": 2}}),
    ("undefined_attribute_chain_error", "{{ missing.attr }}", {}),
    ("undefined_item_error", "{{ missing['x'] }}", {}),
    ("none_attribute_undefined", "[{{ n.x }}]{{ n.x is defined }}", {"n": None}),
    ("string_attribute_undefined", "[{{ s.content }}]{{ s.content is defined }}", {"s": "text"}),
    ("list_append_is_unsafe", "{{ xs.append is defined }}", {"xs": [1]}),
    ("list_append_call_fails", "{{ xs.append(2) }}", {"xs": [1]}),
    # statements
    ("if_elif_else", "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %} {% endfor %}", {}),
    ("for_loop_vars", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", {}),
    ("for_prev_next", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}]{{ loop.previtem is defined }}{% endfor %}", {}),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}{% for x in [1] %}x{% else %}empty{% endfor %}", {}),
    ("for_filter", "{% for x in range(10) if x is even %}{{ x }}{{ loop.index }}{{ loop.length }},{% endfor %}", {}),
    ("for_unpack", "{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }}{% endfor %}{% for k, v in {'x': 1, 'y': 2} | items %}{{ k }}{{ v }}{% endfor %}", {}),
    ("for_dict_keys", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"z": 1, "a": 2, "m": 3}}),
    ("for_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("for_nested_loop", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ b }}{% endfor %}{{ loop.index }};{% endfor %}", {}),
    ("for_cycle", "{% for x in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("for_changed", "{% for x in [1, 1, 2, 2, 1] %}{{ loop.changed(x) }} {% endfor %}", {}),
    ("loop_scoping", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 10 %}{{ x }} {% endfor %}{{ x }}", {}),
    ("if_does_not_scope", "{% if true %}{% set x = 5 %}{% endif %}{{ x }}", {}),
    ("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = 1, 2 %}{{ c }}", {}),
    ("set_block", "{% set x %}  hello {{ 1 + 1 }}  {% endset %}[{{ x }}]", {}),
    ("set_block_filter", "{% set x | upper | trim %}  hello  {% endset %}[{{ x }}]", {}),
    ("namespace", "{% set ns = namespace(n=0, s='') %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.n }} {{ ns.s }} {{ ns.missing is defined }}", {}),
    ("namespace_from_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns['a'] }}", {}),
    ("namespace_set_on_dict_fails", "{% set d = {} %}{% set d.x = 1 %}", {}),
    ("macro_defaults", "{% macro f(a, b='B', c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ f(1) }} {{ f(1, 2) }} {{ f(1, c=3) }} {{ f() }}", {}),
    ("macro_default_uses_param", "{% macro f(a, b=a ~ '!') %}{{ b }}{% endmacro %}{{ f('x') }}", {}),
    ("macro_recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    ("macro_call_before_definition_of_helper", "{% macro a() %}[{{ b() }}]{% endmacro %}{% macro b() %}B{% endmacro %}{{ a() }}", {}),
    ("macro_varargs_kwargs", "{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, 3, k=4) }}", {}),
    ("macro_too_many_args", "{% macro f(a) %}{{ a }}{% endmacro %}{{ f(1, 2) }}", {}),
    ("macro_unknown_kwarg", "{% macro f(a) %}{{ a }}{% endmacro %}{{ f(b=2) }}", {}),
    ("macro_sees_globals_not_caller_locals", "{% set g = 'G' %}{% macro f() %}{{ g }}{{ l }}{% endmacro %}{% for l in [1] %}{{ f() }}{% endfor %}", {}),
    ("macro_whitespace", "{%- macro f(x) -%}\n  <{{ x }}>\n{%- endmacro -%}\n{{ f(1) }}|{{ f(2) }}", {}),
    ("call_block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inner{% endcall %}", {}),
    ("call_block_args", "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(item) each([1, 2]) %}[{{ item }}]{% endcall %}", {}),
    ("filter_block", "{% filter upper %}hello {{ 'world' }}{% endfilter %}", {}),
    ("with_block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", {}),
    ("generation_block", "{% generation %}gen{% endgeneration %}", {}),
    ("print_statement", "{% print 'a' ~ 'b' %}", {}),
    ("block_without_extends", "x{% block body %}inner{% endblock %}y", {}),
    # tests
    ("tests_types", "{{ 1 is number }}{{ 1.5 is float }}{{ 1 is integer }}{{ true is integer }}{{ true is number }}{{ true is boolean }}{{ 'a' is string }}{{ {} is mapping }}{{ [] is mapping }}{{ none is none }}", {}),
    ("tests_iterable_sequence", "{{ 'a' is iterable }}{{ [] is sequence }}{{ {} is sequence }}{{ 1 is iterable }}{{ missing is iterable }}{{ missing is sequence }}{{ none is sequence }}", {}),
    ("tests_defined", "{{ x is defined }}{{ x is undefined }}{{ y is defined }}{{ y is none }}", {"y": None}),
    ("tests_numbers", "{{ 4 is even }}{{ 3 is odd }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}{{ 2.0 is even }}", {}),
    ("tests_compare", "{{ 'a' is equalto 'a' }}{{ 1 is eq 2 }}{{ 3 is gt 2 }}{{ 3 is lessthan 2 }}{{ 3 is ge 3 }}{{ 1 is ne 1 }}{{ 2 is in [1, 2] }}", {}),
    ("tests_true_false", "{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}{{ x is false }}", {"x": False}),
    ("tests_case", "{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'aBc' is lower }}{{ '123' is lower }}", {}),
    ("tests_sameas_callable", "{{ none is sameas none }}{{ false is sameas false }}{{ range is callable }}{{ 'a' is callable }}", {}),
    ("tests_not", "{{ x is not defined }}{{ 1 is not string }}{{ not x is defined }}", {}),
    ("tests_filter_test", "{{ 'upper' is filter }}{{ 'nope' is filter }}{{ 'even' is test }}", {}),
    # filters
    ("filter_trim_upper_lower", "[{{ '  a B c  ' | trim }}][{{ 'xxaxx' | trim('x') }}][{{ 'abc' | upper }}][{{ 'ÀBC' | lower }}][{{ 12 | upper }}]", {}),
    ("filter_title_capitalize", "{{ 'hello world-wide (x) it\\'s' | title }} {{ 'hELLO wORLD' | capitalize }} {{ 'hello2world' | title }}", {}),
    ("filter_length", "{{ 'héllo' | length }} {{ [1, 2] | count }} {{ {'a': 1} | length }} {{ missing | length }}", {}),
    ("filter_first_last", "{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'abc' | first }} {{ 'abc' | last }} [{{ [] | first }}] {{ {'k': 1, 'j': 2} | first }}", {}),
    ("filter_join", "{{ [1, 2, 3] | join(', ') }} {{ ['a', 'b'] | join }} {{ users | join(',', attribute='name') }}", {"users": [{"name": "x"}, {"name": "y"}]}),
    ("filter_default", "{{ missing | default('d') }} {{ none | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ 0 | d('z', boolean=true) }} {{ missing | default }}", {}),
    ("filter_replace", "{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | replace('', '-') }} {{ 123 | replace(2, 9) }}", {}),
    ("filter_string_int_float", "{{ 12 | string ~ 'x' }} {{ '42' | int + 1 }} {{ '3.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '0x1F' | int(0, 16) }} {{ '1_000' | int }} {{ '2.5' | float * 2 }} {{ 'nan' | float }} {{ 'abc' | float }} {{ true | int }} {{ 3.9 | int }}", {}),
    ("filter_list", "{{ 'abc' | list }} {{ {'a': 1, 'b': 2} | list }} {{ (1, 2) | list }}", {}),
    ("filter_map", "{{ users | map(attribute='name') | join(',') }} {{ ['a', 'b'] | map('upper') | list }} {{ users | map(attribute='age', default=0) | list }} {{ [' a ', 'b '] | map('trim') | join }}", {"users": [{"name": "x", "age": 3}, {"name": "y"}]}),
    ("filter_select_reject", "{{ [1, 2, 3, 4] | select('even') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [0, 1, '', 'a'] | select | list }} {{ ['a', 'code_interpreter'] | reject('equalto', 'code_interpreter') | list }} {{ [1, 5, 9] | select('gt', 4) | list }}", {}),
    ("filter_selectattr", "{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }} {{ msgs | rejectattr('role', 'in', ['user', 'system']) | list | length }} {{ msgs | selectattr('missing') | list }}", {"msgs": MSGS}),
    ("filter_unique", "{{ [1, 2, 1, 3, 2] | unique | list }} {{ ['a', 'A', 'b'] | unique | list }} {{ ['a', 'A', 'b'] | unique(case_sensitive=true) | list }}", {}),
    ("filter_reverse_sort", "{{ [3, 1, 2] | reverse | list }} {{ 'abc' | reverse }} {{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ [3, 1, 2] | sort(reverse=true) }} {{ users | sort(attribute='age') | map(attribute='name') | join }}", {"users": [{"name": "x", "age": 3}, {"name": "y", "age": 1}, {"name": "z", "age": 2}]}),
    ("filter_dictsort", "{{ d | dictsort }} {{ d | dictsort(by='value') }} {{ d | dictsort(reverse=true) }} {{ {'B': 1, 'a': 2} | dictsort }} {{ {'B': 1, 'a': 2} | dictsort(true) }}", {"d": {"b": 2, "a": 3, "c": 1}}),
    ("filter_items", "{{ d | items | list }} {{ missing | items | list }}", {"d": {"x": 1, "y": [2]}}),
    ("filter_indent", "[{{ 'a\\nb\\n\\nc' | indent }}][{{ 'a\\nb' | indent(2, true) }}][{{ 'a\\n\\nb\\n' | indent('> ', blank=true) }}]", {}),
    ("filter_round_abs", "{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 3.14159 | round(2, 'floor') }} {{ 3.14159 | round(1, 'ceil') }} {{ 5 | round }} {{ -3 | abs }} {{ -2.5 | abs }} {{ 1234 | round(-2) }}", {}),
    ("filter_batch_slice", "{{ range(7) | batch(3) | list }} {{ range(7) | batch(3, 'x') | list }} {{ range(7) | slice(3) | list }}", {}),
    ("filter_min_max_sum", "{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ [1, 2, 3] | sum }} {{ users | sum(attribute='age') }} {{ ['b', 'A'] | min }} {{ users | max(attribute='age') }}", {"users": [{"name": "x", "age": 3}, {"name": "y", "age": 1}]}),
    ("filter_wordcount_center", "{{ 'hello big  world_2 x' | wordcount }} [{{ 'ab' | center(7) }}]", {}),
    ("filter_format", "{{ '%s=%d' | format('a', 3) }} {{ '%(x)s' | format(x='y') }}", {}),
    ("filter_truncate", "{{ 'hello wonderful world' | truncate(12) }} {{ 'hello wonderful world' | truncate(12, true) }} {{ 'short' | truncate(12) }} {{ 'hello wonderful world' | truncate(12, end='..', leeway=0) }}", {}),
    ("filter_escape_safe", "{{ '<a href=\"x\">&\\'</a>' | e }} {{ '<b>' | safe }} {{ 5 | safe }}", {}),
    ("filter_attr", "{{ d | attr('items') is defined }} {{ d | attr('role') is defined }}", {"d": {"role": "user"}}),
    ("filter_tojson", "{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ 'é\"\\n\\u0001' | tojson }}|{{ [1.0, 1e100, none, true] | tojson }}|{{ {} | tojson(indent=2) }}|{{ [[]] | tojson(indent=2) }}", {"d": {"z": 1, "a": [1, {"b": None}], "s": "ü"}}),
    ("filter_tojson_options", "{{ d | tojson(sort_keys=true) }}|{{ d | tojson(separators=(',', ':')) }}|{{ d | tojson(ensure_ascii=true) }}|{{ d | tojson(indent='\\t') }}|{{ {1: 'a', true: 'b', none: 'c', 2.5: 'd'} | tojson }}", {"d": {"z": "é🙂", "a": [1, 2]}}),
    ("filter_tojson_tuple_and_errors", "{{ (1, 2) | tojson }}", {}),
    ("filter_tojson_undefined_fails", "{{ missing | tojson }}", {}),
    # string methods
    ("str_strip_methods", "[{{ '  x  '.strip() }}][{{ 'xxaxx'.strip('x') }}][{{ '  x'.lstrip() }}][{{ 'x\\n\\n'.rstrip() }}][{{ '\\nab'.lstrip('\\n') }}][{{ ' \\u3000x\\u00a0'.strip() }}]", {}),
    ("str_split", "{{ 'a,b,,c'.split(',') }} {{ '  a b  c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '  a b  c '.split(none, 1) }} {{ ''.split() }} {{ ''.split(',') }} {{ 'a\\nb\\r\\nc'.splitlines() }}", {}),
    ("str_predicates", "{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abc'.startswith('b', 1) }} {{ '<tool_response>x</tool_response>'.endswith('</tool_response>') }}", {}),
    ("str_find_count", "{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'héllo'.find('l') }} {{ 'banana'.count('a') }} {{ 'hello'.index('e') }}", {}),
    ("str_case_methods", "{{ 'hello world'.title() }} {{ 'it\\'s ok'.title() }} {{ 'hello'.upper() }} {{ 'HeLLo'.lower() }} {{ 'hello'.capitalize() }} {{ 'Hello'.swapcase() }}", {}),
    ("str_replace_join", "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '+', 1) }} {{ ', '.join(['x', 'y']) }} {{ ''.join('abc') }}", {}),
    ("str_misc", "{{ 'ab'.center(6, '*') }} {{ 'ab'.ljust(4, '.') }}| {{ 'ab'.rjust(4) }} {{ '42'.zfill(5) }} {{ '-42'.zfill(5) }} {{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }} {{ 'abc'.isalpha() }} {{ '123'.isdigit() }} {{ ' '.isspace() }} {{ 'prefix_x'.removeprefix('prefix_') }}", {}),
    ("str_join_non_string_fails", "{{ ', '.join([1, 2]) }}", {}),
    ("list_methods", "{{ [1, 2, 3, 2].index(2) }} {{ [1, 2, 2].count(2) }} {{ (1, 2).index(2) }}", {}),
    # globals
    ("range_global", "{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }} {{ range(0) | list }}", {}),
    ("range_too_big", "{{ range(100001) | length }}", {}),
    ("dict_global", "{{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }}", {}),
    ("strftime_now", "{{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %B %j %I%p %y') }} {{ strftime_now('%a %U %W %w %%') }}", {}),
    ("raise_exception", "a{{ raise_exception('custom failure: ' ~ 42) }}b", {}),
    ("joiner", "{% set j = joiner(' | ') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}", {}),
    # errors jinja2 raises
    ("error_add_str_int", "{{ 'a' + 1 }}", {}),
    ("error_add_str_list", "{{ 'a' + xs }}", {"xs": ["b"]}),
    ("error_undefined_plus", "{{ missing + 1 }}", {}),
    ("error_compare_types", "{{ 1 < 'a' }}", {}),
    ("error_zero_division", "{{ 1 / 0 }}", {}),
    ("error_unpack", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    ("error_call_undefined", "{{ nothing() }}", {}),
    ("error_not_callable", "{{ 'a'() }}", {}),
    ("error_iterate_int", "{% for x in 5 %}{% endfor %}", {}),
    ("error_len_int", "{{ 5 | length }}", {}),
    ("syntax_unclosed_if", "{% if true %}never closed", {}),
    ("syntax_unknown_tag", "{% frobnicate %}", {}),
    ("syntax_bad_expression", "{{ 1 + }}", {}),
    ("syntax_unclosed_variable", "{{ 'a' ", {}),
    ("syntax_unclosed_comment", "{# never closed", {}),
    ("syntax_endfor_without_for", "{% endfor %}", {}),
    ("syntax_unknown_filter", "{{ 1 | frobnicate }}", {}),
    ("syntax_unknown_test", "{{ 1 is frobnicated }}", {}),
    ("syntax_break_outside_loop", "{% break %}", {}),
    ("syntax_unbalanced_bracket", "{{ (1 }}", {}),
    ("syntax_do_tag_not_enabled", "{% do xs.append(1) %}", {}),
]


def main() -> int:
    if not TEMPLATES.is_dir():
        sys.exit(f"missing {TEMPLATES}")
    env = make_environment()
    OUT.mkdir(parents=True, exist_ok=True)

    conversations = [{"name": name, "context": base_context(extra)} for name, extra in CONVERSATIONS]
    write_json(
        OUT / "conversations.json",
        {"now": NOW.isoformat(), "conversations": conversations},
    )

    for path in sorted(TEMPLATES.glob("*.jinja")):
        source = path.read_text(encoding="utf-8")
        renderings = []
        for conversation in conversations:
            for add_generation_prompt in (False, True):
                context = dict(conversation["context"], add_generation_prompt=add_generation_prompt)
                result = render(env, source, context)
                renderings.append(
                    {
                        "conversation": conversation["name"],
                        "add_generation_prompt": add_generation_prompt,
                        **result,
                    }
                )
        write_json(
            OUT / (path.stem + ".json"),
            {
                "template": path.name,
                "template_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "renderings": renderings,
            },
        )
        errors = sum("error" in r for r in renderings)
        print(f"{path.name}: {len(renderings)} renderings, {errors} errors")

    cases = []
    for name, source, context in LANGUAGE_CASES:
        cases.append({"name": name, "template": source, "context": context, **render(env, source, context)})
    write_json(OUT / "language_cases.json", {"now": NOW.isoformat(), "cases": cases})
    print(f"language_cases.json: {len(cases)} cases, {sum('error' in c for c in cases)} errors")
    return 0


def write_json(path: pathlib.Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
