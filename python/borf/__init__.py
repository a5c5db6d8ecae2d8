"""borf in-process: q from Python.

    import borf
    borf.q("t:([]a:1 2 3;b:`x`y`z)")
    borf.q("select from t where a>1").pl()   # a Polars DataFrame
    borf.q["t"]                                # a global, as borf.Q
    borf.q["u"] = polars_or_pandas_df          # sets a global
    borf.q("+", 1, 2).py()                     # 3: a function with Python arguments

Results are `borf.Q` objects: `.py()` plain Python, `.pa()` pyarrow,
`.pl()` Polars, `.pd()` pandas, `.np()` numpy (the last four through the
Arrow C data interface, without copying q's buffers where Arrow's layout is
q's). q errors raise `borf.QError`, whose `.name` is q's error name.
`borf.connect(host, port)` opens a kdb+ IPC connection with the same
conversions. See docs/PYTHON.md.
"""

from ._borf import Connection, Q, QError, connect, toq
from . import _borf

__all__ = ["q", "Q", "QError", "Connection", "connect", "toq"]


class _Interpreter:
    """The process's one q interpreter (created by the first use).

    `q(text)` runs q text; `q(text, *args)` applies the function `text`
    names to Python arguments; `q[name]` reads a global and
    `q[name] = value` sets one.
    """

    def __call__(self, text, *args):
        return _borf.eval(text, *args)

    def __getitem__(self, name):
        return _borf.get(name)

    def __setitem__(self, name, value):
        _borf.set(name, value)

    def __repr__(self):
        return "<borf.q: the process's q interpreter>"


q = _Interpreter()
