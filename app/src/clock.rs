//! The wall clock, in the Unix seconds sessions, codes and tokens are timed with. A leaf: it
//! depends on no other module of the app.

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
