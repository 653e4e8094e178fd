#!/usr/bin/env python3
"""Syntax-tree mutants of a Python program, for sstar's simulated code model.

Reads one JSON request on stdin:
    {"program": str, "seed": int, "max_per_kind": int, "func_name"?: str, "variants"?: int}
and prints:
    {"mutants": [{"kind", "description", "program"}], "variants": [str]}

Every mutant is the program's syntax tree with one change, unparsed with ast.unparse; it parses,
compiles, differs from the original (after normalising both through ast.unparse) and from every
other mutant. For each kind the candidate sites are enumerated in a fixed order, weighted by how
likely the change is to alter behaviour, and drawn with a RNG seeded from (seed, kind), so a seed
always gives the same mutants. `variants` are behaviour-preserving rewrites (a comment, renamed
locals) so that correct samples are not byte-identical.

This script only parses and unparses: it never runs the program. Standard library only, python3 >= 3.9.
"""

import ast
import json
import random
import sys

KINDS = ("off_by_one", "flipped_comparison", "dropped_branch", "wrong_constant", "slow_variant", "crash")

FLIP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
NEGATE = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt}
OP_TEXT = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
MEMO_DECORATORS = {"cache", "lru_cache"}
CONTAINER_CALLS = {"set", "list", "dict", "sorted", "Counter", "defaultdict", "deque", "SortedList"}
SWAPPED_CALLS = {
    "bisect_left": "bisect_right",
    "bisect_right": "bisect_left",
    "bisect": "bisect_left",
    "max": "min",
    "min": "max",
}
# Calls whose integer arguments are configuration, not logic.
CONFIG_CALLS = {"setrecursionlimit", "lru_cache", "cache", "print", "round"}
BIG = 10**5  # integers at least this large are moduli or sentinels, not off-by-one material
LIST_HINTS = ("List", "list", "Sequence", "str", "Tuple", "tuple", "Deque")


def snippet(node, limit=70):
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def int_const(node):
    """The int value of a literal int (or a negated one), else None; bools are not ints here."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def const_expr_value(node):
    """Value of an integer expression made only of literals (10**9 + 7), else None."""
    v = int_const(node)
    if v is not None:
        return v
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Pow)):
        a, b = const_expr_value(node.left), const_expr_value(node.right)
        if a is None or b is None or (isinstance(node.op, ast.Pow) and not 0 <= b <= 64):
            return None
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        return a**b
    return None


def make_int(v):
    return ast.Constant(v) if v >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-v))


def shifted(expr, delta):
    """expr + delta, folding into a literal or an existing `x ± c`."""
    v = int_const(expr)
    if v is not None:
        return make_int(v + delta)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        c = int_const(expr.right)
        if c is not None:
            total = (c if isinstance(expr.op, ast.Add) else -c) + delta
            if total == 0:
                return expr.left
            op = ast.Add() if total > 0 else ast.Sub()
            return ast.BinOp(expr.left, op, ast.Constant(abs(total)))
    return ast.BinOp(expr, ast.Add() if delta > 0 else ast.Sub(), ast.Constant(abs(delta)))


def call_name(call):
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


class Ctx:
    """A fresh parse of the program with parent links and a stable node numbering (ast.walk order)."""

    def __init__(self, program, func_name=None):
        self.tree = ast.parse(program)
        self.nodes = list(ast.walk(self.tree))
        self.index = {id(n): i for i, n in enumerate(self.nodes)}
        self.parent = {}
        for n in self.nodes:
            for field, value in ast.iter_fields(n):
                if isinstance(value, list):
                    for i, child in enumerate(value):
                        if isinstance(child, ast.AST):
                            self.parent[id(child)] = (n, field, i)
                elif isinstance(value, ast.AST):
                    self.parent[id(value)] = (n, field, None)
        self.main = self.find_main(func_name)
        self._excluded = {}
        self.names = set()
        for n in self.nodes:
            if isinstance(n, ast.Name):
                self.names.add(n.id)
            elif isinstance(n, ast.arg):
                self.names.add(n.arg)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.names.add(n.name)
            elif isinstance(n, ast.Attribute):
                self.names.add(n.attr)
            elif isinstance(n, ast.alias):
                self.names.add((n.asname or n.name).split(".")[0])

    def find_main(self, func_name):
        classes = [n for n in self.tree.body if isinstance(n, ast.ClassDef)]
        ordered = [c for c in classes if c.name == "Solution"] + [c for c in classes if c.name != "Solution"]
        for cls in ordered:
            for item in cls.body:
                if isinstance(item, ast.FunctionDef) and (
                    item.name == func_name or (func_name is None and not item.name.startswith("_"))
                ):
                    return item
        for item in self.tree.body:
            if isinstance(item, ast.FunctionDef) and item.name == func_name:
                return item
        return None

    def up(self, node):
        p = self.parent.get(id(node))
        return p[0] if p else None

    def ancestors(self, node):
        while True:
            p = self.parent.get(id(node))
            if not p:
                return
            yield p[0], p[1]
            node = p[0]

    def excluded(self, node):
        """Inside a decorator, an annotation, a configuration call, `while True` or `if __name__ == ...`'s test."""
        key = id(node)
        if key not in self._excluded:
            link = self.parent.get(key)
            if link is None:
                self._excluded[key] = False
            else:
                anc, field, _ = link
                self._excluded[key] = (
                    field in ("decorator_list", "annotation", "returns", "type_comment")
                    or (isinstance(anc, ast.Call) and call_name(anc) in CONFIG_CALLS)
                    or (isinstance(anc, ast.If) and field == "test" and "__name__" in snippet(anc.test))
                    or (isinstance(anc, ast.While) and field == "test" and isinstance(anc.test, ast.Constant))
                    or self.excluded(anc)
                )
        return self._excluded[key]

    def in_loop(self, node):
        for anc, _ in self.ancestors(node):
            if isinstance(anc, (ast.For, ast.While, ast.comprehension)):
                return True
            if isinstance(anc, (ast.FunctionDef, ast.Lambda)):
                return False
        return False

    def enclosing_function(self, node):
        for anc, _ in self.ancestors(node):
            if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return anc
        return None

    def fresh(self, stem):
        name, k = stem, 1
        while name in self.names:
            k += 1
            name = f"{stem}{k}"
        self.names.add(name)
        return name

    def replace(self, old, new):
        parent, field, i = self.parent[id(old)]
        if i is None:
            setattr(parent, field, new)
        else:
            getattr(parent, field)[i] = new

    def remove_statement(self, stmt, replacement=None):
        parent, field, i = self.parent[id(stmt)]
        body = getattr(parent, field)
        new = list(replacement or [])
        body[i : i + 1] = new
        if not body:
            body.append(ast.Pass())


def at(i, fn):
    """A mutation of node number i, applied to a fresh Ctx."""
    return lambda ctx: fn(ctx, ctx.nodes[i])


# ----------------------------------------------------------------------------------------------
# Mutators: each yields (weight, description, apply(ctx)). Weights favour sites whose change is
# likely to be observable (range bounds, == vs !=, branches inside loops) over ones that often
# are not (a `<` that only matters on ties, a guard for an input the tests never give).
# ----------------------------------------------------------------------------------------------


def off_by_one(ctx):
    range_args, indices = set(), set()
    for i, n in enumerate(ctx.nodes):
        if ctx.excluded(n):
            continue
        if isinstance(n, ast.Call) and call_name(n) == "range":
            for k, arg in enumerate(n.args[:2]):
                range_args.add(id(arg))
                for d in (1, -1):

                    def apply(c, node, k=k, d=d):
                        node.args[k] = shifted(node.args[k], d)

                    yield 3, f"range bound {snippet(arg)} {'+' if d > 0 else '-'} 1 in {snippet(n)}", at(i, apply)
        elif isinstance(n, ast.Subscript) and not isinstance(n.slice, (ast.Slice, ast.Tuple)):
            idx = n.slice
            if isinstance(idx, ast.Constant) and not type(idx.value) is int:
                continue
            if not isinstance(idx, (ast.Name, ast.BinOp, ast.Constant, ast.UnaryOp, ast.Subscript)):
                continue
            indices.add(id(idx))
            # `len(grid[0])` is the same for every row of a rectangular grid.
            parent = ctx.up(n)
            weight = 0.3 if isinstance(parent, ast.Call) and call_name(parent) == "len" else 2
            # a[i + 1] with i a loop index is the crash mutator's "index past the end".
            deltas = (-1,) if isinstance(idx, ast.Name) and idx.id in loop_indices(ctx, n) else (-1, 1)
            for d in deltas:

                def apply(c, node, d=d):
                    node.slice = shifted(node.slice, d)

                yield weight, f"index {snippet(n)} shifted by {d:+d}", at(i, apply)
        elif isinstance(n, ast.Slice):
            for field in ("lower", "upper"):
                bound = getattr(n, field)
                if bound is None:
                    continue
                indices.add(id(bound))
                for d in (1, -1):

                    def apply(c, node, field=field, d=d):
                        setattr(node, field, shifted(getattr(node, field), d))

                    yield 2, f"slice {field} bound {snippet(bound)} {d:+d}", at(i, apply)
    for i, n in enumerate(ctx.nodes):
        v = int_const(n)
        if v is None or abs(v) >= BIG or id(n) in range_args or id(n) in indices or ctx.excluded(n):
            continue
        if isinstance(n, ast.Constant) and isinstance(ctx.up(n), ast.UnaryOp):
            continue  # the UnaryOp is the site
        parent = ctx.up(n)
        if isinstance(parent, ast.Compare):
            weight = 2
        elif isinstance(parent, ast.BinOp) and not isinstance(parent.op, ast.Pow):
            if const_expr_value(parent) is not None and abs(const_expr_value(parent)) >= BIG:
                continue
            weight = 1
        else:
            continue
        for d in (1, -1):

            def apply(c, node, d=d):
                c.replace(node, make_int(int_const(node) + d))

            yield weight, f"constant {v} -> {v + d} in {snippet(parent)}", at(i, apply)


def flipped_comparison(ctx):
    for i, n in enumerate(ctx.nodes):
        if not isinstance(n, ast.Compare) or ctx.excluded(n) or "__name__" in snippet(n):
            continue
        for k, op in enumerate(n.ops):
            new = FLIP.get(type(op))
            if new is None:
                continue
            ordering = isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE))
            # Strict for non-strict (the realistic slip), or the whole test inverted (`<` for `>=`).
            for new, weight in ((new, 2), (NEGATE.get(type(op)), 2)) if ordering else ((new, 3),):

                def apply(c, node, k=k, new=new):
                    node.ops[k] = new()

                yield weight, f"{OP_TEXT[type(op)]} -> {OP_TEXT[new]} in {snippet(n)}", at(i, apply)
    # The same slip in a library call: the strict and non-strict bisect, max for min, the sort order.
    for i, n in enumerate(ctx.nodes):
        if not isinstance(n, ast.Call) or ctx.excluded(n):
            continue
        name = call_name(n)
        if name in SWAPPED_CALLS and (isinstance(n.func, ast.Name) or name.startswith("bisect")):
            new = SWAPPED_CALLS[name]

            def apply(c, node, new=new):
                if isinstance(node.func, ast.Name):
                    node.func.id = new
                else:
                    node.func.attr = new

            weight = 2 if name.startswith("bisect") else 1.5
            yield weight, f"{name} -> {new} in {snippet(n)}", at(i, apply)
        elif name in ("sorted", "sort") and len(n.args) <= 1:
            reverse = next((k for k in n.keywords if k.arg == "reverse"), None)
            if reverse is not None and not isinstance(reverse.value, ast.Constant):
                continue

            def apply(c, node):
                kw = next((k for k in node.keywords if k.arg == "reverse"), None)
                if kw is None:
                    node.keywords.append(ast.keyword("reverse", ast.Constant(True)))
                else:
                    node.keywords.remove(kw)

            yield 1, f"sort order reversed in {snippet(n)}", at(i, apply)


def is_memo_guard(node):
    """`if key in memo: return memo[key]`."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.ops[0], ast.In)
        and len(node.body) == 1
        and isinstance(node.body[0], ast.Return)
        and isinstance(node.body[0].value, ast.Subscript)
        and not node.orelse
    )


def dropped_branch(ctx):
    yield from dropped_branch_expressions(ctx)
    for i, n in enumerate(ctx.nodes):
        if not isinstance(n, ast.If) or ctx.excluded(n) or "__name__" in snippet(n.test):
            continue
        if is_memo_guard(n):
            continue  # that makes a slow variant, not a wrong answer
        link = ctx.parent.get(id(n))
        is_elif = link is not None and isinstance(link[0], ast.If) and link[1] == "orelse" and len(link[0].orelse) == 1
        in_loop = ctx.in_loop(n)
        if n.orelse and not (len(n.orelse) == 1 and isinstance(n.orelse[0], ast.If)):
            drop_else = at(i, lambda c, node: setattr(node, "orelse", []))
            yield 2, f"else branch of `if {snippet(n.test)}` dropped", drop_else
        if len(n.orelse) == 1 and isinstance(n.orelse[0], ast.If):

            def drop_elif(c, node):
                node.orelse = node.orelse[0].orelse

            yield 2, f"branch `elif {snippet(n.orelse[0].test)}` dropped", at(i, drop_elif)
        if is_elif:
            continue  # the elif is dropped through its parent
        func = ctx.enclosing_function(n)
        early_guard = (
            func is not None
            and ctx.parent[id(n)][0] is func
            and len(n.body) == 1
            and isinstance(n.body[0], ast.Return)
            and not n.orelse
        )
        if early_guard:
            drop_guard = at(i, lambda c, node: c.remove_statement(node))
            yield 1, f"early-return guard `if {snippet(n.test)}` dropped", drop_guard
        elif not n.orelse:
            weight = 2 if in_loop else 1.5
            yield weight, f"branch `if {snippet(n.test)}` dropped", at(i, lambda c, node: c.remove_statement(node))
        else:
            yield 1.5, f"if-branch of `if {snippet(n.test)}` dropped, else kept", at(
                i, lambda c, node: c.remove_statement(node, node.orelse)
            )


def dropped_branch_expressions(ctx):
    for i, n in enumerate(ctx.nodes):
        if ctx.excluded(n):
            continue
        if isinstance(n, ast.IfExp):
            for keep in ("body", "orelse"):

                def apply(c, node, keep=keep):
                    c.replace(node, getattr(node, keep))

                dropped = "else" if keep == "body" else "if"
                yield 1.5, f"{dropped} side of `{snippet(n)}` dropped", at(i, apply)
        elif isinstance(n, ast.comprehension):
            for k, cond in enumerate(n.ifs):

                def apply(c, node, k=k):
                    del node.ifs[k]

                yield 1.5, f"filter `if {snippet(cond)}` of a comprehension dropped", at(i, apply)


def changed_constant(value):
    """The wrong constant a careless model would write instead of `value`, or None."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        if value == 0:
            return 1
        if value == 1:
            return 2
        if value == -1:
            return 0
        if abs(value) >= BIG:
            return value + 2
        return value * 2
    if isinstance(value, float):
        if value in (float("inf"), float("-inf")):
            return 0.0
        return 1.0 if value == 0 else value * 2
    if isinstance(value, str) and len(value) == 1:
        return chr(ord(value) + 1)
    return None


def is_inf(node):
    text = ast.unparse(node).replace(" ", "")
    return text.lstrip("-") in ("inf", "math.inf", "float('inf')", 'float("inf")')


def accumulated_names(ctx):
    """Names updated from their own value: `x += …`, `x = max(x, …)`, `dp[i] += …`, `dp[i] = dp[j] …`."""
    names = set()

    def base(target):
        while isinstance(target, ast.Subscript):
            target = target.value
        return target.id if isinstance(target, ast.Name) else None

    for n in ctx.nodes:
        if isinstance(n, ast.AugAssign):
            names.add(base(n.target))
        elif isinstance(n, ast.Assign) and len(n.targets) == 1:
            name = base(n.targets[0])
            if name is not None and any(
                isinstance(m, ast.Name) and m.id == name and isinstance(m.ctx, ast.Load) for m in ast.walk(n.value)
            ):
                names.add(name)
    names.discard(None)
    return names


def initial_value_weight(targets, accumulators):
    """Initial values of accumulators matter; a flag stored into an element often does not."""
    if any(isinstance(t, ast.Subscript) for t in targets):
        return 0.5
    names = {m.id for t in targets for m in ast.walk(t) if isinstance(m, ast.Name)}
    return 3 if names & accumulators else 1


def tracker_assignments(ctx):
    """Assignments `x = c` of a name later updated as `x = max(x, …)` (or min): id(assign) -> "max"/"min"."""
    kinds = {}
    for n in ctx.nodes:
        if (
            isinstance(n, ast.Assign)
            and len(n.targets) == 1
            and isinstance(n.targets[0], ast.Name)
            and isinstance(n.value, ast.Call)
            and call_name(n.value) in ("max", "min")
            and any(isinstance(a, ast.Name) and a.id == n.targets[0].id for a in n.value.args)
        ):
            kinds.setdefault(n.targets[0].id, call_name(n.value))
    out = {}
    for n in ctx.nodes:
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            if n.targets[0].id in kinds and (int_const(n.value) is not None or is_inf(n.value)):
                out[id(n)] = kinds[n.targets[0].id]
    return out


def wrong_constant(ctx):
    accumulators = accumulated_names(ctx)
    trackers = tracker_assignments(ctx)
    for i, n in enumerate(ctx.nodes):
        if ctx.excluded(n):
            continue
        # Initial values: x = c, x: T = c, a, b = c1, c2, [c] * n, [[c] * m for ...], {k: c}, return c.
        values = []
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            values.append((n.value, initial_value_weight(targets, accumulators), "initial value"))
        elif isinstance(n, ast.Return) and n.value is not None:
            values.append((n.value, 2, "returned value"))
        elif isinstance(n, ast.keyword) and n.arg in ("default", "initial"):
            values.append((n.value, 1, f"{n.arg}="))
        expanded = []
        while values:
            v, w, what = values.pop(0)
            if isinstance(v, ast.Tuple):
                values.extend((e, w, what) for e in v.elts)
            elif isinstance(v, ast.BinOp) and isinstance(v.op, ast.Mult) and isinstance(v.left, ast.List):
                values.extend((e, w, "fill value") for e in v.left.elts)
            elif isinstance(v, ast.List):
                values.extend((e, w, "list element") for e in v.elts)
            elif isinstance(v, ast.ListComp):
                values.append((v.elt, w, "fill value"))
            elif isinstance(v, ast.Dict):
                values.extend((e, w, "dict value") for e in v.values)
            elif isinstance(v, ast.Call) and call_name(v) in ("Counter", "defaultdict", "dict") and v.args:
                values.extend((a, w, what) for a in v.args if isinstance(a, ast.Dict))
            else:
                expanded.append((v, w, what))
        for v, w, what in expanded:
            j = ctx.index[id(v)]
            big = const_expr_value(v)
            if is_inf(v):

                def apply(c, node):
                    c.replace(node, ast.Constant(0))

                yield 1.5, f"{what} {snippet(v)} -> 0", at(j, apply)
            elif big is not None and abs(big) >= BIG:

                def apply(c, node, big=big):
                    c.replace(node, make_int(big + 2))

                yield 0.2, f"modulus/sentinel {snippet(v)} -> {big + 2}", at(j, apply)
            elif int_const(v) is not None or isinstance(v, ast.Constant):
                old = int_const(v) if int_const(v) is not None else v.value
                new = changed_constant(old)
                if new is None:
                    continue

                def apply(c, node, new=new):
                    c.replace(node, make_int(new) if type(new) is int else ast.Constant(new))

                # Large literals are mostly hash bases or bounds that any value would do.
                weight = 0.3 if type(old) is int and abs(old) >= 100 else w
                shown = repr(new)
                tracker = trackers.get(id(n)) if what == "initial value" else None
                if tracker is not None and type(old) in (int, float):
                    # A running max started at +inf (or a running min at -inf): min and max mixed up.
                    sign = "" if tracker == "max" else "-"

                    def apply(c, node, sign=sign):
                        c.replace(node, ast.parse(f"{sign}float('inf')", mode="eval").body)

                    shown = f"{sign}inf"
                yield weight, f"{what} {old!r} -> {shown}", at(j, apply)
    # Factors, divisors, shifts and characters: `* 2`, `// 2`, `% 26`, `<< 1`, `ord('a')`.
    for i, n in enumerate(ctx.nodes):
        if ctx.excluded(n):
            continue
        parent = ctx.up(n)
        scaled = (
            isinstance(parent, ast.BinOp)
            and isinstance(parent.op, (ast.Mult, ast.FloorDiv, ast.Div, ast.Mod, ast.LShift, ast.RShift, ast.Pow))
            and type(getattr(n, "value", None)) is int
            and 2 <= n.value < 100
            # 10**9 belongs to a modulus; see below.
            and not (const_expr_value(parent) is not None and abs(const_expr_value(parent)) >= BIG)
        )
        char = isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) == 1
        if scaled or char:
            old_value = n.value
            weight = 1.5
            if char:
                new_value = chr(ord(old_value) + 1)
            elif isinstance(parent.op, ast.Mult) and isinstance(parent.left, ast.List):
                # `[0] * 26`: a table one too small (a larger one would change nothing).
                new_value, weight = old_value - 1, 0.5
            else:
                new_value = old_value + 1

            def apply(c, node, new_value=new_value):
                c.replace(node, ast.Constant(new_value))

            yield weight, f"constant {old_value!r} -> {new_value!r} in {snippet(parent)}", at(i, apply)
    # Moduli used inline: `% (10**9 + 7)`.
    for i, n in enumerate(ctx.nodes):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod) and not ctx.excluded(n):
            big = const_expr_value(n.right)
            if big is not None and big >= BIG:

                def apply(c, node, big=big):
                    node.right = make_int(big + 2)

                yield 0.2, f"modulus {snippet(n.right)} -> {big + 2}", at(i, apply)


def param_size_expr(arg):
    """An expression for the size of a parameter from its annotation: len for sequences, value for ints."""
    ann = ast.unparse(arg.annotation) if arg.annotation is not None else ""
    name = ast.Name(arg.arg, ast.Load())
    if ann.startswith(("List[List", "list[list")):
        return "cells", ast.parse(f"sum(map(len, {arg.arg}))", mode="eval").body
    if ann.startswith(LIST_HINTS):
        return "length", ast.Call(ast.Name("len", ast.Load()), [name], [])
    if ann == "int":
        return "value", ast.Call(ast.Name("abs", ast.Load()), [name], [])
    if ann == "" and arg.arg != "self":
        text = f"(len({arg.arg}) if hasattr({arg.arg}, '__len__') else abs({arg.arg}))"
        return "size", ast.parse(text, mode="eval").body
    return None, None


def slow_variant(ctx):
    has_cache_clear = any(isinstance(n, ast.Attribute) and n.attr == "cache_clear" for n in ctx.nodes)
    for i, n in enumerate(ctx.nodes):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not has_cache_clear:
            for k, d in enumerate(n.decorator_list):
                target = d.func if isinstance(d, ast.Call) else d
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
                if name in MEMO_DECORATORS:

                    def apply(c, node, k=k):
                        del node.decorator_list[k]

                    yield 3, f"memoisation @{snippet(d)} removed from {n.name}", at(i, apply)
        elif is_memo_guard(n) and not ctx.excluded(n):
            yield 3, f"memo lookup `if {snippet(n.test)}` dropped", at(i, lambda c, node: c.remove_statement(node))
    main = ctx.main
    if main is None:
        return
    mi = ctx.index[id(main)]
    sized = [a.arg for a in main.args.args if param_size_expr(a)[0] is not None]
    if not sized:
        return
    # Brute-force pre-passes a careless model writes before the real computation, sized by the whole
    # input (lengths of sequences plus values of ints) so they blow up on the hidden tests' larger
    # inputs and stay fast on tiny examples.
    every = ", ".join(sized)
    yield 3, f"enumerates every submask of every subset of the input, O(3^n) ({every})", at(mi, inject(sized, SUBMASKS))
    yield 2, f"checks every pair in every subset of the input, O(2^n n^2) ({every})", at(mi, inject(sized, SUBSETS))


SUBSETS = (
    "{n} = min({size}, 64)\n"
    "{acc} = 0\n"
    "for {a} in range(1 << {n}):\n"
    "    for {b} in range({n}):\n"
    "        if {a} >> {b} & 1:\n"
    "            for {d} in range({b} + 1, {n}):\n"
    "                if {a} >> {d} & 1:\n"
    "                    {acc} = max({acc}, {d} - {b})\n"
)
SUBMASKS = (
    "{n} = min({size}, 64)\n"
    "{acc} = 0\n"
    "for {a} in range(1 << {n}):\n"
    "    {s} = {a}\n"
    "    while {s}:\n"
    "        {acc} = max({acc}, {s} & -{s})\n"
    "        {s} = ({s} - 1) & {a}\n"
)


def inject(param_names, template):
    """Inserts `template`, sized by the given parameters of the main method, at the top of its body."""

    def apply(c, node):
        by_name = {a.arg: a for a in node.args.args}
        size = " + ".join(ast.unparse(param_size_expr(by_name[p])[1]) for p in param_names)
        names = {k: c.fresh(k) for k in ("size", "best", "mask", "sub", "i", "j")}
        code = template.format(
            n=names["size"],
            acc=names["best"],
            a=names["mask"],
            s=names["sub"],
            b=names["i"],
            d=names["j"],
            size=size,
        )
        body = node.body
        start = 1 if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else 0
        body[start:start] = ast.parse(code).body

    return apply


def loop_index(loop):
    """The index variable of `for i in range(...)` or `for i, x in enumerate(...)`, else None."""
    if not isinstance(loop.iter, ast.Call):
        return None
    name = call_name(loop.iter)
    if name == "range" and isinstance(loop.target, ast.Name):
        return loop.target.id
    if name == "enumerate" and isinstance(loop.target, ast.Tuple) and isinstance(loop.target.elts[0], ast.Name):
        return loop.target.elts[0].id
    return None


def loop_indices(ctx, node):
    """Index variables of the loops around `node`, up to its function."""
    out = set()
    for anc, _ in ctx.ancestors(node):
        if isinstance(anc, (ast.FunctionDef, ast.Lambda)):
            break
        if isinstance(anc, ast.For) and loop_index(anc) is not None:
            out.add(loop_index(anc))
    return out


def calls_itself(func):
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == func.name for n in ast.walk(func)
    )


def crash(ctx):
    for i, n in enumerate(ctx.nodes):
        if ctx.excluded(n):
            continue
        if isinstance(n, ast.Call) and call_name(n) == "defaultdict" and isinstance(n.func, ast.Name):

            def apply(c, node):
                c.replace(node, ast.Dict([], []))

            yield 2, f"{snippet(n)} replaced by a plain dict (KeyError on a missing key)", at(i, apply)
        elif isinstance(n, ast.Call) and call_name(n) == "Counter" and not n.args and not n.keywords:
            yield 2, "Counter() replaced by a plain dict (KeyError on a missing key)", at(
                i, lambda c, node: c.replace(node, ast.Dict([], []))
            )
        elif (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "get"
            and len(n.args) == 2
            and not n.keywords
        ):

            def apply(c, node):
                c.replace(node, ast.Subscript(node.func.value, node.args[0], ast.Load()))

            yield 2, f"{snippet(n)} -> direct indexing (KeyError on a missing key)", at(i, apply)
        elif isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Name) and isinstance(n.ctx, ast.Load):
            # a[i] with i the variable of an enclosing `for i in range(...)`: read one past the end.
            loop_var = n.slice.id
            for anc, _ in ctx.ancestors(n):
                if isinstance(anc, ast.FunctionDef):
                    break
                if isinstance(anc, ast.For) and loop_index(anc) == loop_var:

                    def apply(c, node):
                        node.slice = ast.BinOp(node.slice, ast.Add(), ast.Constant(1))

                    yield 3, f"{snippet(n)} -> {snippet(n.value)}[{loop_var} + 1] (index past the end)", at(i, apply)
                    break
        elif isinstance(n, ast.Assign) and all(isinstance(t, ast.Name) for t in n.targets):
            v = n.value
            empty = isinstance(v, (ast.List, ast.Dict, ast.Set)) and not getattr(v, "elts", getattr(v, "keys", None))
            built = isinstance(v, ast.Call) and call_name(v) in CONTAINER_CALLS
            if int_const(v) is not None or is_inf(v) or empty or built:
                names = " = ".join(t.id for t in n.targets)
                yield 1.5 if not built else 1, f"{names} initialised to None instead of {snippet(v)}", at(
                    i, lambda c, node: setattr(node, "value", ast.Constant(None))
                )
        elif isinstance(n, ast.BinOp) and isinstance(n.op, (ast.FloorDiv, ast.Div, ast.Mod)):
            if isinstance(n.right, (ast.Name, ast.Call, ast.Attribute)) and const_expr_value(n.right) is None:

                def apply(c, node):
                    node.right = shifted(node.right, -1)

                yield 1, f"divisor {snippet(n.right)} -> {snippet(n.right)} - 1 (division by zero when it is 1)", at(
                    i, apply
                )
        if isinstance(n, ast.If) and not ctx.excluded(n) and "__name__" not in snippet(n.test):
            target_else = bool(n.orelse) and not isinstance(n.orelse[0], ast.If)

            def apply(c, node, target_else=target_else):
                stmt = ast.parse('raise RuntimeError("unexpected state")').body[0]
                (node.orelse if target_else else node.body).insert(0, stmt)

            where = "else branch" if target_else else "branch"
            weight = 1.5 if ctx.in_loop(n) else 1
            yield weight, f"raises in the {where} of `if {snippet(n.test)}`", at(i, apply)
        if isinstance(n, ast.FunctionDef) and calls_itself(n):
            # A recursion whose base case is gone never stops: RecursionError.
            for stmt in n.body:
                if isinstance(stmt, ast.If) and any(isinstance(b, ast.Return) for b in stmt.body):
                    yield 2.5, f"base case `if {snippet(stmt.test)}` of recursive {n.name} dropped", at(
                        ctx.index[id(stmt)], lambda c, node: c.remove_statement(node, node.orelse)
                    )
                    break


MUTATORS = {
    "off_by_one": off_by_one,
    "flipped_comparison": flipped_comparison,
    "dropped_branch": dropped_branch,
    "wrong_constant": wrong_constant,
    "slow_variant": slow_variant,
    "crash": crash,
}


def valid(text):
    try:
        compile(text, "<mutant>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


def mutants(program, seed, max_per_kind, func_name=None):
    normal = ast.unparse(ast.parse(program))
    seen = {normal}
    out = []
    for kind in KINDS:
        sites = list(MUTATORS[kind](Ctx(program, func_name)))
        rng = random.Random(f"{seed}:{kind}")
        # Weighted sampling without replacement (Efraimidis-Spirakis): key u^(1/w), largest first.
        keyed = sorted(
            ((rng.random() ** (1.0 / w), k) for k, (w, _, _) in enumerate(sites)), key=lambda t: (-t[0], t[1])
        )
        taken = 0
        for _, k in keyed:
            if taken >= max_per_kind:
                break
            _, desc, apply = sites[k]
            ctx = Ctx(program, func_name)
            try:
                apply(ctx)
                ast.fix_missing_locations(ctx.tree)
                text = ast.unparse(ctx.tree)
            except Exception:
                continue
            if text in seen or not valid(text):
                continue
            seen.add(text)
            out.append({"kind": kind, "description": desc, "program": text + "\n"})
            taken += 1
    return out


# ----------------------------------------------------------------------------------------------
# Behaviour-preserving variants of a correct program.
# ----------------------------------------------------------------------------------------------

COMMENTS = (
    "# Approach: follow the definition directly, keeping the bookkeeping minimal.",
    "# Solution below; complexity is dominated by the main loop.",
    "# Idea: maintain the needed state incrementally while scanning the input.",
    "# Straightforward implementation of the reasoning above.",
)
SYNONYMS = {
    "ans": "res",
    "res": "ans",
    "result": "ans",
    "cnt": "count",
    "count": "cnt",
    "dp": "f",
    "f": "dp",
    "i": "idx",
    "j": "jdx",
    "n": "size",
    "m": "cols",
    "s": "total",
    "q": "queue",
    "mod": "MODULO",
    "MOD": "MODULO",
}


def renamable_locals(ctx):
    main = ctx.main
    if main is None:
        return []
    args, declared = set(), set()
    for n in ctx.nodes:
        if isinstance(n, ast.arg):
            args.add(n.arg)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            declared.update(n.names)
        elif isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            args.add(n.name)
        elif isinstance(n, ast.alias):
            args.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, ast.keyword) and n.arg:
            args.add(n.arg)
        elif isinstance(n, ast.Attribute):
            args.add(n.attr)  # may name a class-level field (a dataclass's, say)
        elif isinstance(n, ast.ClassDef):
            for item in n.body:
                for t in ast.walk(item) if isinstance(item, (ast.Assign, ast.AnnAssign)) else ():
                    if isinstance(t, ast.Name):
                        args.add(t.id)
    stored = []
    for n in ast.walk(main):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in args and n.id not in declared:
            if n.id not in stored and not n.id.startswith("__"):
                stored.append(n.id)
    return stored


def renamed(program, func_name, rng):
    ctx = Ctx(program, func_name)
    names = renamable_locals(ctx)
    if not names:
        return None
    chosen = rng.sample(names, min(len(names), 2))
    mapping = {}
    for old in chosen:
        stem = SYNONYMS.get(old, old + "_val")
        mapping[old] = ctx.fresh(stem)
    for n in ctx.nodes:
        if isinstance(n, ast.Name) and n.id in mapping:
            n.id = mapping[n.id]
    return ast.unparse(ctx.tree) + "\n"


def variants(program, seed, count, func_name=None):
    rng = random.Random(f"{seed}:variants")
    out, seen = [], {program}
    candidates = [rng.choice(COMMENTS) + "\n" + program]
    for _ in range(max(0, count) * 2):
        text = renamed(program, func_name, rng)
        if text is not None:
            candidates.append(text if rng.random() < 0.5 else rng.choice(COMMENTS) + "\n" + text)
    for text in candidates:
        if len(out) >= count:
            break
        if text not in seen and valid(text):
            seen.add(text)
            out.append(text)
    return out


def main():
    request = json.load(sys.stdin)
    program = request["program"]
    seed = int(request.get("seed", 0))
    func_name = request.get("func_name")
    try:
        ast.parse(program)
    except SyntaxError as e:
        json.dump({"error": f"program does not parse: {e}"}, sys.stdout)
        sys.stdout.write("\n")
        return 2
    result = {
        "mutants": mutants(program, seed, int(request.get("max_per_kind", 2)), func_name),
        "variants": variants(program, seed, int(request.get("variants", 0)), func_name),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
