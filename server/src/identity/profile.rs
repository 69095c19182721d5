//! The standardized profile, computed from a user's identities: the latest non-empty value of
//! each field wins, WeChat's blanks (gender 0, empty region) count as unknown, and the default
//! nickname `微信用户` never replaces a real name.

use serde::{Deserialize, Serialize};

/// WeChat's placeholder nickname (given when the user shares none).
pub const DEFAULT_NICKNAME: &str = "微信用户";

/// What one sighting of a WeChat identity told us (fields WeChat left out are `None`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub nickname: Option<String>,
    pub avatar: Option<String>,
    /// WeChat's `sex`: 1 male, 2 female, 0 unknown.
    pub sex: Option<u8>,
    pub country: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub language: Option<String>,
    /// A phone number WeChat verified, with country code (`+8613800138000`).
    pub phone: Option<String>,
}

/// The profile applications receive.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub nickname: Option<String>,
    pub picture: Option<String>,
    /// `male`, `female`, or absent.
    pub gender: Option<String>,
    pub country: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub locale: Option<String>,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
}

impl Profile {
    /// Country, province and city as one line (`中国 广东 广州`), if any is known.
    pub fn region(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.country, &self.province, &self.city]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

fn filled(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Combines sightings, oldest first.
pub fn standardize<'a>(sightings: impl IntoIterator<Item = &'a Observed>) -> Profile {
    let mut p = Profile::default();
    for o in sightings {
        if let Some(n) = filled(&o.nickname)
            && (n != DEFAULT_NICKNAME || p.nickname.is_none())
        {
            p.nickname = Some(n);
        }
        if let Some(a) = filled(&o.avatar) {
            p.picture = Some(a);
        }
        match o.sex {
            Some(1) => p.gender = Some("male".into()),
            Some(2) => p.gender = Some("female".into()),
            _ => {}
        }
        if let Some(c) = filled(&o.country) {
            p.country = Some(c);
        }
        if let Some(c) = filled(&o.province) {
            p.province = Some(c);
        }
        if let Some(c) = filled(&o.city) {
            p.city = Some(c);
        }
        if let Some(l) = filled(&o.language) {
            p.locale = Some(l.replace('_', "-"));
        }
        if let Some(ph) = filled(&o.phone) {
            p.phone_number = Some(ph);
            p.phone_number_verified = true;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(nickname: &str, sex: u8, city: &str) -> Observed {
        Observed {
            nickname: Some(nickname.into()),
            sex: Some(sex),
            city: Some(city.into()),
            ..Observed::default()
        }
    }

    #[test]
    fn latest_real_values_win_and_blanks_are_unknown() {
        let p = standardize(&[seen("小明", 1, "Shenzhen"), seen("微信用户", 0, "")]);
        assert_eq!(
            p.nickname.as_deref(),
            Some("小明"),
            "the placeholder keeps the real name"
        );
        assert_eq!(
            p.gender.as_deref(),
            Some("male"),
            "0 is unknown, not a change"
        );
        assert_eq!(
            p.city.as_deref(),
            Some("Shenzhen"),
            "an empty region is unknown"
        );

        let p = standardize(&[seen("微信用户", 0, ""), seen("小明", 2, "Beijing")]);
        assert_eq!(p.nickname.as_deref(), Some("小明"));
        assert_eq!(p.gender.as_deref(), Some("female"));
        assert_eq!(p.city.as_deref(), Some("Beijing"));

        let only_default = standardize(&[seen("微信用户", 0, "")]);
        assert_eq!(only_default.nickname.as_deref(), Some("微信用户"));
        assert_eq!(only_default.gender, None);
        assert!(!only_default.phone_number_verified);
    }

    #[test]
    fn a_verified_phone_is_kept_and_marked() {
        let p = standardize(&[
            Observed {
                phone: Some("+8613800138000".into()),
                language: Some("zh_CN".into()),
                ..Observed::default()
            },
            Observed::default(),
        ]);
        assert_eq!(p.phone_number.as_deref(), Some("+8613800138000"));
        assert!(p.phone_number_verified);
        assert_eq!(p.locale.as_deref(), Some("zh-CN"));
    }
}
