//! A session named on the command line by a prefix of its id, as `git` takes a short hash. The
//! lookup is `pcc_control::sessions`, since the server names sessions the same way.

pub use pcc_control::sessions::{resolve, short_id};
