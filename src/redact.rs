//! Messages about failures that never quote a record's values.
//!
//! Polars errors from row-level work can quote cell text (a failed cast shows the value), and
//! research files hold names, dates of birth and SSNs. Only the kind of error is kept.

use polars::prelude::PolarsError;

/// A description of `error` that cannot contain cell text.
pub fn polars_message(error: &PolarsError) -> String {
    match error {
        PolarsError::IO { error, .. } => error.to_string(),
        PolarsError::ColumnNotFound(_) => "a column was not found".to_string(),
        PolarsError::SchemaMismatch(_) => "the columns do not have the expected types".to_string(),
        PolarsError::ComputeError(_) => "the query engine rejected a value (withheld)".to_string(),
        _ => "internal error in the query engine (details withheld)".to_string(),
    }
}
