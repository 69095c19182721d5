//! Reading a WeChat JSON answer (§1, §12): HTTP status and Content-Type are ignored (answers
//! are always 200, and `sns/*` sends JSON as `text/plain`); a missing `errcode` means success,
//! a string errcode is read as a number; escaped slashes, key order and unknown fields are
//! whatever serde makes of them (all fine).

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{WeChatError, WeChatReply};

/// The errcode of an answer: missing is 0; a number or a numeric string otherwise.
fn errcode(body: &Value) -> Result<i64, WeChatError> {
    match body.get("errcode") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| WeChatError::BadResponse(format!("errcode {n} is not an integer"))),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| WeChatError::BadResponse(format!("errcode `{s}` is not a number"))),
        Some(other) => Err(WeChatError::BadResponse(format!(
            "errcode has type {other}"
        ))),
    }
}

/// Decodes a WeChat JSON answer into `T`, or the typed error it carries.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WeChatError> {
    let body: Value = serde_json::from_slice(bytes)
        .map_err(|e| WeChatError::BadResponse(format!("not JSON ({e})")))?;
    if !body.is_object() {
        return Err(WeChatError::BadResponse("not a JSON object".into()));
    }
    let code = errcode(&body)?;
    if code != 0 {
        let errmsg = body
            .get("errmsg")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        return Err(WeChatError::from_reply(WeChatReply {
            errcode: code,
            errmsg,
        }));
    }
    serde_json::from_value(body).map_err(|e| WeChatError::BadResponse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Session {
        openid: String,
        session_key: String,
        unionid: Option<String>,
    }

    #[test]
    fn success_without_errcode_and_with_escaped_slashes() {
        // The real jscode2session success: no errcode, session_key first, `\/` escapes.
        let body = br#"{"session_key":"O\/YVQPHxQY18DrsFq+\/bjQ==","openid":"owLMM5NEZ6izEtP2aPKiLYlJ520E","unionid":"ojygT1ogRmgs7AiQp2nAtQthYlxY"}"#;
        let s: Session = decode(body).unwrap();
        assert_eq!(s.session_key, "O/YVQPHxQY18DrsFq+/bjQ==");
        assert_eq!(s.unionid.as_deref(), Some("ojygT1ogRmgs7AiQp2nAtQthYlxY"));
    }

    #[test]
    fn success_with_errcode_zero_and_unknown_fields() {
        let body =
            br#"{"errcode":0,"errmsg":"ok","openid":"o1","session_key":"k","new_field":[1]}"#;
        let s: Session = decode(body).unwrap();
        assert_eq!(s.openid, "o1");
        assert_eq!(s.unionid, None);
    }

    #[test]
    fn numeric_and_string_errcodes_become_typed_errors() {
        let e = decode::<Session>(
            br#"{"errcode":40163,"errmsg":"code been used, rid: 6206378a-793424c0-2e4091cc"}"#,
        )
        .unwrap_err();
        assert!(matches!(&e, WeChatError::CodeUsed(r) if r.errmsg.ends_with("2e4091cc")));
        let e =
            decode::<Session>(br#"{"errcode": "40029", "errmsg": "invalid code"}"#).unwrap_err();
        assert!(matches!(e, WeChatError::InvalidCode(_)));
        let e = decode::<Session>(br#"{"errcode":-1,"errmsg":"system error"}"#).unwrap_err();
        assert!(matches!(e, WeChatError::SystemBusy(_)));
    }

    #[test]
    fn malformed_answers_are_bad_responses() {
        for body in [
            &b"<html>502</html>"[..],
            b"[1,2]",
            br#"{"errcode":"x"}"#,
            br#"{"openid":1}"#,
        ] {
            assert!(
                matches!(decode::<Session>(body), Err(WeChatError::BadResponse(_))),
                "{body:?}"
            );
        }
    }
}
