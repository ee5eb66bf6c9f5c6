//! `RATE_LIMIT_*`, `MIN_RESPONSE_MS`: rate limits and the uniform answer time.

use super::*;

/// Rate limits and the uniform answer time.
#[derive(Clone, Debug)]
pub struct LimitSettings {
    /// `RATE_LIMIT_USER`: attempts per normalised username and action, like `5/15m`.
    pub user: Limit,
    /// `RATE_LIMIT_IP`: attempts per client IP and action, like `60/15m`.
    pub ip: Limit,
    /// `RATE_LIMIT_GLOBAL`: attempts for the whole deployment per action, like `20/1s` (below
    /// Cognito's account-wide 30 requests/s quota for account recovery).
    pub global: Limit,
    /// `RATE_LIMIT_USER_CEILING`: attempts per username and action from all clients together
    /// (default `20/15m`); a browser the user signed in with before is not held by it.
    pub user_ceiling: Limit,
    /// `CODES_PER_HOUR`: one-time codes (reset codes, email and text-message sign-in codes)
    /// the whole deployment may have Cognito send, like `500/1h` (the default): a ceiling on
    /// what anyone can make the operator pay for (SMS toll fraud), over the per-user and
    /// per-IP limits.
    pub codes: Limit,
    /// `RESET_MIN_RESPONSE_MS`: every reset request takes at least this long, so the answer
    /// time does not tell a real account from an unknown one (default 600 ms).
    pub reset_min_response: Duration,
}

/// A rate: at most `max` attempts per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

impl Limit {
    /// Parses `N/<duration>`, e.g. `5/15m`, `20/1s`, `100/1h`.
    pub fn parse(v: &str) -> Option<Limit> {
        let (n, p) = v.trim().split_once('/')?;
        let max: u32 = n.trim().parse().ok().filter(|n| *n > 0)?;
        let p = p.trim();
        let unit = p.chars().last()?;
        let num: u64 = p[..p.len() - unit.len_utf8()]
            .parse()
            .ok()
            .filter(|n| *n > 0)?;
        let secs = match unit {
            's' => num,
            'm' => num * 60,
            'h' => num * 3600,
            _ => return None,
        };
        Some(Limit {
            max,
            per: Duration::from_secs(secs),
        })
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.max, self.per.as_secs())
    }
}

pub(super) fn limits(get: Get) -> Result<LimitSettings, ConfigError> {
    let limit = |name: &'static str, default: &str| -> Result<Limit, ConfigError> {
        let v = get(name).unwrap_or_else(|| default.to_string());
        Limit::parse(&v).ok_or_else(|| {
            err(
                name,
                format!("is malformed: expected attempts/period like 5/15m, 20/1s or 100/1h (got {v:?})"),
            )
        })
    };
    Ok(LimitSettings {
        user: limit("RATE_LIMIT_USER", "5/15m")?,
        ip: limit("RATE_LIMIT_IP", "60/15m")?,
        global: limit("RATE_LIMIT_GLOBAL", "20/1s")?,
        user_ceiling: limit("RATE_LIMIT_USER_CEILING", "20/15m")?,
        codes: limit("CODES_PER_HOUR", "500/1h")?,
        reset_min_response: millis(get, "RESET_MIN_RESPONSE_MS", 600, 0, 10_000)?,
    })
}
