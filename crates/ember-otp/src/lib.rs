//! # ember-otp: OTP behaviours on ember's processes
//!
//! GenServer, Supervisor, DynamicSupervisor, Task, Agent, Registry and Application, with
//! OTP's semantics (shared/otp-semantics.md sections F–H are the spec) and Rust's types.

pub mod agent;
pub mod application;
mod catch;
pub mod child;
pub mod dynamic_supervisor;
pub mod gen_server;
pub mod registry;
pub mod report;
pub mod supervisor;
pub mod task;
pub mod task_supervisor;
