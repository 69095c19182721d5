//! The OpenID Connect provider's published parts: discovery, the JWKS, signing keys sealed at
//! rest, tokens that verify with the published key, and rotation.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use datong::clock::ManualClock;
use datong::crypto::secret_box::SecretBox;
use datong::oidc::SigningKeys;
use datong::store::entities::signing_key;
use datong::tokens::jwt::{self, JwtError};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::support::{each_database, start_time, test_app};

#[tokio::test]
async fn discovery_names_every_endpoint_under_the_issuer() {
    let app = test_app().await;
    let reply = app.get("/.well-known/openid-configuration", None).await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    let issuer = doc["issuer"].as_str().unwrap().to_string();
    assert_eq!(issuer, "http://127.0.0.1:3000");
    for (key, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("userinfo_endpoint", "/oauth/userinfo"),
        ("jwks_uri", "/oauth/jwks"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("end_session_endpoint", "/oauth/logout"),
    ] {
        assert_eq!(doc[key], format!("{issuer}{path}"), "{key}");
    }
    // Authorization code only, PKCE with S256, RS256 ID tokens, iss on the redirect.
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(
        doc["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "urn:datong:params:oauth:grant-type:wechat"
        ])
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        doc["scopes_supported"],
        json!(["openid", "profile", "phone", "offline_access"])
    );
}

#[tokio::test]
async fn the_jwks_publishes_an_rsa_signing_key_named_by_its_thumbprint() {
    let app = test_app().await;
    let reply = app.get("/oauth/jwks", None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("cache-control").unwrap().contains("max-age"));
    let doc = reply.json();
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{doc}");
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["e"], "AQAB");
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256, "a 2048-bit modulus");
    assert!(
        key.get("d").is_none() && key.get("p").is_none(),
        "no private part"
    );
    // RFC 7638: the kid is the SHA-256 thumbprint of the public key.
    use sha2::Digest;
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        key["e"].as_str().unwrap(),
        key["n"].as_str().unwrap()
    );
    assert_eq!(
        key["kid"],
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
    );
    // The same key on the next call.
    assert_eq!(app.get("/oauth/jwks", None).await.json(), doc);
}

#[tokio::test]
async fn signed_tokens_verify_with_the_published_key_and_survive_a_rotation() {
    each_database(|db, name| async move {
        let clock = Arc::new(ManualClock::new(start_time()));
        let secrets = SecretBox::new(&[5u8; 32]);
        let keys = SigningKeys::new(db.clone(), secrets.clone(), clock.clone());
        let claims = json!({"sub": "u1", "aud": "dt_client"});

        let first = keys.sign("JWT", &claims).await.unwrap();
        let published = keys.jwks().await.unwrap().keys;
        assert_eq!(published.len(), 1, "{name}");
        assert_eq!(jwt::verify(&first, &published).unwrap(), claims, "{name}");

        // A changed payload or signature does not verify.
        let parts: Vec<&str> = first.split('.').collect();
        let forged_claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","aud":"dt_client"}"#);
        let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
        assert_eq!(jwt::verify(&forged, &published), Err(JwtError::Signature));
        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[10] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(jwt::verify(&flipped, &published), Err(JwtError::Signature));
        // `alg: none` is refused outright.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"x","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(jwt::verify(&none, &published), Err(JwtError::Algorithm));

        // The private key is sealed at rest: the row is not the key, and only the master key
        // with the kid as associated data opens it.
        let rows = signing_key::Entity::find().all(&db).await.unwrap();
        let row = &rows[0];
        let der = secrets
            .open(
                &row.private_sealed,
                format!("oidc-key:{}", row.kid).as_bytes(),
            )
            .unwrap();
        assert!(ring::signature::RsaKeyPair::from_pkcs8(&der).is_ok());
        assert!(
            !row.private_sealed
                .windows(32)
                .any(|w| der.windows(32).any(|d| d == w)),
            "{name}: key material stored in clear"
        );
        assert!(
            SecretBox::new(&[6u8; 32])
                .open(
                    &row.private_sealed,
                    format!("oidc-key:{}", row.kid).as_bytes()
                )
                .is_err()
        );

        // Rotation: new tokens carry the new kid; the old token still verifies.
        let old_kid = published[0].kid.clone();
        assert!(keys.verify(&first).await.unwrap().is_ok(), "{name}");
        clock.advance(Duration::minutes(5));
        let new_kid = keys.rotate().await.unwrap();
        assert_ne!(new_kid, old_kid);
        let second = keys.sign("JWT", &claims).await.unwrap();
        let header: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(second.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["kid"], new_kid.as_str(), "{name}");
        let published = keys.jwks().await.unwrap().keys;
        let kids: Vec<&str> = published.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, [new_kid.as_str(), old_kid.as_str()], "{name}");
        assert!(jwt::verify(&first, &published).is_ok());
        assert!(jwt::verify(&second, &published).is_ok());
        assert!(keys.verify(&first).await.unwrap().is_ok(), "{name}");
        assert!(keys.verify(&second).await.unwrap().is_ok(), "{name}");

        // Once every token it signed has expired, the old key leaves the JWKS.
        clock.advance(Duration::hours(26));
        let published = keys.jwks().await.unwrap().keys;
        assert_eq!(published.len(), 1, "{name}");
        assert_eq!(jwt::verify(&first, &published), Err(JwtError::UnknownKey));
        assert!(jwt::verify(&second, &published).is_ok());
        assert_eq!(
            keys.verify(&first).await.unwrap(),
            Err(JwtError::UnknownKey),
            "{name}: the cached keys expire with the JWKS"
        );

        // Another instance on the same database signs with the same current key.
        let other = SigningKeys::new(db.clone(), secrets.clone(), clock.clone());
        let third = other.sign("JWT", &claims).await.unwrap();
        assert!(third.starts_with(second.split('.').next().unwrap()));

        // A key another instance adds verifies here at once, although this instance read the
        // keys only a moment ago.
        assert!(keys.verify(&third).await.unwrap().is_ok(), "{name}");
        clock.advance(Duration::seconds(2));
        other.rotate().await.unwrap();
        let fourth = other.sign("JWT", &claims).await.unwrap();
        assert!(keys.verify(&fourth).await.unwrap().is_ok(), "{name}");
        let at = fourth.len() - 10;
        let swap = if &fourth[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{swap}{}", &fourth[..at], &fourth[at + 1..]);
        assert_eq!(
            keys.verify(&tampered).await.unwrap(),
            Err(JwtError::Signature),
            "{name}"
        );
    })
    .await;
}
