//! Faults: events (filled in by the work on issue 13).
