//! Matrices: `mmu` (matrix product; a vector acts as a row on the left and
//! a column on the right), `inv` (inverse of a square float matrix) and
//! `lsq` (least squares, `x = w mmu y`). A matrix is a list of numeric
//! vectors of one length, computed in `f64`; `inv` is Gauss-Jordan with
//! partial pivoting and gives nulls for a singular matrix.

use crate::builtins::math::moving::float_items;
use crate::builtins::math::moving::float_vec;
use qcore::QError;
use qcore::QResult;
use qcore::Value;

// ---------------------------------------------------------------------------
// Matrices: mmu, inv, lsq

pub(crate) type Mat = Vec<Vec<f64>>;

/// A matrix: a list of numeric vectors of one length.
pub(crate) fn matrix(x: &Value) -> QResult<Mat> {
    let Value::List(rows) = x else {
        return Err(QError::type_());
    };
    let m: Mat = rows
        .iter()
        .map(|r| match r {
            Value::Vector(_) => float_items(r),
            _ => Err(QError::type_()),
        })
        .collect::<QResult<_>>()?;
    if let Some(first) = m.first()
        && m.iter().any(|r| r.len() != first.len())
    {
        return Err(QError::length());
    }
    Ok(m)
}

pub(crate) fn mat_value(m: Mat) -> Value {
    Value::list(m.into_iter().map(float_vec).collect())
}

pub(crate) fn cols(m: &Mat) -> usize {
    m.first().map_or(0, Vec::len)
}

pub(crate) fn mat_mul(a: &Mat, b: &Mat) -> QResult<Mat> {
    let n = cols(a);
    if n != b.len() {
        return Err(QError::length());
    }
    let p = cols(b);
    // an n-by-1 times a 1-by-m matrix is n*m floats from n+m
    qcore::check_alloc(a.len().saturating_mul(p), 8)?;
    Ok(a.iter()
        .map(|row| {
            (0..p)
                .map(|j| row.iter().zip(b.iter()).map(|(x, br)| x * br[j]).sum())
                .collect()
        })
        .collect())
}

pub(crate) fn transpose(m: &Mat) -> Mat {
    (0..cols(m))
        .map(|j| m.iter().map(|r| r[j]).collect())
        .collect()
}

/// Gauss-Jordan with partial pivoting; a singular matrix gives nulls.
pub(crate) fn invert(m: &Mat) -> QResult<Mat> {
    let n = m.len();
    if m.iter().any(|r| r.len() != n) {
        return Err(QError::length());
    }
    let mut a: Mat = m.clone();
    let mut inv: Mat = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let scale = m
        .iter()
        .flatten()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let singular = || vec![vec![f64::NAN; n]; n];
    for c in 0..n {
        let Some(p) = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())) else {
            return Ok(singular());
        };
        let pv = a[p][c];
        if pv.is_nan() || pv.abs() <= scale * 1e-14 {
            return Ok(singular());
        }
        a.swap(c, p);
        inv.swap(c, p);
        for j in 0..n {
            a[c][j] /= pv;
            inv[c][j] /= pv;
        }
        for r in 0..n {
            if r != c {
                let f = a[r][c];
                if f != 0.0 {
                    for j in 0..n {
                        a[r][j] -= f * a[c][j];
                        inv[r][j] -= f * inv[c][j];
                    }
                }
            }
        }
    }
    Ok(inv)
}

/// `x mmu y`: matrix product (vectors act as a row on the left and a column
/// on the right; two vectors give their dot product).
pub fn mmu(x: Value, y: Value) -> QResult<Value> {
    match (&x, &y) {
        (Value::Vector(_), Value::Vector(_)) => {
            let (a, b) = (float_items(&x)?, float_items(&y)?);
            if a.len() != b.len() {
                return Err(QError::length());
            }
            Ok(Value::float(a.iter().zip(&b).map(|(p, q)| p * q).sum()))
        }
        (Value::Vector(_), Value::List(_)) => {
            let r = mat_mul(&vec![float_items(&x)?], &matrix(&y)?)?;
            Ok(float_vec(r.into_iter().next().unwrap_or_default()))
        }
        (Value::List(_), Value::Vector(_)) => {
            let col: Mat = float_items(&y)?.into_iter().map(|v| vec![v]).collect();
            let r = mat_mul(&matrix(&x)?, &col)?;
            Ok(float_vec(r.into_iter().map(|r| r[0]).collect()))
        }
        (Value::List(_), Value::List(_)) => Ok(mat_value(mat_mul(&matrix(&x)?, &matrix(&y)?)?)),
        _ => Err(QError::type_()),
    }
}

/// `inv x`: inverse of a square float matrix.
pub fn inv(x: Value) -> QResult<Value> {
    Ok(mat_value(invert(&matrix(&x)?)?))
}

/// `x lsq y`: least-squares solution `w` of `x = w mmu y`.
pub fn lsq(x: Value, y: Value) -> QResult<Value> {
    let vector = matches!(x, Value::Vector(_));
    let a = if vector {
        vec![float_items(&x)?]
    } else {
        matrix(&x)?
    };
    let b = matrix(&y)?;
    if cols(&a) != cols(&b) {
        return Err(QError::length());
    }
    let bt = transpose(&b);
    let w = mat_mul(&mat_mul(&a, &bt)?, &invert(&mat_mul(&b, &bt)?)?)?;
    if vector {
        return Ok(float_vec(w.into_iter().next().unwrap_or_default()));
    }
    Ok(mat_value(w))
}
