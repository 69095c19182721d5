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

/// A profile field an administrator can decide on a merge (the region is one field: country,
/// province and city together).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Nickname,
    Picture,
    Gender,
    Region,
    Locale,
    PhoneNumber,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Nickname,
        Field::Picture,
        Field::Gender,
        Field::Region,
        Field::Locale,
        Field::PhoneNumber,
    ];

    /// The name the API and the console use.
    pub fn key(self) -> &'static str {
        match self {
            Field::Nickname => "nickname",
            Field::Picture => "picture",
            Field::Gender => "gender",
            Field::Region => "region",
            Field::Locale => "locale",
            Field::PhoneNumber => "phone_number",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The field's value in `p`, as one line.
    pub fn value(self, p: &Profile) -> Option<String> {
        match self {
            Field::Nickname => p.nickname.clone(),
            Field::Picture => p.picture.clone(),
            Field::Gender => p.gender.clone(),
            Field::Region => p.region(),
            Field::Locale => p.locale.clone(),
            Field::PhoneNumber => p.phone_number.clone(),
        }
    }

    /// Sets the field in `to` as it is in `from`.
    pub fn copy(self, from: &Profile, to: &mut Profile) {
        match self {
            Field::Nickname => to.nickname = from.nickname.clone(),
            Field::Picture => to.picture = from.picture.clone(),
            Field::Gender => to.gender = from.gender.clone(),
            Field::Region => {
                to.country = from.country.clone();
                to.province = from.province.clone();
                to.city = from.city.clone();
            }
            Field::Locale => to.locale = from.locale.clone(),
            Field::PhoneNumber => {
                to.phone_number = from.phone_number.clone();
                to.phone_number_verified = from.phone_number_verified;
            }
        }
    }
}

/// Fields an administrator decided, with the values decided: they stand over what later
/// logins bring.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pins {
    pub fields: Vec<Field>,
    pub values: Profile,
}

impl Pins {
    pub fn parse(json: Option<&str>) -> Pins {
        json.and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Pins `field` to its value in `from` (replacing an earlier pin of it).
    pub fn pin(&mut self, field: Field, from: &Profile) {
        if !self.fields.contains(&field) {
            self.fields.push(field);
        }
        field.copy(from, &mut self.values);
    }

    pub fn apply(&self, profile: &mut Profile) {
        for f in &self.fields {
            f.copy(&self.values, profile);
        }
    }

    pub fn to_json(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        serde_json::to_string(self).ok()
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

    #[test]
    fn pinned_fields_stand_over_later_sightings() {
        let chosen = standardize(&[seen("阿明", 1, "Beijing")]);
        let mut pins = Pins::default();
        pins.pin(Field::Nickname, &chosen);
        pins.pin(Field::Region, &chosen);
        let json = pins.to_json();
        let pins = Pins::parse(json.as_deref());
        let mut later = standardize(&[seen("小明", 2, "Shenzhen")]);
        pins.apply(&mut later);
        assert_eq!(later.nickname.as_deref(), Some("阿明"));
        assert_eq!(later.city.as_deref(), Some("Beijing"));
        assert_eq!(
            later.gender.as_deref(),
            Some("female"),
            "not pinned: the sighting's"
        );
        assert!(Pins::parse(None).is_empty());
        assert!(Pins::parse(Some("not json")).is_empty());
    }
}
