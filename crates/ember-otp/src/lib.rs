//! OTP behaviours for ember (in progress).
