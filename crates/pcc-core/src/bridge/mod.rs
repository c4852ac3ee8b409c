//! The bridge between a session and the human who is not watching it: what a human's answer to
//! an escalation does ([`human_answer`]), the task queue's hand-over ([`task_queue`]), and when
//! a session stopped by a usage limit or a failure is resumed ([`resume_schedule`]).

pub mod human_answer;
pub mod resume_schedule;
pub mod task_queue;
