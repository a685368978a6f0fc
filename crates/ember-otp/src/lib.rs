//! # ember-otp: OTP behaviours on ember's processes
//!
//! GenServer, Supervisor, DynamicSupervisor, Task, Agent, Registry and Application, with
//! OTP's semantics (shared/otp-semantics.md sections F–H are the spec) and Rust's types.

pub mod child;
pub mod gen_server;
pub mod supervisor;
pub mod dynamic_supervisor;
pub mod task;
pub mod agent;
pub mod registry;
pub mod application;
pub mod report;
