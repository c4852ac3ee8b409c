//! The tools, one file each. Each turns its parameters into store and runner calls and answers
//! with JSON text; anything the caller can fix is a tool error (`is_error: true`) in words.

pub mod cancel_task_list;
pub mod execute_task_list;
pub mod list_task_lists;
pub mod pcc_status;
pub mod task_list_status;

use pcc_store::Store;

/// Opens the database for a read, or says why not. `Ok(None)` when there is no database yet.
pub fn open_existing() -> Result<Option<Store>, String> {
    let path = crate::config::database()?;
    Store::open_existing(&path).map_err(|err| format!("cannot open the pcc database: {err}"))
}
