"""Imports every layer module so that each registers its types.

A new layer module is added to this list and nowhere else.
"""

from . import activation, prelu, conv, conv_recurrent, dense, merge, norm, padding, pool  # noqa: F401, I001
from . import preprocessing, recurrent, shape, upsample, wrappers  # noqa: F401
from . import attention, reduce, tensor, transformer  # noqa: F401  (today's networks: issue 13)
from . import gather  # noqa: F401  (table[index]: Swin's relative-position bias)
