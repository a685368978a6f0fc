//! Running a child's start function inside the supervisor, with panics contained.
//!
//! The start function runs in the supervisor's process (so `spawn_link` links the child to
//! the supervisor). A panic in it must not take the supervisor down: as Erlang catches a
//! crashing start (`{'EXIT', {E, Stack}}`), ember catches the panic and turns it into an
//! [`ExitReason::Panic`] start error.

use ember_rt::ExitReason;

use crate::catch::{catch, catch_sync};
use crate::child::{ChildSpec, Started};

/// Run `spec`'s start function (Erlang `do_start_child`).
pub(crate) async fn start_child(spec: &ChildSpec) -> Result<Started, ExitReason> {
    let fut = catch_sync(|| spec.start_child())?;
    catch(fut).await?
}
