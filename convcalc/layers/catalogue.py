"""Imports every layer module so that each registers its types.

A new layer module is added to this list and nowhere else.
"""

from . import (  # noqa: F401
    activation,
    attention,
    conv,
    dense,
    merge,
    norm,
    pool,
    recurrent,
    shape,
    transformer,
    wrappers,
)
