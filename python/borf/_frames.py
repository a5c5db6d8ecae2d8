"""pandas conversion details for borf.Q.pd() (called from the native module).

pyarrow's to_pandas turns an integer column with nulls into floats (NaN);
q's typed nulls are kept instead as pandas' nullable integer dtypes, and
only for columns that have a null, so the others stay numpy-backed
(zero-copy where pyarrow can).
"""


def _nullable_ints():
    import pandas as pd
    import pyarrow as pa

    return {
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
    }


def to_pandas(obj):
    """A pyarrow Table or Array as a pandas DataFrame or Series."""
    import pyarrow as pa

    ints = _nullable_ints()
    if isinstance(obj, pa.Table):
        df = obj.to_pandas()
        for i, field in enumerate(obj.schema):
            col = obj.column(i)
            if field.type in ints and col.null_count:
                df[field.name] = col.to_pandas(types_mapper=ints.get).values
        return df
    if obj.type in ints and obj.null_count:
        return obj.to_pandas(types_mapper=ints.get)
    return obj.to_pandas()
