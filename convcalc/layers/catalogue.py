"""Imports every layer module so that each registers its types.

A new layer module is added to this list and nowhere else.
"""

from . import (  # noqa: F401
    activation,
    conv,
    conv_recurrent,
    dense,
    merge,
    norm,
    pool,
    preprocessing,
    recurrent,
    shape,
    wrappers,
)
