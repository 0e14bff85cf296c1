"""Symbolic sizes: canonical floors, readable printing, and the valid values of free names.

Only imported once a spec has a free name, so concrete specs never load sympy.
This package re-exports what the rest of convcalc uses:

- :mod:`.canonical`: rounded divisions in one canonical form, sums as polynomials,
  and comparisons decided from bounds;
- :mod:`.printing`: sympy syntax (JSON, plain) and the readable form (tables);
- :mod:`.valid`: the valid values of each free name, reduced from the open conditions.
"""

from .canonical import ceildiv, floordiv, total
from .decide import divides, eq, extremum, ge
from .printing import pretty, sstr
from .valid import ValidSet, reduce_constraints, valid_text

__all__ = ["ValidSet", "ceildiv", "divides", "eq", "extremum", "floordiv", "ge", "pretty",
           "reduce_constraints", "sstr", "total", "valid_text"]
