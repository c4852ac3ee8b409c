//! Faults: disk (filled in by the work on issue 13).
