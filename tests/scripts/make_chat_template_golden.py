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

import copy
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
    context = copy.deepcopy(context)  # a template may mutate its input (e.g. list|indent)
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
    # more whitespace and lexing corners
    ("lstrip_minus_at_line_start", "a\n  {%- if true %}b{% endif %}", {}),
    ("lstrip_variable_after_block", "{% if true %}\n  {{ 'x' }}\n{% endif %}", {}),
    ("lstrip_comment_lines", "a\n  {# c #}\n  b", {}),
    ("lstrip_raw", "a\n  {% raw %}x{% endraw %}\ny", {}),
    ("lstrip_unicode_space", "a\n\u3000{% if true %}b{% endif %}", {}),
    ("variable_minus_eats_newlines", "{{ 'a' -}}\n\n   b", {}),
    ("braces_in_data", "a { b } {x %} #} }}", {}),
    ("delimiters_in_strings", "{{ '}}' }}{% set x = '%}' %}{{ x }}{{ '{#' }}", {}),
    ("dict_literal_in_block", "{% set d = {'a': {'b': 1}} %}{{ d.a.b }}", {}),
    ("crlf_trailing", "abc\r\n", {}),
    ("trim_blocks_only_one_newline", "{% if true %}\n\nx{% endif %}", {}),
    ("block_plus_minus_mix", "a  {%+ if true -%}  b  {%- endif +%}\nc", {}),
    ("multiline_tag", "{% if\n  true\n%}\nyes{% endif %}", {}),
    ("multiline_string_literal", "{{ 'line1\nline2' }}|{{ \"a\\\nb\" }}", {}),
    # more printing and arithmetic
    ("float_repr_more", "{{ 1/3 }} {{ 2/3 * 3 }} {{ 1e300 * 1e10 }} {{ -1e-7 }} {{ 100.0 }} {{ 1.5e16 }} {{ 12345678901234567.0 }} {{ 0.1 }} {{ 5e-324 }} {{ 1.7976931348623157e308 }}", {}),
    ("int_repr_more", "{{ 2 ** 62 }} {{ -9223372036854775807 }} {{ 10 ** 18 }}", {}),
    ("bool_arithmetic", "{{ true + 1 }} {{ true * 'ab' }} {{ false - 1 }} {{ true / 2 }}", {}),
    ("repetition_edges", "[{{ 'abc' * 0 }}][{{ [1, 2] * -1 }}][{{ 2 * 'ab' }}]", {}),
    ("mod_floordiv_signs", "{{ 5 // 0.5 }} {{ 5 % -3 }} {{ -5 % 3 }} {{ 5.5 % -2 }} {{ -5 // 3 }} {{ -5.5 // 2 }}", {}),
    ("pow_mixed", "{{ 2 ** 0.5 }} {{ 10 ** -2 }} {{ (-8) ** 2 }} {{ 2.0 ** 3 }}", {}),
    ("string_compare_unicode", "{{ 'é' > 'z' }} {{ 'a' < 'ab' }} {{ '' < 'a' }} {{ 'B' < 'a' }}", {}),
    ("list_tuple_equality", "{{ [1] == (1,) }} {{ (1, 2) == (1, 2) }} {{ [1, [2]] == [1, [2]] }} {{ {'a': 1} == {'a': 1.0} }}", {}),
    ("concat_tilde_types", "{{ 'a' ~ 1.0 ~ true ~ none ~ [1] ~ {'k': 'v'} }}", {}),
    ("cond_without_else_prints_empty", "[{{ 1 if none }}]", {}),
    ("repr_backslashes", "{{ ['a\\\\b', \"q'\"] }}", {}),
    ("print_dict_int_keys", "{{ {1: 'a', 2.5: none, true: 1} }} {{ ((1, 2),) }}", {}),
    ("numbers_mixed_compare", "{{ 1 < 2.5 }} {{ true == 1 }} {{ 1.0 in [1] }} {{ 0 == false }}", {}),
    # more filters
    ("filter_string_containers", "{{ [1, 'a'] | string }} {{ none | string }} {{ {'a': [1]} | string | length }}", {}),
    ("filter_join_mixed", "{{ [1, 'a', none, 1.5] | join('-') }} {{ 'abc' | join('.') }}", {}),
    ("filter_list_unicode", "{{ 'hé🙂' | list }} {{ 'hé🙂' | length }}", {}),
    ("filter_first_empty", "[{{ '' | first }}][{{ [] | last }}]", {}),
    ("filter_sort_multi_attribute", "{{ users | sort(attribute='age,name') | map(attribute='name') | join }}", {"users": [{"name": "b", "age": 2}, {"name": "a", "age": 2}, {"name": "c", "age": 1}]}),
    ("filter_map_with_args", "{{ ['aa', 'ba'] | map('replace', 'a', 'x') | list }} {{ [1.25, 2.5] | map('round', 1) | list }}", {}),
    ("filter_select_tests", "{{ [1, 2, 3] | select('in', [1, 2]) | list }} {{ [none, 1, missing] | reject('none') | list }} {{ ['a', 1] | select('string') | list }}", {}),
    ("filter_selectattr_dotted", "{{ xs | selectattr('a.b', 'equalto', 1) | list | length }} {{ xs | map(attribute='a.b') | list }} {{ xs | map(attribute='c.0') | list }}", {"xs": [{"a": {"b": 1}, "c": [5]}, {"a": {"b": 2}, "c": [6]}]}),
    ("filter_unique_attribute", "{{ xs | unique(attribute='k') | map(attribute='v') | list }}", {"xs": [{"k": "A", "v": 1}, {"k": "a", "v": 2}, {"k": "b", "v": 3}]}),
    ("filter_int_more", "{{ '  12  ' | int }} {{ 'abc' | int(base=16) }} {{ '0b11' | int(0, 0) }} {{ '-7' | int }} {{ '1e3' | int }} {{ none | int }} {{ [1] | int }} {{ '' | int(5) }}", {}),
    ("filter_float_more", "{{ '1_000.5' | float }} {{ ' 1e3 ' | float }} {{ 'inf' | float }} {{ '-0' | float }} {{ 3 | float }} {{ none | float }} {{ '.5' | float }} {{ '5.' | float }}", {}),
    ("filter_round_more", "{{ 0.125 | round(2) }} {{ -2.5 | round }} {{ 1.005 | round(2) }} {{ 2.5 | round(0, 'floor') }} {{ 7 | round(1) }} {{ 1.23456 | round(3) }} {{ -0.5 | round }} {{ 1234.5678 | round(-2) }}", {}),
    ("filter_abs_bool", "{{ true | abs }} {{ -0.0 | abs }}", {}),
    ("filter_tojson_numbers", "{{ [1e16, 1.0, 0.1, -0.0, 1e-7, 123456789012, 3.14] | tojson }} {{ ('nan' | float) | tojson }} {{ ('-inf' | float) | tojson }}", {}),
    ("filter_tojson_strings", "{{ '\\u2028\\x7f\\x00\\t\\b\\f\\r/\\\\' | tojson }} {{ 'é🙂' | tojson(ensure_ascii=true) }}", {}),
    ("filter_tojson_nested_indent", "{{ d | tojson(indent=4) }}", {"d": {"a": [1, [], {}, {"b": [True, None]}], "c": "x"}}),
    ("filter_tojson_indent_zero", "{{ [1, [2]] | tojson(indent=0) }}|{{ {'a': 1} | tojson(indent='--') }}", {}),
    ("filter_indent_more", "[{{ '' | indent }}][{{ 'a\r\nb' | indent(2) }}][{{ 'a\n\nb' | indent(2, first=true, blank=true) }}][{{ 'x\n' | indent(1) }}]", {}),
    ("filter_title_more", "{{ 'hello WORLD' | title }} {{ \"o'neil mc-donald\" | title }} {{ 'élan vital' | title }} {{ '[abc] <def>' | title }}", {}),
    ("filter_upper_sharp_s", "{{ 'straße' | upper }} {{ 'ÉCOLE' | lower }} {{ 'ñandú' | upper }}", {}),
    ("filter_wordcount_unicode", "{{ 'héllo wörld, 3 items_here' | wordcount }}", {}),
    ("filter_center_odd", "[{{ 'a' | center(4) }}][{{ 'ab' | center(5) }}][{{ 'abc' | center(2) }}]", {}),
    ("filter_batch_large", "{{ [1, 2] | batch(5) | list }} {{ [] | batch(2) | list }}", {}),
    ("filter_reverse_dict", "{{ {'a': 1, 'b': 2} | reverse | list }}", {}),
    ("filter_dictsort_values", "{{ {'x': 'b', 'y': 'A', 'z': 'c'} | dictsort(by='value') }} {{ {'x': 'b', 'y': 'A'} | dictsort(false, 'value', true) }}", {}),
    ("filter_max_strings", "{{ ['b', 'A', 'C'] | max }} {{ ['b', 'A', 'C'] | max(case_sensitive=true) }} {{ [] | max }}", {}),
    ("filter_sum_floats", "{{ [0.1, 0.2] | sum }} {{ [[1], [2]] | sum(start=[]) }}", {}),
    ("filter_format_percent", "{{ '%d%%' | format(50) }} {{ '%.3s' | format('abcdef') }}", {}),
    ("filter_trim_unicode", "[{{ '\u3000 x \u00a0\n' | trim }}][{{ '--x--' | trim('-') }}]", {}),
    ("filter_replace_unicode", "{{ 'héhé' | replace('é', 'e') }} {{ 'aaa' | replace('a', '') }}", {}),
    ("filter_escape_nonstring", "{{ 5 | e }} {{ none | e }} {{ [1, '<'] | e }}", {}),
    ("filter_length_tuple_dict", "{{ (1, 2, 3) | length }} {{ {} | length }} {{ '' | length }}", {}),
    ("filter_default_chain", "{{ missing | default(none) | default('x') }} {{ missing | default(missing2) | default('y') }}", {}),
    # more string methods and formatting
    ("str_split_more", "{{ 'a  b'.split(' ') }} {{ '  a b c  '.rsplit(none, 1) }} {{ 'aXbXc'.split('X', -1) }} {{ 'a\nb\n'.splitlines(true) }} {{ 'x'.split('x') }}", {}),
    ("str_find_more", "{{ 'abc'.find('', 10) }} {{ 'abc'.find('c', -1) }} {{ 'abc'.find('', 3) }} {{ 'hello'.count('l', 3) }} {{ 'aaaa'.count('aa') }} {{ 'abc'.rfind('') }}", {}),
    ("str_format_spec_more", "{{ '{:>8.3f}|{:+d}|{:x}|{:#x}|{:08.2f}|{:e}|{:g}|{:%}'.format(3.14159, 5, 255, 255, -3.14159, 12345.678, 0.00001234, 0.25) }}", {}),
    ("str_format_misc", "{{ '{!r}|{}|{:.3}|{:10}|{:*^9}|{}|{}|{:<6}|{:^7.2%}'.format('a', 2, 3.14159, 3.5, 'ab', 1.0, none, true, 0.5) }}", {}),
    ("error_str_format_mixed_numbering", "{{ '{}{0}'.format(1) }}", {}),
    ("str_format_fields", "{{ '{a[k]} {b.0}'.format(a={'k': 'v'}, b=[9]) }} {{ '{{literal}} {}'.format(1) }}", {}),
    ("percent_format_more", "{{ '%5.1f|%-6d|%06.2f|%e|%g|%c|%%|%o|%#x|% d|%X' % (3.14159, 42, -3.14159, 1234.5, 0.0001, 65, 8, 255, 7, 255) }}", {}),
    ("percent_format_tuple_single", "{{ '%s' % ((1, 2),) }} {{ '%s and %s' % ['a', 'b'] if false else 'skip' }} {{ '%r' % 'x' }}", {}),
    ("str_startswith_more", "{{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.startswith('c', -1) }} {{ 'abc'.endswith('b', 0, 2) }} {{ ''.startswith('') }}", {}),
    ("str_misc_more", "{{ 'Hello World'.swapcase() }} {{ 'abc'.upper().lower() }} {{ 'a,b'.split(',') | join(';') }} {{ 'x'.center(4, '-') }} {{ 'abc'.index('c') }}", {}),
    ("str_strip_chars_unicode", "{{ 'ééaéé'.strip('é') }} {{ 'abcba'.lstrip('ab') }} {{ 'xyz'.rstrip('') }}", {}),
    ("str_index_missing_fails", "{{ 'abc'.index('z') }}", {}),
    # more scoping
    ("scope_loop_var_after_loop", "{% for x in [1] %}{% endfor %}{{ x is defined }}", {}),
    ("scope_set_in_macro_does_not_leak", "{% macro m() %}{% set z = 1 %}{{ z }}{% endmacro %}{{ m() }}{{ z is defined }}", {}),
    ("scope_macro_mutates_namespace", "{% set ns = namespace(n=0) %}{% macro bump(x) %}{% set x.n = x.n + 1 %}{% endmacro %}{{ bump(ns) }}{{ bump(ns) }}{{ ns.n }}", {}),
    ("scope_nested_loop_set", "{% for i in [1, 2] %}{% set a = i %}{% for j in [1] %}{% set a = a * 10 %}{{ a }}{% endfor %}{{ a }};{% endfor %}", {}),
    ("scope_context_override", "{% set messages = messages[1:] %}{% macro m() %}{{ messages | length }}{% endmacro %}{{ m() }}{{ messages | length }}", {"messages": MSGS}),
    ("scope_macro_sees_later_set", "{% macro m() %}{{ y }}{% endmacro %}{% set y = 3 %}{{ m() }}", {}),
    ("scope_with_shadow", "{% set a = 1 %}{% with a = 2 %}{{ a }}{% set a = 3 %}{{ a }}{% endwith %}{{ a }}", {}),
    ("scope_caller_nested", "{% macro outer() %}<{{ caller() }}>{% endmacro %}{% macro inner() %}[{{ caller() }}]{% endmacro %}{% call outer() %}{% call inner() %}x{% endcall %}{% endcall %}", {}),
    ("scope_loop_in_macro", "{% macro m(xs) %}{% for x in xs %}{{ loop.index }}{{ x }}{% endfor %}{% endmacro %}{{ m('ab') }}", {}),
    # more loops
    ("loop_filter_else", "{% for x in [1, 3] if x is even %}{{ x }}{% else %}none even{% endfor %}", {}),
    ("loop_filter_revindex_prev", "{% for x in range(6) if x is odd %}{{ loop.revindex }}{{ loop.previtem }},{% endfor %}", {}),
    ("loop_break_in_if", "{% for x in range(5) %}{% if x > 1 %}{% if x == 3 %}{% break %}{% endif %}{% endif %}{{ x }}{% endfor %}", {}),
    ("loop_over_items_method", "{% for k, v in d.items() if v %}{{ k }}{% endfor %}", {"d": {"a": 1, "b": 0, "c": 2}}),
    ("loop_over_filtered_reverse", "{% for x in [1, 2, 3] | reverse %}{{ x }}{{ loop.first }}{% endfor %}", {}),
    ("loop_depth", "{% for x in [1] %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}", {}),
    ("loop_nested_unpack", "{% for (a, b), c in [((1, 2), 3)] %}{{ a }}{{ b }}{{ c }}{% endfor %}", {}),
    ("loop_string_unpack", "{% for a, b in ['xy', 'zw'] %}{{ b }}{{ a }}{% endfor %}", {}),
    # more errors
    ("error_none_attr_chain", "{{ n.x.y }}", {"n": None}),
    ("error_for_over_none", "{% for x in n %}{% endfor %}", {"n": None}),
    ("error_range_float", "{{ range(3.5) }}", {}),
    ("error_first_then_attr", "{{ ([] | first).x }}", {}),
    ("error_unhashable_key", "{{ {[1]: 2} }}", {}),
    ("error_zero_step_slice", "{{ 'abc'[::0] }}", {}),
    ("error_slice_bad_bound", "[{{ xs[1:'a'] }}]", {"xs": [1, 2]}),
    ("error_int_mod_zero", "{{ 5 % 0 }}", {}),
    ("error_neg_str", "{{ -'a' }}", {}),
    ("error_sort_mixed", "{{ [1, 'a'] | sort }}", {}),
    ("error_items_non_mapping", "{{ [1] | items | list }}", {}),
    ("error_macro_missing_arg_is_undefined", "{% macro f(a, b) %}[{{ b }}]{% endmacro %}{{ f(1) }}", {}),
    ("error_percent_not_enough", "{{ '%s %s' % ('a',) }}", {}),
    ("error_percent_too_many", "{{ '%s' % ('a', 'b') }}", {}),
    ("error_str_format_index", "{{ '{1}'.format('a') }}", {}),
    ("error_dict_get_unhashable", "{{ {}.get([1]) }}", {}),
    # generators and views (jinja2's map/select/... are lazy, single-use and always true)
    ("generator_always_true", "{% if [] | select('odd') %}true{% else %}false{% endif %} {{ ([] | map('upper')) is iterable }} {{ ([] | map('upper')) is sequence }}", {}),
    ("generator_single_use", "{% set g = [1, 2, 3] | select('odd') %}{{ g | list }}{{ g | list }}{% set h = [1, 2, 3] | map('string') %}{{ h | first }}{{ h | join }}", {}),
    ("generator_in_consumes", "{% set g = [1, 2, 3, 4] | reject('none') %}{{ 2 in g }}{{ g | list }}", {}),
    ("generator_length_fails", "{{ xs | select('odd') | length }}", {"xs": [1, 2]}),
    ("generator_lazy_error", "{% set g = 5 | map('upper') %}ok{{ g | list }}", {}),
    ("generator_lazy_error_unused", "{% set g = 5 | map('upper') %}ok", {}),
    ("generator_reverse_list", "{{ [1, 2] | reverse | list }}{{ 'ab' | reverse }}{{ ([1, 2] | select('odd')) | reverse }}", {}),
    ("dict_views", "{{ d.keys() }} {{ d.values() }} {{ d.items() }} {{ d.keys() | length }} {{ 'a' in d.keys() }} {{ d.keys() is sequence }}", {"d": {"a": 1, "b": [2]}}),
    ("dict_view_not_subscriptable", "[{{ d.keys()[0] }}]{{ d.items() | list }}", {"d": {"a": 1}}),
    ("percent_with_mapping_like", "{{ 'x' % [1] }} {{ 'y' % {'a': 1} }} {{ 'z' % missing }}", {}),
    ("filters_on_undefined", "{{ missing | list }}{{ missing | length }}{{ missing | join }}{{ missing | select | list }}{{ missing | default(1) }}", {}),
    ("error_int_of_undefined", "{{ missing | int }}", {}),
    ("error_float_of_undefined", "{{ missing | float }}", {}),
    ("error_indent_non_string", "{{ 5 | indent }}", {}),
    ("error_truncate_non_string", "{{ true | truncate(5) }}", {}),
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
