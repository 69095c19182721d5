//! Strings of the account-correction parts of a user's page (link, unlink, merge) and of the
//! merge preview, with the words for each refusal code.

use super::Lang;

pub struct MergeTexts {
    pub correct: &'static str,
    pub correct_hint: &'static str,
    pub link_label: &'static str,
    pub link: &'static str,
    pub merge_label: &'static str,
    pub preview: &'static str,
    pub unlink: &'static str,
    pub unlink_title: &'static str,
    pub unlink_body: &'static str,
    pub unlinked: &'static str,
    pub linked: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub stays: &'static str,
    pub goes: &'static str,
    pub field: &'static str,
    pub keep: &'static str,
    pub same: &'static str,
    pub moves: &'static str,
    pub grants_note: &'static str,
    pub merge: &'static str,
    pub cancel: &'static str,
    pub fields: [(&'static str, &'static str); 6],
    pub refusals: [(&'static str, &'static str); 10],
    pub failed: &'static str,
    pub merged_into: &'static str,
    /// The word after a count of identities: one, then more than one.
    pub n_identities: [&'static str; 2],
    pub n_grants: [&'static str; 2],
}

/// `n` and the word for that many (`forms`: one, then more than one).
pub fn counted(n: usize, forms: [&'static str; 2]) -> String {
    format!("{n} {}", if n == 1 { forms[0] } else { forms[1] })
}

impl MergeTexts {
    pub fn field(&self, key: &str) -> &'static str {
        self.fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .unwrap_or("")
    }

    /// The sentence for a refusal code, or the general failure.
    pub fn refusal(&self, code: &str) -> &'static str {
        self.refusals
            .iter()
            .find(|(k, _)| *k == code)
            .map(|(_, v)| *v)
            .unwrap_or(self.failed)
    }
}

pub static EN: MergeTexts = MergeTexts {
    correct: "Link and merge",
    correct_hint: "When two users are one person: move an identity here by its OpenID, or merge the other user into this one.",
    link_label: "OpenID of an identity held by another user",
    link: "Link here",
    merge_label: "ID of the user to merge into this one",
    preview: "Preview merge",
    unlink: "Unlink",
    unlink_title: "Unlink this identity?",
    unlink_body: "It moves to a new user of its own; its next login signs in as that user. Grants stay with this user.",
    unlinked: "Moved to a new user:",
    linked: "The identity is now this user's.",
    title: "Merge users",
    intro: "Everything of the second user moves to the first: identities, UnionID, grants (revoked, since their tokens carry the old ID). The second user's ID then answers \"merged\".",
    stays: "Stays",
    goes: "Merged into it",
    field: "Field",
    keep: "Keep",
    same: "no conflict",
    moves: "Identities that move",
    grants_note: "grants move and are revoked",
    merge: "Merge",
    cancel: "Cancel",
    fields: [
        ("nickname", "Nickname"),
        ("picture", "Avatar"),
        ("gender", "Gender"),
        ("region", "Region"),
        ("locale", "Language"),
        ("phone_number", "Phone"),
    ],
    refusals: [
        (
            "unionid_conflict",
            "Refused: the two would hold different UnionIDs, so WeChat says they are different people.",
        ),
        (
            "unionid_shared",
            "Refused: the user's other identities carry the same UnionID (WeChat would join them again). Merge the users instead.",
        ),
        (
            "last_identity",
            "This is the user's only identity: delete the user instead.",
        ),
        ("already_linked", "This user already has that identity."),
        ("merge_into_self", "A user cannot be merged into itself."),
        ("identity_not_found", "No identity has that OpenID."),
        ("ambiguous_openid", "Several identities have that OpenID."),
        ("user_not_found", "No user has that ID."),
        ("user_deleted", "That user was deleted."),
        ("user_merged", "That user was merged into another already."),
    ],
    failed: "That did not work. Try again.",
    merged_into: "This user was merged into",
    n_identities: ["WeChat identity", "WeChat identities"],
    n_grants: ["grant", "grants"],
};

pub static ZH_CN: MergeTexts = MergeTexts {
    correct: "关联与合并",
    correct_hint: "两个用户其实是同一个人时：按 OpenID 把某个身份移到这里，或把另一个用户合并到这个用户。",
    link_label: "另一个用户的某个身份的 OpenID",
    link: "关联到此用户",
    merge_label: "要合并进来的用户 ID",
    preview: "预览合并",
    unlink: "解除关联",
    unlink_title: "解除这个身份的关联？",
    unlink_body: "它将成为一个新用户的唯一身份，下次用它登录即以新用户登录。授权仍留在当前用户。",
    unlinked: "已移到新用户：",
    linked: "该身份已归此用户。",
    title: "合并用户",
    intro: "第二个用户的一切都并入第一个：身份、UnionID、授权（因其令牌带有旧 ID，将被撤销）。之后查询第二个用户 ID 会得到“已合并”。",
    stays: "保留的用户",
    goes: "被合并的用户",
    field: "字段",
    keep: "保留",
    same: "无冲突",
    moves: "将移过来的身份",
    grants_note: "授权随之移动并被撤销",
    merge: "合并",
    cancel: "取消",
    fields: [
        ("nickname", "昵称"),
        ("picture", "头像"),
        ("gender", "性别"),
        ("region", "地区"),
        ("locale", "语言"),
        ("phone_number", "手机号"),
    ],
    refusals: [
        (
            "unionid_conflict",
            "已拒绝：两者的 UnionID 不同，微信认定他们是不同的人。",
        ),
        (
            "unionid_shared",
            "已拒绝：该用户的其他身份带有同一个 UnionID（下次登录微信会把它们重新合在一起）。请改为合并用户。",
        ),
        (
            "last_identity",
            "这是该用户唯一的身份：如需移除，请删除用户。",
        ),
        ("already_linked", "该用户已经有这个身份。"),
        ("merge_into_self", "不能把用户合并到它自己。"),
        ("identity_not_found", "没有身份使用这个 OpenID。"),
        ("ambiguous_openid", "有多个身份使用这个 OpenID。"),
        ("user_not_found", "没有这个用户 ID。"),
        ("user_deleted", "该用户已被删除。"),
        ("user_merged", "该用户已被合并到其他用户。"),
    ],
    failed: "操作未成功，请重试。",
    merged_into: "该用户已合并到",
    n_identities: ["个微信身份", "个微信身份"],
    n_grants: ["个授权", "个授权"],
};

impl Lang {
    pub fn merges(self) -> &'static MergeTexts {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }
}
