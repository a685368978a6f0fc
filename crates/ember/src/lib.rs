//! ember facade (in progress).
