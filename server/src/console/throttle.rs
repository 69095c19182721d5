//! The sign-in throttling rule, free of storage: after `LIMIT` failures within `WINDOW`, further
//! attempts wait until enough of those failures have aged out of the window.

use chrono::{DateTime, Duration, Utc};

pub const LIMIT: usize = 5;
pub const WINDOW_SECS: i64 = 300;

pub fn window() -> Duration {
    Duration::seconds(WINDOW_SECS)
}

/// Seconds to wait before the next attempt, given failure times within the window (oldest
/// first); `None` when an attempt is allowed now.
pub fn retry_after(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u64> {
    let recent: Vec<_> = failures.iter().filter(|t| **t > now - window()).collect();
    if recent.len() < LIMIT {
        return None;
    }
    // The attempt is allowed again once only LIMIT-1 failures remain in the window.
    let gate = *recent[recent.len() - LIMIT] + window();
    let wait = (gate - now).num_milliseconds();
    Some(((wait + 999) / 1000).max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn four_failures_are_allowed() {
        let f = [t(0), t(1), t(2), t(3)];
        assert_eq!(retry_after(&f, t(4)), None);
    }

    #[test]
    fn five_failures_lock_until_the_oldest_ages_out() {
        let f = [t(0), t(10), t(20), t(30), t(40)];
        assert_eq!(retry_after(&f, t(41)), Some(259));
        assert_eq!(retry_after(&f, t(299)), Some(1));
        assert_eq!(retry_after(&f, t(300)), None);
    }

    #[test]
    fn many_failures_use_the_fifth_newest() {
        let f = [t(0), t(100), t(110), t(120), t(130), t(140)];
        // at 301 the failure at 0 is out of the window; five remain, oldest at 100
        assert_eq!(retry_after(&f, t(301)), Some(99));
    }
}
