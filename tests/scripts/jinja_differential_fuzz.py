#!/usr/bin/env python3
"""Differential fuzzing of braid's Jinja engine against Python's jinja2 (a tool, not a CI step).

Generates random templates from a small grammar (expressions with every operator, filter, test and
str/dict method the engine implements; statements with whitespace control in every position;
loops, namespaces, macros, call blocks, block sets), renders each with jinja2 configured as
Hugging Face configures it (see make_chat_template_golden.py), and writes the cases in the format
of tests/golden/chat_templates/language_cases.json. The language golden test then checks them
when pointed at the file:

    /work/pyenv/bin/python tests/scripts/jinja_differential_fuzz.py --count 4000 --seed 7 \
        --out /tmp/jinja_cases.json
    BRAID_JINJA_CASES=/tmp/jinja_cases.json build/bin/text_jinja_language_golden_test

Expected differences, which the test skips or which stay as failures to read past: outputs that
print a generator or iterator (Python includes its memory address), and a jinja2 code-generation
quirk where a negative literal before ** is emitted without parentheses (`-1 ** x`).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_chat_template_golden as golden  # noqa: E402

R = random.Random(0)

CTX = {"s": "Héllo World", "t": "  pad\n", "n": 7, "f": 2.5, "z": 0, "neg": -3, "b": True, "none": None,
       "xs": [3, 1, 2], "ws": ["b", "A", "c"], "d": {"k": "v", "a": 1, "items": [1]},
       "ms": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "x": 1}],
       "nested": {"a": {"b": [1, {"c": "deep"}]}}}
ATOMS = ["s", "t", "n", "f", "z", "neg", "b", "none", "xs", "ws", "d", "ms", "nested", "missing",
         "1", "0", "-1", "2.5", "1e3", "0.1", "'a'", "''", "'x,y'", "\"q'\"", "[1, 2]", "[]", "{'a': 1}",
         "(1, 'a')", "true", "false", "none", "'é🙂'", "'%s-%d'", "'{}|{}'", "3", "10", "'  sp  '"]
FILTERS = ["trim", "upper", "lower", "title", "capitalize", "length", "first", "last", "list", "string",
           "int", "float", "abs", "round", "reverse", "sort", "unique", "tojson", "join", "join(',')",
           "default('D')", "default('D', true)", "replace('l', 'L')", "center(9)", "indent(2)",
           "wordcount", "items", "dictsort", "sum", "min", "max", "batch(2)", "map('string')",
           "select('odd')", "reject('none')", "tojson(indent=2)", "format('x')", "e", "count",
           "truncate(5)", "round(1)", "int(5)", "float(1.5)", "selectattr('role')", "map(attribute='role')"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable",
         "sequence", "boolean", "true", "false", "even", "odd", "divisibleby 3", "equalto 1", "in [1, 'a']",
         "lower", "upper", "callable", "sameas none"]
METHODS = ["strip()", "upper()", "lower()", "title()", "split()", "split(',')", "startswith('H')",
           "endswith('d')", "replace('o', '0')", "find('l')", "count('l')", "lstrip()", "rstrip('\\n')",
           "get('k')", "get('zz', 5)", "items()", "keys()", "values()", "index(1)", "capitalize()",
           "format(1, 2)", "splitlines()", "zfill(4)", "center(6, '*')", "rsplit(' ', 1)", "partition('l')"]
BIN = ["+", "-", "*", "/", "//", "%", "**", "~", "and", "or", "==", "!=", "<", ">", "<=", ">=", "in", "not in"]

def expr(depth=0):
    r = R.random()
    if depth > 3 or r < 0.3:
        return R.choice(ATOMS)
    if r < 0.45:
        return f"({expr(depth+1)} {R.choice(BIN)} {expr(depth+1)})"
    if r < 0.6:
        return f"({expr(depth+1)} | {R.choice(FILTERS)})"
    if r < 0.7:
        return f"({expr(depth+1)} is {'not ' if R.random()<0.3 else ''}{R.choice(TESTS)})"
    if r < 0.78:
        return R.choice(['s', 't', 'd', 'xs', 'ws', "'a,b'"]) + "." + R.choice(METHODS)
    if r < 0.85:
        subs = ['0', '-1', '1:', '::-1', "'k'", "'a'", '5', ':2']
        return R.choice(['xs', 'ws', 's', 'ms', 'd', 'nested']) + "[" + R.choice(subs) + "]"
    if r < 0.9:
        return f"({expr(depth+1)} if {expr(depth+1)} else {expr(depth+1)})"
    if r < 0.95:
        return f"not {expr(depth+1)}"
    return f"ms[{R.choice(['0', '1', '-1'])}].{R.choice(['role', 'content', 'x', 'missing'])}"

def ws():
    return R.choice(["", "", " ", "\n", "  ", "\n    ", "\t", " \n  \n"])

def bo():  # block open
    return ws() + "{%" + R.choice(["", "", "-", "+"]) + " "

def bc():  # block close
    return " " + R.choice(["", "", "-", "+"]) + "%}" + ws()

def vo():
    return ws() + "{{" + R.choice(["", "", "-"]) + " "

def vc():
    return " " + R.choice(["", "", "-"]) + "}}" + ws()

def stmt(depth=0):
    r = R.random()
    if R.random() < 0.35:
        return stmt2(depth)
    if depth > 2 or r < 0.4:
        return "{{ " + expr() + " }}"
    if r < 0.55:
        return "{% if " + expr() + " %}" + stmt(depth+1) + "{% else %}" + stmt(depth+1) + "{% endif %}"
    if r < 0.7:
        v = R.choice(["x", "y"])
        return "{% for " + v + " in " + R.choice(["xs", "ws", "s", "d", "ms", "range(3)", expr()]) + " %}" + \
               R.choice(["{{ loop.index }}", "{{ " + v + " }}", "{{ loop.last }}", ""]) + stmt(depth+1) + "{% endfor %}"
    if r < 0.8:
        return "{% set w = " + expr() + " %}{{ w }}"
    if r < 0.9:
        return "{% macro m(a, b=2) %}[{{ a }}{{ b }}]{% endmacro %}{{ m(" + expr() + ") }}"
    return R.choice([" ", "\n", "  {%- if true %}x{% endif %}\n", "\n  {# c #}\n", "{% raw %}{{x}}{% endraw %}"])

def stmt2(depth):
    r = R.random()
    if depth > 2 or r < 0.3:
        return vo() + expr() + vc()
    if r < 0.45:
        return (bo() + "set ns = namespace(c=0, s='')" + bc() + bo() + "for x in " + R.choice(["xs", "ws", "s", "range(4)"]) + bc()
                + bo() + "set ns.c = ns.c + 1" + bc() + bo() + "set ns.s = ns.s ~ x" + bc() + stmt2(depth+1) + bo() + "endfor" + bc()
                + vo() + "ns.c ~ ns.s" + vc())
    if r < 0.55:
        return bo() + "for x in xs" + bc() + bo() + "set y = x" + bc() + vo() + "y" + vc() + bo() + "endfor" + bc() + vo() + "y is defined" + vc()
    if r < 0.65:
        return (bo() + "macro w(t)" + bc() + "<" + vo() + "t" + vc() + vo() + "caller()" + vc() + ">" + bo() + "endmacro" + bc()
                + bo() + "call w(" + expr() + ")" + bc() + stmt2(depth+1) + bo() + "endcall" + bc())
    if r < 0.75:
        return bo() + "if " + expr() + bc() + stmt2(depth+1) + bo() + "elif " + expr() + bc() + stmt2(depth+1) + bo() + "endif" + bc()
    if r < 0.85:
        return bo() + "for a, b in " + R.choice(["d.items()", "d | dictsort", "[[1, 2], 'xy']", "ms | map(attribute='role') | batch(2)"]) + bc() + vo() + "a ~ b ~ loop.index" + vc() + bo() + "else" + bc() + "E" + bo() + "endfor" + bc()
    if r < 0.92:
        return bo() + "set w" + bc() + stmt2(depth+1) + bo() + "endset" + bc() + vo() + "w | length" + vc()
    return ws() + "{#" + R.choice(["", "-"]) + " c " + R.choice(["", "-"]) + "#}" + ws()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    R.seed(args.seed)
    env = golden.make_environment()
    cases = []
    for i in range(args.count):
        source = "".join(stmt() for _ in range(R.randint(1, 3)))
        cases.append({"name": f"fuzz{i}", "template": source, "context": CTX,
                      **golden.render(env, source, CTX)})
    args.out.write_text(json.dumps({"cases": cases}, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(cases)} cases, {sum('error' in c for c in cases)} errors -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
