//! Fault knobs: make the next N calls of an endpoint fail with a chosen errcode, add latency,
//! and switch the protocol quirks (Content-Type, string errcode, refusal redirect, expired-code
//! errcode, token grace period).

use std::collections::HashMap;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::live::GRACE;
use super::reply::Dress;

/// The next `remaining` calls of `endpoint` (`sns/jscode2session`, `cgi-bin/token`... or `*`
/// for every endpoint) answer `errcode`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Failure {
    pub endpoint: String,
    pub errcode: i64,
    pub remaining: u32,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Switches {
    /// `sns/*` JSON as `text/plain` (default) or `application/json`.
    pub sns_text_plain: Option<bool>,
    /// errcode sent as a string.
    pub string_errcode: Option<bool>,
    /// On denial, redirect to `redirect_uri?state=` (2019 docs) instead of staying put.
    pub refusal_redirects: Option<bool>,
    /// Expired codes answer 42003 instead of the usual 40029.
    pub expired_code_42003: Option<bool>,
    /// How long a superseded classic token keeps working, in seconds (default 300).
    pub grace_seconds: Option<i64>,
    /// Send `is_snapshotuser` for every app, not only official accounts (where WeChat sends
    /// it): lets a website login's refusal of snapshot visitors be exercised.
    pub snapshot_everywhere: Option<bool>,
    /// In-WeChat authorization calls the callback twice, with two codes and the same state
    /// (as WeChat's in-app browser sometimes does).
    pub double_callback: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Faults {
    pub failures: Vec<Failure>,
    /// Extra latency per endpoint (or `*`), in milliseconds.
    pub latency_ms: HashMap<String, u64>,
    pub switches: Switches,
}

impl Faults {
    /// The errcode the next call of `endpoint` must fail with, if a knob says so.
    pub fn take_failure(&mut self, endpoint: &str) -> Option<i64> {
        let slot = self
            .failures
            .iter_mut()
            .find(|f| f.remaining > 0 && (f.endpoint == endpoint || f.endpoint == "*"))?;
        slot.remaining -= 1;
        let code = slot.errcode;
        self.failures.retain(|f| f.remaining > 0);
        Some(code)
    }

    pub fn latency(&self, endpoint: &str) -> Option<std::time::Duration> {
        self.latency_ms
            .get(endpoint)
            .or_else(|| self.latency_ms.get("*"))
            .map(|ms| std::time::Duration::from_millis(*ms))
    }

    pub fn dress(&self) -> Dress {
        Dress {
            sns_text_plain: self.switches.sns_text_plain.unwrap_or(true),
            string_errcode: self.switches.string_errcode.unwrap_or(false),
        }
    }

    pub fn grace(&self) -> Duration {
        self.switches
            .grace_seconds
            .map(Duration::seconds)
            .unwrap_or(GRACE)
    }

    /// Merges the switches that are set in `new`.
    pub fn apply(&mut self, new: Switches) {
        let s = &mut self.switches;
        s.sns_text_plain = new.sns_text_plain.or(s.sns_text_plain);
        s.string_errcode = new.string_errcode.or(s.string_errcode);
        s.refusal_redirects = new.refusal_redirects.or(s.refusal_redirects);
        s.expired_code_42003 = new.expired_code_42003.or(s.expired_code_42003);
        s.grace_seconds = new.grace_seconds.or(s.grace_seconds);
        s.snapshot_everywhere = new.snapshot_everywhere.or(s.snapshot_everywhere);
        s.double_callback = new.double_callback.or(s.double_callback);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_consumed_in_order() {
        let mut f = Faults::default();
        f.failures.push(Failure {
            endpoint: "sns/jscode2session".into(),
            errcode: 45011,
            remaining: 2,
        });
        assert_eq!(f.take_failure("cgi-bin/token"), None);
        assert_eq!(f.take_failure("sns/jscode2session"), Some(45011));
        assert_eq!(f.take_failure("sns/jscode2session"), Some(45011));
        assert_eq!(f.take_failure("sns/jscode2session"), None);
        assert!(f.failures.is_empty());
    }
}
