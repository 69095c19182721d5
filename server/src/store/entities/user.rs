use sea_orm::entity::prelude::*;

/// A person: one per human, whichever way they log in.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The standardized profile as JSON.
    pub profile: String,
    pub phone_number: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set while an administrator has blocked the user: no login by any mode.
    pub blocked_at: Option<DateTimeUtc>,
    /// The last login that resolved to this user (the Users page sorts by it).
    pub last_login_at: Option<DateTimeUtc>,
    /// The standardized profile's nickname, kept in a column for search.
    pub nickname: Option<String>,
    /// Profile fields an administrator decided (a merge's choices), as JSON: laid over the
    /// profile computed from the identities.
    pub pinned: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::identity::Entity")]
    Identity,
}

impl Related<super::identity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Identity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
