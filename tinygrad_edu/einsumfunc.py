"""einsum: Einstein summation composed of ops Tensor already has, so it needs no rule of its own.

Read after tensor.py: the subscripts are parsed ('ij,jk->ik' into the letters of each operand and
of the output), then every operand's repeated index becomes its diagonal, and the operands are
joined two at a time by a batched matmul. (A module of its own, named as NumPy's einsumfunc, so
that `tinygrad_edu.einsum` stays the function.)
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor, _data, _tensors, matmul


def einsum(subscripts: str, *operands) -> Tensor:
    """Einstein summation, as np.einsum ('ij,jk->ik', 'bij,bjk->bik', 'i,i->', 'ij->ji', 'ii->i',
    '...ij,...jk->...ik'), composed of transpose, reshape, getitem, sum and matmul: no rule of its own.

    Each operand's repeated index becomes its diagonal (a getitem), then operands are joined left to
    right: indices both share and nobody needs later are contracted by one batched matmul, indices
    no one else has are summed first. A size-1 axis under '...' broadcasts, as in NumPy.
    """
    ins, out = _parse_einsum(subscripts, [np.ndim(_data(x)) for x in operands])
    terms = []
    for letters, x in zip(ins, _tensors(*operands)):
        if x.ndim != len(letters):
            raise ValueError(f"einsum: operand of shape {x.shape} has {x.ndim} dimensions but its "
                             f"subscripts {''.join(letters)!r} name {len(letters)}")
        terms.append(_einsum_diagonals(list(letters), x))
    sizes = {}
    for letters, x in terms:
        for c, n in zip(letters, x.shape):
            if sizes.setdefault(c, n) != n and 1 not in (sizes[c], n):
                raise ValueError(f"einsum: index {c!r} has length {sizes[c]} in one operand and {n} in another")
            sizes[c] = max(sizes[c], n)
    letters, x = terms[0]
    letters, x = _einsum_sum_unused(letters, x, out, terms[1:])
    for k in range(1, len(terms)):
        later = terms[k + 1:]
        b_letters, b = _einsum_sum_unused(*terms[k], out, later + [(letters, None)])
        letters, x = _einsum_pair(letters, x, b_letters, b, out, later)
    letters, x = _einsum_sum_unused(letters, x, out, [])
    return x.transpose([letters.index(c) for c in out]) if letters != out else x


def _parse_einsum(subscripts: str, ndims: list) -> tuple:
    """'ij,jk->ik' -> ([['i','j'], ['j','k']], ['i','k']); '...' becomes letters einsum does not use."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    parts = inputs.split(",")
    if len(parts) != len(ndims):
        raise ValueError(f"einsum: {subscripts!r} names {len(parts)} operand(s) but {len(ndims)} were given")
    free = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in spec]
    n_dots = max([n - len(p.replace("...", "")) for p, n in zip(parts, ndims) if "..." in p], default=0)
    dots = free[:n_dots][::-1]
    ins = []
    for p, n in zip(parts, ndims):
        named = p.replace("...", "")
        if not all(c.isalpha() for c in named) or p.count("...") > 1:
            raise ValueError(f"einsum: cannot read the subscripts {p!r} of {subscripts!r}")
        k = n - len(named)
        ins.append(list(p.replace("...", "".join(dots[n_dots - k:]) if k > 0 else "")))
    if arrow:
        if dots and "..." not in output:
            raise ValueError(f"einsum: {subscripts!r}: the inputs' '...' stands for {n_dots} axes, so the output "
                             f"must have '...' too (as in NumPy)")
        out = list(output.replace("...", "".join(dots)))
        for c in out:
            if sum(c in letters for letters in ins) == 0 or out.count(c) > 1:
                raise ValueError(f"einsum: output index {c!r} of {subscripts!r} must appear once, and in an input")
    else:                                            # NumPy's implicit output: the letters seen once, sorted
        seen = [c for letters in ins for c in letters]
        out = dots + sorted(c for c in set(seen) if seen.count(c) == 1 and c not in dots)
    return ins, out


def _einsum_diagonals(letters: list, x: Tensor) -> tuple:
    """An index repeated within one operand ('ii') takes the diagonal: x[arange, arange] moved first."""
    for c in list(dict.fromkeys(letters)):
        while letters.count(c) > 1:
            p = letters.index(c)
            q = letters.index(c, p + 1)
            if x.shape[p] != x.shape[q]:
                raise ValueError(f"einsum: repeated index {c!r} has lengths {x.shape[p]} and {x.shape[q]}")
            rest = [a for a in range(x.ndim) if a not in (p, q)]
            idx = np.arange(x.shape[p])
            x = x.transpose([p, q] + rest)[idx, idx]
            letters = [c] + [letters[a] for a in rest]
    return letters, x


def _einsum_sum_unused(letters: list, x: Tensor, out: list, others: list) -> tuple:
    """Sum over the indices of x that neither the output nor another operand mentions."""
    needed = set(out).union(*(set(o) for o, _ in others))
    gone = [a for a, c in enumerate(letters) if c not in needed]
    if not gone:
        return letters, x
    return [c for c in letters if c in needed], x.sum(tuple(gone))


def _einsum_pair(a_letters: list, a: Tensor, b_letters: list, b: Tensor, out: list, later: list) -> tuple:
    """Join two operands by one matmul: batch indices (in both, needed later) lead, contracted
    indices (in both, needed by no one else) meet in the product, the rest stay as rows / columns."""
    needed = set(out).union(*(set(o) for o, _ in later))
    both = [c for c in a_letters if c in b_letters]
    batch = [c for c in both if c in needed]
    inner = [c for c in both if c not in needed]
    rows = [c for c in a_letters if c not in b_letters]
    cols = [c for c in b_letters if c not in a_letters]
    for c in inner:                                  # a broadcast (length 1) contracted index: Σ the other side first
        i, j = a_letters.index(c), b_letters.index(c)
        if a.shape[i] != b.shape[j]:
            if a.shape[i] == 1:
                b = b.sum(j, keepdims=True)
            else:
                a = a.sum(i, keepdims=True)
    a_size = dict(zip(a_letters, a.shape))
    b_size = dict(zip(b_letters, b.shape))
    a2 = a.transpose([a_letters.index(c) for c in batch + rows + inner])
    b2 = b.transpose([b_letters.index(c) for c in batch + inner + cols])
    n_inner = int(np.prod([a_size[c] for c in inner]))
    a2 = a2.reshape(tuple(a_size[c] for c in batch) + (int(np.prod([a_size[c] for c in rows])), n_inner))
    b2 = b2.reshape(tuple(b_size[c] for c in batch) + (n_inner, int(np.prod([b_size[c] for c in cols]))))
    product = matmul(a2, b2)                         # batch dimensions broadcast, as '...' does
    shape = product.shape[:len(batch)] + tuple(a_size[c] for c in rows) + tuple(b_size[c] for c in cols)
    return batch + rows + cols, product.reshape(shape)
