"""A formula typed on the command line, e.g. "tanh(x*w + b)", as a graph of labelled Values.

The text is parsed by Python's own parser (`ast.parse(mode="eval")`) and then walked node by
node against a whitelist; it is never passed to `eval`. Allowed: numbers, the variables given as
VAR=VALUE, the operators + - * / ** (and unary - +), and one-argument calls of the functions in
`FUNCTIONS`. Anything else (attribute access, subscripts, lambdas, comparisons, other calls such
as `__import__('os')`) is refused with an `ExpressionError` that names what was refused.

>>> root, leaves = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.8813735870195432})
>>> root.backward(); round(root.data, 4), round(leaves["x"].grad, 4)
(0.7071, -1.5)
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from typing import Callable, Mapping

from tinygrad_edu import Value

__all__ = ["DomainError", "ExpressionError", "FUNCTIONS", "build", "parse_bindings"]

# each allowed function, as the Value method that records it (so each is one node in the picture)
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
    "relu": Value.relu, "abs": Value.abs, "sqrt": Value.sqrt,
}
_BINARY: dict[type, Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}
MAX_LENGTH = 2000      # Python's parser recurses (in C): a bound keeps a pasted monster from exhausting it
MAX_LABEL = 24         # longer sub-formulas stay unlabelled, or the picture's boxes get too wide
MAX_SNIPPET = 60       # a refused part is quoted up to this many characters


class ExpressionError(ValueError):
    """The expression or a VAR=VALUE binding cannot be used; the message says which part and why."""


class DomainError(ExpressionError):
    """The formula is well written, but a function in it is taken outside its domain at these
    values (log(-1) is nan, 1/0 is inf): the message names the function, its input and the result."""


# why each function or operator gives nan or ±inf from finite inputs
DOMAINS = {
    "log": "log is defined for x > 0 only", "sqrt": "sqrt is defined for x ≥ 0 only",
    "/": "division by 0", "**": "a negative number to a fractional power has no real value",
    "0**": "0 to a negative power is a division by 0",
}
OVERFLOW = "the result is beyond the largest float (about 1.8e308)"


def parse_bindings(pairs: list[str]) -> dict[str, float]:
    """["x=2", "w=-3"] -> {"x": 2.0, "w": -3.0}; each name a Python identifier, each value a number.

    >>> parse_bindings(["x=2", "w=-3.5"])
    {'x': 2.0, 'w': -3.5}
    """
    values: dict[str, float] = {}
    for pair in pairs:
        name, sep, text = (part.strip() for part in pair.partition("="))
        # as Python's parser reads the formula's names (NFKC: the ligature ﬁ is fi), so a name
        # typed the same way in both places is the same variable
        name = unicodedata.normalize("NFKC", name)
        if not sep or not name.isidentifier():
            raise ExpressionError(f"{pair!r} is not VAR=VALUE (e.g. x=2)")
        if name in values:
            raise ExpressionError(f"{name} is given twice; give each variable one value")
        try:
            value = float(text)
        except ValueError:
            raise ExpressionError(f"{pair!r}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{pair!r}: give a finite number")
        values[name] = value
    return values


def build(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """The Value graph of `text`, with one leaf per variable (labelled with its name) and each
    intermediate node labelled with its sub-formula; returns (root, {name: leaf}) for the
    variables the formula uses. Raises ExpressionError for anything not on the whitelist, for
    variables without a value (naming all of them) and for syntax errors."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        where = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"cannot parse {text!r}{where}: {e.msg}{_juxtaposed(text)}") from None
    # every name first, so one message lists all the missing values, not just the first
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    variables = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called]
    missing = sorted({v for v in variables if v not in values})
    _refuse_first(tree, text)            # a refused construct is named before any missing value
    if missing:
        raise ExpressionError(f"no value for {', '.join(missing)}: add {' '.join(f'{m}=...' for m in missing)}")
    used = set(variables)
    # in the order the values were given, so the printed gradients follow the command line
    leaves = {name: Value(float(value), label=name) for name, value in values.items() if name in used}
    return _build_values(tree.body, leaves), leaves


def _refuse_first(tree: ast.Expression, text: str) -> None:
    """Raise for the first node (in reading order) that is not on the whitelist."""
    for node in _preorder(tree.body):
        reason = _refusal(node)
        if reason:
            snippet = ast.get_source_segment(text.strip(), node) or type(node).__name__
            if len(snippet) > MAX_SNIPPET:   # the whole refused part of a long formula would hide the reason
                snippet = snippet[:MAX_SNIPPET - 1] + "…"
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
                # the whole formula with ** for ^: x^2 + 1 means x**2 + 1 (Python reads it as x ^ (2 + 1))
                reason = reason.replace("write **", f"write {text.strip().replace('^', '**')!r}")
            raise ExpressionError(f"refused {snippet!r}: {reason}; allowed are numbers, variables, "
                                  f"+ - * / ** and the functions {', '.join(FUNCTIONS)} of one argument")


# a number written against a name, as in maths: 2x, 0.5w (but not 1e5, a number of its own)
_JUXTAPOSED = re.compile(r"(?<![\w.])(\d+\.?\d*|\.\d+)(?![eE][+-]?\d)([^\W\d]\w*)")


def _juxtaposed(text: str) -> str:
    """The fix for a product written without its *, as in "2x + 1", or ""."""
    found = _JUXTAPOSED.search(text)
    if not found:
        return ""
    number, name = found.groups()
    return f"; write {number}*{name} for {found.group(0)} (a product needs its *)"


def _preorder(node: ast.AST):
    """Every node under `node`, parents before children, left to right; a stack, not recursion,
    so a formula nested 2,000 deep is walked as easily as a short one."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _refusal(node: ast.AST) -> str | None:
    """Why `node` is not allowed, or None when it is."""
    if isinstance(node, ast.Constant):
        ok = isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
        return None if ok else f"{type(node.value).__name__} constants are not numbers"
    if isinstance(node, ast.Name):
        return None if not node.id.startswith("__") else f"the name {node.id} is not a variable"
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):          # x^2 in maths, exclusive or in Python
            return "^ is not a power here (in Python it is exclusive or): write ** for powers"
        return None if type(node.op) in _BINARY else f"the operator {type(node.op).__name__} is not supported"
    if isinstance(node, ast.UnaryOp):
        return None if isinstance(node.op, (ast.USub, ast.UAdd)) else f"the operator {type(node.op).__name__} is not supported"
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            return "only plain function names can be called"
        if node.func.id not in FUNCTIONS:
            return f"calling {node.func.id} is not allowed"
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            return f"{node.func.id} takes exactly one argument"
        return None
    if isinstance(node, (ast.operator, ast.unaryop, ast.expr_context)):
        return None                      # the op/context tags inside an allowed node
    kinds = {ast.Attribute: "attribute access is", ast.Subscript: "subscripts are", ast.Lambda: "lambdas are",
             ast.Compare: "comparisons are", ast.BoolOp: "and/or are", ast.IfExp: "if-expressions are"}
    return f"{kinds.get(type(node), type(node).__name__ + ' is')} not allowed"


def _build_values(tree: ast.expr, leaves: dict[str, Value]) -> Value:
    """A whitelisted tree as Values, each op's result labelled with its source text.

    Children before parents, with an explicit stack instead of recursion: Python's own recursion
    limit (1,000 frames) would stop a 340-term sum x+x+...+x, which is only 680 characters.
    """
    done: dict[int, Value] = {}                    # id(ast node) -> its Value
    size: dict[int, int] = {}                      # id(ast node) -> how many ast nodes it holds
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:
        node, children_done = stack.pop()
        children = _operands(node)
        if not children_done and children:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        size[id(node)] = 1 + sum(size[id(child)] for child in children)
        done[id(node)] = _value(node, [done[id(child)] for child in children], leaves, size[id(node)])
    return done[id(tree)]


def _operands(node: ast.expr) -> list[ast.expr]:
    """The sub-formulas a node's Value is computed from ([] for a leaf, and for -3, one number)."""
    if isinstance(node, ast.UnaryOp):
        return [] if isinstance(node.operand, ast.Constant) else [node.operand]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Call):
        return [node.args[0]]
    return []


def _value(node: ast.expr, inputs: list[Value], leaves: dict[str, Value], size: int) -> Value:
    """One node's Value from its operands' Values."""
    if isinstance(node, ast.Constant):
        return _constant(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        if not inputs:                                   # -3 is the number -3, not neg(3)
            return _constant(-node.operand.value if isinstance(node.op, ast.USub) else node.operand.value)
        out = -inputs[0] if isinstance(node.op, ast.USub) else inputs[0]
    elif isinstance(node, ast.BinOp):
        out = _BINARY[type(node.op)](*inputs)
    else:                                                # a whitelisted Call
        out = FUNCTIONS[node.func.id](inputs[0])
    if not out.label:                                    # unary + returns its operand, already named
        out.label = _label(node, size)
    if not math.isfinite(out.data) and all(math.isfinite(v.data) for v in inputs):
        _refuse_outside_domain(node, inputs, out.data)
    return out


def _refuse_outside_domain(node: ast.expr, inputs: list[Value], result: float) -> None:
    """Raise DomainError for the innermost part of the formula whose finite inputs give nan or ±inf."""
    numbers = [f"{v.data:g}" for v in inputs]
    if isinstance(node, ast.Call):
        name, shown = node.func.id, f"{node.func.id}({numbers[0]})"
    elif isinstance(node, ast.BinOp):
        name = {ast.Div: "/", ast.Pow: "**"}.get(type(node.op), "")
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}[type(node.op)]
        shown = f" {symbol} ".join(f"({n})" if n.startswith("-") else n for n in numbers)
    else:
        name, shown = "", ast.unparse(node)
    if name == "**" and not math.isnan(result):
        name = "0**" if inputs[0].data == 0 else ""            # 0**-1, or 10**400 (an overflow)
    if name == "/" and inputs[1].data != 0:
        name = ""                                               # 1e308/1e-308: an overflow
    why = DOMAINS.get(name, OVERFLOW)
    source = ast.unparse(node)
    where = f"in {source}, " if source != shown else ""
    if math.isnan(result):
        raise DomainError(f"{where}{shown} is not defined (nan): {why}; choose values where it is defined")
    raise DomainError(f"{where}{shown} = {result:g}: an infinite value, not a number to take gradients of "
                      f"({why}); choose values where it is finite")


def _label(node: ast.expr, size: int) -> str:
    """The sub-formula as text when it fits a box, else "". Every ast node writes at least one
    character, so a node of more than MAX_LABEL nodes cannot fit: ast.unparse (which recurses)
    only ever sees small, shallow trees."""
    if size > MAX_LABEL:
        return ""
    text = ast.unparse(node)
    return text if len(text) <= MAX_LABEL else ""


def _constant(number: int | float) -> Value:
    """A number in the formula: a constant leaf (drawn dashed; it gets no gradient)."""
    try:
        return Value(float(number), requires_grad=False)
    except OverflowError:
        raise ExpressionError(f"the number {number} is too large for a float") from None
