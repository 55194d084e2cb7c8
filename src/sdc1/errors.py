"""The error every module raises for an input the workflow cannot use.

It lives in its own module, importing nothing from the package, so that any module
(:mod:`sdc1.io`, :mod:`sdc1.beam`, ...) can raise it without importing another.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """A user input (file or config value) that the workflow cannot use.

    The message is one line naming the file or key and what is wrong with it.
    """
