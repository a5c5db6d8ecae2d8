"""Type hints for the borf package (the native part is borf._borf)."""

from typing import Any, Iterator, Optional, Tuple, Union

import datetime
import uuid

# What converts to q (see docs/PYTHON.md, "Python to q").
ToQ = Union[
    None,
    bool,
    int,
    float,
    str,
    bytes,
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    list,
    tuple,
    dict,
    "Q",
    Any,  # numpy arrays and scalars; pandas, Polars and pyarrow frames, series, arrays
]

class QError(Exception):
    """A q error."""

    name: str
    """q's error name: the text after `'` (`type`, `length`, a signalled string ...)."""
    detail: Optional[str]
    """borf's explanation of the error, when it has one."""

class Q:
    """A q value (shared with the interpreter, not copied)."""

    @property
    def type(self) -> int:
        """q's type number: negative for atoms, 0 general list, 98 table, 99 dictionary, 100+ functions, 101 `::`."""
    def py(self) -> Any:
        """Plain Python objects: int, float, bool, str (symbols), bytes (chars), datetime types, uuid.UUID, list, dict; tables as {column: list}; nulls as None (float nulls NaN)."""
    def pa(self) -> Any:
        """A pyarrow Table (tables), Array (vectors, lists) or Scalar (atoms)."""
    def pl(self) -> Any:
        """A Polars DataFrame (tables) or Series (vectors, lists); atoms as Python scalars."""
    def pd(self) -> Any:
        """A pandas DataFrame (tables; keyed tables indexed by their keys) or Series (vectors, lists, dictionaries)."""
    def np(self) -> Any:
        """A numpy array (vectors, lists; tables as a record array) or numpy scalar (atoms)."""
    def __call__(self, *args: ToQ) -> "Q":
        """q application: call a function, index a list or dictionary."""
    def __getitem__(self, i: ToQ) -> "Q":
        """q indexing (`x[i]`)."""
    def __iter__(self) -> Iterator["Q"]:
        """The items: a list's items, a table's rows, a dictionary's values."""
    def __len__(self) -> int:
        """q's count."""
    def __eq__(self, other: object) -> bool:
        """q's match (`~`) with `other` converted to q."""
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """The Arrow C stream capsule of a table (or a list as a one-column table)."""
    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Tuple[object, object]:
        """The Arrow C (schema, array) capsules of a vector, list, or table (a struct array)."""
    def _data_address(self) -> int:
        """The address of a vector's first item (to check conversions share it)."""
    def _known_no_nulls(self) -> bool:
        """Whether a vector is known to hold no q null (its hand-over to Arrow skips the null scan)."""

class Connection:
    """A kdb+ IPC connection (to `borf -p PORT` or q)."""

    @property
    def handle(self) -> int:
        """The connection's handle in this process's interpreter."""
    def __call__(self, query: Union[str, ToQ], *args: ToQ) -> Q:
        """A sync request: q text, or a function (name) applied to arguments, as q's `h("f";x;y)`."""
    def send_async(self, query: Union[str, ToQ], *args: ToQ) -> None:
        """An async message (q's `neg[h] x`)."""
    def close(self) -> None:
        """Closes the connection (again: nothing happens)."""
    def __enter__(self) -> "Connection": ...
    def __exit__(self, *exc: object) -> bool: ...

def connect(
    host: str = "localhost",
    port: int = 5000,
    user: Optional[str] = None,
    password: Optional[str] = None,
    timeout: Optional[float] = None,
) -> Connection:
    """Opens a kdb+ IPC connection; `timeout` in seconds."""

def toq(x: ToQ) -> Q:
    """A Python object as a q value, converted as arguments are."""

class _Interpreter:
    def __call__(self, text: str, *args: ToQ) -> Q:
        """Runs q text (with arguments: applies the function the text names to them)."""
    def __getitem__(self, name: str) -> Q:
        """The value of a global."""
    def __setitem__(self, name: str, value: ToQ) -> None:
        """Sets a global."""

q: _Interpreter
"""The process's one q interpreter."""
